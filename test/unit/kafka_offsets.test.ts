import {
  createPartitionOffsets,
  decodeCommitMetadata,
  encodeCommitMetadata,
  type CommitMetadata,
  type PartitionOffsets,
} from "../../runners/direct/sources/kafka_offsets";

const BEGINNING = Date.UTC(2026, 10, 27, 12, 0, 0);
const seconds = (n: number): number => BEGINNING + n * 1000;
const MODE = "record";

/** Records of one partition: offset → event time. */
interface Rec {
  readonly offset: number;
  readonly ts: number;
}
const log = (...times: number[]): Rec[] => times.map((ts, offset) => ({ offset, ts }));

function hand(offsets: PartitionOffsets, records: readonly Rec[]): void {
  for (const r of records) offsets.handed(r.offset, r.ts);
}

function metadataOf(offsets: PartitionOffsets, sourceWatermark = seconds(0)): CommitMetadata {
  const offset = offsets.commitOffset();
  if (offset === undefined) throw new Error("nothing to commit");
  return { offset, timestampMode: MODE, sourceWatermark, partitionWatermark: sourceWatermark, rules: offsets.rules() };
}

/** What a restarted source hands to the runner when it re-reads `records` from the restored commit. */
function replay(metadata: CommitMetadata, records: readonly Rec[]): { offsets: PartitionOffsets; handed: number[] } {
  const offsets = createPartitionOffsets(metadata);
  const handed: number[] = [];
  for (const r of records) {
    if (r.offset < metadata.offset) continue;
    if (offsets.alreadyDurable(r.offset, r.ts)) {
      offsets.skipped(r.offset);
    } else {
      offsets.handed(r.offset, r.ts);
      handed.push(r.offset);
    }
  }
  return { offsets, handed };
}

