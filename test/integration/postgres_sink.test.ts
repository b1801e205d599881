/**
 * The PostgreSQL sink against the real server: the sales pipeline (TestStream of Kafka records → parse → window →
 * combine → PostgreSQL) leaves one exact row per window and key, late data and dead letters; replays change
 * nothing; the pane rules hold; a merged session replaces the sessions it absorbed; discarding panes, bad table
 * shapes and unknown versions are refused with one line; the password never shows.
 */
import "apache-beam";
import { directRunner } from "../../runners/direct/runner";
import { testStream } from "../../transforms/test_stream";
import { paneCapture } from "../../transforms/testing";
import { serializeSaleEvent, type SaleEvent } from "../../sales/sale_event";
import type { KafkaRecord } from "../../transforms/kafka";
import { fanOut } from "../../transforms/sinks/fan_out";
import { DiscardingPanesError } from "../../transforms/sinks/postgres";
import { postgresSinks, postgresSinkStats, preparePostgres } from "../../sales/postgres_sinks";
import { PostgresSchemaError } from "../../transforms/sinks/postgres_schema";
import { SALES_TABLES, TABLES } from "../../sales/postgres_tables";
import { PostgresTableWriter, type PostgresSinkOptions } from "../../transforms/sinks/postgres_writer";
import { redactPgUrl } from "../../lib/redaction";
import { freePort } from "../../lib/ports";
import { main } from "../../pipelines/main";
import { windowInto, fixedWindows } from "../../transforms/windowing";
import { buildPipeline, sumCountAvgPer, describeWindows, type SalesAggregationConfig } from "../../pipelines/sales_aggregation";
import type { SalesWindowResult } from "../../sales/window_result";
import { parseSalesEvents, routeRecord, type DeadLetter } from "../../sales/parse_sales_events";
import { dropSchema, PG_URL, query, resetSinks, uniqueSchema } from "./postgres_test_helpers";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const s = (n: number): number => T0 + n * 1000;

let seq = 0;
let offset = 0;

function sale(user: string, product: string, amount: number, at: number): SaleEvent {
  seq += 1;
  return { event_id: `pgsink_${seq}`, user_id: user, product_id: product, amount, timestamp: new Date(at).toISOString(), event_type: "purchase" };
}

function record(event: SaleEvent): { value: KafkaRecord; timestamp: number } {
  const at = Date.parse(event.timestamp);
  offset += 1;
  return {
    value: { topic: "sales_it", partition: 0, offset: String(offset), timestamp: at, key: event.user_id, value: new Uint8Array(Buffer.from(serializeSaleEvent(event))) },
    timestamp: at,
  };
}

/** A tombstone (no value): a dead letter. (TestStream's coder turns byte values into BSON Binary objects, so
 * malformed bytes are written through the writer directly below, as the Kafka source hands them.) */
function tombstone(at: number): { value: KafkaRecord; timestamp: number } {
  offset += 1;
  return { value: { topic: "sales_it", partition: 1, offset: String(offset), timestamp: at, key: "k", value: null }, timestamp: at };
}

const schemas: string[] = [];
function schema(prefix: string): string {
  const name = uniqueSchema(prefix);
  schemas.push(name);
  return name;
}

afterEach(async () => {
  await resetSinks();
});

afterAll(async () => {
  for (const name of schemas) await dropSchema(name);
});

interface ResultRow {
  key: string;
  window_start: Date;
  window_end: Date;
  sum: string;
  count: string;
  avg: string;
  pane_timing: string;
  pane_index: number;
  final: boolean;
}

function resultsOf(name: string): Promise<ResultRow[]> {
  return query<ResultRow>(
    `SELECT key, window_start, window_end, sum::text, count::text, avg::text, pane_timing, pane_index, final
       FROM "${name}".${TABLES.results} ORDER BY key_kind, key, window_start, window_end`,
  );
}

const since = (d: Date): number => (d.getTime() - T0) / 1000;

