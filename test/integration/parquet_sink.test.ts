/**
 * The Parquet sink in a pipeline on our direct runner: final results and late records fed by TestStream, read back
 * with an independent reader (hyparquet), schema (logical types: DECIMAL(18,2) money, UTC instants) and values checked; roll-over by rows and by time;
 * a replayed final pane is written once.
 */
import { sinkMetrics } from "../../transforms/sinks/sink_metrics";
import "apache-beam";
import * as fs from "fs";
import { withName } from "apache-beam/transforms/transform";
import * as os from "os";
import * as path from "path";
import { directRunner, paneCapture, seconds, testStream, type TimestampedValue } from "../../transforms";
import { buildPipeline } from "../../pipelines/sales_aggregation";
import { serializeSaleEvent } from "../../sales/sale_event";
import type { KafkaRecord } from "../../transforms/kafka";
import type { DeadLetter } from "../../sales/parse_sales_events";
import { closeParquetSinks } from "../../transforms/sinks/parquet";
import { parquetSinks } from "../../sales/parquet_sinks";
import type { LateSale } from "../../sales/late_sale";
import type { SalesWindowResult } from "../../sales/window_result";
import { BASE, lateSale, resultAsRead, windowResult } from "./parquet_fixtures";
import { filesUnder, parquetFilesUnder, readDataset } from "./parquet_test_helpers";

function freshDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "parquet-sink-"));
}

function chunks<T>(all: readonly T[], size: number): Array<{ at: number; rows: T[] }> {
  const out: Array<{ at: number; rows: T[] }> = [];
  for (let i = 0; i < all.length; i += size) out.push({ at: i, rows: all.slice(i, i + size) });
  return out;
}

async function runThrough(
  dir: string,
  results: SalesWindowResult[],
  late: LateSale[],
  options: { maxRowsPerFile?: number; maxFileAgeMs?: number } = {},
  chunk = 50,
): Promise<void> {
  const sinks = parquetSinks({ dir, ...options });
  await directRunner().run((root) => {
    let stream = testStream<SalesWindowResult>();
    for (const part of chunks(results, chunk)) {
      stream = stream.addElements(...part.rows.map((r) => ({ value: r, timestamp: r.window.end - 1 }))).advanceWatermarkTo(BASE + part.at);
    }
    root.apply(withName("results", stream.advanceWatermarkToInfinity())).apply(sinks.results);
    let lateStream = testStream<LateSale>();
    for (const part of chunks(late, chunk)) {
      lateStream = lateStream.addElements(...part.rows.map((l) => ({ value: l, timestamp: seconds(part.at) })));
    }
    root.apply(withName("late", lateStream.advanceWatermarkToInfinity())).apply(sinks.late);
  });
  await closeParquetSinks();
}

