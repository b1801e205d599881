/** The lost-offsets decision (pipelines/lost_offsets_policy.ts), --on-lost-offsets, and npm start's choice. */
import { describeLostOffsets, lostPartitions, startLostOffsets } from "../../pipelines/lost_offsets_policy";
import { parseOptions } from "../../pipelines/options";

const m = <V>(entries: [number, V][]): Map<number, V> => new Map(entries);

test("a partition the sinks recorded past 0 is lost when the broker has no commit for it, or one past its end", () => {
  const recorded = m([[0, 6000], [1, 4000], [2, 0]]);
  expect(lostPartitions(recorded, m<number | null>([[0, 6000], [1, 4000]]), m([[0, 6000], [1, 4000], [2, 0]]))).toEqual([]);
  // Wiped: no commits at all, the topic re-created (ends at 0 or refilled).
  expect(lostPartitions(recorded, m<number | null>([]), m([[0, 10], [1, 0], [2, 0]]))).toEqual([
    { partition: 0, recorded: 6000, committed: null, end: 10 },
    { partition: 1, recorded: 4000, committed: null, end: 0 },
  ]);
  // A commit kept while the log went away (the topic re-created): past the end.
  expect(lostPartitions(m([[0, 6000]]), m<number | null>([[0, 6000]]), m([[0, 100]]))).toEqual([
    { partition: 0, recorded: 6000, committed: 6000, end: 100 },
  ]);
  // Nothing recorded (a first run), or only offset 0: nothing to lose.
  expect(lostPartitions(m([]), m<number | null>([]), m([[0, 5]]))).toEqual([]);
  expect(lostPartitions(m([[0, 0]]), m<number | null>([[0, null]]), m([[0, 5]]))).toEqual([]);
});

test("the line names the group, the topic, where the sinks say otherwise and what to do", () => {
  const line = describeLostOffsets("g", "t", "PostgreSQL table s.sales_source_progress", [{ partition: 0, recorded: 6000, committed: null, end: 0 }]);
  expect(line).not.toContain("\n");
  expect(line).toBe(
    "the broker has lost the committed offsets of group g on topic t (partition 0: none, the sinks say 6000; recorded in " +
      "the PostgreSQL table s.sales_source_progress): it was restarted with its log folder wiped, or the topic was " +
      "re-created. Re-reading from the start would file the topic again into the same tables: restore the broker's " +
      "data, or point the job at new tables (--pg-schema, --parquet-dir), or pass --on-lost-offsets reread to re-read anyway",
  );
});

test("--on-lost-offsets is fail (default) or reread", () => {
  expect(parseOptions([]).onLostOffsets).toBe("fail");
  expect(parseOptions(["--on-lost-offsets", "reread"]).onLostOffsets).toBe("reread");
  expect(() => parseOptions(["--on-lost-offsets", "ignore"])).toThrow(/on-lost-offsets/);
});

test("npm start re-reads only on a topic it created itself (a fresh broker after stack:clean), else fails", () => {
  expect(startLostOffsets(true)).toBe("reread");
  expect(startLostOffsets(false)).toBe("fail");
});
