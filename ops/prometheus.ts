/**
 * The Prometheus exporter: a prom-client registry whose pipeline metrics are read from the run's snapshot at
 * scrape time (model/run_snapshot.ts). The runner only keeps its own bookkeeping (plain
 * numbers it needs anyway for the result object); it does not know prom-client. Nothing here runs per element.
 *
 * Names, types and labels: docs/operations.md ("Metrics reference"). Watermark series are left out while the
 * watermark is not a finite time (before the first event; +∞ after the input ended).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValueWithName } from "prom-client";
import type { RunSnapshot } from "../model/run_snapshot";
import { SINK_BATCH_BUCKETS } from "../transforms/sinks/sink_metrics";
import { DEAD_LETTER_CLASSES } from "../sales/parse_sales_events";
import { committedLag, consumerLag, deadLettersByClass, partitions } from "./run_figures";

type Labels = Record<string, string>;
/** One series: its labels and value. */
type Sample = readonly [Labels, number];

const seconds = (ms: number): number => ms / 1000;

/** A counter or gauge whose series are refilled from `read()` at each scrape. */
function seriesFrom(kind: "counter" | "gauge", registry: Registry, name: string, help: string, labelNames: string[], read: () => Sample[]): void {
  const configuration = { name, help, labelNames, registers: [registry] };
  if (kind === "counter") {
    new Counter({
      ...configuration,
      collect() {
        this.reset();
        for (const [labels, value] of read()) this.inc(labels, value);
      },
    });
  } else {
    new Gauge({
      ...configuration,
      collect() {
        this.reset();
        for (const [labels, value] of read()) this.set(labels, value);
      },
    });
  }
}

const counterFrom = (registry: Registry, name: string, help: string, labelNames: string[], read: () => Sample[]): void =>
  seriesFrom("counter", registry, name, help, labelNames, read);
const gaugeFrom = (registry: Registry, name: string, help: string, labelNames: string[], read: () => Sample[]): void =>
  seriesFrom("gauge", registry, name, help, labelNames, read);

/** A histogram whose buckets are kept elsewhere (the sinks' registry): exported as prom-client formats it. */
function histogramFrom(
  registry: Registry,
  name: string,
  help: string,
  read: () => Array<{ labels: Labels; buckets: readonly number[]; count: number; sum: number }>,
): void {
  registry.registerMetric({
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    collect: undefined,
    get: async (): Promise<Omit<MetricObjectWithValues<MetricValueWithName<string>>, "collect">> => {
      const values: MetricValueWithName<string>[] = [];
      for (const h of read()) {
        let cumulative = 0;
        SINK_BATCH_BUCKETS.forEach((bound, i) => {
          cumulative += h.buckets[i];
          values.push({ metricName: `${name}_bucket`, labels: { ...h.labels, le: bound }, value: cumulative });
        });
        values.push({ metricName: `${name}_bucket`, labels: { ...h.labels, le: "+Inf" }, value: h.count });
        values.push({ metricName: `${name}_sum`, labels: h.labels, value: h.sum });
        values.push({ metricName: `${name}_count`, labels: h.labels, value: h.count });
      }
      return { name, help, type: "histogram" as never, aggregator: "sum", values };
    },
    reset: () => undefined,
  } as unknown as Parameters<Registry["registerMetric"]>[0]);
}

export interface PrometheusOptions {
  /** Also export prom-client's process metrics (memory, CPU, event loop lag). Default true. */
  readonly processMetrics?: boolean;
  /** 1 when ready, 0 when not (pipeline_ready). */
  readonly ready?: () => boolean;
}