test("final results and late records are read back by hyparquet with their logical types and exact values", async () => {
  const dir = freshDir();
  const finals = Array.from({ length: 300 }, (_, i) => windowResult(i, true));
  const early = Array.from({ length: 100 }, (_, i) => windowResult(i, false));
  const late = Array.from({ length: 120 }, (_, i) => lateSale(i));
  sinkMetrics().reset();
  await runThrough(dir, [...early, ...finals], late, { maxRowsPerFile: 1_000 });
  // The sink metrics (/metrics, sink="parquet"): the rows made durable, final panes and late records, not the early panes.
  expect(sinkMetrics().snapshot().find((m) => m.sink === "parquet")).toMatchObject({ rowsWritten: 420, ready: true });

  const results = await readDataset(path.join(dir, "results"));
  // Only final panes, each once.
  expect(results.rows).toHaveLength(300);
  const byIdentity = new Map(results.rows.map((r) => [`${String(r.key)}|${String(r.window_start)}`, r]));
  for (const r of finals) expect(byIdentity.get(`${r.key}|${r.window.start}`)).toEqual(resultAsRead(r));
  // Hive partitions by the window's UTC date: rows of 2026-11-27 and 2026-11-28.
  const partitions = [...new Set(results.files.map((f) => path.basename(path.dirname(f.file))))].sort();
  expect(partitions).toEqual(["date=2026-11-27", "date=2026-11-28"]);
  for (const f of results.files) {
    const date = path.basename(path.dirname(f.file)).slice("date=".length);
    for (const row of f.data) expect(new Date(row.window_start as number).toISOString().slice(0, 10)).toBe(date);
  }
  const schema = Object.fromEntries(results.files[0].schema.map((c) => [c.name, c]));
  const text = { type: "BYTE_ARRAY", converted: "UTF8", logical: "STRING" };
  const instant = { type: "INT64", converted: "TIMESTAMP_MILLIS", logical: "TIMESTAMP", utc: true };
  const money = { type: "INT64", converted: "DECIMAL", logical: "DECIMAL", precision: 18, scale: 2 };
  expect(schema.key_kind).toMatchObject(text);
  expect(schema.key).toMatchObject(text);
  expect(schema.window_start).toMatchObject(instant);
  expect(schema.window_end).toMatchObject(instant);
  expect(schema.sum).toMatchObject(money);
  expect(schema.avg).toMatchObject(money);
  expect(schema.count).toMatchObject({ type: "INT64" });
  expect(schema.count.converted).toBeUndefined();

  const lateRead = await readDataset(path.join(dir, "late"));
  expect(lateRead.rows).toHaveLength(120);
  const lateById = new Map(lateRead.rows.map((r) => [r.event_id, r]));
  for (const l of late) {
    expect(lateById.get(l.value.event_id)).toEqual({
      key: l.key,
      event_id: l.value.event_id,
      user_id: l.value.user_id,
      product_id: l.value.product_id,
      event_type: l.value.event_type,
      amount: Math.round(l.value.amount * 100) / 100,
      event_time: l.timestamp,
      missed_windows: l.windows.map((w) => ({ start: w.start, end: w.end })),
      watermark: l.watermark,
      reason: l.reason,
    });
  }
  const lateSchema = Object.fromEntries(lateRead.files[0].schema.map((c) => [c.name, c]));
  expect(lateSchema.event_time).toMatchObject(instant);
  expect(lateSchema.watermark).toMatchObject(instant);
  expect(lateSchema.start).toMatchObject(instant); // missed_windows.start
  expect(lateSchema.amount).toMatchObject(money);
  expect(lateSchema.missed_windows).toMatchObject({ repetition: "REPEATED", children: 2 });
  expect(lateSchema.event_id).toMatchObject(text);
  for (const f of lateRead.files) {
    const date = path.basename(path.dirname(f.file)).slice("date=".length);
    for (const row of f.data) expect(new Date(row.event_time as number).toISOString().slice(0, 10)).toBe(date);
  }
  // Nothing but committed files and the sink's own folder; no temp or staging file left after close.
  expect(filesUnder(dir).filter((f) => !f.endsWith(".parquet") && !f.endsWith("manifest.jsonl"))).toEqual([]);
});

test("roll-over by rows: no file holds more than maxRowsPerFile rows", async () => {
  const dir = freshDir();
  const finals = Array.from({ length: 250 }, (_, i) => windowResult(i, true));
  await runThrough(dir, finals, [], { maxRowsPerFile: 40 });
  const results = await readDataset(path.join(dir, "results"));
  expect(results.rows).toHaveLength(250);
  expect(results.files.length).toBeGreaterThanOrEqual(Math.ceil(250 / 40));
  for (const f of results.files) expect(f.rows).toBeLessThanOrEqual(40);
});

