/**
 * /readyz: ready when the pipeline is running, connected to Kafka, every sink that reports its state is ready, and
 * the watermark is not stuck while input is flowing (records were read in the last `stallAfterMs` but the input
 * watermark did not move). Pure: a snapshot and the recent history in, a verdict with reasons out.
 */
import type { RunSnapshot } from "../model/run_snapshot";
import type { HistorySample } from "./history";
import { sourceWatermark } from "./run_figures";

export interface Readiness {
  readonly ready: boolean;
  /** One line per failed check, saying what is wrong and where to look. Empty when ready. */
  readonly reasons: readonly string[];
}

export const DEFAULT_STALL_AFTER_MS = 60_000;

export function readiness(
  snapshot: RunSnapshot | undefined,
  history: readonly HistorySample[],
  stallAfterMs: number = DEFAULT_STALL_AFTER_MS,
): Readiness {
  if (snapshot === undefined) return { ready: false, reasons: ["the pipeline is starting"] };
  if (snapshot.state !== "RUNNING") {
    return { ready: false, reasons: [`the pipeline is ${snapshot.state === "DONE" ? "finished" : "failed"}`] };
  }
  const reasons: string[] = [];
  for (const source of snapshot.sources) {
    if (!source.connected) reasons.push(`${source.step}: not connected to Kafka (see the log for the client's error)`);
  }
  for (const sink of snapshot.sinks) {
    if (!sink.ready) reasons.push(`sink ${sink.sink}: ${sink.reason ?? "not ready"}`);
  }
  const stalled = stalledWatermark(snapshot, history, stallAfterMs);
  if (stalled !== undefined) reasons.push(stalled);
  return { ready: reasons.length === 0, reasons };
}

/** Why the watermark counts as stuck, or undefined: the oldest sample within the window is the reference. */
export function stalledWatermark(
  snapshot: RunSnapshot,
  history: readonly HistorySample[],
  stallAfterMs: number,
): string | undefined {
  const since = snapshot.at - stallAfterMs;
  let reference: HistorySample | undefined;
  for (const sample of history) {
    if (sample.at <= since) reference = sample;
    else break;
  }
  if (reference === undefined) return undefined;
  const read = snapshot.elementsRead - reference.elementsRead;
  const watermark = sourceWatermark(snapshot);
  if (read <= 0 || watermark > reference.watermark || watermark === Number.POSITIVE_INFINITY) return undefined;
  const seconds = Math.round((snapshot.at - reference.at) / 1000);
  return (
    `the watermark has not moved for ${seconds} s while ${read} records were read: a partition holds it back ` +
    `(see "When the watermark stalls" in docs/operations.md)`
  );
}