describe("fixed windows into PostgreSQL", () => {
  const config: SalesAggregationConfig = { window: { kind: "fixed", size: 60_000, offset: 0 }, key: "product", allowedLateness: 60_000, trigger: {} };
  const events = {
    a1: sale("alice", "apples", 10.1, s(10)),
    a2: sale("bob", "apples", 20.25, s(20)),
    b1: sale("carol", "bread", 5, s(70)),
    late: sale("bob", "apples", 7, s(40)),
    dropped: sale("alice", "apples", 2, s(30)),
  };
  const bad = tombstone(s(15));

  async function run(target: PostgresSinkOptions): Promise<void> {
    const pg = postgresSinks(target);
    await directRunner().run((root) =>
      buildPipeline(root, config, {
        source: testStream<KafkaRecord>()
          .addElements(record(events.a1), record(events.a2), record(events.b1), bad)
          .advanceWatermarkTo(s(65))
          .addElements(record(events.late))
          .advanceWatermarkTo(s(200))
          .addElements(record(events.dropped))
          .advanceWatermarkToInfinity(),
        sinks: pg,
      }),
    );
  }

  test("one exact row per window and key (numeric sums, final), the late record and the dead letter; a replay changes nothing", async () => {
    const target = { url: PG_URL, schema: schema("sink_fixed") };
    await run(target);
    const first = await resultsOf(target.schema);
    expect(first.map((r) => ({ ...r, window_start: since(r.window_start), window_end: since(r.window_end) }))).toEqual([
      { key: "apples", window_start: 0, window_end: 60, sum: "37.35", count: "3", avg: "12.45", pane_timing: "LATE", pane_index: 2, final: true },
      { key: "bread", window_start: 60, window_end: 120, sum: "5.00", count: "1", avg: "5.00", pane_timing: "ON_TIME", pane_index: 0, final: true },
    ]);
    const late = await query<{ event_id: string; key: string; window_start: Date; reason: string; amount: string }>(
      `SELECT event_id, key, window_start, reason, event->>'amount' AS amount FROM "${target.schema}".${TABLES.late}`,
    );
    expect(late).toEqual([{ event_id: events.dropped.event_id, key: "apples", window_start: new Date(s(0)), reason: "EXPIRED_WINDOW", amount: "2" }]);
    const dead = await query<{ topic: string; partition: number; offset: string; reason: string; raw: Buffer | null }>(
      `SELECT topic, partition, "offset"::text AS offset, reason, raw FROM "${target.schema}".${TABLES.deadLetters}`,
    );
    expect(dead).toEqual([{ topic: "sales_it", partition: 1, offset: bad.value.offset, reason: "record has no value (tombstone)", raw: null }]);

    // The same input again (a replay after a crash re-emits panes, late records and dead letters): same rows.
    await resetSinks();
    await run(target);
    expect(await resultsOf(target.schema)).toEqual(first);
    expect(await query(`SELECT * FROM "${target.schema}".${TABLES.late}`)).toHaveLength(1);
    expect(await query(`SELECT * FROM "${target.schema}".${TABLES.deadLetters}`)).toHaveLength(1);
  });
});

test("a malformed record's dead letter keeps its raw bytes; written twice, it is one row", async () => {
  const target = { url: PG_URL, schema: schema("sink_dead") };
  const raw = '{"event_id":"x","amount":"12,5"}';
  const routed = routeRecord({ topic: "sales_it", partition: 2, offset: "41", timestamp: s(1), key: "k", value: new Uint8Array(Buffer.from(raw)) });
  const letter = routed.deadLetters;
  expect(letter).toBeDefined();
  const writer = new PostgresTableWriter(SALES_TABLES.deadLetters, target);
  writer.add(letter as DeadLetter);
  await writer.flush();
  writer.add(letter as DeadLetter);
  await writer.flush();
  const rows = await query<{ offset: string; reason: string; raw: Buffer; raw_size: number; raw_excerpt: string; record_timestamp: Date }>(
    `SELECT "offset"::text AS offset, reason, raw, raw_size, raw_excerpt, record_timestamp FROM "${target.schema}".${TABLES.deadLetters}`,
  );
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ offset: "41", raw_size: raw.length, raw_excerpt: raw, record_timestamp: new Date(s(1)) });
  expect(rows[0].raw.toString()).toBe(raw);
  expect(rows[0].reason).toBe("user_id: missing (expected a non-empty string)");
});

test("NUL, which PostgreSQL text refuses: an id holding it is a dead letter, a key holding it is stored escaped", async () => {
  const target = { url: PG_URL, schema: schema("sink_nul") };
  const event = JSON.stringify({ event_id: "e1", user_id: "u", product_id: "bad\u0000nul", amount: 1, timestamp: new Date(s(1)).toISOString(), event_type: "purchase" });
  const routed = routeRecord({ topic: "sales_it", partition: 0, offset: "7", timestamp: s(1), key: "k\u0000k", value: new Uint8Array(Buffer.from(event)) });
  expect(routed.events).toBeUndefined();
  const writer = new PostgresTableWriter(SALES_TABLES.deadLetters, target);
  writer.add(routed.deadLetters as DeadLetter);
  await writer.flush();
  const rows = await query<{ record_key: string; reason: string; raw: Buffer }>(`SELECT record_key, reason, raw FROM "${target.schema}".${TABLES.deadLetters}`);
  expect(rows).toHaveLength(1);
  expect(rows[0].record_key).toBe("k\\u0000k");
  expect(rows[0].reason).toMatch(/^product_id: expected a string without control characters \(U\+0000 at position 3\)/);
  expect(rows[0].raw.toString()).toBe(event);
});

