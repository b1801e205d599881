/** Figures derived from a run snapshot, shared by the metrics, the health checks, the status page and the logs. */
import type { PartitionSnapshot, RunSnapshot } from "../model/run_snapshot";
import { DEAD_LETTERS_COUNTER } from "../sales/parse_sales_events";

/** The pipeline's input watermark: the minimum over its sources (−Infinity before the first one). */
export function sourceWatermark(snapshot: RunSnapshot): number {
  if (snapshot.sources.length === 0) return Number.NEGATIVE_INFINITY;
  return Math.min(...snapshot.sources.map((s) => s.watermark));
}

/** Records behind the log end (log end offset − position); undefined while unknown. */
export function consumerLag(p: PartitionSnapshot): number | undefined {
  return p.logEndOffset === undefined || p.position === undefined ? undefined : Math.max(0, p.logEndOffset - p.position);
}

/** Records behind the log end as committed (log end offset − committed offset); undefined while unknown. */
export function committedLag(p: PartitionSnapshot): number | undefined {
  return p.logEndOffset === undefined || p.committedOffset === undefined
    ? undefined
    : Math.max(0, p.logEndOffset - p.committedOffset);
}

export function partitions(snapshot: RunSnapshot): PartitionSnapshot[] {
  return snapshot.sources.flatMap((s) => [...s.partitions]);
}

/** Total consumer lag over every partition whose lag is known. */
export function totalConsumerLag(snapshot: RunSnapshot): number {
  let total = 0;
  for (const p of partitions(snapshot)) total += consumerLag(p) ?? 0;
  return total;
}

export function openWindows(snapshot: RunSnapshot): number {
  return snapshot.grouped.reduce((n, g) => n + g.openWindows, 0);
}

/** Late panes: fired after the watermark passed the window's end, for records within the allowed lateness. */
export function latePanes(snapshot: RunSnapshot): number {
  return snapshot.grouped.reduce((n, g) => n + g.panes.LATE, 0);
}

/**
 * Watermark lag in whole seconds, split in two so that neither is negative: `lag` (wall clock − watermark) and
 * `ahead` (watermark − wall clock: event times in the future, e.g. a producer whose event time runs faster than the
 * clock, or a skewed clock). Null for a watermark that is not a time yet (or after the end of input).
 */
export function watermarkLag(at: number, watermark: number): { lag: number; ahead: number } | null {
  if (!Number.isFinite(watermark)) return null;
  const seconds = Math.round((at - watermark) / 1000);
  return { lag: Math.max(0, seconds), ahead: Math.max(0, -seconds) };
}

/** Records in the late-data output: too late for every window they belong to (Beam's droppedDueToLateness). */
export function droppedElements(snapshot: RunSnapshot): number {
  return snapshot.grouped.reduce((n, g) => n + g.droppedDueToLateness, 0);
}

export function deadLetters(snapshot: RunSnapshot): number {
  return snapshot.counters[DEAD_LETTERS_COUNTER] ?? 0;
}

/** Dead letters by reason class, from the counters `deadLetters.<class>`. */
export function deadLettersByClass(snapshot: RunSnapshot): Record<string, number> {
  const prefix = `${DEAD_LETTERS_COUNTER}.`;
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(snapshot.counters)) {
    if (name.startsWith(prefix)) out[name.slice(prefix.length)] = value;
  }
  return out;
}
