/**
 * The Kafka source's watermark policy, as pure bookkeeping (no client, no clock of its own: callers pass `now`).
 *
 * - Partition watermark = (max event time seen on the partition) − watermarkDelay; −∞ before any record (unless a
 *   watermark was restored from the committed offset's metadata).
 * - A partition is idle when it is fetching (not paused by backpressure) and no record arrived for idleTimeout
 *   since it was assigned, resumed or last delivered a record. Idle partitions do not hold the watermark back.
 * - Source watermark = min over assigned, non-idle partitions. When every assigned partition is idle, it is the
 *   max over their watermarks (the whole topic is quiet; the order in which partitions fell silent must not
 *   matter). With no partition assigned it holds.
 * - The source watermark never moves backwards: a partition that rejoins (data after idleness, a new assignment
 *   after a rebalance) with a lower watermark holds further progress until it catches up, and its records that
 *   are behind the watermark are late data for the windows downstream.
 * - `finish()` (end of input, e.g. --stop-when-idle) moves it to +∞.
 */
import { WATERMARK_DONE, WATERMARK_START, type Millis } from "../../../model/model";

export interface WatermarkPolicyOptions {
  /** How far the watermark trails the newest event time of a partition (Spark's withWatermark delay). */
  readonly watermarkDelay: Millis;
  /** How long a fetching partition may stay silent before it stops holding the watermark back. */
  readonly idleTimeout: Millis;
  /** A floor for the source watermark (restored after a restart); default −∞. */
  readonly initialWatermark?: Millis;
}

export const DEFAULT_WATERMARK_DELAY: Millis = 10_000;
export const DEFAULT_IDLE_TIMEOUT: Millis = 30_000;

export interface PartitionWatermarkState {
  readonly partition: string;
  readonly watermark: Millis;
  readonly idle: boolean;
  readonly fetching: boolean;
}

export interface WatermarkPolicy {
  /** A partition joins (first assignment or after a rebalance). `restored` is its watermark before a restart. */
  assign(partition: string, now: Millis, restored?: Millis): void;
  /** A partition leaves (rebalance); it stops holding the watermark. */
  revoke(partition: string): void;
  /** Records arrived on `partition`; `maxEventTime` is the largest event time among them. */
  observe(partition: string, maxEventTime: Millis, now: Millis): void;
  /** Records arrived on `partition` but are not handed on yet (buffered): it is active, its watermark unchanged. */
  touch(partition: string, now: Millis): void;
  /** Backpressure: a paused partition is never idle; resuming restarts its idle clock. */
  setFetching(partition: string, fetching: boolean, now: Millis): void;
  /** The source watermark now (monotonic). */
  current(now: Millis): Millis;
  /** The partition's own watermark (−∞ if unknown or not assigned). */
  partitionWatermark(partition: string): Millis;
  isIdle(partition: string, now: Millis): boolean;
  /** Milliseconds since the last record on any partition (or since the first assignment if none arrived). */
  quietFor(now: Millis): Millis;
  assigned(): readonly string[];
  /** End of input: the watermark becomes +∞ and stays there. */
  finish(): void;
  snapshot(now: Millis): readonly PartitionWatermarkState[];
}

interface PartitionState {
  watermark: Millis;
  lastActivity: Millis;
  fetching: boolean;
}

export function createWatermarkPolicy(options: WatermarkPolicyOptions): WatermarkPolicy {
  if (!(options.watermarkDelay >= 0)) throw new Error(`watermark delay must be >= 0 ms, got ${options.watermarkDelay}`);
  if (!(options.idleTimeout > 0)) throw new Error(`idle timeout must be > 0 ms, got ${options.idleTimeout}`);
  const delay = options.watermarkDelay;
  const idleTimeout = options.idleTimeout;
  const partitions = new Map<string, PartitionState>();
  let reported = options.initialWatermark ?? WATERMARK_START;
  let lastRecordAt: Millis | undefined;
  let firstAssignedAt: Millis | undefined;
  let finished = false;

  const idle = (state: PartitionState, now: Millis): boolean =>
    state.fetching && now - state.lastActivity >= idleTimeout;

  return {
    assign(partition, now, restored) {
      firstAssignedAt ??= now;
      const existing = partitions.get(partition);
      if (existing) {
        existing.lastActivity = now;
        return;
      }
      partitions.set(partition, { watermark: restored ?? WATERMARK_START, lastActivity: now, fetching: true });
    },
    revoke(partition) {
      partitions.delete(partition);
    },
    observe(partition, maxEventTime, now) {
      const state = partitions.get(partition);
      if (!state) return;
      state.lastActivity = now;
      lastRecordAt = now;
      const candidate = maxEventTime - delay;
      if (candidate > state.watermark) state.watermark = candidate;
    },
    touch(partition, now) {
      const state = partitions.get(partition);
      if (!state) return;
      state.lastActivity = now;
      lastRecordAt = now;
    },
    setFetching(partition, fetching, now) {
      const state = partitions.get(partition);
      if (!state || state.fetching === fetching) return;
      state.fetching = fetching;
      state.lastActivity = now;
    },
    current(now) {
      if (finished) return WATERMARK_DONE;
      if (partitions.size === 0) return reported;
      let minActive = Number.POSITIVE_INFINITY;
      let maxAll = Number.NEGATIVE_INFINITY;
      let anyActive = false;
      for (const state of partitions.values()) {
        if (state.watermark > maxAll) maxAll = state.watermark;
        if (idle(state, now)) continue;
        anyActive = true;
        if (state.watermark < minActive) minActive = state.watermark;
      }
      const candidate = anyActive ? minActive : maxAll;
      if (candidate > reported) reported = candidate;
      return reported;
    },
    partitionWatermark(partition) {
      return partitions.get(partition)?.watermark ?? WATERMARK_START;
    },
    isIdle(partition, now) {
      const state = partitions.get(partition);
      return state !== undefined && idle(state, now);
    },
    quietFor(now) {
      const since = lastRecordAt ?? firstAssignedAt;
      return since === undefined ? 0 : now - since;
    },
    assigned() {
      return [...partitions.keys()];
    },
    finish() {
      finished = true;
    },
    snapshot(now) {
      return [...partitions].map(([partition, state]) => ({
        partition,
        watermark: state.watermark,
        idle: idle(state, now),
        fetching: state.fetching,
      }));
    },
  };
}
