/**
 * The Parquet sink's pure parts (row keys, date partitions, the JSON-lines log, file planning, option checks,
 * error lines) and the dataset's recovery from crash states built on disk by hand.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseJsonLines } from "../../transforms/sinks/parquet_log";
import { ParquetDataset, planFiles, type ManifestEntry } from "../../transforms/sinks/parquet_dataset";
import { parquetSinkError } from "../../transforms/sinks/parquet_errors";
import { parquetSpecs } from "../../sales/parquet_sinks";
import {
  lateRow,
  lateRowDate,
  lateRowKey,
  resultRow,
  resultRowDate,
  resultRowKey,
  RENAMED_FIELDS,
  RESULT_COLUMNS,
  type ResultRow,
} from "../../sales/parquet_rows";
import { lateSale, windowResult } from "../integration/parquet_fixtures";

/** A results dataset under `root` that rolls over only when asked. */
const options = (root: string) => ({
  root,
  columns: RESULT_COLUMNS,
  keyOf: resultRowKey,
  partitionOf: resultRowDate,
  maxRowsPerFile: 1_000,
  maxFileAgeMs: Number.POSITIVE_INFINITY,
});

describe("rows, keys and partitions", () => {
  test("a replayed final pane has the same key whatever its pane index or timing; another window does not", () => {
    const first = resultRow(windowResult(3, true, 0));
    const replay = resultRow({ ...windowResult(3, true, 4), pane: { timing: "LATE", index: 4, nonSpeculativeIndex: 2, isFirst: false, isLast: true } });
    expect(resultRowKey(replay)).toBe(resultRowKey(first));
    expect(resultRowKey(resultRow(windowResult(13, true)))).not.toBe(resultRowKey(first));
    expect(resultRowKey({ ...first, key_kind: "user" })).not.toBe(resultRowKey(first));
  });

  test("results carry the key, the window and exact cents from sumCents/avgCents; late rows the event's cents", () => {
    const r = windowResult(15, true); // prod_5, the second window, 10,000,000,000 + 15 × 1,234,567 cents, 2 events
    expect(resultRow(r)).toEqual({
      key_kind: "product",
      key: "prod_5",
      window_start: Date.UTC(2026, 10, 27, 23, 59),
      window_end: Date.UTC(2026, 10, 28, 0, 0),
      sum: 10_018_518_505,
      count: 2,
      avg: 5_009_259_253, // 5,009,259,252.5 rounded half up
    });
    const l = lateSale(7); // amount 9.59
    expect(lateRow(l).amount).toBe(959);
  });

  test("a late record's key is its event and the windows it missed", () => {
    const l = lateRow(lateSale(2));
    expect(lateRowKey({ ...l, watermark: l.watermark + 1 })).toBe(lateRowKey(l));
    expect(lateRowKey({ ...l, missed_windows: [{ start: 0, end: 1 }] })).not.toBe(lateRowKey(l));
    expect(lateRowKey({ ...l, event_id: "other" })).not.toBe(lateRowKey(l));
  });

  test("partitions are UTC dates: the window's start for results, the event time for late records", () => {
    const midnight = Date.UTC(2026, 10, 28);
    const row = (start: number): ResultRow => ({ key_kind: "product", key: "p", window_start: start, window_end: start + 60_000, sum: 0, count: 0, avg: 0 });
    expect(resultRowDate(row(midnight - 1))).toBe("2026-11-27");
    expect(resultRowDate(row(midnight))).toBe("2026-11-28");
    expect(lateRowDate({ ...lateRow(lateSale(0)), event_time: midnight - 1 })).toBe("2026-11-27");
    expect(() => resultRowDate(row(Number.POSITIVE_INFINITY))).toThrow("cannot partition");
  });

  test("planFiles: one file per partition and at most maxRows rows each, partitions in order", () => {
    const rows = [..."bbbbbaac"].map((p, i) => ({ p, i }));
    const files = planFiles(rows, (r) => r.p, 2);
    expect(files.map((f) => [f.partition, f.rows.map((r) => r.i)])).toEqual([
      ["a", [5, 6]],
      ["b", [0, 1]],
      ["b", [2, 3]],
      ["b", [4]],
      ["c", [7]],
    ]);
  });
});

describe("the JSON-lines log", () => {
  test("complete lines count; a torn last line is dropped and marks where the file ends", () => {
    const text = Buffer.from('{"a":1}\n{"a":2}\n{"a":');
    expect(parseJsonLines(text, "log")).toEqual({ entries: [{ a: 1 }, { a: 2 }], validBytes: 16 });
    expect(parseJsonLines(Buffer.from(""), "log")).toEqual({ entries: [], validBytes: 0 });
  });

  test("a complete line that does not parse is damage: an error naming the file, not a silent skip", () => {
    expect(() => parseJsonLines(Buffer.from('{"a":1}\n{"a"\n{"a":3}\n'), "the commit log x")).toThrow(
      "the commit log x is damaged at byte 8",
    );
  });
});

