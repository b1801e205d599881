/**
 * Which Kafka offset a partition may commit, and what the commit's metadata must say so that a restart neither
 * loses nor double-counts records. Pure bookkeeping, one instance per assigned partition.
 *
 * The runner's promise (UnboundedSource.onDurable): after `onDurable(D)`, everything derived from the records
 * handed to it so far whose timestamp is < D is written by every sink, and no live state needs them. So:
 *
 * - Each call k makes exactly these records durable: offset < handedEnd_k and timestamp < D_k. We keep the calls
 *   as rules (handedEnd_k, D_k); once durable, a record stays durable even if a later D is smaller (a late record
 *   within the allowed lateness can lower D again).
 * - The commit offset is the offset of the first handed record that no rule covers (or handedEnd when every
 *   handed record is durable): everything before it is durable, it and everything after it is re-read after a
 *   restart.
 * - Re-read records in [commit offset, handedEnd) that a rule covers are already in the sinks. The commit's
 *   metadata carries the rules, so the restarted source recognizes and skips them (`alreadyDurable`) instead of
 *   aggregating them a second time. Records that no rule covers are re-aggregated: their windows were still open
 *   (live state needed them), so they are rebuilt from all their records.
 * - The metadata also carries the source and partition watermarks that held when the record at the commit offset
 *   was handed (kafka_commits.ts; with a runner checkpoint, those at its handed end). Restoring them
 *   makes windows that were already finalized before the crash stay finalized: a re-read record of such a window
 *   (possible with sliding windows and sessions, where a record can be in a finalized window and a live one) is
 *   late for it instead of opening a new, partial pane that would overwrite the complete result.
 */
import type { Millis } from "../../../model/model";

/** The first `handedEnd` offsets are covered for timestamps < durableBefore. */
export interface DurableRule {
  readonly handedEnd: number;
  readonly durableBefore: Millis;
}

/** What a commit stores next to the offset (JSON in the commit metadata). */
export interface CommitMetadata {
  /** The committed offset this metadata belongs to; metadata next to a different offset is ignored. */
  readonly offset: number;
  /** How element timestamps were taken ("record" or "field:<name>"); rules only hold for the same choice. */
  readonly timestampMode: string;
  readonly sourceWatermark: Millis;
  readonly partitionWatermark: Millis;
  readonly rules: readonly DurableRule[];
  /** A run of this job drained at the end of its input, its last event time this (kept by every later commit). */
  readonly drainedAt?: Millis;
  /** The partition was idle at the last step handed (the merge went on without it: kafka_partition_merge.ts). */
  readonly idle?: boolean;
  /**
   * The runner checkpoint taken with this commit (runners/direct/checkpoint), and the partition's handed end when
   * it was taken: the checkpoint reflects every record before `handedEnd`, so a restart that restores it skips them.
   */
  readonly checkpoint?: { readonly id: string; readonly handedEnd: number };
}

/** Rules kept per partition; beyond this the oldest are dropped (safe: more is re-read, nothing is lost). */
export const MAX_RULES = 8;

export interface PartitionOffsets {
  /** A record was handed to the runner. Offsets must increase. */
  handed(offset: number, timestamp: Millis): void;
  /**
   * The records [first, end) were handed, none later than maxTimestamp (the hot path: one call per run of
   * records). The run counts as durable once all of it is, so a commit may stop at its start rather than at its
   * first record still needed: slightly more is re-read after a restart, and the rules skip what is durable.
   */
  handedRange(first: number, end: number, maxTimestamp: Millis): void;
  /** A re-read record that `alreadyDurable` recognized: not handed, but past it. */
  skipped(offset: number): void;
  /** The offset after the last handed or skipped record (undefined before the first). */
  handedEnd(): number | undefined;
  /** The runner's onDurable(D) for the records handed so far. */
  markDurable(durableBefore: Millis): void;
  /** True when a record is known to be in the sinks already (a rule restored from the last commit covers it). */
  alreadyDurable(offset: number, timestamp: Millis): boolean;
  /** The offset to commit now, or undefined when nothing was read yet. */
  commitOffset(): number | undefined;
  /** The rules still relevant at the commit offset. */
  rules(): readonly DurableRule[];
  /** Handed records in runs not yet durable. */
  pendingCount(): number;
}

