/** Fixed 10-minute windows, sums per product, by how late the data is. */
import {
  BEGINNING,
  assertPanes,
  fixedWindows,
  minutes,
  seconds,
  testStream,
  window,
} from "../../transforms";
import { CROISSANT, ESPRESSO, kv, runSalesScenario, sale, type Sale } from "./support";

const FIRST = window(BEGINNING, minutes(10));
const SECOND = window(minutes(10), minutes(20));

test("on time: one ON_TIME pane per product when the watermark passes the window end", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(ESPRESSO, 3, minutes(1)), sale(ESPRESSO, 4, minutes(3)), sale(CROISSANT, 2, minutes(9)))
      .advanceWatermarkTo(minutes(10))
      .advanceWatermarkToInfinity(),
    fixedWindows(minutes(10)),
  );
  assertPanes(out.results).inOnTimePane(FIRST).containsInAnyOrder(kv(ESPRESSO, 7), kv(CROISSANT, 2));
  assertPanes(out.results).inFinalPane(FIRST).containsInAnyOrder(kv(ESPRESSO, 7), kv(CROISSANT, 2));
  assertPanes(out.results).satisfies("every pane is the first and the window's end is its timestamp", (all) =>
    all.every((e) => e.pane.isFirst && e.timestamp === minutes(10) - 1),
  );
  assertPanes(out.late).isEmpty();
});

test("late within allowed lateness: a LATE pane updates the window (accumulating)", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(ESPRESSO, 3, minutes(1)))
      .advanceWatermarkTo(minutes(11))
      .addElements(sale(ESPRESSO, 4, minutes(2)))
      .advanceWatermarkToInfinity(),
    fixedWindows(minutes(10)),
    { allowedLateness: minutes(5), accumulation: "ACCUMULATING" },
  );
  assertPanes(out.results).inOnTimePane(FIRST).containsInAnyOrder(kv(ESPRESSO, 3));
  assertPanes(out.results).inLatePanes(FIRST).containsInAnyOrder(kv(ESPRESSO, 7));
  assertPanes(out.results)
    .inLatePanes(FIRST)
    .satisfies("the late pane is the second pane, non-speculative index 1", (late) =>
      late.every((e) => e.pane.index === 1 && e.pane.nonSpeculativeIndex === 1 && !e.pane.isFirst),
    );
  assertPanes(out.late).isEmpty();
  expect(out.counters.droppedDueToLateness ?? 0).toBe(0);
});

test("droppably late: the element goes to the late output with its window and the watermark, and is counted", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(ESPRESSO, 3, minutes(1)))
      .advanceWatermarkTo(minutes(20))
      .addElements(sale(ESPRESSO, 4, minutes(2)))
      .advanceWatermarkToInfinity(),
    fixedWindows(minutes(10)),
    { allowedLateness: minutes(5), accumulation: "ACCUMULATING" },
  );
  assertPanes(out.results).inWindow(FIRST).containsInAnyOrder(kv(ESPRESSO, 3));
  assertPanes(out.late).containsInAnyOrder({
    key: ESPRESSO,
    value: 4,
    timestamp: minutes(2),
    windows: [{ start: FIRST.start, end: FIRST.end }],
    watermark: minutes(20),
    reason: "EXPIRED_WINDOW",
  });
  assertPanes(out.late).satisfies("late data is re-windowed into the global window", (late) =>
    late.every((e) => e.window.global === true && e.timestamp === minutes(2)),
  );
  expect(out.counters.droppedDueToLateness).toBe(1);
});

test("out of order within a window: arrival order does not matter before the watermark passes", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(ESPRESSO, 1, minutes(7)), sale(ESPRESSO, 10, minutes(2)))
      .advanceWatermarkTo(minutes(5))
      .addElements(sale(ESPRESSO, 100, minutes(4)), sale(ESPRESSO, 1000, minutes(12)))
      .advanceWatermarkToInfinity(),
    fixedWindows(minutes(10)),
  );
  assertPanes(out.results).inOnTimePane(FIRST).containsInAnyOrder(kv(ESPRESSO, 111));
  assertPanes(out.results).inOnTimePane(SECOND).containsInAnyOrder(kv(ESPRESSO, 1000));
  assertPanes(out.late).isEmpty();
});

test("idle input then a burst: nothing fires while idle, the burst lands in its windows", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(ESPRESSO, 1, minutes(1)))
      .advanceWatermarkTo(minutes(2))
      .advanceProcessingTime(minutes(30))
      .advanceProcessingTime(minutes(30))
      .addElements(
        ...Array.from({ length: 50 }, (_, i) => sale(i % 2 ? ESPRESSO : CROISSANT, 1, minutes(3) + seconds(i * 10))),
      )
      .advanceWatermarkToInfinity(),
    fixedWindows(minutes(10)),
  );
  // 50 sales every 10 s from minute 3: 42 before minute 10 (21 each), 8 after (4 each); plus the early espresso.
  assertPanes(out.results).inOnTimePane(FIRST).containsInAnyOrder(kv(ESPRESSO, 22), kv(CROISSANT, 21));
  assertPanes(out.results).inOnTimePane(SECOND).containsInAnyOrder(kv(ESPRESSO, 4), kv(CROISSANT, 4));
  expect(out.results).toHaveLength(4);
});