test("roll-over by time: staged rows become a file after maxFileAgeMs without more input or a close", async () => {
  const dir = freshDir();
  const sinks = parquetSinks({ dir, maxRowsPerFile: 1_000_000, maxFileAgeMs: 200 });
  await directRunner().run((root) => {
    const rows = Array.from({ length: 20 }, (_, i) => windowResult(i, true));
    root
      .apply(testStream<SalesWindowResult>().addElements(...rows.map((r) => ({ value: r, timestamp: r.window.start }))).advanceWatermarkToInfinity())
      .apply(sinks.results);
  });
  // The run is over and nothing else arrives; the age-based roll-over writes the file by itself.
  const deadline = Date.now() + 10_000;
  while (parquetFilesUnder(path.join(dir, "results")).length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const results = await readDataset(path.join(dir, "results"));
  expect(results.rows).toHaveLength(20);
  await closeParquetSinks();
});

test("a replayed final pane (a second run over the same input) is not written twice", async () => {
  const dir = freshDir();
  const finals = Array.from({ length: 60 }, (_, i) => windowResult(i, true));
  const late = Array.from({ length: 30 }, (_, i) => lateSale(i));
  await runThrough(dir, finals.slice(0, 40), late.slice(0, 20), { maxRowsPerFile: 25 });
  await runThrough(dir, finals, late, { maxRowsPerFile: 25 });
  const results = await readDataset(path.join(dir, "results"));
  expect(results.rows).toHaveLength(60);
  expect(new Set(results.rows.map((r) => `${String(r.key)}|${String(r.window_start)}`)).size).toBe(60);
  const lateRead = await readDataset(path.join(dir, "late"));
  expect(lateRead.rows.map((r) => r.event_id).sort()).toEqual(late.map((l) => l.value.event_id).sort());
});

test("the sales pipeline itself (parse → window → combine → describe) into the Parquet sinks: final panes and late data", async () => {
  const dir = freshDir();
  const at = (s: number): number => Date.UTC(2026, 0, 1, 12, 0, s);
  let offset = 0;
  const record = (seconds: number, value: string): TimestampedValue<KafkaRecord> => ({
    value: { topic: "sales", partition: 0, offset: String(offset++), timestamp: at(seconds), key: null, value: new Uint8Array(Buffer.from(value)) },
    timestamp: at(seconds),
  });
  const event = (id: string, user: string, product: string, amount: number, seconds: number): TimestampedValue<KafkaRecord> =>
    record(seconds, serializeSaleEvent({ event_id: id, user_id: user, product_id: product, amount, timestamp: new Date(at(seconds)).toISOString(), event_type: "purchase" }));
  const sinks = parquetSinks({ dir });
  const deadLetters = paneCapture<DeadLetter>("deadLetters");
  await directRunner().run((root) =>
    buildPipeline(
      root,
      { window: { kind: "fixed", size: 60_000, offset: 0 }, key: "product", trigger: {}, allowedLateness: 0 },
      {
        source: testStream<KafkaRecord>()
          .addElements(
            event("e1", "alice", "apples", 1.1, 10),
            record(15, "{not json"),
            event("e2", "bob", "apples", 2.25, 20),
            event("e3", "carol", "bread", 3.3, 70),
          )
          .advanceWatermarkTo(at(120))
          .addElements(event("e4", "dave", "apples", 9.99, 30)) // its window [0 s, 60 s) is gone: late data
          .advanceWatermarkToInfinity(),
        sinks: { results: sinks.results, late: sinks.late, deadLetters: deadLetters.capture() },
      },
    ),
  );
  await closeParquetSinks();
  const results = await readDataset(path.join(dir, "results"));
  const byKey = (rows: Array<Record<string, unknown>>) => [...rows].sort((a, b) => String(a.key).localeCompare(String(b.key)));
  expect(byKey(results.rows)).toEqual([
    { key_kind: "product", key: "apples", window_start: at(0), window_end: at(60), sum: 3.35, count: 2, avg: 1.68 },
    { key_kind: "product", key: "bread", window_start: at(60), window_end: at(120), sum: 3.3, count: 1, avg: 3.3 },
  ]);
  const late = await readDataset(path.join(dir, "late"));
  expect(late.rows).toEqual([
    expect.objectContaining({ key: "apples", event_id: "e4", user_id: "dave", amount: 9.99, event_time: at(30), missed_windows: [{ start: at(0), end: at(60) }] }),
  ]);
  expect(deadLetters.elements()).toHaveLength(1);
});