/** Offsets of one partition; `restored` is the metadata of its committed offset, when the run resumes from it. */
export function createPartitionOffsets(restored?: CommitMetadata): PartitionOffsets {
  // Pending (handed, not yet known durable) runs of records in offset order: [starts[i], ends[i]) with their
  // latest timestamp, as parallel arrays from `head`.
  let starts: number[] = [];
  let ends: number[] = [];
  let timestamps: number[] = [];
  let head = 0;
  let end: number | undefined = restored?.offset;
  let rules: DurableRule[] = restored ? [...restored.rules] : [];
  let uncompacted = false;

  const covered = (offset: number, timestamp: Millis): boolean => {
    for (const rule of rules) if (offset < rule.handedEnd && timestamp < rule.durableBefore) return true;
    return false;
  };
  // A run is covered when its last offset and its latest timestamp are.
  const runCovered = (i: number): boolean => covered(ends[i] - 1, timestamps[i]);

  const compact = (): void => {
    if (!uncompacted) return;
    uncompacted = false;
    const keptStarts: number[] = [];
    const keptEnds: number[] = [];
    const keptTimestamps: number[] = [];
    for (let i = head; i < starts.length; i++) {
      if (!runCovered(i)) {
        keptStarts.push(starts[i]);
        keptEnds.push(ends[i]);
        keptTimestamps.push(timestamps[i]);
      }
    }
    starts = keptStarts;
    ends = keptEnds;
    timestamps = keptTimestamps;
    head = 0;
  };

  const commitAt = (): number | undefined => (head < starts.length ? starts[head] : end);

  const handedRange = (first: number, last: number, maxTimestamp: Millis): void => {
    if (end !== undefined && first < end) {
      throw new Error(`offset ${first} handed after ${end - 1}: offsets must increase (duplicate delivery?)`);
    }
    if (!(last > first)) return;
    starts.push(first);
    ends.push(last);
    timestamps.push(maxTimestamp);
    end = last;
  };

  const prune = (): void => {
    const commit = commitAt();
    // A rule matters only for offsets in [commit, handedEnd) and only where no other rule already covers it.
    const relevant = rules.filter((r) => commit === undefined || r.handedEnd > commit);
    relevant.sort((a, b) => a.handedEnd - b.handedEnd || b.durableBefore - a.durableBefore);
    const staircase: DurableRule[] = [];
    for (let i = relevant.length - 1; i >= 0; i--) {
      const rule = relevant[i];
      const last = staircase[staircase.length - 1];
      if (last === undefined || rule.durableBefore > last.durableBefore) staircase.push(rule);
    }
    staircase.reverse();
    rules = staircase.slice(Math.max(0, staircase.length - MAX_RULES));
  };

  return {
    handed(offset, timestamp) {
      handedRange(offset, offset + 1, timestamp);
    },
    handedRange,
    skipped(offset) {
      if (end === undefined || offset >= end) end = offset + 1;
    },
    handedEnd() {
      return end;
    },
    markDurable(durableBefore) {
      if (end === undefined) return;
      // Fast path: the oldest pending records are usually the first to become durable.
      while (head < starts.length && timestamps[head] < durableBefore) head++;
      if (head > 4096 && head * 2 > starts.length) {
        starts = starts.slice(head);
        ends = ends.slice(head);
        timestamps = timestamps.slice(head);
        head = 0;
      }
      // A rule covering more offsets and more timestamps replaces the ones it dominates (the common case: D grows).
      while (rules.length > 0) {
        const last = rules[rules.length - 1];
        if (last.handedEnd > end || last.durableBefore > durableBefore) break;
        rules.pop();
      }
      rules.push({ handedEnd: end, durableBefore });
      uncompacted = true;
      if (rules.length > MAX_RULES * 2) {
        compact();
        prune();
      }
    },
    alreadyDurable(offset, timestamp) {
      return restored !== undefined && covered(offset, timestamp);
    },
    commitOffset() {
      compact();
      prune();
      return commitAt();
    },
    rules() {
      compact();
      prune();
      return rules;
    },
    pendingCount() {
      compact();
      let n = 0;
      for (let i = head; i < starts.length; i++) n += ends[i] - starts[i];
      return n;
    },
  };
}

const VERSION = 1;

/** Encodes metadata as compact JSON (±∞ as null); well under the broker's 4096-byte default limit. */
export function encodeCommitMetadata(metadata: CommitMetadata): string {
  const finite = (t: Millis): number | null => (Number.isFinite(t) ? t : null);
  return JSON.stringify({
    v: VERSION,
    o: metadata.offset,
    t: metadata.timestampMode,
    wm: finite(metadata.sourceWatermark),
    pw: finite(metadata.partitionWatermark),
    d: metadata.rules.map((r) => [r.handedEnd, finite(r.durableBefore)]),
    ...(metadata.idle === true ? { i: 1 } : {}),
    ...(metadata.drainedAt !== undefined && Number.isFinite(metadata.drainedAt) ? { x: metadata.drainedAt } : {}),
    ...(metadata.checkpoint ? { k: metadata.checkpoint.id, h: metadata.checkpoint.handedEnd } : {}),
  });
}

/**
 * Decodes metadata written by encodeCommitMetadata for the given committed offset and timestamp mode; undefined
 * (restart without restoring) when it is absent, foreign, from another offset or another timestamp mode.
 */
export function decodeCommitMetadata(
  text: string | null,
  committedOffset: number,
  timestampMode: string,
): CommitMetadata | undefined {
  if (text === null || text === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const o = parsed as Record<string, unknown>;
  if (o.v !== VERSION || o.o !== committedOffset || o.t !== timestampMode || !Array.isArray(o.d)) return undefined;
  const time = (value: unknown, ifNull: Millis): Millis | undefined =>
    value === null ? ifNull : typeof value === "number" && Number.isFinite(value) ? value : undefined;
  const sourceWatermark = time(o.wm, Number.NEGATIVE_INFINITY);
  const partitionWatermark = time(o.pw, Number.NEGATIVE_INFINITY);
  if (sourceWatermark === undefined || partitionWatermark === undefined) return undefined;
  const rules: DurableRule[] = [];
  for (const entry of o.d) {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== "number") return undefined;
    const durableBefore = time(entry[1], Number.POSITIVE_INFINITY);
    if (durableBefore === undefined) return undefined;
    rules.push({ handedEnd: entry[0], durableBefore });
  }
  const checkpoint =
    typeof o.k === "string" && typeof o.h === "number" && Number.isSafeInteger(o.h) && o.h >= committedOffset
      ? { id: o.k, handedEnd: o.h }
      : undefined;
  return {
    offset: committedOffset,
    timestampMode,
    sourceWatermark,
    partitionWatermark,
    rules,
    ...(o.i === 1 ? { idle: true } : {}),
    ...(typeof o.x === "number" && Number.isFinite(o.x) ? { drainedAt: o.x } : {}),
    ...(checkpoint ? { checkpoint } : {}),
  };
}
