/**
 * One record never stops the job (issue 22, item 4), through both sinks: records whose times Parquet cannot store
 * (a Kafka timestamp before 1970: the Parquet sink failed with "invalid value for TIMESTAMP_MILLIS: -60000" and the
 * job exited 1, on every rerun), an event timestamp in 9999 or 1969, a duplicate key and a NUL in an id are dead
 * letters with their reasons, before any sink; café in NFD and NFC is one product. Exit 0; PostgreSQL = Parquet.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TABLES } from "../../sales/postgres_tables";
import { createTopic, jsonRecord, produce, rawRecord, uniqueName } from "../integration/kafka_test_helpers";
import { dropSchema, query, uniqueSchema } from "../integration/postgres_test_helpers";
import { readDataset } from "../integration/parquet_test_helpers";
import { startJob } from "./fault_helpers";

jest.setTimeout(2 * 60_000);

const T = Date.UTC(2026, 0, 1, 0, 0, 30);
const event = (id: string, product: string, timestamp = new Date(T).toISOString()): Record<string, unknown> => ({
  event_id: id, user_id: "u1", product_id: product, amount: 2.5, timestamp, event_type: "purchase",
});

test("values the sinks cannot store are dead letters with a reason; the job goes on and exits 0", async () => {
  const topic = uniqueName("faults-unstorable");
  const schema = uniqueSchema("faults_unstorable");
  const parquetDir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-unstorable-"));
  await createTopic(topic, 1);
  await produce(topic, [
    jsonRecord(0, -60_000, event("e1", "p1", "1969-12-31T23:59:00.000Z")),
    jsonRecord(0, T, event("e2", "p1", "9999-06-01T00:00:00.000Z")),
    jsonRecord(0, T, event("e3", "p1", "1969-12-31T23:59:00.000Z")),
    rawRecord(0, T, JSON.stringify(event("e4", "p1")).replace('"amount":2.5', '"amount":2.5,"amount":2500')),
    jsonRecord(0, T, event("e5", "p\u0000nul")),
    jsonRecord(0, T, event("e6", "cafe\u0301")),
    jsonRecord(0, T + 1, event("e7", "caf\u00e9")),
  ]);
  try {
    const job = startJob([
      `--topic=${topic}`, `--group-id=${topic}`, "--window=fixed:1m", "--stop-when-idle=2s", "--sinks=postgres,parquet",
      `--pg-schema=${schema}`, `--parquet-dir=${parquetDir}`,
    ]);
    expect([await job.exited, job.stderr().split("\n").filter((l) => l.startsWith("pipeline: error"))]).toEqual([0, []]);
    const dead = await query<{ offset: string; reason: string }>(
      `SELECT "offset", reason FROM "${schema}".${TABLES.deadLetters} ORDER BY "offset"::int`,
    );
    expect(dead.map((d) => [d.offset, d.reason.replace(/ is outside .*/, " is outside")])).toEqual([
      ["0", "record timestamp (the event time): 1969-12-31T23:59:00.000Z is outside"],
      ["1", "timestamp: 9999-06-01T00:00:00.000Z is outside"],
      ["2", "timestamp: 1969-12-31T23:59:00.000Z is outside"],
      ["3", 'duplicate key "amount": a key may appear once in an event'],
      ["4", expect.stringMatching(/^product_id: expected a string without control characters \(U\+0000/)],
    ]);
    const rows = await query<{ key: string; count: string; final: boolean }>(
      `SELECT key, count, final FROM "${schema}".${TABLES.results} ORDER BY key`,
    );
    expect(rows.map((r) => [r.key, Number(r.count), r.final])).toEqual([["caf\u00e9", 2, true]]);
    const parquet = await readDataset(path.join(parquetDir, "results"));
    expect(parquet.rows.map((r) => [r.key, Number(r.count)])).toEqual([["caf\u00e9", 2]]);
  } finally {
    await dropSchema(schema);
    fs.rmSync(parquetDir, { recursive: true, force: true });
  }
});