describe("the pane rules of the upsert", () => {
  const base: SalesWindowResult = {
    key: "apples",
    keyKind: "product",
    window: { start: s(0), end: s(60) },
    sumCents: 1000,
    sum: 10,
    count: 1,
    avgCents: 1000,
    avg: 10,
    pane: { timing: "ON_TIME", index: 0, nonSpeculativeIndex: 0, isFirst: true, isLast: false },
  };
  const pane = (index: number, isLast: boolean, sumCents: number): SalesWindowResult => ({
    ...base,
    sumCents,
    sum: sumCents / 100,
    count: sumCents / 1000,
    avgCents: 1000,
    avg: 10,
    pane: { timing: index === 0 ? "ON_TIME" : "LATE", index, nonSpeculativeIndex: index, isFirst: index === 0, isLast },
  });

  async function write(target: PostgresSinkOptions, ...panes: SalesWindowResult[]): Promise<void> {
    const writer = new PostgresTableWriter(SALES_TABLES.results, target);
    for (const p of panes) {
      writer.add(p);
      await writer.flush();
    }
  }

  test("the newest pane wins; an older pane replayed later does not overwrite it", async () => {
    const target = { url: PG_URL, schema: schema("sink_panes") };
    await write(target, pane(0, false, 1000), pane(2, false, 3000), pane(1, false, 2000));
    expect((await resultsOf(target.schema)).map((r) => [r.pane_index, r.sum, r.final])).toEqual([[2, "30.00", false]]);
  });

  test("a final row is never overwritten by a non-final pane, even one with a higher index", async () => {
    const target = { url: PG_URL, schema: schema("sink_final") };
    await write(target, pane(1, true, 2000), pane(3, false, 999_000), pane(0, false, 1000));
    expect((await resultsOf(target.schema)).map((r) => [r.pane_index, r.sum, r.final])).toEqual([[1, "20.00", true]]);
  });

  test("a final pane replaces a non-final row whatever its index (a rebuilt window restarts its pane index)", async () => {
    const target = { url: PG_URL, schema: schema("sink_rebuilt") };
    await write(target, pane(5, false, 4000), pane(1, true, 6000));
    expect((await resultsOf(target.schema)).map((r) => [r.pane_index, r.sum, r.final])).toEqual([[1, "60.00", true]]);
  });

  test("in one batch, the same rules pick one row per window (no 'affect row a second time' error)", async () => {
    const target = { url: PG_URL, schema: schema("sink_batch") };
    const writer = new PostgresTableWriter(SALES_TABLES.results, target);
    for (const p of [pane(0, false, 1000), pane(2, true, 3000), pane(3, false, 4000)]) writer.add(p);
    await writer.flush();
    expect((await resultsOf(target.schema)).map((r) => [r.pane_index, r.sum, r.final])).toEqual([[2, "30.00", true]]);
  });
});

test("large flushes are split by key over lanes: each key's writes stay in order, small flushes wait for every lane", async () => {
  const target = { url: PG_URL, schema: schema("sink_lanes"), mergingWindows: true, maxBatchRows: 500, lanes: 3 };
  const writer = new PostgresTableWriter(SALES_TABLES.results, target);
  const users = Array.from({ length: 1500 }, (_, i) => `user_${i}`);
  const session = (user: string, end: number, sumCents: number, index: number, isLast: boolean): SalesWindowResult => ({
    key: user,
    keyKind: "user",
    window: { start: s(0), end: s(end) },
    sumCents,
    sum: sumCents / 100,
    count: index + 1,
    avgCents: sumCents,
    avg: sumCents / 100,
    pane: { timing: index === 0 ? "ON_TIME" : "LATE", index, nonSpeculativeIndex: index, isFirst: index === 0, isLast },
  });
  // Three large flushes (split over the lanes): each session grows, so every pane absorbs the one before; then a
  // small flush (written whole) with the final panes of a few users.
  for (const [round, end] of [[0, 30], [1, 40], [2, 50]] as const) {
    for (const user of users) writer.add(session(user, end, 1000 * (round + 1), round, false));
    await writer.flush();
  }
  for (const user of users.slice(0, 10)) writer.add(session(user, 50, 3000, 3, true));
  await writer.flush();
  const rows = await query<{ n: string; ends: string; finals: string }>(
    `SELECT count(*) AS n, count(DISTINCT window_end) AS ends, count(*) FILTER (WHERE final) AS finals FROM "${target.schema}".${TABLES.results}`,
  );
  // One row per user, the last session (every absorbed one deleted), the final panes of the small flush applied.
  expect(rows).toEqual([{ n: "1500", ends: "1", finals: "10" }]);
  expect(await query(`SELECT DISTINCT sum::text AS sum FROM "${target.schema}".${TABLES.results}`)).toEqual([{ sum: "30.00" }]);
});

