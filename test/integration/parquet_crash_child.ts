/**
 * A job for the Parquet crash test: writes a deterministic input (final and non-final window results, late
 * records) through the Parquet sinks in small bundles, from the start every time it is started (a replay, as after
 * a restart from older Kafka offsets), then closes the sinks. Prints "running" when the pipeline starts and
 * "done" at the end.
 *
 *   node -r ./tools/register.js test/integration/parquet_crash_child.ts <dir> <results> <late> <maxRowsPerFile> [exit]
 *
 * With `exit`, it does not call closeParquetSinks(): the process's normal exit writes the last staged rows.
 */
import "apache-beam";
import { withName } from "apache-beam/transforms/transform";
import type { LateSale } from "../../sales/late_sale";
import type { SalesWindowResult } from "../../sales/window_result";
import { directRunner, testStream } from "../../transforms";
import { closeParquetSinks } from "../../transforms/sinks/parquet";
import { parquetSinks } from "../../sales/parquet_sinks";
import { BASE, lateSale, windowResult } from "./parquet_fixtures";

const BUNDLE = 20;
/** Compaction every few roll-overs, so that kills land in it too. */
const COMPACT_AFTER_KEYS = 150;

function bundles<T>(all: readonly T[]): Array<{ at: number; rows: T[] }> {
  const out: Array<{ at: number; rows: T[] }> = [];
  for (let i = 0; i < all.length; i += BUNDLE) out.push({ at: i, rows: all.slice(i, i + BUNDLE) });
  return out;
}

async function main(): Promise<void> {
  const [dir, resultCount, lateCount, maxRows, ending] = process.argv.slice(2);
  // Every final pane is preceded by an early pane of the same window (not written).
  const results: SalesWindowResult[] = [];
  for (let i = 0; i < Number(resultCount); i++) results.push(windowResult(i, false), windowResult(i, true, 1));
  const late = Array.from({ length: Number(lateCount) }, (_, i) => lateSale(i));
  const sinks = parquetSinks({ dir, maxRowsPerFile: Number(maxRows), maxFileAgeMs: ending === "exit" ? 3_600_000 : 100, compactAfterKeys: COMPACT_AFTER_KEYS });
  process.stdout.write("running\n");
  await directRunner().run((root) => {
    let stream = testStream<SalesWindowResult>();
    for (const part of bundles(results)) {
      stream = stream.addElements(...part.rows.map((r) => ({ value: r, timestamp: r.window.end - 1 }))).advanceWatermarkTo(BASE + part.at);
    }
    root.apply(withName("results", stream.advanceWatermarkToInfinity())).apply(sinks.results);
    let lateStream = testStream<LateSale>();
    for (const part of bundles(late)) {
      lateStream = lateStream.addElements(...part.rows.map((l) => ({ value: l, timestamp: l.timestamp }))).advanceWatermarkTo(BASE + part.at);
    }
    root.apply(withName("late", lateStream.advanceWatermarkToInfinity())).apply(sinks.late);
  });
  if (ending !== "exit") await closeParquetSinks();
  process.stdout.write("done\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
