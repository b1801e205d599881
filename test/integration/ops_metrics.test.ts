/**
 * Metrics of a real run, scraped over HTTP: a known input on a real 3-partition topic (dead letters of four reason
 * classes, one late element within the allowed lateness, two droppable elements) gives exactly those counts, the
 * right per-partition record counts, watermarks and offsets — during the run and at its end — and the same figures
 * as the run's result object. Health and readiness answer too.
 */
import { produce, rawRecord } from "./kafka_test_helpers";
import { APPLES, BOB, ALICE, freshTopic, rows, sale, saleRecord, seconds, startPipeline, waitFor } from "./pipeline_test_helpers";
import { get, scrape, value } from "./ops_helpers";
import { startOpsServer, type OpsServer } from "../../ops/server";

jest.setTimeout(90_000);

const FIXED_MINUTE = { kind: "fixed", size: 60_000, offset: 0 } as const;
const STEP = "sumCountAvgPerProduct/combinePerKeyAndWindow";
const PARSE = "parseSalesEvents/map(parseOrDeadLetter)";

describe("operations endpoint on a real run", () => {
  let ops: OpsServer | undefined;
  let stop: (() => Promise<unknown>) | undefined;
  afterEach(async () => {
    await stop?.().catch(() => undefined);
    await ops?.close();
    ops = undefined;
  });

  test("exact dead letters by reason, late and dropped counts, per-partition records, watermarks and offsets", async () => {
    const { topic, groupId } = await freshTopic(3);
    const { product_id: _dropped, ...withoutProduct } = sale(BOB, APPLES, 1, seconds(21));
    // Phase A: one sale per partition in [0, 60) plus five dead letters of four classes.
    await produce(topic, [
      saleRecord(0, sale(ALICE, APPLES, 10, seconds(10))),
      saleRecord(0, sale(ALICE, APPLES, 20, seconds(50))),
      rawRecord(0, seconds(11), "{not json", "mallory"),
      saleRecord(1, sale(BOB, APPLES, 5, seconds(20))),
      rawRecord(1, seconds(12), "[1, 2", "mallory"),
      rawRecord(1, seconds(21), JSON.stringify(withoutProduct), "bob"),
      saleRecord(2, sale(BOB, APPLES, 3, seconds(30))),
      rawRecord(2, seconds(13), JSON.stringify({ ...sale(BOB, APPLES, 3, seconds(13)), amount: "three" }), "bob"),
      { partition: 2, key: "tomb", value: null, timestamp: seconds(31) },
    ]);
    const run = await startPipeline(
      { window: FIXED_MINUTE, key: "product", trigger: {}, allowedLateness: 60_000 },
      { topic, groupId, stopWhenIdle: 2000 },
    );
    stop = () => run.result.stop();
    ops = await startOpsServer({ port: 0, snapshot: () => run.result.snapshot() });
    expect((await get(`${ops.url}/healthz`)).status).toBe(200);

    // Phase B: every partition past 80 s + 10 s delay: [0, 60) fires on time.
    await produce(topic, [
      saleRecord(0, sale(ALICE, APPLES, 1, seconds(90))),
      saleRecord(1, sale(BOB, APPLES, 1, seconds(95))),
      saleRecord(2, sale(BOB, APPLES, 1, seconds(92))),
    ]);
    await waitFor("the on-time pane of [0, 60)", () => rows(run).includes("[0,60) apples sum=38 count=4 ON_TIME"));

    // Scraped during the run.
    const during = await scrape(ops.url);
    const recordsRead = (p: number): number => value(during, "pipeline_records_read_total", { topic, partition: String(p) });
    expect([recordsRead(0), recordsRead(1), recordsRead(2)]).toEqual([4, 4, 4]);
    expect(value(during, "pipeline_dead_letters_total", { reason: "invalid_json" })).toBe(2);
    expect(value(during, "pipeline_dead_letters_total", { reason: "missing_field" })).toBe(1);
    expect(value(during, "pipeline_dead_letters_total", { reason: "invalid_field" })).toBe(1);
    expect(value(during, "pipeline_dead_letters_total", { reason: "no_value" })).toBe(1);
    expect(value(during, "pipeline_dead_letters_total", { reason: "not_an_object" })).toBe(0);
    expect(value(during, "pipeline_panes_total", { step: STEP, timing: "on_time" })).toBe(1);
    expect(value(during, "pipeline_watermark_seconds", { step: STEP })).toBe(seconds(80) / 1000);
    const partitionWatermarks = [0, 1, 2].map((p) => value(during, "pipeline_source_watermark_seconds", { topic, partition: String(p) }));
    expect(partitionWatermarks).toEqual([seconds(80) / 1000, seconds(85) / 1000, seconds(82) / 1000]);
    // [0, 60) (fired, kept for its allowed lateness) and [60, 120).
    expect(value(during, "pipeline_open_windows", { step: STEP })).toBe(2);
    expect(value(during, "pipeline_kafka_log_end_offset", { topic, partition: "0" })).toBe(4);
    // Every partition reached its end and was waited for --idle-timeout once: the merge went on without it.
    expect(value(during, "pipeline_kafka_idle_partition_total", { topic, partition: "0" })).toBeGreaterThanOrEqual(1);
    const ready = await get(`${ops.url}/readyz`);
    expect([ready.status, JSON.parse(ready.body)]).toEqual([200, { status: "ready", ready: true, reasons: [] }]);

    // Phase C: late, within the allowed lateness (watermark 80 s < 60 s + 60 s): a LATE pane.
    await produce(topic, [saleRecord(0, sale(BOB, APPLES, 7, seconds(40)))]);
    await waitFor("the late pane of [0, 60)", () => rows(run).includes("[0,60) apples sum=45 count=5 LATE"));
    // Phase D: the watermark to 290 s; then two sales of [0, 60) are droppable (its expiry, 120 s, has passed).
    await produce(topic, [
      saleRecord(0, sale(ALICE, APPLES, 1, seconds(300))),
      saleRecord(1, sale(BOB, APPLES, 1, seconds(300))),
      saleRecord(2, sale(BOB, APPLES, 1, seconds(300))),
    ]);
    await waitFor("the grouped step's watermark at 290 s", () =>
      run.result.snapshot().grouped.every((g) => g.inputWatermark >= seconds(290)),
    );
    await produce(topic, [saleRecord(0, sale(ALICE, APPLES, 2, seconds(30))), saleRecord(1, sale(BOB, APPLES, 2, seconds(35)))]);
    await run.result.waitUntilFinish();

    // Scraped at the end (the run is finished; the server still answers from its final figures).
    const end = await scrape(ops.url);
    const counts = [0, 1, 2].map((p) => value(end, "pipeline_records_read_total", { topic, partition: String(p) }));
    expect(counts).toEqual([7, 6, 5]);
    expect(value(end, "pipeline_dead_letters_total", { reason: "invalid_json" })).toBe(2);
    expect(value(end, "pipeline_dead_letters_total", { reason: "missing_field" })).toBe(1);
    expect(value(end, "pipeline_dead_letters_total", { reason: "invalid_field" })).toBe(1);
    expect(value(end, "pipeline_dead_letters_total", { reason: "no_value" })).toBe(1);
    expect(value(end, "pipeline_late_elements_total", { step: STEP })).toBe(1);
    expect(value(end, "pipeline_dropped_due_to_lateness_total", { step: STEP })).toBe(2);
    expect(rows(run)).toEqual([
      "[0,60) apples sum=38 count=4 ON_TIME",
      "[0,60) apples sum=45 count=5 LATE",
      // Garbage collection of [0, 60) (closing behaviour FIRE_ALWAYS): its final pane, the same value.
      "[0,60) apples sum=45 count=5 LATE final",
      // --stop-when-idle ends the input: its watermark goes to the end and the last window fires.
      "[300,360) apples sum=3 count=3 ON_TIME final",
      "[60,120) apples sum=3 count=3 ON_TIME final",
    ]);
    expect(value(end, "pipeline_panes_total", { step: STEP, timing: "on_time" })).toBe(3);
    expect(value(end, "pipeline_panes_total", { step: STEP, timing: "late" })).toBe(2);
    expect(value(end, "pipeline_panes_total", { step: STEP, timing: "early" })).toBe(0);
    expect(value(end, "pipeline_open_windows", { step: STEP })).toBe(0);
    for (const p of [0, 1, 2]) {
      const tp = { topic, partition: String(p) };
      expect(value(end, "pipeline_kafka_log_end_offset", tp)).toBe(counts[p]);
      expect(value(end, "pipeline_kafka_position_offset", tp)).toBe(counts[p]);
      expect(value(end, "pipeline_kafka_consumer_lag_records", tp)).toBe(0);
      const committed = value(end, "pipeline_kafka_committed_offset", tp);
      expect(value(end, "pipeline_kafka_committed_lag_records", tp)).toBe(counts[p] - committed);
    }
    expect(value(end, "process_resident_memory_bytes")).toBeGreaterThan(0);

    // The same figures from the run's result object.
    const snapshot = run.result.snapshot();
    expect(snapshot.sources[0].partitions.map((p) => p.recordsRead)).toEqual([7, 6, 5]);
    expect(snapshot.grouped[0]).toMatchObject({ step: STEP, lateElements: 1, droppedDueToLateness: 2, openWindows: 0 });
    expect(snapshot.grouped[0].panes).toMatchObject({ EARLY: 0, ON_TIME: 3, LATE: 2 });
    expect((await run.result.counters()).droppedDueToLateness).toBe(2);
    expect(snapshot.counters).toMatchObject({ deadLetters: 5, "deadLetters.invalid_json": 2, "deadLetters.no_value": 1 });
    expect(snapshot.steps.find((s) => s.name === PARSE)?.elements).toBe(18);
    expect(value(end, "pipeline_step_elements_total", { step: PARSE })).toBe(18);
    expect(value(end, "pipeline_step_elements_total", { step: "parseSalesEvents/countDeadLetters" })).toBe(5);

    const finished = await get(`${ops.url}/readyz`);
    expect(finished.status).toBe(503);
    expect(JSON.parse(finished.body).reasons).toEqual(["the pipeline is finished"]);
  });
});
