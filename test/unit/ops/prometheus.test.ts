/** The exporter: names, labels and values from a snapshot, in Prometheus text format, and the sinks' histogram. */
import { prometheusRegistry } from "../../../ops/prometheus";
import { parsePrometheus } from "../../integration/ops_helpers";
import { T0, snapshotAt } from "./snapshot_fixture";

describe("Prometheus exporter", () => {
  test("counters and gauges carry the snapshot's exact figures; unknown offsets and watermarks are left out", async () => {
    const registry = prometheusRegistry(() => snapshotAt(T0), { processMetrics: false, ready: () => true });
    const text = await registry.metrics();
    expect(text).toContain("# TYPE pipeline_records_read_total counter");
    expect(text).toContain("# TYPE pipeline_open_windows gauge");
    const m = parsePrometheus(text);
    expect(m.get('pipeline_records_read_total{partition="0",topic="t"}')).toBe(60);
    expect(m.get('pipeline_records_read_total{partition="1",topic="t"}')).toBe(40);
    expect(m.get('pipeline_dead_letters_total{reason="invalid_json"}')).toBe(2);
    expect(m.get('pipeline_dead_letters_total{reason="missing_field"}')).toBe(1);
    expect(m.get('pipeline_dead_letters_total{reason="no_value"}')).toBe(0);
    expect(m.get('pipeline_step_elements_total{step="combine"}')).toBe(97);
    expect(m.get('pipeline_panes_total{step="combine",timing="early"}')).toBe(1);
    expect(m.get('pipeline_panes_total{step="combine",timing="on_time"}')).toBe(5);
    expect(m.get('pipeline_panes_total{step="combine",timing="late"}')).toBe(2);
    expect(m.get('pipeline_late_elements_total{step="combine"}')).toBe(2);
    expect(m.get('pipeline_dropped_due_to_lateness_total{step="combine"}')).toBe(4);
    expect(m.get('pipeline_source_watermark_seconds{partition="1",topic="t"}')).toBe((T0 - 20_000) / 1000);
    expect(m.get('pipeline_watermark_lag_seconds{step="combine"}')).toBe(30);
    expect(m.get('pipeline_watermark_lag_seconds{step="readFromKafka"}')).toBe(30);
    expect(m.get('pipeline_kafka_consumer_lag_records{partition="0",topic="t"}')).toBe(20);
    expect(m.get('pipeline_kafka_committed_lag_records{partition="0",topic="t"}')).toBe(40);
    expect(m.has('pipeline_kafka_committed_offset{partition="1",topic="t"}')).toBe(false);
    expect(m.get('pipeline_open_windows{step="combine"}')).toBe(7);
    expect(m.get("pipeline_ready")).toBe(1);
  });

  test("no series before the run starts; non-finite watermarks are not exported", async () => {
    const none = parsePrometheus(await prometheusRegistry(() => undefined, { processMetrics: false }).metrics());
    expect([...none.keys()].filter((k) => k.startsWith("pipeline_records_read_total"))).toEqual([]);
    const base = snapshotAt(T0);
    const ended = snapshotAt(T0, { grouped: [{ ...base.grouped[0], inputWatermark: Infinity }] });
    const m = parsePrometheus(await prometheusRegistry(() => ended, { processMetrics: false }).metrics());
    expect(m.has('pipeline_watermark_seconds{step="combine"}')).toBe(false);
    expect(m.has('pipeline_watermark_lag_seconds{step="combine"}')).toBe(false);
  });

  test("sink rows, retries and the batch-duration histogram with cumulative le buckets", async () => {
    const sinks = [
      {
        sink: "postgres",
        rowsWritten: 500,
        retries: 2,
        // 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, +Inf
        batchBuckets: [0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        batchCount: 5,
        batchSecondsSum: 12.5,
        ready: true,
        reason: undefined,
      },
    ];
    const text = await prometheusRegistry(() => snapshotAt(T0, { sinks }), { processMetrics: false }).metrics();
    expect(text).toContain("# TYPE pipeline_sink_batch_duration_seconds histogram");
    const m = parsePrometheus(text);
    expect(m.get('pipeline_sink_rows_written_total{sink="postgres"}')).toBe(500);
    expect(m.get('pipeline_sink_retries_total{sink="postgres"}')).toBe(2);
    expect(m.get('pipeline_sink_batch_duration_seconds_bucket{le="0.001",sink="postgres"}')).toBe(0);
    expect(m.get('pipeline_sink_batch_duration_seconds_bucket{le="0.005",sink="postgres"}')).toBe(1);
    expect(m.get('pipeline_sink_batch_duration_seconds_bucket{le="0.01",sink="postgres"}')).toBe(4);
    expect(m.get('pipeline_sink_batch_duration_seconds_bucket{le="10",sink="postgres"}')).toBe(4);
    expect(m.get('pipeline_sink_batch_duration_seconds_bucket{le="+Inf",sink="postgres"}')).toBe(5);
    expect(m.get('pipeline_sink_batch_duration_seconds_count{sink="postgres"}')).toBe(5);
    expect(m.get('pipeline_sink_batch_duration_seconds_sum{sink="postgres"}')).toBe(12.5);
  });
});
