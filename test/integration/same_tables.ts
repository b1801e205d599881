/**
 * "Same input, same tables" assertions for tests that run the main job several times over one topic: the
 * PostgreSQL tables and Parquet datasets of two runs hold the same rows, and every valid event produced is in
 * exactly one place (counted in a final result, or in the late table) against an independent count.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dropSchema, PG_URL, query, uniqueSchema } from "./postgres_test_helpers";
import { BOOTSTRAP, createTopic, uniqueName } from "./kafka_test_helpers";
import { runProducer, startMainJob } from "./job_processes";
import { parseProduceArgs } from "../../pipelines/producer/options";
import { TABLES } from "../../sales/postgres_tables";
import { readDataset } from "./parquet_test_helpers";
import { generateSaleRecords, type GeneratorSpec } from "../../pipelines/producer/generator";

/** Where one run writes. */
export interface RunTarget {
  readonly schema: string;
  readonly parquetDir: string;
}

/**
 * Which columns are compared: `withPanes` adds the pane timing and index of results and a late record's watermark.
 * `overlapping`: windows that hold an event several times (sliding): the two sinks then count a late event's rows
 * differently (per event or per window it was too late for), so only each sink's rows are compared between runs.
 */
export interface Compared {
  readonly withPanes: boolean;
  readonly overlapping?: boolean;
}

/** SQL EXCEPT both ways, on the given columns; returns (up to 20 of) the rows that differ. */
async function differences(table: string, columns: string, a: string, b: string): Promise<unknown[]> {
  const oneWay = (x: string, y: string) =>
    `(SELECT '${x}' AS only_in, ${columns} FROM "${x}".${table} EXCEPT SELECT '${x}', ${columns} FROM "${y}".${table})`;
  return query(`${oneWay(a, b)} UNION ALL ${oneWay(b, a)} LIMIT 20`);
}

