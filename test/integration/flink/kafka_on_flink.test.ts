/**
 * Kafka to Flink end to end, on the local Flink stack; the tests run one after the other (the last ones kill its
 * TaskManager). Same results on both runners: one deterministic input in Kafka (seeded; out-of-order, late and
 * malformed records) through `npm run pipeline` on the direct runner and on Flink (KafkaIO through the expansion
 * service, the TypeScript steps and the PostgreSQL sink in LOOPBACK workers), each into its own PostgreSQL schema;
 * the final rows must be equal. Then checkpoints and savepoints (below).
 *
 * Allowed lateness 5 min covers the late records (2 min late), so no record is dropped on either runner: late data
 * is where the runners differ (docs/runners.md: the direct runner's watermark is per partition minus 10 s, KafkaIO's
 * is the newest record timestamp read, or the wall clock once a partition is caught up).
 */
import * as fs from "fs";
import { pidFile } from "../../../infra/flink/services";
import { cancelFlinkJob, checkpointCounts, flinkJobState } from "../../../runners/flink/job_control";
import { jobsOverview } from "../../../lib/flink_rest";
import { dropSchema, query, uniqueSchema } from "../postgres_test_helpers";
import { committedOffsets, deleteTopic, testClient, uniqueName } from "../kafka_test_helpers";
import {
  countRows,
  deadLetterContents,
  deadLetterCoordinates,
  ensureFlinkStack,
  stopFlinkStackIfStarted,
  flinkFlags,
  produceInput,
  type ProcessOutput,
  resultRows,
  runScript,
  STACK,
} from "./flink_test_helpers";

jest.setTimeout(600_000);

const topic = uniqueName("same-results");
const direct = uniqueSchema("same_direct");
const flink = uniqueSchema("same_flink");

let startedHere = false;

beforeAll(async () => {
  startedHere = await ensureFlinkStack();
}, 600_000);

afterAll(async () => {
  await stopFlinkStackIfStarted(startedHere);
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
  // The group's commits (KafkaIO's, after checkpoints) recorded in the sinks, to the end of every partition.
  const progress = await query<{ total: string }>(
    `SELECT sum("offset") AS total FROM "${flink}".sales_source_progress WHERE group_id = $1 AND topic = $2`,
    [`${topic}-flink`, topic],
  );
  expect(Number(progress[0].total)).toBe(400);

  const directRows = await resultRows(direct);
  const flinkRows = await resultRows(flink);
  expect(directRows.length).toBeGreaterThan(0);
  expect(directRows.every((r) => r.final)).toBe(true);
  expect(flinkRows).toEqual(directRows);
  // Every well-formed record counted once on both runners.
  expect(flinkRows.reduce((n, r) => n + Number(r.count), 0)).toBe(400 - malformed);

  expect(await deadLetterContents(flink)).toEqual(await deadLetterContents(direct));
  expect((await deadLetterContents(flink)).length).toBe(malformed);
  // Real Kafka coordinates on Flink too (KafkaReadWithPositions), the same as the direct runner's.
  const coordinates = await deadLetterCoordinates(flink);
  expect(coordinates.every((c) => /\/[0-2]@\d+ /.test(c))).toBe(true);
  expect(coordinates).toEqual(await deadLetterCoordinates(direct));
  expect(await countRows(flink, "sales_late_data")).toBe(0);
  expect(await countRows(direct, "sales_late_data")).toBe(0);
});

/**
 * Late data on Flink (the late-data output of our job server), one partition: phase A (150 records, one a second)
 * is read until the first window's result row is written, which means the grouping's input watermark has passed
 * that window on either runner; then phase B (10 records inside that window) arrives, behind that watermark on
 * both runners: each is dropped from its window and is a row of the late table, the same rows on both runners
 * (their watermark column differs: the direct runner's trails the newest event time by 10 s, KafkaIO's is the
 * newest read or the wall clock, docs/runners.md). Every event is in exactly one place. Then the same input through
 * a Flink run stopped with a savepoint after phase A, resumed, and its TaskManager killed once phase B's late rows
 * are written: the same late table and results as the uninterrupted run.
 */
