/**
 * What sinks report about their writes, for the metrics endpoint, readiness and the run's snapshot:
 *
 *   const metrics = sinkMetrics();
 *   metrics.rowsWritten("postgres", rows.length);   // after a batch is durably written
 *   metrics.retry("postgres");                       // before each retry of a failed write
 *   metrics.observeBatch("postgres", seconds);       // wall-clock duration of one batch write (incl. retries)
 *   metrics.setReady("postgres", false, "connection refused: start PostgreSQL or fix --pg-url");
 *
 * Exported as pipeline_sink_rows_written_total{sink}, pipeline_sink_retries_total{sink} and the histogram
 * pipeline_sink_batch_duration_seconds{sink} (docs/operations.md). A sink that called setReady(name, false) makes
 * /readyz fail until it calls setReady(name, true). Reasons are shown to operators: never put a connection string
 * or password in them.
 *
 * One registry per process, kept on globalThis under a registered symbol: DoFns are serialized into the pipeline
 * proto and deserialized, and every copy of this module must reach the same figures.
 */

/** Upper bounds (seconds) of the batch-duration histogram buckets (plus +Inf). */
export const SINK_BATCH_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type { SinkSnapshot } from "../../model/run_snapshot";
import type { SinkSnapshot } from "../../model/run_snapshot";

export interface SinkMetrics {
  rowsWritten(sink: string, rows: number): void;
  retry(sink: string): void;
  observeBatch(sink: string, seconds: number): void;
  setReady(sink: string, ready: boolean, reason?: string): void;
  snapshot(): SinkSnapshot[];
  /** Forgets every sink (tests). */
  reset(): void;
}

interface Entry {
  rowsWritten: number;
  retries: number;
  batchBuckets: number[];
  batchCount: number;
  batchSecondsSum: number;
  ready: boolean;
  reason: string | undefined;
}

class SinkMetricsRegistry implements SinkMetrics {
  private readonly sinks = new Map<string, Entry>();

  private entry(sink: string): Entry {
    let e = this.sinks.get(sink);
    if (e === undefined) {
      e = {
        rowsWritten: 0,
        retries: 0,
        batchBuckets: new Array<number>(SINK_BATCH_BUCKETS.length + 1).fill(0),
        batchCount: 0,
        batchSecondsSum: 0,
        ready: true,
        reason: undefined,
      };
      this.sinks.set(sink, e);
    }
    return e;
  }

  rowsWritten(sink: string, rows: number): void {
    if (!(rows >= 0)) throw new Error(`sinkMetrics.rowsWritten(${sink}): rows must be ≥ 0, got ${rows}`);
    this.entry(sink).rowsWritten += rows;
  }

  retry(sink: string): void {
    this.entry(sink).retries += 1;
  }

  observeBatch(sink: string, seconds: number): void {
    const e = this.entry(sink);
    let bucket = SINK_BATCH_BUCKETS.findIndex((bound) => seconds <= bound);
    if (bucket < 0) bucket = SINK_BATCH_BUCKETS.length;
    e.batchBuckets[bucket] += 1;
    e.batchCount += 1;
    e.batchSecondsSum += seconds;
  }

  setReady(sink: string, ready: boolean, reason?: string): void {
    const e = this.entry(sink);
    e.ready = ready;
    e.reason = ready ? undefined : (reason ?? "not ready");
  }

  snapshot(): SinkSnapshot[] {
    return [...this.sinks].map(([sink, e]) => ({ sink, ...e, batchBuckets: [...e.batchBuckets] }));
  }

  reset(): void {
    this.sinks.clear();
  }
}

const KEY = Symbol.for("beam-ts-streaming.sinkMetrics");

/** The process's sink metrics. */
export function sinkMetrics(): SinkMetrics {
  const holder = globalThis as unknown as Record<symbol, SinkMetrics | undefined>;
  let registry = holder[KEY];
  if (registry === undefined) {
    registry = new SinkMetricsRegistry();
    holder[KEY] = registry;
  }
  return registry;
}
