/**
 * Issue 8, finding 4 on the real broker: an event stamped 2100-01-01 (a producer with a wrong clock) goes to the
 * dead letters with its reason instead of moving the watermark, so the events after it are still aggregated.
 */
import { produce } from "./kafka_test_helpers";
import { ALICE, APPLES, BOB, freshTopic, sale, saleRecord, startPipeline } from "./pipeline_test_helpers";

jest.setTimeout(60_000);

describe("guarded event time", () => {
  test("a 2100 timestamp in a live run is a dead letter; the later events are still aggregated, none is late", async () => {
    const { topic, groupId } = await freshTopic(1);
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const at = (s: number): number => minute + s * 1000;
    const run = await startPipeline(
      { window: { kind: "fixed", size: 60_000, offset: 0 }, key: "product", trigger: {}, allowedLateness: 0 },
      { topic, groupId, stopWhenIdle: 2000, maxFutureSkew: 3_600_000 },
    );
    await produce(topic, [saleRecord(0, sale(ALICE, APPLES, 1, at(1)))]);
    await produce(topic, [saleRecord(0, sale(BOB, APPLES, 100, Date.UTC(2100, 0, 1)))]);
    await produce(topic, [saleRecord(0, sale(ALICE, APPLES, 2, at(2))), saleRecord(0, sale(BOB, APPLES, 3, at(3)))]);
    await run.result.waitUntilFinish();

    const results = run.results.elements().map((e) => e.value);
    expect(results.map((r) => `${r.window.start - minute} ${r.key} ${r.sumCents} ${r.count}`)).toEqual(["0 apples 600 3"]);
    expect(run.late.elements()).toEqual([]);
    const dead = run.deadLetters.elements().map((e) => e.value);
    expect(dead).toHaveLength(1);
    expect(dead[0].offset).toBe("1");
    expect(dead[0].reason).toMatch(
      /^event time 2100-01-01T00:00:00\.000Z is 7\d\.\d years ahead of the wall clock \(more than --max-future-skew 1\.0 h\): not used for the watermark$/,
    );
  });

  test("with the guard off (0) the same event moves the watermark and the later events are late", async () => {
    const { topic, groupId } = await freshTopic(1);
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const run = await startPipeline(
      { window: { kind: "fixed", size: 60_000, offset: 0 }, key: "product", trigger: {}, allowedLateness: 0 },
      { topic, groupId, stopWhenIdle: 2000, maxFutureSkew: 0 },
    );
    await produce(topic, [saleRecord(0, sale(BOB, APPLES, 100, Date.UTC(2100, 0, 1)))]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await produce(topic, [saleRecord(0, sale(ALICE, APPLES, 2, minute + 2000))]);
    await run.result.waitUntilFinish();
    expect(run.late.elements()).toHaveLength(1);
    expect(run.deadLetters.elements()).toEqual([]);
  });
});
