/** Session windows with a 5-minute gap per product: merging, lateness, and keys kept apart. */
import { assertPanes, minutes, sessions, testStream, window } from "../../transforms";
import { BAGEL, CROISSANT, ESPRESSO, kv, runSalesScenario, sale, type Sale } from "./support";

const gap5 = () => sessions(minutes(5));

test("on time: sales closer than the gap form one session, fired when the watermark passes its end", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(ESPRESSO, 1, minutes(1)), sale(ESPRESSO, 2, minutes(3)))
      .advanceWatermarkTo(minutes(8))
      .advanceWatermarkToInfinity(),
    gap5(),
  );
  assertPanes(out.results).inOnTimePane(window(minutes(1), minutes(8))).containsInAnyOrder(kv(ESPRESSO, 3));
  expect(out.results).toHaveLength(1);
});

test("late within allowed lateness: a late sale merges into the fired session and a LATE pane follows", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(ESPRESSO, 1, minutes(1)))
      .advanceWatermarkTo(minutes(7))
      .addElements(sale(ESPRESSO, 2, minutes(2)))
      .advanceWatermarkToInfinity(),
    gap5(),
    { allowedLateness: minutes(10), accumulation: "ACCUMULATING" },
  );
  assertPanes(out.results).inOnTimePane(window(minutes(1), minutes(6))).containsInAnyOrder(kv(ESPRESSO, 1));
  assertPanes(out.results).inLatePanes(window(minutes(1), minutes(7))).containsInAnyOrder(kv(ESPRESSO, 3));
  assertPanes(out.late).isEmpty();
});

test("droppably late: a sale for a garbage-collected session goes to the late output", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(ESPRESSO, 1, minutes(1)))
      .advanceWatermarkTo(minutes(30))
      .addElements(sale(ESPRESSO, 2, minutes(2)))
      .advanceWatermarkToInfinity(),
    gap5(),
    { allowedLateness: minutes(10), accumulation: "ACCUMULATING" },
  );
  assertPanes(out.results).containsInAnyOrder(kv(ESPRESSO, 1));
  assertPanes(out.late).containsInAnyOrder({
    key: ESPRESSO,
    value: 2,
    timestamp: minutes(2),
    windows: [{ start: minutes(2), end: minutes(7) }],
    watermark: minutes(30),
    reason: "EXPIRED_WINDOW",
  });
  expect(out.counters.droppedDueToLateness).toBe(1);
});

test("out of order within a session: a sale arriving between two earlier ones bridges them into one session", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(ESPRESSO, 1, minutes(1)), sale(ESPRESSO, 100, minutes(9)))
      .advanceWatermarkTo(minutes(4))
      .addElements(sale(ESPRESSO, 10, minutes(5)))
      .advanceWatermarkToInfinity(),
    gap5(),
  );
  assertPanes(out.results).inOnTimePane(window(minutes(1), minutes(14))).containsInAnyOrder(kv(ESPRESSO, 111));
  expect(out.results).toHaveLength(1);
});

test("idle input then a burst: the gap splits sessions, the burst is one session", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(CROISSANT, 1, minutes(1)))
      .advanceWatermarkTo(minutes(10))
      .advanceProcessingTime(minutes(60))
      .addElements(...Array.from({ length: 30 }, (_, i) => sale(CROISSANT, 1, minutes(20) + i * 1000)))
      .advanceWatermarkToInfinity(),
    gap5(),
  );
  assertPanes(out.results).inOnTimePane(window(minutes(1), minutes(6))).containsInAnyOrder(kv(CROISSANT, 1));
  assertPanes(out.results)
    .inOnTimePane(window(minutes(20), minutes(25) + 29_000))
    .containsInAnyOrder(kv(CROISSANT, 30));
  expect(out.results).toHaveLength(2);
});

test("sessions merge and split per key: one product's sales never join another product's session", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(
        sale(ESPRESSO, 1, minutes(1)),
        sale(CROISSANT, 10, minutes(2)),
        sale(ESPRESSO, 2, minutes(4)),
        sale(CROISSANT, 20, minutes(12)),
        sale(BAGEL, 100, minutes(3)),
      )
      .advanceWatermarkTo(minutes(9))
      .addElements(sale(ESPRESSO, 4, minutes(20)))
      .advanceWatermarkToInfinity(),
    gap5(),
  );
  assertPanes(out.results).inOnTimePane(window(minutes(1), minutes(9))).containsInAnyOrder(kv(ESPRESSO, 3));
  assertPanes(out.results).inOnTimePane(window(minutes(20), minutes(25))).containsInAnyOrder(kv(ESPRESSO, 4));
  assertPanes(out.results).inOnTimePane(window(minutes(2), minutes(7))).containsInAnyOrder(kv(CROISSANT, 10));
  assertPanes(out.results).inOnTimePane(window(minutes(12), minutes(17))).containsInAnyOrder(kv(CROISSANT, 20));
  assertPanes(out.results).inOnTimePane(window(minutes(3), minutes(8))).containsInAnyOrder(kv(BAGEL, 100));
  expect(out.results).toHaveLength(5);
});
