/**
 * A run's recent past, sampled once a second: what the status page charts (throughput, watermark lag, consumer
 * lag) and what readiness needs to tell a stuck watermark from a quiet input. Keeps the last `capacity` samples.
 */
import type { RunSnapshot } from "../model/run_snapshot";
import { sourceWatermark, totalConsumerLag } from "./run_figures";

export interface HistorySample {
  /** Wall clock (ms). */
  readonly at: number;
  readonly elementsRead: number;
  /** The pipeline's input watermark (ms; ±Infinity when not a time). */
  readonly watermark: number;
  readonly consumerLag: number;
}

export function sampleOf(snapshot: RunSnapshot): HistorySample {
  return {
    at: snapshot.at,
    elementsRead: snapshot.elementsRead,
    watermark: sourceWatermark(snapshot),
    consumerLag: totalConsumerLag(snapshot),
  };
}

export class History {
  private readonly samples: HistorySample[] = [];

  constructor(private readonly capacity = 600) {}

  add(sample: HistorySample): void {
    this.samples.push(sample);
    if (this.samples.length > this.capacity) this.samples.splice(0, this.samples.length - this.capacity);
  }

  /** Oldest first. */
  list(): readonly HistorySample[] {
    return this.samples;
  }
}

/** Records read per second between the last two samples (0 with fewer than two). */
export function eventsPerSecond(samples: readonly HistorySample[]): number {
  if (samples.length < 2) return 0;
  const a = samples[samples.length - 2];
  const b = samples[samples.length - 1];
  return b.at > a.at ? ((b.elementsRead - a.elementsRead) * 1000) / (b.at - a.at) : 0;
}
