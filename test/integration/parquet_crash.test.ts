/**
 * Exactly once across kill -9: a child process writing through the Parquet sinks is SIGKILLed at random points
 * (at least 5 times) and restarted, replaying its whole input each time; then it runs to the end. After every
 * kill, every *.parquet file a reader can see is complete (readable, row count as its footer says) and holds no
 * row twice; at the end the dataset holds each final result and each late record exactly once. The commit log is
 * compacted every 150 keys, so kills also land in compactions.
 */
import { execFile, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { createPrng } from "../../pipelines/producer/prng";
import { lateSale, resultAsRead, resultIdentity, windowResult } from "./parquet_fixtures";
import { resultRow } from "../../sales/parquet_rows";
import { filesUnder, readDataset } from "./parquet_test_helpers";

const ROOT = path.resolve(__dirname, "../..");
const RESULTS = 8_000;
const LATE = 1_500;
const MAX_ROWS = 200;
const KILLS = 5;

interface Run {
  readonly killed: boolean;
  readonly code: number | null;
  readonly stderr: string;
}

/** Whether the job has staged rows in this run (a staging segment exists: it is written before any file). */
function staging(dir: string): boolean {
  const meta = path.join(dir, "results", "_sink");
  return fs.existsSync(meta) && fs.readdirSync(meta).some((f) => f.startsWith("staged-"));
}

/**
 * Starts the job; once it is writing (a staging segment appears) kills it `killAfterMs` later (undefined: lets it
 * finish). Waiting for the first staged rows keeps a slow start (pipeline construction on a loaded machine) from
 * swallowing the kill.
 */
function runChild(dir: string, killAfterMs: number | undefined): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["-r", "./tools/register.js", "test/integration/parquet_crash_child.ts", dir, String(RESULTS), String(LATE), String(MAX_ROWS)],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    let killed = false;
    let timer: NodeJS.Timeout | undefined;
    const kill = (): void => {
      if (child.exitCode === null) killed = child.kill("SIGKILL");
    };
    const watch = (): void => {
      if (child.exitCode !== null) return;
      if (staging(dir)) timer = setTimeout(kill, killAfterMs);
      else timer = setTimeout(watch, 5);
    };
    child.stdout.on("data", (chunk: Buffer) => {
      const before = stdout;
      stdout += chunk.toString();
      if (killAfterMs !== undefined && !before.includes("running") && stdout.includes("running")) watch();
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      // Killed is killed, even just after it printed "done" (the dataset must be consistent at every instant).
      resolve({ killed: killed && signal === "SIGKILL", code, stderr });
    });
  });
}

async function checkVisibleFiles(dir: string): Promise<{ results: number; late: number }> {
  const results = await readDataset(path.join(dir, "results"));
  for (const f of results.files) expect(f.data).toHaveLength(f.rows);
  const ids = results.rows.map(resultIdentity);
  expect(new Set(ids).size).toBe(ids.length);
  const late = await readDataset(path.join(dir, "late"));
  for (const f of late.files) expect(f.data).toHaveLength(f.rows);
  const lateIds = late.rows.map((r) => String(r.event_id));
  expect(new Set(lateIds).size).toBe(lateIds.length);
  return { results: results.rows.length, late: late.rows.length };
}

test(
  "SIGKILL at random points ≥ 5 times, restarts replaying the input: each final row and late record exactly once",
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-crash-"));
    const random = createPrng(9);
    let kills = 0;
    let midCommit = 0;
    const progress: string[] = [];
    // Kill points are drawn below maxDelay; a run that finishes first halves it (a fast machine still gets kills).
    let maxDelay = 1_500;
    for (let attempt = 0; kills < KILLS && attempt < 20; attempt++) {
      const run = await runChild(dir, Math.floor(random() * maxDelay));
      if (!run.killed) {
        maxDelay = Math.max(50, maxDelay / 2);
        // Finished before the kill point: a clean replay over a complete dataset (duplicates must still be dropped).
        expect(run.stderr).toBe("");
        expect(run.code).toBe(0);
        continue;
      }
      kills += 1;
      const leftovers = [...filesUnder(path.join(dir, "results")), ...filesUnder(path.join(dir, "late"))];
      if (leftovers.some((f) => f.includes(`_sink${path.sep}tmp${path.sep}`) || /staged-\d+\.jsonl$/.test(f))) midCommit += 1;
      const seen = await checkVisibleFiles(dir);
      progress.push(`kill ${kills}: ${seen.results} results, ${seen.late} late visible`);
    }
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    // The kills hit the sink with rows staged or files being written (not only between runs).
    expect(midCommit).toBeGreaterThanOrEqual(1);

    const last = await runChild(dir, undefined);
    expect(last.stderr).toBe("");
    expect(last.code).toBe(0);

    const results = await readDataset(path.join(dir, "results"));
    expect(results.rows).toHaveLength(RESULTS);
    const byId = new Map(results.rows.map((r) => [resultIdentity(r), r]));
    expect(byId.size).toBe(RESULTS);
    for (let i = 0; i < RESULTS; i++) {
      const final = windowResult(i, true, 1);
      expect(byId.get(resultIdentity(resultRow(final)))).toEqual(resultAsRead(final));
    }
    const late = await readDataset(path.join(dir, "late"));
    expect(late.rows.map((r) => String(r.event_id)).sort()).toEqual(
      Array.from({ length: LATE }, (_, i) => lateSale(i).value.event_id).sort(),
    );
    // Nothing left but committed files and the commit logs.
    const rest = [...filesUnder(path.join(dir, "results")), ...filesUnder(path.join(dir, "late"))].filter(
      (f) => !f.endsWith(".parquet") && !f.endsWith("manifest.jsonl") && !/_sink\/keys\/[\d-]+\.jsonl$/.test(f),
    );
    expect(rest).toEqual([]);
    process.stdout.write(`${progress.join("\n")}\nkills with staged rows or temp files: ${midCommit}/${kills}\n`);
  },
  240_000,
);

test("a job that ends without closeParquetSinks(): its normal exit writes the staged rows", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-exit-"));
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ["-r", "./tools/register.js", "test/integration/parquet_crash_child.ts", dir, "300", "50", "1000000", "exit"],
    { cwd: ROOT },
  );
  expect(stdout).toContain("done");
  expect(stderr).toBe("");
  // One file per date partition, written at exit (no roll-over by rows or age happened during the run).
  expect((await readDataset(path.join(dir, "results"))).rows).toHaveLength(300);
  expect((await readDataset(path.join(dir, "late"))).rows).toHaveLength(50);
  expect(filesUnder(dir).filter((f) => !f.endsWith(".parquet") && !f.endsWith("manifest.jsonl") && !/_sink\/keys\/[\d-]+\.jsonl$/.test(f))).toEqual([]);
});