/** A registry exporting `snapshot()`'s figures. `snapshot` returns undefined before the run started. */
export function prometheusRegistry(snapshot: () => RunSnapshot | undefined, options: PrometheusOptions = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const from = (f: (s: RunSnapshot) => Sample[]) => (): Sample[] => {
    const s = snapshot();
    return s === undefined ? [] : f(s);
  };
  const tp = (p: { topic: string; partition: number }): Labels => ({ topic: p.topic, partition: String(p.partition) });
  const finite = (samples: Array<readonly [Labels, number | undefined]>): Sample[] =>
    samples.filter((x): x is Sample => x[1] !== undefined && Number.isFinite(x[1]));

  counterFrom(registry, "pipeline_records_read_total", "Kafka records handed to the pipeline, per topic and partition.",
    ["topic", "partition"], from((s) => partitions(s).map((p) => [tp(p), p.recordsRead])));
  counterFrom(registry, "pipeline_dead_letters_total", "Records rejected by the parse step (dead letters), by reason class.",
    ["reason"], from((s) => {
      const byClass = deadLettersByClass(s);
      return DEAD_LETTER_CLASSES.map((c): Sample => [{ reason: c }, byClass[c] ?? 0]);
    }));
  counterFrom(registry, "pipeline_step_elements_total", "Elements received by each step (for a source: records it produced).",
    ["step"], from((s) => s.steps.map((st): Sample => [{ step: st.name }, st.elements])));
  counterFrom(registry, "pipeline_panes_total", "Panes emitted by each grouped step, by timing (early, on_time, late).",
    ["step", "timing"], from((s) => s.grouped.flatMap((g): Sample[] => [
      [{ step: g.step, timing: "early" }, g.panes.EARLY],
      [{ step: g.step, timing: "on_time" }, g.panes.ON_TIME],
      [{ step: g.step, timing: "late" }, g.panes.LATE],
    ])));
  counterFrom(registry, "pipeline_late_elements_total", "Records behind the watermark but within the allowed lateness: they update their window in late panes.",
    ["step"], from((s) => s.grouped.map((g): Sample => [{ step: g.step }, g.lateElements])));
  counterFrom(registry, "pipeline_dropped_due_to_lateness_total", "Records too late for every window they belong to: the records in the late-data output (droppedDueToLateness).",
    ["step"], from((s) => s.grouped.map((g): Sample => [{ step: g.step }, g.droppedDueToLateness])));

  counterFrom(registry, "pipeline_kafka_outages_total", "Kafka broker outages (unreachable for a second or more) each source waited through.",
    ["step"], from((s) => s.sources.map((src): Sample => [{ step: src.step }, src.outages])));
  gaugeFrom(registry, "pipeline_kafka_connected", "1 while the source's Kafka broker answers, 0 during an outage.",
    ["step"], from((s) => s.sources.map((src): Sample => [{ step: src.step }, src.connected ? 1 : 0])));
  gaugeFrom(registry, "pipeline_source_watermark_seconds", "Watermark of each Kafka partition (event time, Unix seconds).",
    ["topic", "partition"], from((s) => finite(partitions(s).map((p) => [tp(p), seconds(p.watermark)]))));
  gaugeFrom(registry, "pipeline_watermark_seconds", "Input watermark of each source and grouped step (event time, Unix seconds).",
    ["step"], from((s) => finite([
      ...s.sources.map((src) => [{ step: src.step }, seconds(src.watermark)] as const),
      ...s.grouped.map((g) => [{ step: g.step }, seconds(g.inputWatermark)] as const),
    ])));
  gaugeFrom(registry, "pipeline_watermark_lag_seconds", "Wall clock minus the input watermark of each source and grouped step (negative: the watermark is ahead of the clock, event times in the future).",
    ["step"], from((s) => finite([
      ...s.sources.map((src) => [{ step: src.step }, seconds(s.at - src.watermark)] as const),
      ...s.grouped.map((g) => [{ step: g.step }, seconds(s.at - g.inputWatermark)] as const),
    ])));
  counterFrom(registry, "pipeline_kafka_idle_partition_total", "Times the merge went on without a partition at its end offset (--idle-timeout), per partition.",
    ["topic", "partition"], from((s) => partitions(s).map((p): Sample => [tp(p), p.idleDeclarations ?? 0])));
  gaugeFrom(registry, "pipeline_kafka_log_end_offset", "Log end offset (high watermark) of each partition in its last fetch.",
    ["topic", "partition"], from((s) => finite(partitions(s).map((p) => [tp(p), p.logEndOffset]))));
  gaugeFrom(registry, "pipeline_kafka_position_offset", "The next offset the pipeline fetches, per partition.",
    ["topic", "partition"], from((s) => finite(partitions(s).map((p) => [tp(p), p.position]))));
  gaugeFrom(registry, "pipeline_kafka_committed_offset", "The offset the pipeline last committed for its group, per partition.",
    ["topic", "partition"], from((s) => finite(partitions(s).map((p) => [tp(p), p.committedOffset]))));
  gaugeFrom(registry, "pipeline_kafka_consumer_lag_records", "Records not yet fetched: log end offset minus position.",
    ["topic", "partition"], from((s) => finite(partitions(s).map((p) => [tp(p), consumerLag(p)]))));
  gaugeFrom(registry, "pipeline_kafka_committed_lag_records", "Records not yet committed: log end offset minus committed offset.",
    ["topic", "partition"], from((s) => finite(partitions(s).map((p) => [tp(p), committedLag(p)]))));
  gaugeFrom(registry, "pipeline_open_windows", "Live key-window states held by each grouped step.",
    ["step"], from((s) => s.grouped.map((g): Sample => [{ step: g.step }, g.openWindows])));

  counterFrom(registry, "pipeline_sink_rows_written_total", "Rows durably written by each sink.",
    ["sink"], from((s) => s.sinks.map((k): Sample => [{ sink: k.sink }, k.rowsWritten])));
  counterFrom(registry, "pipeline_sink_retries_total", "Write retries of each sink.",
    ["sink"], from((s) => s.sinks.map((k): Sample => [{ sink: k.sink }, k.retries])));
  histogramFrom(registry, "pipeline_sink_batch_duration_seconds", "Wall-clock duration of each sink batch write.", () =>
    (snapshot()?.sinks ?? []).map((k) => ({ labels: { sink: k.sink }, buckets: k.batchBuckets, count: k.batchCount, sum: k.batchSecondsSum })),
  );
  const ready = options.ready;
  if (ready) {
    gaugeFrom(registry, "pipeline_ready", "1 when /readyz answers 200, else 0.", [], () => [[{}, ready() ? 1 : 0]]);
  }
  return registry;
}
