/** Durations in the Kafka source's messages. */
import type { Millis } from "../../../model/model";

/** 90 s → "1.5 min", 2 days → "2.0 d", for messages. */
export function describeDuration(ms: Millis): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  if (ms < 365 * 86_400_000) return `${(ms / 86_400_000).toFixed(1)} d`;
  return `${(ms / (365.25 * 86_400_000)).toFixed(1)} years`;
}
