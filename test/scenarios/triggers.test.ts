/** Triggers on the runner: speculative EARLY panes on the virtual processing-time clock, count triggers. */
import {
  BEGINNING,
  afterCount,
  afterProcessingTime,
  afterWatermark,
  assertPanes,
  fixedWindows,
  minutes,
  repeatedly,
  seconds,
  testStream,
  window,
  globalWindows,
  directRunner,
  paneCapture,
  windowInto,
  windowedCombine,
} from "../../transforms";
import { ESPRESSO, kv, runSalesScenario, sale, sum, type Sale } from "./support";
import { SCRIPTED_SOURCE, scriptedSource } from "./scripted_source";

const FIRST = window(BEGINNING, minutes(10));

test("early panes on processing time, then the ON_TIME pane, then a LATE pane per late element", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(ESPRESSO, 1, minutes(1)))
      .advanceProcessingTime(seconds(31))
      .addElements(sale(ESPRESSO, 2, minutes(2)))
      .advanceProcessingTime(seconds(31))
      .advanceWatermarkTo(minutes(10))
      .addElements(sale(ESPRESSO, 4, minutes(3)))
      .advanceWatermarkToInfinity(),
    fixedWindows(minutes(10)),
    {
      trigger: afterWatermark({ early: afterProcessingTime(seconds(30)), late: afterCount(1) }),
      allowedLateness: minutes(5),
      accumulation: "ACCUMULATING",
    },
  );
  assertPanes(out.results).inEarlyPanes(FIRST).containsInAnyOrder(kv(ESPRESSO, 1), kv(ESPRESSO, 3));
  assertPanes(out.results)
    .inEarlyPanes(FIRST)
    .satisfies("early panes are speculative (nonSpeculativeIndex -1)", (early) =>
      early.every((e) => e.pane.timing === "EARLY" && e.pane.nonSpeculativeIndex === -1),
    );
  assertPanes(out.results).inOnTimePane(FIRST).containsInAnyOrder(kv(ESPRESSO, 3));
  assertPanes(out.results).inLatePanes(FIRST).containsInAnyOrder(kv(ESPRESSO, 7));
  assertPanes(out.results).satisfies("pane indexes count up 0..3", (all) =>
    all.map((e) => e.pane.index).join(",") === "0,1,2,3",
  );
});

test("repeated count trigger in the global window, discarding: a pane every two sales", async () => {
  const out = await runSalesScenario(
    testStream<Sale>()
      .addElements(sale(ESPRESSO, 1, minutes(1)), sale(ESPRESSO, 2, minutes(2)))
      .addElements(sale(ESPRESSO, 4, minutes(3)), sale(ESPRESSO, 8, minutes(4)))
      .addElements(sale(ESPRESSO, 16, minutes(5)))
      .advanceWatermarkToInfinity(),
    globalWindows(),
    { trigger: repeatedly(afterCount(2)), accumulation: "DISCARDING" },
  );
  const values = out.results.map((e) => e.value.value);
  expect(values.slice(0, 2)).toEqual([3, 12]);
  // The leftover sale comes out in the final pane at the end of the global window.
  expect(values.reduce((a, b) => a + b, 0)).toBe(31);
  assertPanes(out.results).satisfies("the last pane is final", (all) => all[all.length - 1].pane.isLast);
});

test("on the real clock, a processing-time trigger fires while the source is idle", async () => {
  const source = scriptedSource<Sale>([sale(ESPRESSO, 5, minutes(1))], minutes(2), false);
  const results = paneCapture<{ key: string; value: number }>("results");
  const started = Date.now();
  await directRunner({ sources: [SCRIPTED_SOURCE], stopWhenIdleMs: 400 }).run((root) => {
    root
      .apply(source.transform)
      .apply(windowInto<Sale>(globalWindows(), { trigger: repeatedly(afterProcessingTime(50)), accumulation: "DISCARDING" }))
      .apply(windowedCombine({ key: (s: Sale) => s.product, value: (s: Sale) => s.amount, combineFn: sum }))
      .results.apply(results.capture());
  });
  expect(results.elements().map((e) => [e.value.value, e.pane.timing])).toEqual([[5, "EARLY"]]);
  expect(Date.now() - started).toBeLessThan(5000);
});