describe("late data on Flink, one partition", () => {
  const T0 = "2026-01-01T00:00:00.000Z";
  const topics: string[] = [];
  const schemas: string[] = [];
  /** A topic of its own with phase A; `phaseB()` adds the late records. */
  const input = async (name: string) => {
    const topic = uniqueName(name);
    const schema = uniqueSchema(name.replace(/-/g, "_"));
    topics.push(topic);
    schemas.push(schema);
    const phase = (seed: number, count: number) =>
      produceInput(topic, ["--count", String(count), "--seed", String(seed), "--start-time", T0, "--interval", "1s", "--partitions", "1"]);
    await phase(41, 150);
    return { topic, schema, phaseB: () => phase(42, 10) };
  };
  const flags = (topic: string, schema: string) =>
    ["--from", "earliest", "--sinks", "postgres", "--allowed-lateness", "0", "--topic", topic, "--group-id", `${topic}-group`, "--pg-schema", schema];
  const firstWindowWritten = (schema: string) =>
    waitFor("the first window's result row", 120_000, async () =>
      (await query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".sales_window_results WHERE window_start = '${T0}'`))[0].n !== "0" ? true : undefined,
    );
  const lateRows = (schema: string) =>
    query<{ row: string }>(
      `SELECT concat_ws(' ', event_id, key, event_time::text, window_start::text, window_end::text, reason) AS row
         FROM "${schema}".sales_late_data ORDER BY 1`,
    ).then((rows) => rows.map((r) => r.row));
  let flinkLate: string[] = [];
  let flinkResults: Awaited<ReturnType<typeof resultRows>> = [];

  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
    for (const topic of topics) await deleteTopic(topic).catch(() => undefined);
  });

  test("records behind the watermark: Flink's late table equals the direct runner's, row for row", async () => {
    const runs: Record<string, string> = {};
    for (const runner of ["direct", "flink"] as const) {
      const { topic, schema, phaseB } = await input(`late-1p-${runner}`);
      runs[runner] = schema;
      const runnerFlags = runner === "direct" ? ["--runner=direct"] : flinkFlags();
      const run = runScript("pipelines/main.ts", [...flags(topic, schema), ...runnerFlags, "--stop-when-idle", "6s"], 300_000);
      await Promise.race([firstWindowWritten(schema), run.then((r) => Promise.reject(new Error(`${runner} ended early: ${r.stderr.slice(-600)}`)))]);
      await phaseB();
      const out = await run;
      expect(`exit ${String(out.code)}: ${out.stderr.slice(-600)}`).toMatch(/^exit 0:/);
    }
    const expected = await lateRows(runs.direct);
    expect(expected).toHaveLength(10);
    expect(expected.every((r) => /^evt_42_\d+ .* EXPIRED_WINDOW$/.test(r))).toBe(true);
    flinkLate = await lateRows(runs.flink);
    expect(flinkLate).toEqual(expected);
    flinkResults = await resultRows(runs.flink);
    expect(flinkResults).toEqual(await resultRows(runs.direct));
    // Every event once: 150 in the results, the 10 late ones only in the late table.
    expect(flinkResults.reduce((n, r) => n + Number(r.count), 0)).toBe(150);
  });

  test("stopped with a savepoint, resumed, its TaskManager killed after the late rows: the uninterrupted run's late table", async () => {
    expect(flinkLate).toHaveLength(10);
    const { topic, schema, phaseB } = await input("late-1p-cut");
    const common = [...flags(topic, schema), ...flinkFlags(), "--checkpoint-interval", "2s"];
    let pid = 0;
    const job1 = runScript("pipelines/main.ts", common, 240_000, (p) => (pid = p));
    await firstWindowWritten(schema);
    await waitFor("a checkpoint covering phase A", 60_000, async () => ((await groupAtEnd(`${topic}-group`, topic)) ? true : undefined));
    process.kill(pid, "SIGTERM");
    const out1 = await job1;
    const savepoint = /stopped after a savepoint; resume with --restore-from (\S+)/.exec(out1.stderr)?.[1] ?? "";
    expect(savepoint).not.toBe("");
    await phaseB();
    // Checkpoints 30 s apart: the kill lands before one covers phase B, so Flink replays it from the savepoint.
    const job2 = runScript("pipelines/main.ts", [...common.slice(0, -2), "--checkpoint-interval", "30s", "--restore-from", savepoint,
      "--stop-when-idle", "6s", "--restart-attempts", "5"], 300_000);
    await waitFor("phase B's late rows", 120_000, async () => ((await lateRows(schema).catch(() => [])).length === 10 ? true : undefined));
    process.kill(Number(fs.readFileSync(pidFile(STACK, "taskmanager"), "utf8").trim()), "SIGKILL");
    await ensureFlinkStack(); // starts the TaskManager again
    const out2 = await job2;
    expect(`exit ${String(out2.code)}: ${out2.stderr.slice(-600)}`).toMatch(/^exit 0:/);
    expect(await lateRows(schema)).toEqual(flinkLate);
    // No event both in a result and in the late table: the results are the uninterrupted run's (150 events).
    expect(await resultRows(schema)).toEqual(flinkResults);
  });
});

