import * as beam from "apache-beam";
import { sum } from "apache-beam/transforms/combiners";
import { directRunner } from "../../../runners/direct/runner";
import { paneCapture, assertPanes, BEGINNING, minutes, window } from "../../../transforms/testing";
import { testStream } from "../../../transforms/test_stream";

test("create → map → groupBy → capture", async () => {
  const out = paneCapture<{ key: string; value: number[] }>("out");
  await directRunner().run((root) => {
    root
      .apply(beam.create([1, 2, 3, 4]))
      .map(beam.withName("key", (x: number) => ({ key: x % 2 === 0 ? "even" : "odd", value: x * 10 })))
      .apply(beam.groupBy("key"))
      .map(beam.withName("values", (kv: { key: string; value: Array<{ value: number }> }) => ({ key: kv.key, value: kv.value.map((v) => v.value).sort() })))
      .apply(out.capture());
  });
  assertPanes(out).containsInAnyOrder({ key: "even", value: [20, 40] }, { key: "odd", value: [10, 30] });
});

test("teststream fixed windows sum", async () => {
  const out = paneCapture<{ key: string; value: number }>("out");
  await directRunner().run((root) => {
    root
      .apply(
        testStream<{ k: string; v: number }>()
          .addElements({ value: { k: "a", v: 1 }, timestamp: minutes(0) }, { value: { k: "a", v: 2 }, timestamp: minutes(1) })
          .advanceWatermarkTo(minutes(2))
          .addElements({ value: { k: "a", v: 5 }, timestamp: minutes(3) })
          .advanceWatermarkToInfinity(),
      )
      .apply(beam.windowInto(beam.fixedWindows(120)))
      .apply(beam.groupBy("k").combining("v", sum, "sum"))
      .map(beam.withName("out", (r: { k: string; sum: number }) => ({ key: r.k, value: r.sum })))
      .apply(out.capture());
  });
  assertPanes(out).inOnTimePane(window(BEGINNING, minutes(2))).containsInAnyOrder({ key: "a", value: 3 });
});