describe("options and errors", () => {
  test("bad options fail when the pipeline is built", () => {
    expect(() => parquetSpecs({ dir: " " })).toThrow("pass --parquet-dir");
    expect(() => parquetSpecs({ dir: "/tmp/x", maxRowsPerFile: 0 })).toThrow("maxRowsPerFile must be a whole number ≥ 1, got 0");
    expect(() => parquetSpecs({ dir: "/tmp/x", maxFileAgeMs: -1 })).toThrow("maxFileAgeMs must be ≥ 0");
    expect(() => parquetSpecs({ dir: "/tmp/x", compactAfterKeys: 0.5 })).toThrow("compactAfterKeys must be a whole number ≥ 1, got 0.5");
    expect(parquetSpecs({ dir: "rel" }).results).toMatchObject({ dir: path.resolve("rel"), kind: "results", maxRowsPerFile: 100_000, maxFileAgeMs: 60_000, compactAfterKeys: 100_000 });
  });

  test("file-system failures become one line that says what to do", () => {
    const full = parquetSinkError(Object.assign(new Error("x"), { code: "ENOSPC" }), "/d/results", "/d/results/_sink/tmp/f");
    expect(full.message).toMatch(/^Parquet sink: no space left for \/d\/results \(ENOSPC writing \/d\/results\/_sink\/tmp\/f\); free space/);
    const denied = parquetSinkError(Object.assign(new Error("x"), { code: "EACCES" }), "/d/results", "/d/results");
    expect(denied.message).toContain("make it a writable directory or choose another --parquet-dir");
    for (const e of [full, denied]) expect(e.message).not.toContain("\n");
  });
});

const rows = (from: number, to: number): ResultRow[] => Array.from({ length: to - from }, (_, i) => resultRow(windowResult(from + i, true)));
const parquetFiles = (root: string): string[] =>
  fs.readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".parquet")).sort();
const manifest = (root: string): ManifestEntry[] =>
  fs.readFileSync(path.join(root, "_sink", "manifest.jsonl"), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as ManifestEntry);
/** The keys a commit-log line holds (none in a base line). */
const keysOf = (entry: ManifestEntry): string[] => ("base" in entry ? [] : Object.values(entry.keys).flat());
/** The keys in a dataset's key files, by file name. */
const keyFiles = (root: string): Record<string, string[]> =>
  Object.fromEntries(
    fs.readdirSync(path.join(root, "_sink", "keys")).map((name) => [
      name,
      fs.readFileSync(path.join(root, "_sink", "keys", name), "utf8").trim().split("\n").flatMap((l) => JSON.parse(l) as string[]),
    ]),
  );

describe("recovery from crash states", () => {

  test("staged rows of a crashed run (with a torn last line) are committed at open, once", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-unit-"));
    const a = await ParquetDataset.open(options(root));
    await a.stage(rows(0, 10));
    await a.stage(rows(5, 15)); // 5 replayed rows
    expect(parquetFiles(root)).toEqual([]); // staged, not yet rolled over
    // Crash: the process dies; a torn line is left behind.
    fs.appendFileSync(path.join(root, "_sink", "staged-00000001.jsonl"), '{"rows":[{"key_kind":"pro');
    const b = await ParquetDataset.open(options(root));
    expect(b.stats.committedRows).toBe(15);
    expect(b.stats.duplicatesDropped).toBe(5);
    expect(manifest(root).flatMap(keysOf)).toHaveLength(15);
    expect(fs.readdirSync(path.join(root, "_sink")).filter((f) => f.startsWith("staged-"))).toEqual([]);
    await b.stage(rows(0, 3)); // replayed again after the commit: dropped at the next roll-over
    await b.close();
    expect(b.stats.duplicatesDropped).toBe(8);
    expect(manifest(root)).toHaveLength(1);
    // `a` stands for the crashed process: it is never used (or closed) again.
  });

  test("a staging log left by the version that wrote cents as sum_cents/avg_cents is committed under the new names", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-unit-"));
    fs.mkdirSync(path.join(root, "_sink"));
    const old = rows(0, 4).map(({ sum, avg, ...rest }) => ({ ...rest, sum_cents: sum, avg_cents: avg }));
    const line = { f: Object.keys(old[0]), v: old.map((r) => Object.values(r)) };
    fs.writeFileSync(path.join(root, "_sink", "staged-00000001.jsonl"), JSON.stringify(line) + "\n" + JSON.stringify({ rows: old.slice(0, 1) }) + "\n");
    const dataset = await ParquetDataset.open({ ...options(root), renamedFields: RENAMED_FIELDS });
    await dataset.close();
    expect(dataset.stats).toMatchObject({ committedRows: 4, duplicatesDropped: 1 });
  });

  test("a batch whose commit line was written but whose files were not yet renamed is finished at open", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-unit-"));
    const a = await ParquetDataset.open(options(root));
    await a.stage(rows(0, 30));
    await a.close();
    const published = parquetFiles(root);
    expect(published.length).toBe(2); // two dates
    // Crash state: committed in the log, files still under their temp names.
    for (const f of published) fs.renameSync(path.join(root, f), path.join(root, "_sink", "tmp", path.basename(f) + ".tmp"));
    // And an orphan temp file of a batch that never reached its commit line.
    fs.writeFileSync(path.join(root, "_sink", "tmp", "part-00000002-000.parquet.tmp"), "partial");
    const b = await ParquetDataset.open(options(root));
    expect(parquetFiles(root)).toEqual(published);
    expect(fs.readdirSync(path.join(root, "_sink", "tmp"))).toEqual([]);
    await b.close();
  });
});

