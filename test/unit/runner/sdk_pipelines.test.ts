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

test("testStream carries its elements as JSON text in string_utf8 (a coder Java knows); byte arrays survive", async () => {
  const { testStream, toTestStreamText } = require("../../../transforms/test_stream") as typeof import("../../../transforms/test_stream");
  const { paneCapture } = require("../../../transforms/testing") as typeof import("../../../transforms/testing");
  expect(toTestStreamText({ a: 1, bytes: Uint8Array.from([104, 105]) })).toBe('{"a":1,"bytes":{"$bytes":[104,105]}}');
  expect(() => toTestStreamText(undefined)).toThrow(/is not JSON data/);
  const seen = paneCapture<{ name: string; bytes: Uint8Array }>("bytes");
  await directRunner().run((root) => {
    root
      .apply(testStream<{ name: string; bytes: Uint8Array }>().addElements({ value: { name: "x", bytes: Uint8Array.from([1, 2, 255]) }, timestamp: 5 }).advanceWatermarkToInfinity())
      .apply(seen.capture());
  });
  const got = seen.elements();
  expect(got).toHaveLength(1);
  expect(got[0].timestamp).toBe(5);
  expect(got[0].value.bytes).toBeInstanceOf(Uint8Array);
  expect(Array.from(got[0].value.bytes)).toEqual([1, 2, 255]);
});
