/**
 * How a pipeline ends. A bounded source that is stopped ends its input: Beam fires everything it fires at end of
 * input. An unbounded source that is stopped does not: open windows stay unfired (their data is not durable, so
 * its offsets would not be committed). A TestStream ends by itself after its last event.
 */
import {
  BEGINNING,
  assertPanes,
  directRunner,
  fixedWindows,
  minutes,
  paneCapture,
  window,
  windowInto,
  windowedCombine,
} from "../../transforms";
import type { Root } from "apache-beam/pvalue";
import type { PaneCapture } from "../../transforms";
import { ESPRESSO, kv, sale, sum, type Sale } from "./support";
import { SCRIPTED_SOURCE, durableCalls, scriptedSource } from "./scripted_source";

const FIRST = window(BEGINNING, minutes(10));
const SECOND = window(minutes(10), minutes(20));

/** The pipeline every test here stops: sales → 10-minute fixed windows → sum per product → captured panes. */
function sumPerProduct(
  source: ReturnType<typeof scriptedSource<Sale>>,
  results: PaneCapture<{ key: string; value: number }>,
): (root: Root) => void {
  return (root) => {
    root
      .apply(source.transform)
      .apply(windowInto<Sale>(fixedWindows(minutes(10))))
      .apply(windowedCombine({ key: (s: Sale) => s.product, value: (s: Sale) => s.amount, combineFn: sum }))
      .results.apply(results.capture());
  };
}

async function runUntilIdle(bounded: boolean) {
  const source = scriptedSource<Sale>(
    [sale(ESPRESSO, 1, minutes(1)), sale(ESPRESSO, 2, minutes(2)), sale(ESPRESSO, 4, minutes(12))],
    minutes(11),
    bounded,
  );
  const results = paneCapture<{ key: string; value: number }>("results");
  const started = Date.now();
  await directRunner({ sources: [SCRIPTED_SOURCE], stopWhenIdleMs: 100 }).run(sumPerProduct(source, results));
  return { results: results.elements(), durable: durableCalls.get(source.id) ?? [], tookMs: Date.now() - started };
}

test("unbounded input stopped when idle: the closed window fired, the open one did not", async () => {
  const out = await runUntilIdle(false);
  assertPanes(out.results).inOnTimePane(FIRST).containsInAnyOrder(kv(ESPRESSO, 3));
  assertPanes(out.results).inWindow(SECOND).isEmpty();
  // The second window's sale (minute 12) is still only in state: nothing from minute 12 on is durable.
  expect(out.durable[out.durable.length - 1]).toBe(minutes(12));
  expect(out.tookMs).toBeLessThan(5000);
});

test("bounded input stopped when idle: end of input fires the open window too", async () => {
  const out = await runUntilIdle(true);
  assertPanes(out.results).inOnTimePane(FIRST).containsInAnyOrder(kv(ESPRESSO, 3));
  assertPanes(out.results).inOnTimePane(SECOND).containsInAnyOrder(kv(ESPRESSO, 4));
  expect(out.durable[out.durable.length - 1]).toBe(Number.POSITIVE_INFINITY);
});

test("a source that fails while closing (its final commit) fails a run that would have ended cleanly", async () => {
  const source = scriptedSource<Sale>([sale(ESPRESSO, 1, minutes(1))], minutes(11), false, "final commit failed: broker gone");
  const results = paneCapture<{ key: string; value: number }>("results");
  await expect(directRunner({ sources: [SCRIPTED_SOURCE], stopWhenIdleMs: 100 }).run(sumPerProduct(source, results))).rejects.toThrow(
    "final commit failed: broker gone",
  );
});

test("stop() on a running pipeline finishes it cleanly", async () => {
  const source = scriptedSource<Sale>([sale(ESPRESSO, 1, minutes(1))], minutes(11), false);
  const results = paneCapture<{ key: string; value: number }>("results");
  const runner = directRunner({ sources: [SCRIPTED_SOURCE] });
  const result = await runner.runAsync(sumPerProduct(source, results));
  await new Promise((resolve) => setTimeout(resolve, 50));
  runner.stop();
  await result.waitUntilFinish();
  assertPanes(results).inOnTimePane(FIRST).containsInAnyOrder(kv(ESPRESSO, 1));
});

test("SIGINT (with handleSignals) stops cleanly: the run resolves, closed windows were emitted", async () => {
  const source = scriptedSource<Sale>([sale(ESPRESSO, 5, minutes(1))], minutes(11), false);
  const results = paneCapture<{ key: string; value: number }>("results");
  const listenersBefore = process.listenerCount("SIGINT");
  const result = await directRunner({ sources: [SCRIPTED_SOURCE], handleSignals: true }).runAsync(sumPerProduct(source, results));
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.emit("SIGINT");
  await result.waitUntilFinish();
  assertPanes(results).inOnTimePane(FIRST).containsInAnyOrder(kv(ESPRESSO, 5));
  // The runner removed its handlers again.
  expect(process.listenerCount("SIGINT")).toBe(listenersBefore);
});
