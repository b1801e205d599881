/**
 * Same results on both runners: one deterministic input in Kafka (seeded; out-of-order, late and malformed records)
 * through `npm run pipeline` on the direct runner and on Flink (KafkaIO through the expansion service, the
 * TypeScript steps and the PostgreSQL sink in LOOPBACK workers), each into its own PostgreSQL schema; the final
 * rows must be equal.
 *
 * Allowed lateness 5 min covers the late records (2 min late), so no record is dropped on either runner: late data
 * is where the runners differ (docs/runners.md: with zero lateness the direct runner drops what is behind its
 * watermark, while KafkaIO's watermark does not move while a backlog is read, so Flink counts it).
 */
import { dropSchema } from "../postgres_test_helpers";
import { uniqueSchema } from "../postgres_test_helpers";
import { deleteTopic, uniqueName } from "../kafka_test_helpers";
import {
  countRows,
  deadLetterContents,
  ensureFlinkStack,
  flinkFlags,
  produceInput,
  resultRows,
  runScript,
} from "./flink_test_helpers";

jest.setTimeout(600_000);

const topic = uniqueName("same-results");
const direct = uniqueSchema("same_direct");
const flink = uniqueSchema("same_flink");

beforeAll(() => ensureFlinkStack());

afterAll(async () => {
  await dropSchema(direct);
  await dropSchema(flink);
  await deleteTopic(topic).catch(() => undefined);
});

test("the sales job gives the same final rows in PostgreSQL on the direct runner and on Flink", async () => {
  const summary = await produceInput(topic, [
    "--count", "400", "--seed", "11", "--start-time", "2026-01-01T00:00:00Z", "--interval", "1s",
    "--out-of-order-fraction", "0.1", "--late-fraction", "0.03", "--malformed-fraction", "0.03",
  ]);
  const late = Number(/late (\d+)/.exec(summary)?.[1]);
  const malformed = Number(/malformed (\d+)/.exec(summary)?.[1]);
  expect(late).toBeGreaterThan(0);
  expect(malformed).toBeGreaterThan(0);

  const common = ["--topic", topic, "--from", "earliest", "--sinks", "postgres", "--allowed-lateness", "5m"];
  const onDirect = await runScript(
    "pipelines/main.ts",
    [...common, "--runner=direct", "--group-id", `${topic}-direct`, "--pg-schema", direct, "--stop-when-idle", "3s"],
    180_000,
  );
  expect(onDirect.stderr).toContain("pipeline: done");
  expect(onDirect.code).toBe(0);

  const onFlink = await runScript(
    "pipelines/main.ts",
    [...common, ...flinkFlags(), "--group-id", `${topic}-flink`, "--pg-schema", flink, "--stop-when-idle", "5s"],
    400_000,
  );
  expect(onFlink.stderr).toContain("flink: job");
  expect(onFlink.code).toBe(0);

  const directRows = await resultRows(direct);
  const flinkRows = await resultRows(flink);
  expect(directRows.length).toBeGreaterThan(0);
  expect(directRows.every((r) => r.final)).toBe(true);
  expect(flinkRows).toEqual(directRows);
  // Every well-formed record counted once on both runners.
  expect(flinkRows.reduce((n, r) => n + Number(r.count), 0)).toBe(400 - malformed);

  expect(await deadLetterContents(flink)).toEqual(await deadLetterContents(direct));
  expect((await deadLetterContents(flink)).length).toBe(malformed);
  expect(await countRows(flink, "sales_late_data")).toBe(0);
  expect(await countRows(direct, "sales_late_data")).toBe(0);
});
