/**
 * The Parquet sink when the file system refuses: a folder that cannot be written and a disk that fills. Each is
 * one clear error that fails the pipeline (so no offset is committed past it), no partial file is visible, and a
 * restart once the cause is fixed writes every row exactly once.
 *
 * Real failures, no mocks: a read-only or tiny tmpfs where this process may mount one (root), otherwise a
 * read-only folder (chmod for a normal user, sysfs for root) and a temp file that is a link to /dev/full (ENOSPC).
 */
import "apache-beam";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { withName } from "apache-beam/transforms/transform";
import type { SalesWindowResult } from "../../sales/window_result";
import { directRunner, testStream } from "../../transforms";
import { closeParquetSinks, openParquetDataset } from "../../transforms/sinks/parquet";
import { PARQUET_RESULTS, parquetSinks, parquetSpecs } from "../../sales/parquet_sinks";
import { BASE, resultIdentity, windowResult } from "./parquet_fixtures";
import { filesUnder, readDataset } from "./parquet_test_helpers";

const RESULTS = 3_000;

function bundles(all: readonly SalesWindowResult[], size: number): Array<{ at: number; rows: SalesWindowResult[] }> {
  const out: Array<{ at: number; rows: SalesWindowResult[] }> = [];
  for (let i = 0; i < all.length; i += size) out.push({ at: i, rows: all.slice(i, i + size) });
  return out;
}

async function writeResults(dir: string): Promise<void> {
  const rows = Array.from({ length: RESULTS }, (_, i) => windowResult(i, true));
  const sinks = parquetSinks({ dir, maxRowsPerFile: 200 });
  try {
    await directRunner().run((root) => {
      let stream = testStream<SalesWindowResult>();
      for (const part of bundles(rows, 50)) {
        stream = stream.addElements(...part.rows.map((r) => ({ value: r, timestamp: r.window.start }))).advanceWatermarkTo(BASE + part.at);
      }
      root.apply(withName("results", stream.advanceWatermarkToInfinity())).apply(sinks.results);
    });
  } finally {
    // Writes what is staged (or, after a failure, reports it again): the registry forgets the datasets either way.
    await closeParquetSinks().catch(() => undefined);
  }
  await closeParquetSinks();
}

function tryMount(dir: string, options: string): boolean {
  if (process.env.PARQUET_TEST_NO_MOUNT === "1") return false; // to exercise the fallbacks where mounting works
  return spawnSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { stdio: "ignore" }).status === 0;
}

function unmount(dir: string): void {
  spawnSync("umount", [dir], { stdio: "ignore" });
}

/** Every visible *.parquet file is complete (the reader reads all the rows its footer promises). */
async function expectOnlyCompleteFiles(dir: string): Promise<number> {
  const read = await readDataset(dir);
  for (const f of read.files) expect(f.data).toHaveLength(f.rows);
  return read.rows.length;
}

test("a --parquet-dir below a regular file: one line naming the folder and what to do", async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-fail-"));
  fs.writeFileSync(path.join(base, "file"), "");
  const dir = path.join(base, "file", "parquet");
  const error = await writeResults(dir).then(() => undefined, (e: unknown) => e as Error);
  expect(error?.message).toMatch(/^Parquet sink: cannot write to .*\/file\/parquet\/results \(ENOTDIR at .*\); make it a writable directory or choose another --parquet-dir$/);
});

test("a read-only folder: one clear error, nothing written", async () => {
  let dir = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-ro-"));
  const mounted = tryMount(dir, "ro,size=1m");
  const root = process.getuid?.() === 0;
  // Without a mount: chmod stops a normal user; root ignores it, but sysfs refuses root too (EPERM).
  if (!mounted && root) dir = path.join("/sys", path.basename(dir));
  else if (!mounted) fs.chmodSync(dir, 0o555);
  try {
    const error = await writeResults(dir).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/^Parquet sink: cannot write to .*\/results \((EROFS|EACCES|EPERM) at .*--parquet-dir$/);
    expect(filesUnder(dir)).toEqual([]);
  } finally {
    if (mounted) unmount(dir);
    else if (!root) fs.chmodSync(dir, 0o755);
  }
});

test("the disk fills: one clear error, no partial file visible, and after freeing space a restart writes every row once", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-full-"));
  const mounted = tryMount(dir, "size=256k");
  let devFull: string | undefined;
  try {
    if (!mounted) {
      // The first Parquet file of the results is written to /dev/full (the kernel answers ENOSPC).
      await openParquetDataset(parquetSpecs({ dir, maxRowsPerFile: 200 }).results, PARQUET_RESULTS);
      devFull = path.join(dir, "results", "_sink", "tmp", "part-00000001-000.parquet.tmp");
      fs.symlinkSync("/dev/full", devFull);
    }
    const error = await writeResults(dir).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/^Parquet sink: no space left for .*\/results \((ENOSPC|EDQUOT|EFBIG) writing .*\); free space and restart the job/);
    expect(error?.message).not.toContain("\n");
    const visibleBefore = await expectOnlyCompleteFiles(path.join(dir, "results"));
    expect(visibleBefore).toBeLessThan(RESULTS);
    expect(filesUnder(path.join(dir, "results")).filter((f) => f.endsWith(".tmp") && !f.includes(`_sink${path.sep}tmp`))).toEqual([]);

    // Free space (a bigger tmpfs / no more /dev/full) and run again over the same input.
    if (mounted) expect(spawnSync("mount", ["-o", "remount,size=64m", dir]).status).toBe(0);
    if (devFull) fs.rmSync(devFull);
    await writeResults(dir);
    const results = await readDataset(path.join(dir, "results"));
    expect(results.rows).toHaveLength(RESULTS);
    expect(new Set(results.rows.map(resultIdentity)).size).toBe(RESULTS);
  } finally {
    if (mounted) unmount(dir);
  }
});