describe("kafka commit offsets", () => {
  test("nothing read: nothing to commit", () => {
    expect(createPartitionOffsets().commitOffset()).toBeUndefined();
  });

  test("nothing durable yet: the commit stays at the first handed record", () => {
    const offsets = createPartitionOffsets();
    hand(offsets, log(seconds(10), seconds(20)));
    expect(offsets.commitOffset()).toBe(0);
    expect(offsets.pendingCount()).toBe(2);
  });

  test("every handed record durable: commit after the last one", () => {
    const offsets = createPartitionOffsets();
    hand(offsets, log(seconds(10), seconds(20), seconds(30)));
    offsets.markDurable(seconds(31));
    expect(offsets.commitOffset()).toBe(3);
    expect(offsets.pendingCount()).toBe(0);
  });

  test("nothing live anywhere (durable before +∞): commit after the last handed record", () => {
    const offsets = createPartitionOffsets();
    hand(offsets, log(seconds(90), seconds(10)));
    offsets.markDurable(Number.POSITIVE_INFINITY);
    expect(offsets.commitOffset()).toBe(2);
  });

  test("out of order: the commit stops at the first record still needed, later durable ones are remembered", () => {
    const offsets = createPartitionOffsets();
    hand(offsets, log(seconds(10), seconds(70), seconds(20), seconds(80), seconds(30)));
    offsets.markDurable(seconds(60));
    expect(offsets.commitOffset()).toBe(1);
    expect(offsets.rules()).toEqual([{ handedEnd: 5, durableBefore: seconds(60) }]);
    expect(offsets.pendingCount()).toBe(2);
  });

  test("a record once durable stays durable when a late record lowers the durable time again", () => {
    const offsets = createPartitionOffsets();
    hand(offsets, log(seconds(10), seconds(70), seconds(20), seconds(80), seconds(30)));
    offsets.markDurable(seconds(60));
    offsets.handed(5, seconds(15));
    offsets.markDurable(seconds(15));
    expect(offsets.commitOffset()).toBe(1);
    expect(offsets.pendingCount()).toBe(3);
    expect(offsets.rules()).toEqual([
      { handedEnd: 5, durableBefore: seconds(60) },
      { handedEnd: 6, durableBefore: seconds(15) },
    ]);
  });

  test("rules that no longer reach past the commit offset are dropped; dominated rules are merged", () => {
    const offsets = createPartitionOffsets();
    hand(offsets, log(seconds(10), seconds(70), seconds(20)));
    offsets.markDurable(seconds(50));
    offsets.markDurable(seconds(60));
    expect(offsets.rules()).toEqual([{ handedEnd: 3, durableBefore: seconds(60) }]);
    offsets.handed(3, seconds(100));
    offsets.markDurable(seconds(90));
    expect(offsets.commitOffset()).toBe(3);
    expect(offsets.rules()).toEqual([{ handedEnd: 4, durableBefore: seconds(90) }]);
  });

  test("a restart re-reads from the commit and hands exactly the records that were not yet durable", () => {
    const records = log(seconds(10), seconds(70), seconds(20), seconds(80), seconds(30), seconds(5), seconds(90));
    const first = createPartitionOffsets();
    hand(first, records.slice(0, 5));
    first.markDurable(seconds(60));
    const commit = metadataOf(first);
    // Crash: offsets 5 and 6 were never handed; 1 and 3 were needed by live state.
    const { handed } = replay(commit, records);
    expect(handed).toEqual([1, 3, 5, 6]);
  });

  test("two crashes in a row: records skipped on the first replay are still skipped on the second", () => {
    const records = log(seconds(10), seconds(70), seconds(20), seconds(80), seconds(30), seconds(15), seconds(95));
    const first = createPartitionOffsets();
    hand(first, records.slice(0, 5));
    first.markDurable(seconds(60));
    const commit1 = metadataOf(first);

    const second = replay(commit1, records.slice(0, 6));
    expect(second.handed).toEqual([1, 3, 5]);
    // Offset 5 (a late record at 15 s) opens live state: D drops to 15 s, below the skipped records' times.
    second.offsets.markDurable(seconds(15));
    const commit2 = metadataOf(second.offsets);
    expect(commit2.offset).toBe(1);

    const third = replay(commit2, records);
    expect(third.handed).toEqual([1, 3, 5, 6]);
  });

  test("a restart with nothing read keeps the committed offset and rules", () => {
    const first = createPartitionOffsets();
    hand(first, log(seconds(10), seconds(70), seconds(20)));
    first.markDurable(seconds(60));
    const commit = metadataOf(first);
    const restarted = createPartitionOffsets(commit);
    expect(restarted.commitOffset()).toBe(1);
    expect(restarted.rules()).toEqual(commit.rules);
  });

  test("a run handed at once is durable only as a whole: the commit may stop at its start, the rules stay exact", () => {
    const records = log(seconds(10), seconds(70), seconds(20));
    const offsets = createPartitionOffsets();
    offsets.handedRange(0, 3, seconds(70));
    offsets.markDurable(seconds(60));
    expect(offsets.commitOffset()).toBe(0);
    expect(offsets.pendingCount()).toBe(3);
    expect(replay(metadataOf(offsets), records).handed).toEqual([1]);
    offsets.handedRange(3, 5, seconds(95));
    offsets.markDurable(seconds(80));
    expect(offsets.commitOffset()).toBe(3);
  });

  test("offsets handed out of order are refused (a duplicate delivery must be dropped before)", () => {
    const offsets = createPartitionOffsets();
    offsets.handed(4, seconds(1));
    expect(() => offsets.handed(4, seconds(2))).toThrow(/offsets must increase/);
  });

  test("metadata round-trips, with ±∞ encoded as null, and stays small", () => {
    const metadata: CommitMetadata = {
      offset: 42,
      timestampMode: MODE,
      sourceWatermark: Number.NEGATIVE_INFINITY,
      partitionWatermark: seconds(3),
      rules: [
        { handedEnd: 50, durableBefore: seconds(60) },
        { handedEnd: 61, durableBefore: Number.POSITIVE_INFINITY },
      ],
    };
    const text = encodeCommitMetadata(metadata);
    expect(text.length).toBeLessThan(300);
    expect(decodeCommitMetadata(text, 42, MODE)).toEqual(metadata);
  });

  test("metadata of another offset, another timestamp mode, or another writer is ignored", () => {
    const text = encodeCommitMetadata({
      offset: 42,
      timestampMode: MODE,
      sourceWatermark: seconds(1),
      partitionWatermark: seconds(1),
      rules: [],
    });
    expect(decodeCommitMetadata(text, 41, MODE)).toBeUndefined();
    expect(decodeCommitMetadata(text, 42, "field:timestamp")).toBeUndefined();
    expect(decodeCommitMetadata("written by someone else", 42, MODE)).toBeUndefined();
    expect(decodeCommitMetadata('{"v":1,"o":42,"t":"record","wm":"x","pw":0,"d":[]}', 42, MODE)).toBeUndefined();
    expect(decodeCommitMetadata(null, 42, MODE)).toBeUndefined();
  });
});