describe("session windows", () => {
  const config: SalesAggregationConfig = { window: { kind: "sessions", gap: 30_000 }, key: "user", allowedLateness: 300_000, trigger: {} };

  test("a late event that bridges two written sessions: the merged session's row replaces both", async () => {
    const target = { url: PG_URL, schema: schema("sink_sessions"), mergingWindows: true };
    const pg = postgresSinks(target);
    const panes = paneCapture<SalesWindowResult>("sessionPanes");
    const before = postgresSinkStats().sessionRowsReplaced;
    await directRunner().run((root) =>
      buildPipeline(root, config, {
        source: testStream<KafkaRecord>()
          .addElements(record(sale("alice", "apples", 10, s(0))), record(sale("alice", "bread", 20, s(40))))
          .addElements(record(sale("bob", "apples", 1, s(0))))
          .advanceWatermarkTo(s(100))
          .advanceProcessingTime(1000)
          // [20, 50) overlaps [0, 30) and [40, 70): the two sessions merge into [0, 70).
          .addElements(record(sale("alice", "cheese", 5, s(20))))
          .advanceWatermarkToInfinity(),
        sinks: { ...pg, results: fanOut("writeResults", [pg.results, panes.capture()]) },
      }),
    );
    // The two sessions were written on time before the bridge arrived.
    const windows = panes.elements().map((e) => `${e.value.key} [${(e.value.window.start - T0) / 1000},${(e.value.window.end - T0) / 1000}) ${e.value.pane.timing}${e.value.pane.isLast ? " final" : ""}`);
    expect(windows).toEqual(
      expect.arrayContaining(["alice [0,30) ON_TIME", "alice [40,70) ON_TIME", "alice [0,70) LATE", "alice [0,70) LATE final"]),
    );
    expect(postgresSinkStats().sessionRowsReplaced - before).toBe(2);
    const rows = await resultsOf(target.schema);
    expect(rows.map((r) => [r.key, since(r.window_start), since(r.window_end), r.sum, r.count, r.final])).toEqual([
      ["alice", 0, 70, "35.00", "3", true],
      ["bob", 0, 30, "1.00", "1", true],
    ]);
  });

  test("a stale pane of an absorbed session (a replay from before the merge) is skipped", async () => {
    const target = { url: PG_URL, schema: schema("sink_stale"), mergingWindows: true };
    const writer = new PostgresTableWriter(SALES_TABLES.results, target);
    const session = (start: number, end: number, sumCents: number, index: number): SalesWindowResult => ({
      key: "alice",
      keyKind: "user",
      window: { start: s(start), end: s(end) },
      sumCents,
      sum: sumCents / 100,
      count: 1,
      avgCents: sumCents,
      avg: sumCents / 100,
      pane: { timing: "LATE", index, nonSpeculativeIndex: index, isFirst: false, isLast: false },
    });
    writer.add(session(0, 90, 3500, 1));
    await writer.flush();
    writer.add(session(0, 30, 1000, 0));
    await writer.flush();
    expect((await resultsOf(target.schema)).map((r) => [since(r.window_start), since(r.window_end), r.sum])).toEqual([[0, 90, "35.00"]]);
  });
});

test("discarding panes are refused when the pipeline is built, with what to change", async () => {
  const pg = postgresSinks({ url: PG_URL, schema: "unused" });
  await expect(
    directRunner().run((root) => {
      root
        .apply(testStream<KafkaRecord>().advanceWatermarkToInfinity())
        .apply(parseSalesEvents())
        .events.apply(windowInto(fixedWindows(60_000), { allowedLateness: 60_000, accumulation: "DISCARDING" }))
        .apply(sumCountAvgPer("product"))
        .results.apply(describeWindows("product"))
        .apply(pg.results);
    }),
  ).rejects.toThrow(DiscardingPanesError);
  expect(new DiscardingPanesError("writeResultsToPostgres").message).toMatch(/accumulation: "ACCUMULATING"/);
});