describe("group commit", () => {
  test("bundles staged at once are appended one line each, all resolve, and every row is committed once", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-group-"));
    const dataset = await ParquetDataset.open(options(root));
    const rows = (from: number, to: number): ResultRow[] => Array.from({ length: to - from }, (_, i) => resultRow(windowResult(from + i, true)));
    await Promise.all([dataset.stage(rows(0, 10)), dataset.stage(rows(10, 20)), dataset.stage(rows(20, 30))]);
    const staged = fs.readFileSync(path.join(root, "_sink", "staged-00000001.jsonl"), "utf8").trim().split("\n");
    // One line per bundle, its rows as columns under one list of field names.
    const lines = staged.map((line) => JSON.parse(line) as { f: string[]; v: unknown[][] });
    expect(lines.map((line) => line.v.length)).toEqual([10, 10, 10]);
    expect(lines[0].f).toEqual(Object.keys(rows(0, 1)[0]));
    await dataset.close();
    expect(dataset.stats.committedRows).toBe(30);
    // After close every waiting bundle fails with the same one-line error.
    const late = await Promise.allSettled([dataset.stage(rows(30, 31)), dataset.stage(rows(31, 32))]);
    expect(late.map((r) => (r.status === "rejected" ? (r.reason as Error).message : "resolved"))).toEqual([
      `Parquet sink: ${root} was closed; rows arrived after close()`,
      `Parquet sink: ${root} was closed; rows arrived after close()`,
    ]);
  });
});

describe("a roll-over by age that fails", () => {
  test("is reported by the next stage() and by close(), with the one-line error; the rows stay staged", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-timer-"));
    const dataset = await ParquetDataset.open({ ...options(root), maxFileAgeMs: 30 });
    // The first file the timer writes goes to /dev/full: the kernel answers ENOSPC.
    fs.symlinkSync("/dev/full", path.join(root, "_sink", "tmp", "part-00000001-000.parquet.tmp"));
    await dataset.stage([resultRow(windowResult(0, true))]);
    const deadline = Date.now() + 10_000;
    let failure: unknown;
    while (failure === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      failure = await dataset.stage([resultRow(windowResult(1, true))]).then(() => undefined, (e: unknown) => e);
    }
    expect((failure as Error).message).toMatch(/^Parquet sink: no space left for .* \(ENOSPC writing .*part-00000001-000\.parquet\.tmp\)/);
    await expect(dataset.close()).rejects.toThrow("no space left");
    expect(fs.readdirSync(path.join(root, "_sink")).filter((f) => f.startsWith("staged-"))).toEqual(["staged-00000001.jsonl"]);
  });
});

describe("one writer per folder", () => {

  test("a folder locked by a live process is refused; a lock left by a dead process is taken over", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-lock-"));
    fs.mkdirSync(path.join(root, "_sink"));
    fs.writeFileSync(path.join(root, "_sink", "writer.lock"), "1\n"); // pid 1 is always alive
    await expect(ParquetDataset.open(options(root))).rejects.toThrow(
      `Parquet sink: ${root} is being written by process 1; run one job per --parquet-dir`,
    );
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    fs.writeFileSync(path.join(root, "_sink", "writer.lock"), `${dead}\n`);
    const dataset = await ParquetDataset.open(options(root));
    expect(fs.readFileSync(path.join(root, "_sink", "writer.lock"), "utf8")).toBe(`${process.pid}\n`);
    await dataset.close();
    expect(fs.existsSync(path.join(root, "_sink", "writer.lock"))).toBe(false);
  });
});

