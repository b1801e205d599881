/**
 * The lost-offsets check on Flink (issue 22): a fresh Flink job starts from the group's committed offsets, so when
 * the broker has lost them (here: the group deleted on the broker, as a broker restarted with its log folder wiped
 * forgets it) while the sinks record that the group committed, `--runner=flink` stops before submission with the
 * same one line as the direct runner and exit 1: no Flink job, nothing written.
 */
import * as kafkajs from "kafkajs";
import { jobsOverview } from "../../../lib/flink_rest";
import { BOOTSTRAP, createTopic, deleteTopic, jsonRecord, produce, uniqueName } from "../kafka_test_helpers";
import { dropSchema, query, uniqueSchema } from "../postgres_test_helpers";
import { ensureFlinkStack, flinkFlags, runScript, STACK, stopFlinkStackIfStarted } from "./flink_test_helpers";

jest.setTimeout(6 * 60_000);

let started = false;
const topic = uniqueName("flink-lost-offsets");
const group = `${topic}-g`;
const schema = uniqueSchema("flink_lost_offsets");

beforeAll(async () => {
  started = await ensureFlinkStack();
}, 6 * 60_000);

afterAll(async () => {
  await deleteTopic(topic).catch(() => undefined);
  await dropSchema(schema);
  await stopFlinkStackIfStarted(started);
});

test("the broker lost the group's offsets the sinks recorded: --runner=flink refuses before submission", async () => {
  await createTopic(topic, 1);
  const t0 = Date.UTC(2026, 0, 1);
  await produce(
    topic,
    Array.from({ length: 20 }, (_, i) =>
      jsonRecord(0, t0 + i * 1000, { event_id: `e${i}`, user_id: "u", product_id: "p", amount: 1, timestamp: new Date(t0 + i * 1000).toISOString(), event_type: "purchase" }),
    ),
  );
  // A first run of the group (direct: quick) commits and records its offsets in the sinks.
  const common = ["--topic", topic, "--group-id", group, "--sinks", "postgres", "--pg-schema", schema];
  const first = await runScript("pipelines/main.ts", [...common, "--stop-when-idle", "1s", "--state-dir", "off"], 120_000);
  expect([first.code, first.stderr]).toEqual([0, expect.stringContaining("pipeline: done")]);
  expect(await query(`SELECT partition, "offset" FROM "${schema}".sales_source_progress WHERE group_id = $1`, [group])).toEqual([
    { partition: 0, offset: "20" },
  ]);
  const rows = await query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".sales_window_results`);

  const admin = new kafkajs.Kafka({ brokers: BOOTSTRAP, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteGroups([group]);
  } finally {
    await admin.disconnect();
  }

  const jobsBefore = (await jobsOverview(`http://${STACK.host}:${STACK.restPort}`)).length;
  const onFlink = await runScript("pipelines/main.ts", [...common, ...flinkFlags(), "--stop-when-idle", "5s"], 120_000);
  expect(onFlink.code).toBe(1);
  expect(onFlink.stderr.split("\n").filter((l) => l.startsWith("pipeline: error"))).toEqual([
    expect.stringMatching(
      /^pipeline: error: the broker has lost the committed offsets of group \S+ on topic \S+ \(partition 0: none, the sinks say 20; recorded in the PostgreSQL table \S+\.sales_source_progress\): .* pass --on-lost-offsets reread to re-read anyway$/,
    ),
  ]);
  expect(onFlink.stderr).not.toContain("flink: job");
  expect((await jobsOverview(`http://${STACK.host}:${STACK.restPort}`)).length).toBe(jobsBefore);
  expect(await query(`SELECT count(*) AS n FROM "${schema}".sales_window_results`)).toEqual(rows);
});