export async function count(schema: string, table: string): Promise<number> {
  return Number((await query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".${table}`))[0].n);
}

const RESULT_COLUMNS = "key_kind, key, window_start, window_end, sum, count, avg, final";
const LATE_COLUMNS = "event_id, window_start, window_end, key, event_time, reason, event";
const DEAD_LETTER_COLUMNS = `topic, partition, "offset", record_key, record_timestamp, reason, raw_excerpt, raw, raw_size`;

/** The PostgreSQL tables of two runs hold the same rows (write timestamps aside); no result is left non-final. */
export async function expectSamePostgresRows(
  a: RunTarget,
  b: RunTarget,
  compared: Compared,
): Promise<{ results: number; late: number; deadLetters: number }> {
  const sizes = { results: 0, late: 0, deadLetters: 0 };
  for (const [kind, table, columns] of [
    ["results", TABLES.results, RESULT_COLUMNS + (compared.withPanes ? ", pane_timing, pane_index" : "")],
    ["late", TABLES.late, LATE_COLUMNS + (compared.withPanes ? ", watermark" : "")],
    ["deadLetters", TABLES.deadLetters, DEAD_LETTER_COLUMNS],
  ] as const) {
    expect({ table, differences: await differences(table, columns, a.schema, b.schema) }).toEqual({ table, differences: [] });
    const n = await count(a.schema, table);
    expect({ table, rows: await count(b.schema, table) }).toEqual({ table, rows: n });
    sizes[kind] = n;
  }
  expect(await query(`SELECT count(*)::int AS n FROM "${b.schema}".${TABLES.results} WHERE NOT final`)).toEqual([{ n: 0 }]);
  return sizes;
}

/** The rows of a Parquet dataset as sorted JSON lines, per kind (late records have `event_id`). */
async function parquetRows(dir: string, compared: Compared): Promise<{ results: string[]; late: string[] }> {
  const { rows } = await readDataset(dir);
  const results: string[] = [];
  const late: string[] = [];
  for (const row of rows) {
    if ("event_id" in row) {
      const { watermark, ...rest } = row;
      late.push(JSON.stringify(compared.withPanes ? { ...rest, watermark } : rest));
    } else {
      results.push(JSON.stringify(row));
    }
  }
  return { results: results.sort(), late: late.sort() };
}

function firstDifferences(a: readonly string[], b: readonly string[]): { onlyInA: string[]; onlyInB: string[] } {
  const inB = new Set(b);
  const inA = new Set(a);
  return { onlyInA: a.filter((x) => !inB.has(x)).slice(0, 5), onlyInB: b.filter((x) => !inA.has(x)).slice(0, 5) };
}

/** The Parquet datasets of two runs hold the same rows, each once. */
export async function expectSameParquetRows(a: RunTarget, b: RunTarget, compared: Compared): Promise<{ results: number; late: number }> {
  const [x, y] = [await parquetRows(a.parquetDir, compared), await parquetRows(b.parquetDir, compared)];
  for (const kind of ["results", "late"] as const) {
    expect({ kind, ...firstDifferences(x[kind], y[kind]) }).toEqual({ kind, onlyInA: [], onlyInB: [] });
    expect({ kind, rows: y[kind].length }).toEqual({ kind, rows: x[kind].length });
    expect({ kind, duplicates: y[kind].length - new Set(y[kind]).size }).toEqual({ kind, duplicates: 0 });
  }
  return { results: x.results.length, late: x.late.length };
}

/** Everything two runs wrote is the same: PostgreSQL tables and Parquet datasets (one final result per window). */
export async function expectSameOutputs(
  a: RunTarget,
  b: RunTarget,
  compared: Compared,
): Promise<{ results: number; late: number; deadLetters: number; parquet: { results: number; late: number } }> {
  const postgres = await expectSamePostgresRows(a, b, compared);
  const parquet = await expectSameParquetRows(a, b, compared);
  // Parquet keeps every final result (one per window, as PostgreSQL's rows, all final) and every late record.
  expect(parquet.results).toBe(postgres.results);
  if (compared.overlapping !== true) expect(parquet.late).toBe(postgres.late);
  return { ...postgres, parquet };
}

/** What the seeded producer wrote, counted from its generator (not from the job): valid events and malformed records. */
export function producedCounts(specs: readonly GeneratorSpec[]): { valid: number; malformed: number } {
  let valid = 0;
  let malformed = 0;
  for (const spec of specs) {
    for (const record of generateSaleRecords(spec)) {
      if (record.event === undefined) malformed++;
      else valid++;
    }
  }
  return { valid, malformed };
}

/**
 * Every valid event in exactly one place (windows that hold each event once: fixed and sessions): the final
 * results count it or the late table holds it, once; every malformed record is a dead letter.
 */
export async function expectEachEventOnce(target: RunTarget, produced: { valid: number; malformed: number }): Promise<void> {
  const [counted] = await query<{ n: string }>(`SELECT coalesce(sum(count), 0) AS n FROM "${target.schema}".${TABLES.results} WHERE final`);
  const [late] = await query<{ n: string; ids: string }>(
    `SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM "${target.schema}".${TABLES.late}`,
  );
  const deadLetters = await count(target.schema, TABLES.deadLetters);
  expect({ counted: Number(counted.n), late: Number(late.n), lateEvents: Number(late.ids), deadLetters }).toEqual({
    counted: produced.valid - Number(late.n),
    late: Number(late.n),
    lateEvents: Number(late.n),
    deadLetters: produced.malformed,
  });
}

/** A windowing of the job: its --window and --allowed-lateness. */
export interface Windowing {
  readonly window: string;
  readonly allowedLateness: string;
}

/** The main job reading `topic` as `groupId` into `target` (PostgreSQL and Parquet), to the end of its input. */
export function backfillArgs(topic: string, groupId: string, windowing: Windowing, target: RunTarget, extra: readonly string[] = []): string[] {
  return [
    `--topic=${topic}`,
    `--group-id=${groupId}`,
    `--bootstrap-servers=${BOOTSTRAP.join(",")}`,
    `--window=${windowing.window}`,
    `--allowed-lateness=${windowing.allowedLateness}`,
    "--watermark-delay=10s",
    "--stop-when-idle=1s",
    "--sinks=postgres,parquet",
    `--pg-url=${PG_URL}`,
    `--pg-schema=${target.schema}`,
    `--parquet-dir=${target.parquetDir}`,
    `--state-dir=${target.parquetDir}-state`,
    ...extra,
  ];
}

/** Runs the main job to the end; throws with its stderr unless it exits 0. Returns its stderr. */
export async function runToEnd(args: readonly string[]): Promise<string> {
  const job = startMainJob(args);
  const code = await job.exited;
  if (code !== 0) throw new Error(`the job exited with ${String(code)}:\n${job.stderr()}`);
  return job.stderr();
}

/**
 * The producer's disorder in the tests that compare runs: from 2026-01-01, `outOfOrder` of the events out of order by
 * up to 45 s, 1 % thirty minutes late, 1 % malformed (count, rate, interval and keys are each test's).
 */
export function disorderedEvents(outOfOrder: number): string[] {
  return [
    "--start-time=2026-01-01T00:00:00Z",
    `--out-of-order-fraction=${outOfOrder}`,
    "--out-of-order-max-delay=45s",
    "--late-fraction=0.01",
    "--late-delay=30m",
    "--malformed-fraction=0.01",
  ];
}

/** A kill test's backlog: `count` events 10 ms apart, `users` users, 5 products, 2 % out of order, written at 20,000/s. */
export function killTestEvents(count: number, seed: number, users: number): string[] {
  return [`--count=${count}`, `--seed=${seed}`, "--interval=10ms", `--users=${users}`, "--products=5", ...disorderedEvents(0.02), "--rate=20000"];
}

/** A kill test's run: a runner checkpoint with every commit (the most commits, so kills land during commits too). */
export function killTestArgs(topic: string, groupId: string, windowing: Windowing, target: RunTarget): string[] {
  return backfillArgs(topic, groupId, windowing, target, ["--commit-interval=0s", "--max-buffered=2000"]);
}

/** A fresh 3-partition topic the seeded producer writes, and where each run of a test writes. */
export interface SeededTopic {
  /** The topic's name (created in beforeAll). */
  readonly topic: string;
  /** What the producer writes, counted independently of the job (producedCounts). */
  readonly produced: { valid: number; malformed: number };
  /** A fresh schema and Parquet folder, dropped after the tests. */
  target(label: string): RunTarget;
  /** A live topic: writes the records now (resolves when the producer is done). */
  produce(): Promise<void>;
}

/**
 * Registers the hooks: beforeAll creates the topic (3 partitions) and, unless `live`, writes `producerArgs`' events
 * to it before the tests; afterAll drops the schemas (KEEP_TEST_SCHEMAS=1 keeps them) and the Parquet folders.
 */
export function seededTopic(prefix: string, producerArgs: readonly string[], options: { readonly live?: boolean } = {}): SeededTopic {
  const schemas: string[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  let topic: string | undefined;
  beforeAll(async () => {
    topic = uniqueName(prefix);
    await createTopic(topic, 3);
    if (options.live !== true) await runProducer(topic, [...producerArgs]);
  }, 2 * 60_000);
  afterAll(async () => {
    if (process.env.KEEP_TEST_SCHEMAS !== "1") for (const s of schemas) await dropSchema(s);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const name = (): string => {
    if (topic === undefined) throw new Error("seededTopic: the topic exists once beforeAll ran; use it inside a test");
    return topic;
  };
  return {
    get topic(): string {
      return name();
    },
    produced: producedCounts([parseProduceArgs([...producerArgs]).generator]),
    target(label: string): RunTarget {
      const t = { schema: uniqueSchema(label), parquetDir: path.join(tmp, label) };
      schemas.push(t.schema);
      return t;
    },
    produce: () => runProducer(name(), [...producerArgs]),
  };
}