describe("compaction of the commit log and the committed keys", () => {
  // windowResult(0..19) are windows of 2026-11-27, 20.. of 2026-11-28 (10 products per minute from 23:58 UTC).
  test("the log's keys move to one key file per date partition, the log to one line; replays stay dropped after reopening", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-compact-"));
    const compacting = { ...options(root), compactAfterKeys: 25, loadedPartitions: 1 };
    const a = await ParquetDataset.open(compacting);
    await a.stage(rows(0, 10));
    await a.flush(); // 10 keys: below 25, the log keeps its batch line
    expect(manifest(root).map(keysOf).map((k) => k.length)).toEqual([10]);
    await a.stage(rows(5, 60)); // 5 replayed, 50 new: 60 keys logged, compaction due
    await a.close();
    expect(a.stats).toMatchObject({ committedRows: 60, duplicatesDropped: 5 });
    expect(manifest(root)).toEqual([{ v: 2, base: true, batch: 2, staged: 2 }]);
    const files = keyFiles(root);
    expect(Object.keys(files).sort()).toEqual(["2026-11-27.jsonl", "2026-11-28.jsonl"]);
    expect(files["2026-11-27.jsonl"].sort()).toEqual(rows(0, 20).map(resultRowKey).sort());
    expect(files["2026-11-28.jsonl"].sort()).toEqual(rows(20, 60).map(resultRowKey).sort());
    // Only the partition used last stays in memory (loadedPartitions: 1): its 40 keys, not all 60.
    expect(a.keysInMemory).toBe(40);

    const b = await ParquetDataset.open(compacting);
    await b.stage(rows(0, 70)); // a run from scratch: 60 replayed rows in both partitions, 10 new
    await b.close();
    expect(b.stats).toMatchObject({ committedRows: 10, duplicatesDropped: 60 });
    expect(parquetFiles(root).length).toBeGreaterThanOrEqual(3);
  });

  test("a compaction cut short after writing key files (the old log still whole) commits nothing twice", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-compact-crash-"));
    const a = await ParquetDataset.open(options(root)); // default threshold: no compaction for 30 keys
    await a.stage(rows(0, 30));
    await a.close();
    const log = manifest(root);
    expect(log.flatMap(keysOf)).toHaveLength(30);
    // The crash state: step (a) done (the keys appended to their key files), the new log not yet renamed.
    const byDate = new Map<string, string[]>();
    for (const row of rows(0, 30)) byDate.set(resultRowDate(row), [...(byDate.get(resultRowDate(row)) ?? []), resultRowKey(row)]);
    for (const [date, keys] of byDate) fs.appendFileSync(path.join(root, "_sink", "keys", `${date}.jsonl`), JSON.stringify(keys) + "\n");
    fs.writeFileSync(path.join(root, "_sink", "manifest.jsonl.tmp"), '{"v":2,"base":true,"ba');
    const b = await ParquetDataset.open({ ...options(root), compactAfterKeys: 20 });
    expect(fs.existsSync(path.join(root, "_sink", "manifest.jsonl.tmp"))).toBe(false);
    await b.stage(rows(0, 35));
    await b.close();
    expect(b.stats).toMatchObject({ committedRows: 5, duplicatesDropped: 30 });
    // Compacted at open (30 logged keys ≥ 20): each key a second time in its key file (a set: no harm); then the
    // new batch's 5 keys in the log.
    const [base, ...batches] = manifest(root);
    expect(base).toEqual({ v: 2, base: true, batch: 1, staged: 1 });
    expect(batches.flatMap(keysOf)).toHaveLength(5);
    expect(Object.values(keyFiles(root)).flat()).toHaveLength(60);
    expect(new Set(Object.values(keyFiles(root)).flat()).size).toBe(30);
  });

  test("a commit log written before compaction (v 1 lines, keys in one list) is read and compacted", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-compact-v1-"));
    const a = await ParquetDataset.open(options(root));
    await a.stage(rows(0, 30));
    await a.close();
    // Rewrite the log as the earlier version wrote it.
    const v1 = manifest(root).map((e) => ("base" in e ? e : { ...e, v: 1, keys: keysOf(e) }));
    fs.writeFileSync(path.join(root, "_sink", "manifest.jsonl"), v1.map((e) => JSON.stringify(e) + "\n").join(""));
    const b = await ParquetDataset.open({ ...options(root), compactAfterKeys: 1 });
    await b.stage(rows(0, 31));
    await b.close();
    expect(b.stats).toMatchObject({ committedRows: 1, duplicatesDropped: 30 });
    expect(manifest(root).filter((e) => !("base" in e))).toEqual([]);
  });
});
