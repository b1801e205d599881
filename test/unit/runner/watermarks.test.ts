/** Watermark propagation: outputs never pass inputs, grouped steps and async work hold them, ends reach +∞. */
import * as beam from "apache-beam";
import {
  asyncParDo,
  directRunner,
  fixedWindows,
  minutes,
  paneCapture,
  testStream,
  windowInto,
  windowedCombine,
} from "../../../transforms";
import type { DirectPipelineResult } from "../../../runners/direct/runner";
import { SCRIPTED_SOURCE, scriptedSource } from "../../scenarios/scripted_source";

interface Sale {
  readonly product: string;
  readonly amount: number;
}
const sum = {
  createAccumulator: () => 0,
  addInput: (a: number, b: number) => a + b,
  mergeAccumulators: (accs: Iterable<number>) => [...accs].reduce((x, y) => x + y, 0),
  extractOutput: (a: number) => a,
};

test("an unbounded source's watermark flows through every step; nothing passes it", async () => {
  const source = scriptedSource<Sale>([{ value: { product: "espresso", amount: 1 }, timestamp: minutes(1) }], minutes(11), false);
  const result = (await directRunner({ sources: [SCRIPTED_SOURCE], stopWhenIdleMs: 50 }).run((root) => {
    root
      .apply(source.transform)
      .apply(windowInto<Sale>(fixedWindows(minutes(10))))
      .apply(windowedCombine({ key: (s: Sale) => s.product, value: (s: Sale) => s.amount, combineFn: sum }))
      .results.map(beam.withName("format", (kv: { key: string; value: number }) => `${kv.key}=${kv.value}`));
  })) as DirectPipelineResult;
  const watermarks = Object.values(result.watermarks());
  expect(watermarks.length).toBeGreaterThan(4);
  // Stopped, not ended: every collection sits at the source watermark (no step holds anything back here).
  for (const wm of watermarks) expect(wm).toBe(minutes(11));
});

test("when the input ends every collection reaches +∞", async () => {
  const result = (await directRunner().run((root) => {
    root
      .apply(testStream<Sale>().addElements({ value: { product: "espresso", amount: 1 }, timestamp: minutes(1) }).advanceWatermarkToInfinity())
      .apply(windowInto<Sale>(fixedWindows(minutes(10))))
      .apply(windowedCombine({ key: (s: Sale) => s.product, value: (s: Sale) => s.amount, combineFn: sum }));
  })) as DirectPipelineResult;
  for (const wm of Object.values(result.watermarks())) expect(wm).toBe(Number.POSITIVE_INFINITY);
});

test("an async DoFn holds its output watermark at its in-flight elements, so a downstream window cannot fire early", async () => {
  const results = paneCapture<{ key: string; value: number }>("results");
  await directRunner().run((root) => {
    root
      .apply(
        testStream<Sale>()
          .addElements({ value: { product: "espresso", amount: 1 }, timestamp: minutes(1) })
          .advanceWatermarkTo(minutes(30))
          .advanceWatermarkToInfinity(),
      )
      .apply(
        asyncParDo<Sale, Sale>({
          process: async function slowEnrich(sale: Sale): Promise<Sale[]> {
            await new Promise((resolve) => setTimeout(resolve, 30));
            return [{ product: sale.product, amount: sale.amount * 10 }];
          },
        }),
      )
      .apply(windowInto<Sale>(fixedWindows(minutes(10))))
      .apply(windowedCombine({ key: (s: Sale) => s.product, value: (s: Sale) => s.amount, combineFn: sum }))
      .results.apply(results.capture());
  });
  // Had the watermark passed minute 10 before the slow element arrived, it would have been droppable.
  expect(results.elements().map((e) => [e.value.value, e.pane.timing])).toEqual([[10, "ON_TIME"]]);
});
