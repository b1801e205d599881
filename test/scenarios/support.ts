/**
 * Scenario helpers: named products (the keys), sales at named times, a sum CombineFn, and a runner for the
 * standard pipeline TestStream → windowInto → windowedCombine → captures of results and late data.
 */
import "apache-beam";
import type { PCollection, Root } from "apache-beam/pvalue";
import type { PTransform } from "apache-beam/transforms/transform";
import type { KV } from "apache-beam/values";
import type { CombineFn } from "apache-beam/transforms/group_and_combine";
import type { Runner } from "apache-beam/runners/runner";
import {
  directRunner,
  paneCapture,
  windowInto,
  windowedCombine,
  type CapturedElement,
  type LateRecord,
  type SpecWindowFn,
  type TimestampedValue,
  type WindowingOptions,
} from "../../transforms";
import { DirectPipelineResult } from "../../runners/direct/runner";
import type { RunSnapshot } from "../../model/run_snapshot";

export const ESPRESSO = "espresso";
export const CROISSANT = "croissant";
export const BAGEL = "bagel";

export interface Sale {
  readonly product: string;
  readonly amount: number;
}

/** A sale of `amount` of `product` at event time `at`. */
export function sale(product: string, amount: number, at: number): TimestampedValue<Sale> {
  return { value: { product, amount }, timestamp: at };
}

export const sum: CombineFn<number, number, number> = {
  createAccumulator: () => 0,
  addInput: (acc: number, value: number) => acc + value,
  mergeAccumulators: (accs: Iterable<number>) => {
    let total = 0;
    for (const a of accs) total += a;
    return total;
  },
  extractOutput: (acc: number) => acc,
};

export interface ScenarioOutput {
  readonly results: CapturedElement<KV<string, number>>[];
  readonly late: CapturedElement<LateRecord<string, number>>[];
  readonly counters: Record<string, number>;
  /**
   * What the run reported about itself at the end (model/run_snapshot.ts); the direct
   * runner's only (undefined on another runner).
   */
  readonly snapshot: RunSnapshot;
}

/**
 * Runs stream → windowInto(windowFn, options) → windowedCombine(sum per product) and captures both outputs, on the
 * direct runner unless another runner is given (test/flink runs some scenarios on Flink).
 */
export async function runSalesScenario(
  stream: PTransform<Root, PCollection<Sale>>,
  windowFn: SpecWindowFn,
  options: WindowingOptions = {},
  runner: Runner = directRunner(),
): Promise<ScenarioOutput> {
  const results = paneCapture<KV<string, number>>("results");
  const late = paneCapture<LateRecord<string, number>>("late");
  const result = await runner.run((root) => {
    const sums = root
      .apply(stream)
      .apply(windowInto<Sale>(windowFn, options))
      .apply(
        windowedCombine({
          key: (s: Sale) => s.product,
          value: (s: Sale) => s.amount,
          combineFn: sum,
        }),
      );
    sums.results.apply(results.capture());
    sums.late.apply(late.capture());
  });
  return {
    results: results.elements(),
    late: late.elements(),
    counters: await result.counters(),
    snapshot: result instanceof DirectPipelineResult ? result.snapshot() : (undefined as unknown as RunSnapshot),
  };
}

/** Shorthand for expected {key, value} results. */
export function kv(key: string, value: number): KV<string, number> {
  return { key, value };
}
