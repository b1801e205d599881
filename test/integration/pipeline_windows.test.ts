/**
 * The sales pipeline (Kafka → parse → window → sum/count/avg → sinks) on the direct runner against the real
 * broker: exact aggregates per window for each window kind, from deterministic input on two partitions, drained
 * with --stop-when-idle (end of input fires every window).
 */
import { produce } from "./kafka_test_helpers";
import {
  ALICE,
  APPLES,
  BOB,
  BREAD,
  CAROL,
  DAVE,
  freshTopic,
  rows,
  sale,
  saleRecord,
  seconds,
  startPipeline,
} from "./pipeline_test_helpers";
import type { SalesAggregationConfig } from "../../pipelines/sales_aggregation";

jest.setTimeout(60_000);

/** Seven sales over two minutes, on two partitions, out of order across partitions. */
async function produceSales(topic: string): Promise<void> {
  await produce(topic, [
    saleRecord(0, sale(ALICE, APPLES, 10, seconds(10))),
    saleRecord(0, sale(BOB, BREAD, 5, seconds(20))),
    saleRecord(0, sale(ALICE, APPLES, 20, seconds(50))),
    saleRecord(0, sale(CAROL, APPLES, 7, seconds(65))),
    saleRecord(1, sale(BOB, BREAD, 15, seconds(30))),
    saleRecord(1, sale(CAROL, BREAD, 1, seconds(100))),
    saleRecord(1, sale(DAVE, APPLES, 3, seconds(119))),
  ]);
}

async function runToEnd(config: SalesAggregationConfig): Promise<string[]> {
  const { topic, groupId } = await freshTopic(2);
  await produceSales(topic);
  const run = await startPipeline(config, { topic, groupId, stopWhenIdle: 1500 });
  await run.result.waitUntilFinish();
  expect(run.deadLetters.elements()).toEqual([]);
  expect(run.late.elements()).toEqual([]);
  return rows(run);
}

const ON_TIME = { trigger: {}, allowedLateness: 0 } as const;

describe("sales pipeline on Kafka: aggregates per window kind", () => {
  test("fixed 1-minute windows per product", async () => {
    const result = await runToEnd({ ...ON_TIME, window: { kind: "fixed", size: 60_000, offset: 0 }, key: "product" });
    expect(result).toEqual([
      "[0,60) apples sum=30 count=2 ON_TIME final",
      "[0,60) bread sum=20 count=2 ON_TIME final",
      "[60,120) apples sum=10 count=2 ON_TIME final",
      "[60,120) bread sum=1 count=1 ON_TIME final",
    ]);
  });

  test("sliding 1-minute windows every 30 s per product: each sale counts in both windows containing it", async () => {
    const result = await runToEnd({
      ...ON_TIME,
      window: { kind: "sliding", size: 60_000, period: 30_000, offset: 0 },
      key: "product",
    });
    expect(result).toEqual([
      "[-30,30) apples sum=10 count=1 ON_TIME final",
      "[-30,30) bread sum=5 count=1 ON_TIME final",
      "[0,60) apples sum=30 count=2 ON_TIME final",
      "[0,60) bread sum=20 count=2 ON_TIME final",
      "[30,90) apples sum=27 count=2 ON_TIME final",
      "[30,90) bread sum=15 count=1 ON_TIME final",
      "[60,120) apples sum=10 count=2 ON_TIME final",
      "[60,120) bread sum=1 count=1 ON_TIME final",
      "[90,150) apples sum=3 count=1 ON_TIME final",
      "[90,150) bread sum=1 count=1 ON_TIME final",
    ]);
  });

  test("30-second sessions per user (the tutorial's session windows)", async () => {
    const result = await runToEnd({ ...ON_TIME, window: { kind: "sessions", gap: 30_000 }, key: "user" });
    expect(result).toEqual([
      "[10,40) alice sum=10 count=1 ON_TIME final",
      "[100,130) carol sum=1 count=1 ON_TIME final",
      "[119,149) dave sum=3 count=1 ON_TIME final",
      "[20,60) bob sum=20 count=2 ON_TIME final",
      "[50,80) alice sum=20 count=1 ON_TIME final",
      "[65,95) carol sum=7 count=1 ON_TIME final",
    ]);
  });

  test("30-second sessions per product (the documented variant)", async () => {
    const result = await runToEnd({ ...ON_TIME, window: { kind: "sessions", gap: 30_000 }, key: "product" });
    expect(result).toEqual([
      "[10,40) apples sum=10 count=1 ON_TIME final",
      "[100,130) bread sum=1 count=1 ON_TIME final",
      "[119,149) apples sum=3 count=1 ON_TIME final",
      "[20,60) bread sum=20 count=2 ON_TIME final",
      "[50,95) apples sum=27 count=2 ON_TIME final",
    ]);
  });

  test("averages are sum / count", async () => {
    const { topic, groupId } = await freshTopic(2);
    await produceSales(topic);
    const run = await startPipeline(
      { ...ON_TIME, window: { kind: "fixed", size: 60_000, offset: 0 }, key: "product" },
      { topic, groupId, stopWhenIdle: 1500 },
    );
    await run.result.waitUntilFinish();
    const averages = run.results.elements().map((e) => [e.value.key, e.value.window.start, e.value.avg]);
    expect(averages).toEqual(
      expect.arrayContaining([
        [APPLES, seconds(0), 15],
        [BREAD, seconds(0), 10],
        [APPLES, seconds(60), 5],
        [BREAD, seconds(60), 1],
      ]),
    );
  });
});