/**
 * Checkpoints and savepoints, one topic and one uninterrupted reference run (the direct runner) for both:
 *
 *   1. phase A of the input (450 records) is in the topic; job 1 reads it; once a checkpoint covers all of it
 *      (KafkaIO commits the group's offsets when a checkpoint completes: they reach the end of every partition),
 *      SIGTERM on `npm run pipeline` stops the job with a savepoint and prints `--restore-from <savepoint>`;
 *   2. phase B (450 more records) is produced at 30/s while job 2 resumes from that savepoint (the windows open at
 *      the end of phase A are in it); once job 2 has a completed checkpoint that covers some of phase B, the
 *      TaskManager is killed (SIGKILL) while the producer still sends, and started again: Flink restores job 2 from
 *      its last checkpoint;
 *   3. the final PostgreSQL rows of jobs 1+2 equal those of one direct-runner run over the whole topic.
 *
 * Every wait is bounded and polls what Flink (REST), Kafka (committed offsets) or the producer report; nothing
 * sleeps for a guessed time. Why the first checkpoint used to be late: docs/runners.md, "Checkpoints".
 */
/**
 * One Kafka-on-Flink scenario of its own: topic, group, the Flink and the direct run's schemas, the pipeline's flags
 * (checkpoints every second), input phases of `count` records (3 partitions; out-of-order, late and malformed ones),
 * and what it started, stopped by cleanUp (a job left RUNNING on the cluster would hold slots and confuse the next
 * run). Event times from the current minute on: KafkaIO's watermark of a caught-up partition is the wall clock, so
 * records older than the clock that arrive after a pause would all be late on Flink.
 */
function scenario(prefix: string, count: number) {
  const topic = uniqueName(prefix);
  const group = `${topic}-flink`;
  const flinkSchema = uniqueSchema(`${prefix.replace(/-/g, "_")}_flink`);
  const reference = uniqueSchema(`${prefix.replace(/-/g, "_")}_direct`);
  const common = ["--topic", topic, "--from", "earliest", "--sinks", "postgres", "--allowed-lateness", "5m"];
  const onFlink = [...common, ...flinkFlags(), "--group-id", group, "--pg-schema", flinkSchema, "--checkpoint-interval", "1s"];
  const t0 = Math.floor(Date.now() / 60_000) * 60_000;
  const pids: number[] = [];
  const jobIds: string[] = [];
  const jobs: Promise<ProcessOutput>[] = [];
  return {
    topic,
    group,
    flinkSchema,
    onFlink,
    pids,
    jobIds,
    /** Input phase `seed` with event times from `offsetSeconds` after the current minute, one per second. */
    produce: async (seed: number, offsetSeconds: number, extra: readonly string[] = []): Promise<void> => {
      await produceInput(topic, [
        "--count", String(count), "--seed", String(seed), "--start-time", new Date(t0 + offsetSeconds * 1000).toISOString(),
        "--interval", "1s", "--partitions", "3", "--out-of-order-fraction", "0.1", "--late-fraction", "0.03",
        "--malformed-fraction", "0.03", ...extra,
      ]);
    },
    /** Starts the pipeline on Flink; resolves once its job runs and a checkpoint covers everything produced so far. */
    async startAndCheckpoint(): Promise<{ job: Promise<ProcessOutput>; jid: string; pid: number }> {
      let pid = 0;
      const before = await jobIdsOnCluster();
      const job = runScript("pipelines/main.ts", onFlink, 240_000, (p) => pids.push((pid = p)));
      jobs.push(job);
      const jid = await waitFor("the job running on Flink", 90_000, () => newRunningJob(before));
      jobIds.push(jid);
      await waitFor("a checkpoint covering all the input so far (committed offsets at the end)", 90_000, async () =>
        (await groupAtEnd(group, topic)) && (await checkpointCounts(REST, jid)).completed >= 1 ? true : undefined,
      );
      return { job, jid, pid };
    },
    /** The final rows and dead letters on Flink equal one uninterrupted direct-runner run's over the whole topic. */
    async expectSameAsDirect(leastEvents: number): Promise<void> {
      const onDirect = await runScript(
        "pipelines/main.ts",
        [...common, "--runner=direct", "--group-id", `${topic}-direct`, "--pg-schema", reference, "--stop-when-idle", "3s"],
        180_000,
      );
      expect(onDirect.code).toBe(0);
      const expected = await resultRows(reference);
      expect(expected.reduce((n, r) => n + Number(r.count), 0)).toBeGreaterThan(leastEvents);
      expect(await resultRows(flinkSchema)).toEqual(expected);
      expect(await deadLetterCoordinates(flinkSchema)).toEqual(await deadLetterCoordinates(reference));
    },
    async cleanUp(): Promise<void> {
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already ended
        }
      }
      for (const job of jobs) await job.catch(() => undefined);
      for (const jid of jobIds) await cancelFlinkJob(REST, jid).catch(() => undefined);
      await dropSchema(flinkSchema);
      await dropSchema(reference);
      await deleteTopic(topic).catch(() => undefined);
    },
  };
}

