/** Sliding windows of 10 minutes every 5 minutes: each sale belongs to two windows. */
import { assertPanes, minutes, slidingWindows, testStream, window } from "../../transforms";
import { CROISSANT, ESPRESSO, kv, runSalesScenario, sale, type Sale } from "./support";

const EARLIER = window(minutes(-5), minutes(5));
const FIRST = window(minutes(0), minutes(10));
const SECOND = window(minutes(5), minutes(15));
const THIRD = window(minutes(10), minutes(20));
const every5of10 = () => slidingWindows(minutes(10), minutes(5));

test("on time: a sale is counted in both windows that contain it", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(ESPRESSO, 1, minutes(2)), sale(ESPRESSO, 10, minutes(7)), sale(CROISSANT, 5, minutes(12)))
      .advanceWatermarkToInfinity(),
    every5of10(),
  );
  assertPanes(out.results).inOnTimePane(EARLIER).containsInAnyOrder(kv(ESPRESSO, 1));
  assertPanes(out.results).inOnTimePane(FIRST).containsInAnyOrder(kv(ESPRESSO, 11));
  assertPanes(out.results).inOnTimePane(SECOND).containsInAnyOrder(kv(ESPRESSO, 10), kv(CROISSANT, 5));
  assertPanes(out.results).inOnTimePane(THIRD).containsInAnyOrder(kv(CROISSANT, 5));
  expect(out.results).toHaveLength(5);
});

test("late within allowed lateness: both windows get a LATE pane", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(ESPRESSO, 1, minutes(7)))
      .advanceWatermarkTo(minutes(16))
      .addElements(sale(ESPRESSO, 2, minutes(8)))
      .advanceWatermarkToInfinity(),
    every5of10(),
    { allowedLateness: minutes(10), accumulation: "ACCUMULATING" },
  );
  assertPanes(out.results).inOnTimePane(FIRST).containsInAnyOrder(kv(ESPRESSO, 1));
  assertPanes(out.results).inOnTimePane(SECOND).containsInAnyOrder(kv(ESPRESSO, 1));
  assertPanes(out.results).inLatePanes(FIRST).containsInAnyOrder(kv(ESPRESSO, 3));
  assertPanes(out.results).inLatePanes(SECOND).containsInAnyOrder(kv(ESPRESSO, 3));
  assertPanes(out.late).isEmpty();
});

test("droppably late in one window only: counted in the live window, the missed window goes to the late output", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(ESPRESSO, 1, minutes(7)))
      .advanceWatermarkTo(minutes(16))
      .addElements(sale(ESPRESSO, 2, minutes(8)))
      .advanceWatermarkToInfinity(),
    every5of10(),
    { allowedLateness: minutes(5), accumulation: "ACCUMULATING" },
  );
  // [0, 10) expired at 15 min − 1 ms; [5, 15) lives until 20 min − 1 ms.
  assertPanes(out.results).inWindow(FIRST).containsInAnyOrder(kv(ESPRESSO, 1));
  assertPanes(out.results).inLatePanes(SECOND).containsInAnyOrder(kv(ESPRESSO, 3));
  assertPanes(out.late).containsInAnyOrder({
    key: ESPRESSO,
    value: 2,
    timestamp: minutes(8),
    windows: [{ start: FIRST.start, end: FIRST.end }],
    watermark: minutes(16),
    reason: "EXPIRED_WINDOW",
  });
  expect(out.counters.droppedDueToLateness).toBe(1);
});

test("out of order within a window: sums are the same whatever the arrival order", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(ESPRESSO, 100, minutes(9)), sale(ESPRESSO, 1, minutes(6)))
      .advanceWatermarkTo(minutes(6))
      .addElements(sale(ESPRESSO, 10, minutes(7)))
      .advanceWatermarkToInfinity(),
    every5of10(),
  );
  assertPanes(out.results).inOnTimePane(FIRST).containsInAnyOrder(kv(ESPRESSO, 111));
  assertPanes(out.results).inOnTimePane(SECOND).containsInAnyOrder(kv(ESPRESSO, 111));
});

test("idle input then a burst: the burst fills the windows it belongs to", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .advanceWatermarkTo(minutes(1))
      .advanceProcessingTime(minutes(60))
      .addElements(...Array.from({ length: 20 }, () => sale(CROISSANT, 1, minutes(11))))
      .advanceWatermarkToInfinity(),
    every5of10(),
  );
  assertPanes(out.results).inOnTimePane(SECOND).containsInAnyOrder(kv(CROISSANT, 20));
  assertPanes(out.results).inOnTimePane(THIRD).containsInAnyOrder(kv(CROISSANT, 20));
  expect(out.results).toHaveLength(2);
});