describe("tables and versions", () => {
  test("start-up creates the tables idempotently and records the version", async () => {
    const target = { url: PG_URL, schema: schema("sink_create") };
    await preparePostgres(target);
    await preparePostgres(target);
    const tables = await query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
      [target.schema],
    );
    expect(tables.map((t) => t.table_name)).toEqual([TABLES.deadLetters, TABLES.late, TABLES.progress, TABLES.version, TABLES.results].sort());
    expect(await query(`SELECT component, version FROM "${target.schema}".${TABLES.version}`)).toEqual([{ component: "sales-sinks", version: 1 }]);
  });

  test("a table with an incompatible shape is a one-line error and is left as it was", async () => {
    const target = { url: PG_URL, schema: schema("sink_shape") };
    await query(`CREATE SCHEMA "${target.schema}"`);
    await query(`CREATE TABLE "${target.schema}".${TABLES.results} (key_kind text, key text, window_start timestamptz, window_end timestamptz, sum text)`);
    const error = await preparePostgres(target).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(PostgresSchemaError);
    expect((error as Error).message).toBe(
      `table ${target.schema}.${TABLES.results} has column sum of type text, expected numeric: drop or rename it, or choose another --pg-schema`,
    );
    const columns = await query("SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2", [
      target.schema,
      TABLES.results,
    ]);
    expect(columns).toHaveLength(5);
  });

  test("an unknown recorded version is a one-line error", async () => {
    const target = { url: PG_URL, schema: schema("sink_version") };
    await preparePostgres(target);
    await query(`UPDATE "${target.schema}".${TABLES.version} SET version = 2`);
    await expect(preparePostgres(target)).rejects.toThrow(
      `schema ${target.schema} records sink tables of version 2, this build writes version 1: migrate them or choose another --pg-schema`,
    );
  });
});

describe("the password never shows", () => {
  test("redactPgUrl hides the password and keeps the rest", () => {
    expect(redactPgUrl("postgres://sales:s3cr%40t@db.example:5433/sales?sslmode=require")).toBe(
      "postgres://sales:***@db.example:5433/sales?sslmode=require",
    );
    expect(redactPgUrl("postgres://postgres@127.0.0.1:5432/test")).toBe("postgres://postgres@127.0.0.1:5432/test");
    expect(redactPgUrl("host=db password=hunter2 user=x")).toBe("host=db password=*** user=x");
  });

  test("the job with an unreachable PostgreSQL: one line naming the redacted URL and what to do, exit 1, before reading", async () => {
    const port = await freePort();
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const code = await main(["--sinks", "console,postgres", "--pg-url", `postgres://sales:Hidden-Pw9@127.0.0.1:${port}/db`, "--topic", "unused"], {});
      expect(code).toBe(1);
    } finally {
      spy.mockRestore();
    }
    const text = written.join("");
    expect(text).not.toContain("Hidden-Pw9");
    const errors = text.split("\n").filter((l) => l.startsWith("pipeline: error"));
    expect(errors).toEqual([
      `pipeline: error: PostgreSQL postgres://sales:***@127.0.0.1:${port}/db, schema public: connect ECONNREFUSED 127.0.0.1:${port} [ECONNREFUSED] (start it with npm run stack:up, or fix --pg-url/--pg-schema)`,
    ]);
    expect(text).toContain(`sinks: console, postgres (postgres://sales:***@127.0.0.1:${port}/db, schema public)`);
  });

  test("retries are logged and the final error is one line, both without the password", async () => {
    const port = await freePort();
    const secret = "Sup3rSecretPw";
    const url = `postgres://postgres:${secret}@127.0.0.1:${port}/test`;
    const lines: string[] = [];
    const writer = new PostgresTableWriter(
      SALES_TABLES.results,
      { url, schema: "public", retry: { initialDelayMs: 50, maxDelayMs: 100, budgetMs: 400 } },
      (line) => lines.push(line),
    );
    writer.add({
      key: "k",
      keyKind: "product",
      window: { start: s(0), end: s(60) },
      sumCents: 1,
      sum: 0.01,
      count: 1,
      avgCents: 1,
      avg: 0.01,
      pane: { timing: "ON_TIME", index: 0, nonSpeculativeIndex: 0, isFirst: true, isLast: true },
    });
    const error = await writer.flush()?.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message.split("\n")).toHaveLength(1);
    expect(message).toContain(`could not write to PostgreSQL postgres://postgres:***@127.0.0.1:${port}/test`);
    expect(message).toContain("ECONNREFUSED");
    expect(message).toContain("then run the job again");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toMatch(/^postgres sink: writing 1 rows to PostgreSQL postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/test .* retry 1 in 0\.05 s$/);
    for (const text of [message, ...lines]) expect(text).not.toContain(secret);
  });
});