describe("checkpoints and savepoints: stop with a savepoint, resume, TaskManager killed mid-input", () => {
  const s = scenario("cp-restore", 450);
  let savepoint = "";
  let job2: Promise<ProcessOutput> | undefined;
  let job2Id = "";

  afterAll(async () => {
    await job2?.catch(() => undefined);
    await s.cleanUp();
  });

  test("SIGTERM stops the job with a savepoint, and --restore-from resumes from it", async () => {
    await s.produce(23, 0);
    const { job: job1, jid, pid } = await s.startAndCheckpoint();
    const rowsBefore = await rowsIn(s.flinkSchema);
    expect(rowsBefore).toBeGreaterThan(0);
    process.kill(pid, "SIGTERM");
    const out1 = await job1;
    expect(`exit ${String(out1.code)}: ${out1.stderr.slice(-600)}`).toMatch(/^exit 0:/);
    savepoint = /stopped after a savepoint; resume with --restore-from (\S+)/.exec(out1.stderr)?.[1] ?? "";
    expect(savepoint).not.toBe("");
    expect(await flinkJobState(REST, jid)).toBe("CANCELED");

    const before2 = await jobIdsOnCluster();
    job2 = runScript("pipelines/main.ts", [...s.onFlink, "--restore-from", savepoint, "--stop-when-idle", "5s",
      "--restart-attempts", "5"], 300_000, (p) => s.pids.push(p));
    job2Id = await waitFor("job 2 running on Flink", 90_000, () => newRunningJob(before2));
    s.jobIds.push(job2Id);
    // Flink publishes the restore in its checkpoint statistics a moment after the job runs.
    const restoredFrom = await waitFor("job 2's restore in Flink's checkpoint statistics", 30_000, async () =>
      (await checkpointCounts(REST, job2Id)).restoredFrom);
    expect(restoredFrom).toBe(savepoint);
    expect((await checkpointCounts(REST, job2Id)).restored).toBe(1);
  });

  test("a TaskManager killed while records arrive: Flink restores from the last checkpoint", async () => {
    expect(job2Id).not.toBe("");
    const ends = await endOffsets(s.topic);
    let produced = false;
    const producing = s.produce(24, 450, ["--rate", "30", "--batch-size", "10"]).finally(() => (produced = true));
    const before = (await checkpointCounts(REST, job2Id)).completed;
    await waitFor("a checkpoint of job 2 covering records of phase B", 60_000, async () =>
      (await committedTotal(s.group, s.topic)) > ends && (await checkpointCounts(REST, job2Id)).completed > before ? true : undefined,
    );
    expect(produced).toBe(false); // the kill lands while the producer still sends
    const tmPid = Number(fs.readFileSync(pidFile(STACK, "taskmanager"), "utf8").trim());
    process.kill(tmPid, "SIGKILL");
    await ensureFlinkStack(); // starts the TaskManager again
    await waitFor("job 2 restored from a checkpoint after the kill", 120_000, async () => {
      const c = await checkpointCounts(REST, job2Id);
      return c.restored >= 2 && (await flinkJobState(REST, job2Id)) === "RUNNING" ? true : undefined;
    });
    await producing;
    const out2 = await job2!;
    expect(`exit ${String(out2.code)}: ${out2.stderr.slice(-600)}`).toMatch(/^exit 0:/);
  });

  test("the final PostgreSQL rows equal an uninterrupted run's (direct runner, whole topic)", async () => {
    await s.expectSameAsDirect(800);
  });
});

