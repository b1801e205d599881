/**
 * What the job does when the broker lost the offsets of a group the sinks show an earlier run of
 * (--on-lost-offsets), and the decision itself: pure, from what the sinks recorded and what the broker says.
 */

export const ON_LOST_OFFSETS = ["fail", "reread"] as const;
export type OnLostOffsets = (typeof ON_LOST_OFFSETS)[number];

/** One partition whose offsets the broker lost. */
export interface LostPartition {
  readonly partition: number;
  /** The offset the sinks recorded as the group's last commit. */
  readonly recorded: number;
  /** The broker's committed offset now (null: none). */
  readonly committed: number | null;
  /** The partition's end offset now. */
  readonly end: number;
}

/**
 * The partitions whose offsets are lost: the sinks recorded a commit past the start (> 0), and the broker has no
 * committed offset for it, or one past the partition's end (the log is gone: wiped, or the topic re-created). A
 * partition the topic no longer has counts as ending at 0. Empty: nothing lost (a first run records nothing).
 */
export function lostPartitions(
  recorded: ReadonlyMap<number, number>,
  committed: ReadonlyMap<number, number | null>,
  ends: ReadonlyMap<number, number>,
): LostPartition[] {
  const lost: LostPartition[] = [];
  for (const [partition, offset] of [...recorded].sort((a, b) => a[0] - b[0])) {
    if (offset <= 0) continue;
    const now = committed.get(partition) ?? null;
    const end = ends.get(partition) ?? 0;
    if (now === null || now > end) lost.push({ partition, recorded: offset, committed: now, end });
  }
  return lost;
}

/** The one line: what was lost, where the sinks say otherwise, what to do. */
export function describeLostOffsets(groupId: string, topic: string, where: string, lost: readonly LostPartition[]): string {
  const parts = lost
    .slice(0, 3)
    .map((l) => `partition ${l.partition}: ${l.committed === null ? "none" : `${l.committed}, past its end ${l.end}`}, the sinks say ${l.recorded}`)
    .join("; ");
  const more = lost.length > 3 ? `; and ${lost.length - 3} more` : "";
  return (
    `the broker has lost the committed offsets of group ${groupId} on topic ${topic} (${parts}${more}; recorded in ` +
    `the ${where}): it was restarted with its log folder wiped, or the topic was re-created. Re-reading from the ` +
    `start would file the topic again into the same tables: restore the broker's data, or point the job at new ` +
    `tables (--pg-schema, --parquet-dir), or pass --on-lost-offsets reread to re-read anyway`
  );
}

/** `npm start`'s choice: re-read only when it created the topic itself (fresh after `npm run stack:clean`). */
export function startLostOffsets(createdTopic: boolean): OnLostOffsets {
  return createdTopic ? "reread" : "fail";
}
