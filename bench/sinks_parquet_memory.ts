/**
 * npm run bench:sinks:parquet:memory — the Parquet results dataset's memory and commit log over a long run: 2 M
 * final window results (100 products in 1-minute windows: 144,000 a day, so 14 days of date partitions) staged
 * in bundles of 1,000 and rolled over every 100,000 rows, as a job writing for two weeks would. At 0.5, 1, 1.5 and
 * 2 M rows it prints the heap after a full GC, the committed keys held in memory and the commit log's size:
 *   compacted: the sink as it is (commit log compacted every 100,000 keys, the keys of 4 partitions in memory);
 *   unbounded: the same dataset with compaction off and every partition kept (what the sink did before: one
 *              commit log line per batch with all its keys, every key in one in-memory set).
 * Each mode runs in its own child process (node --expose-gc), so one's garbage does not weigh on the other.
 *
 *   npm run bench:sinks:parquet:memory [-- --rows=N]
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { syntheticWindowResult, type SyntheticResults } from "../sales/synthetic_results";
import { DEFAULT_COMPACT_AFTER_KEYS, DEFAULT_LOADED_PARTITIONS, ParquetDataset } from "../transforms/sinks/parquet_dataset";
import { RESULT_COLUMNS, resultRow, resultRowDate, resultRowKey, type ResultRow } from "../sales/parquet_rows";

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3));
}

const ROWS = flag("rows", 2_000_000);
const BUNDLE = 1_000;
const CHECKPOINTS = 4;
const RESULTS: SyntheticResults = {
  start: Date.UTC(2026, 10, 1),
  products: 100,
  sumCents: (i) => 1_000 + ((i * 7_919) % 5_000_000),
  count: (i) => 1 + (i % 13),
};

type Mode = "compacted" | "unbounded";

interface Sample {
  readonly rows: number;
  readonly heapMiB: number;
  readonly rssMiB: number;
  readonly keysInMemory: number;
  readonly manifestKiB: number;
}

const MiB = 1024 * 1024;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error("run with node --expose-gc (npm run bench:sinks:parquet:memory does)");
  collect();
  collect();
}

/** One mode, in this process: prints its samples as one JSON line. */
async function measure(mode: Mode): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-parquet-memory-${mode}-`));
  const root = path.join(dir, "results");
  const dataset = await ParquetDataset.open<ResultRow>({
    root,
    columns: RESULT_COLUMNS,
    keyOf: resultRowKey,
    partitionOf: resultRowDate,
    maxRowsPerFile: 100_000,
    maxFileAgeMs: Number.POSITIVE_INFINITY,
    compactAfterKeys: mode === "compacted" ? DEFAULT_COMPACT_AFTER_KEYS : Number.MAX_SAFE_INTEGER,
    loadedPartitions: mode === "compacted" ? DEFAULT_LOADED_PARTITIONS : Number.MAX_SAFE_INTEGER,
  });
  const samples: Sample[] = [];
  const every = ROWS / CHECKPOINTS;
  const started = Date.now();
  for (let from = 0; from < ROWS; from += BUNDLE) {
    const rows: ResultRow[] = [];
    for (let i = from; i < Math.min(ROWS, from + BUNDLE); i++) rows.push(resultRow(syntheticWindowResult(RESULTS, i, true)));
    await dataset.stage(rows);
    const written = from + rows.length;
    if (written % every === 0) {
      await dataset.flush();
      gc();
      const memory = process.memoryUsage();
      samples.push({
        rows: written,
        heapMiB: memory.heapUsed / MiB,
        rssMiB: memory.rss / MiB,
        keysInMemory: dataset.keysInMemory,
        manifestKiB: fs.statSync(path.join(root, "_sink", "manifest.jsonl")).size / 1024,
      });
    }
  }
  await dataset.close();
  const keyFiles = fs.readdirSync(path.join(root, "_sink", "keys"));
  const keyBytes = keyFiles.reduce((n, f) => n + fs.statSync(path.join(root, "_sink", "keys", f)).size, 0);
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ mode, samples, keyFiles: keyFiles.length, keyMiB: keyBytes / MiB, seconds: (Date.now() - started) / 1000 }) + "\n");
}

function main(): void {
  console.log(
    `bench:sinks:parquet:memory — ${ROWS.toLocaleString("en")} final results, ${RESULTS.products} products in 1-minute windows ` +
      `(${(RESULTS.products * 1440).toLocaleString("en")} a day), bundles of ${BUNDLE}, 100,000 rows per file (Node ${process.version})`,
  );
  const n = (x: number, digits = 0): string => x.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const lines: string[] = [];
  for (const mode of ["compacted", "unbounded"] as const) {
    const out = execFileSync(process.execPath, ["--expose-gc", "-r", "./tools/register.js", __filename, `--measure=${mode}`, `--rows=${ROWS}`], {
      cwd: path.resolve(__dirname, ".."),
      encoding: "utf8",
      maxBuffer: 64 * MiB,
    });
    const result = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { mode: Mode; samples: Sample[]; keyFiles: number; keyMiB: number; seconds: number };
    for (const s of result.samples) {
      lines.push(`| ${mode} | ${n(s.rows)} | ${n(s.heapMiB, 1)} | ${n(s.rssMiB)} | ${n(s.keysInMemory)} | ${n(s.manifestKiB)} |`);
    }
    console.log(`${mode}: ${n(result.seconds, 1)} s; key files at the end: ${result.keyFiles} (${n(result.keyMiB, 1)} MiB)`);
  }
  console.log("\n| mode | results written | heap after GC (MiB) | RSS (MiB) | committed keys in memory | commit log (KiB) |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const line of lines) console.log(line);
}

const measuring = process.argv.find((a) => a.startsWith("--measure="));
if (measuring) {
  measure(measuring.slice("--measure=".length) as Mode).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
} else {
  main();
}