describe("the submitting process killed (SIGKILL): the next run of the group resumes its job's last checkpoint", () => {
  const s = scenario("cp-orphan", 300);

  afterAll(async () => {
    await s.cleanUp();
  });

  test("the orphaned job is cancelled, the new job restores its checkpoint, and the rows equal an uninterrupted run's", async () => {
    await s.produce(31, 0);
    const { job: job1, jid: jid1, pid } = await s.startAndCheckpoint();
    const checkpointed = (await checkpointCounts(REST, jid1)).completed;
    process.kill(pid, "SIGKILL");
    await job1;
    await s.produce(32, 300);

    const before2 = await jobIdsOnCluster();
    const job2 = runScript("pipelines/main.ts", [...s.onFlink, "--stop-when-idle", "5s"], 300_000, (p) => s.pids.push(p));
    const jid2 = await waitFor("job 2 running on Flink", 120_000, () => newRunningJob(before2));
    s.jobIds.push(jid2);
    const restoredFrom = await waitFor("job 2's restore in Flink's checkpoint statistics", 30_000, async () =>
      (await checkpointCounts(REST, jid2)).restoredFrom);
    expect(restoredFrom).toMatch(new RegExp(`/${jid1}/chk-\\d+$`));
    expect(Number(/chk-(\d+)$/.exec(restoredFrom)?.[1])).toBeGreaterThanOrEqual(checkpointed);
    const out2 = await job2;
    expect(`exit ${String(out2.code)}: ${out2.stderr.slice(-600)}`).toMatch(/^exit 0:/);
    expect(out2.stderr).toMatch(new RegExp(`cancelling the job ${jid1} of group .*: its submitting process ${pid} is gone`));
    expect(out2.stderr).toContain(`flink: resuming from ${restoredFrom}`);
    expect(await flinkJobState(REST, jid1)).toBe("CANCELED");
    await s.expectSameAsDirect(500);
  });
});

const REST = `http://${STACK.host}:${STACK.restPort}`;

async function jobIdsOnCluster(): Promise<Set<string>> {
  return new Set((await jobsOverview(REST)).map((j) => j.jid));
}

/** The running job that was not on the cluster before (the pipeline just started; tests here run one by one). */
async function newRunningJob(before: ReadonlySet<string>): Promise<string | undefined> {
  const jobs = await jobsOverview(REST).catch(() => []);
  return jobs.find((j) => j.state === "RUNNING" && !before.has(j.jid))?.jid;
}

async function rowsIn(schema: string): Promise<number> {
  return (await countRows(schema, "sales_window_results").catch(() => 0)) + (await countRows(schema, "sales_dead_letters").catch(() => 0));
}

/** Records in the topic (sum of the partitions' end offsets). */
async function endOffsets(topic: string): Promise<number> {
  const admin = await testClient().admin();
  try {
    return (await admin.topicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.close();
  }
}

/** The group's committed offsets summed over the partitions (KafkaIO commits when a checkpoint completes). */
async function committedTotal(group: string, topic: string): Promise<number> {
  return (await committedOffsets(group, topic)).reduce((n, c) => n + Math.max(0, Number(c.offset ?? -1)), 0);
}

/** Whether the group has committed the end offset of every partition. */
async function groupAtEnd(group: string, topic: string): Promise<boolean> {
  return (await committedTotal(group, topic)) === (await endOffsets(topic));
}

/** Polls `check` every 500 ms until it returns a value; fails naming `what` after `timeoutMs`. */
async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${what}, in vain`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
