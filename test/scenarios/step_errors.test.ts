/**
 * Issue 8, finding 1, the last line of defence without Kafka: a CombineFn that throws on one element is named by
 * its grouped step (not by the source), and onStepError "dead-letter" routes the element and goes on.
 */
import type { Root } from "apache-beam/pvalue";
import type { CombineFn } from "apache-beam/transforms/group_and_combine";
import { directRunner, fixedWindows, minutes, paneCapture, windowInto, windowedCombine } from "../../transforms";
import type { StepFailure } from "../../runners/direct/step_errors";
import { ESPRESSO, sale, type Sale } from "./support";
import { SCRIPTED_SOURCE, scriptedSource } from "./scripted_source";

/** Sums amounts; throws on a negative one (a bug in a user's CombineFn). */
const fragileSum: CombineFn<number, number, number> = {
  createAccumulator: () => 0,
  addInput: (acc: number, amount: number) => {
    if (amount < 0) throw new RangeError(`negative amount ${amount}`);
    return acc + amount;
  },
  mergeAccumulators: (accs: Iterable<number>) => {
    let total = 0;
    for (const a of accs) total += a;
    return total;
  },
  extractOutput: (acc: number) => acc,
};

function pipeline(results: ReturnType<typeof paneCapture<{ key: string; value: number }>>): (root: Root) => void {
  const source = scriptedSource<Sale>([sale(ESPRESSO, 1, minutes(1)), sale(ESPRESSO, -5, minutes(2)), sale(ESPRESSO, 2, minutes(3))], minutes(30), true);
  return (root) => {
    root
      .apply(source.transform)
      .apply(windowInto<Sale>(fixedWindows(minutes(10))))
      .apply(windowedCombine({ key: (s: Sale) => s.product, value: (s: Sale) => s.amount, combineFn: fragileSum, name: "fragileSum" }))
      .results.apply(results.capture());
  };
}

test("a CombineFn that throws fails the run naming its step and the error", async () => {
  const results = paneCapture<{ key: string; value: number }>("results");
  await expect(directRunner({ sources: [SCRIPTED_SOURCE], stopWhenIdleMs: 200 }).run(pipeline(results))).rejects.toThrow(
    /^step fragileSum\S* threw RangeError: negative amount -5 on a record of \S+; to send such records to the dead-letter output and go on, run with --on-step-error=dead-letter/,
  );
});

test("with onStepError dead-letter the element is routed and the others are summed", async () => {
  const results = paneCapture<{ key: string; value: number }>("results");
  const failures: StepFailure[] = [];
  await directRunner({ sources: [SCRIPTED_SOURCE], stopWhenIdleMs: 200, onStepError: "dead-letter", deadLetter: (f) => failures.push(f) }).run(pipeline(results));
  expect(failures.map((f) => f.reason)).toEqual([expect.stringMatching(/^step fragileSum\S* threw RangeError: negative amount -5 on /)]);
  expect(results.elements().map((e) => e.value)).toEqual([{ key: ESPRESSO, value: 3 }]);
});
