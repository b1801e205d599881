/**
 * Signals mid-run (issue 22, item 6), each sent while the producer (started once the job has) is still writing and
 * after the job has read part of the input (dead letters in PostgreSQL: 1 % of the records) — never after a fixed sleep, which on an idle
 * machine came after the job had finished:
 *
 *   - SIGTERM and SIGINT: a clean stop within a few seconds, exit 0, the closing line and no error; a rerun resumes.
 *   - SIGKILL during a commit: the moment the commit's runner checkpoint appears in the state folder (the offset
 *     commit naming it is being sent); the rerun resumes from the last commit that landed.
 *
 * After the rerun, every event is in exactly one place and the tables equal an uninterrupted run's over the same
 * topic.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BOOTSTRAP, createTopic, uniqueName } from "../integration/kafka_test_helpers";
import { dropSchema, uniqueSchema } from "../integration/postgres_test_helpers";
import { expectSamePostgresRows } from "../integration/same_tables";
import { accounted, deadLetters, linesOf, produce, sleep, startJob } from "./fault_helpers";

jest.setTimeout(4 * 60_000);

const COUNT = 30_000;
const RATE = 3_000; // ten seconds of writing: the job reads faster, so it is mid-input when the signal comes
/** Dead letters (1 % of the records) in PostgreSQL before the signal: about 2,000 records read and durable. */
const READ_BEFORE_SIGNAL = 20;

const bootstrap = BOOTSTRAP[0];
const created: string[] = [];
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-signals-"));

afterAll(async () => {
  for (const schema of created) await dropSchema(schema);
  fs.rmSync(stateDir, { recursive: true, force: true });
});

function jobArgs(topic: string, group: string, schema: string): string[] {
  return [
    `--bootstrap-servers=${bootstrap}`, `--topic=${topic}`, `--group-id=${group}`, "--window=fixed:1m", "--commit-interval=0s",
    "--stop-when-idle=3s", "--sinks=postgres", `--pg-schema=${schema}`, `--state-dir=${stateDir}`,
  ];
}

interface LiveTopic {
  readonly topic: string;
  readonly produced: Promise<void>;
  /** True until the producer has ended. */
  writing(): boolean;
}

/**
 * The job reading a topic that is written at RATE: the producer starts once the job has started (the job's start-up
 * under load took longer than a producer writing on its own).
 */
async function jobOnLiveTopic(name: string, seed: number, group: string, schema: string): Promise<{ job: ReturnType<typeof startJob>; live: LiveTopic }> {
  const topic = uniqueName(name);
  await createTopic(topic, 1);
  const job = startJob(jobArgs(topic, group, schema));
  await job.started;
  let writing = true;
  const produced = produce(bootstrap, topic, COUNT, seed, "2026-01-01T00:00:00Z", RATE).finally(() => (writing = false));
  return { job, live: { topic, produced, writing: () => writing } };
}

/** Waits until the job has read (and made durable) part of the input while the producer still writes. */
async function midInput(job: ReturnType<typeof startJob>, schema: string, writing: () => boolean): Promise<void> {
  while ((await deadLetters(schema)) < READ_BEFORE_SIGNAL) {
    if (job.child.exitCode !== null) throw new Error(`the job ended before the signal:\n${job.stderr()}`);
    if (!writing()) throw new Error("the producer ended before the job had read part of its input: no mid-input signal");
    await sleep(25);
  }
  expect(writing()).toBe(true);
}

/** The rerun to the end, then the invariant and an uninterrupted run's tables. */
async function expectExactResume(topic: string, group: string, schema: string, produced: Promise<void>): Promise<void> {
  await produced;
  const rerun = startJob(jobArgs(topic, group, schema));
  expect([await rerun.exited, linesOf(rerun, "pipeline: error")]).toEqual([0, []]);
  expect(rerun.stderr()).toMatch(/kafka source: restored the runner checkpoint \S+ of the last commit/);
  expect(await accounted(schema)).toEqual({ total: COUNT, notFinal: 0 });
  const whole = uniqueSchema("faults_sig_whole");
  created.push(whole);
  const uninterrupted = startJob(jobArgs(topic, uniqueName("faults-sig-whole"), whole));
  expect(await uninterrupted.exited).toBe(0);
  await expectSamePostgresRows({ schema: whole, parquetDir: "" }, { schema, parquetDir: "" }, { withPanes: false });
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`${signal} mid-input: a clean stop within a few seconds, exit 0, then an exact resume`, async () => {
    const group = uniqueName(`faults-${signal.toLowerCase()}-group`);
    const schema = uniqueSchema(`faults_${signal.toLowerCase()}`);
    created.push(schema);
    const { job, live } = await jobOnLiveTopic(`faults-${signal.toLowerCase()}`, signal === "SIGTERM" ? 31 : 32, group, schema);
    await midInput(job, schema, live.writing);
    const signalledAt = Date.now();
    job.child.kill(signal);
    expect(await job.exited).toBe(0);
    expect(job.exitedAt() - signalledAt).toBeLessThan(5_000);
    expect(linesOf(job, "pipeline: error")).toEqual([]);
    expect(job.stderr().match(/pipeline: done in \d+\.\d s on direct: \d+ records read/g)).toHaveLength(1); // the closing line
    // It stopped mid-input: part of the events are accounted for, not all.
    expect((await accounted(schema)).total).toBeLessThan(COUNT);
    await expectExactResume(live.topic, group, schema, live.produced);
  });
}

test("SIGKILL during a commit: the rerun resumes from the last commit that landed, exactly", async () => {
  const group = uniqueName("faults-sigkill-group");
  const schema = uniqueSchema("faults_sigkill");
  created.push(schema);
  const { job, live } = await jobOnLiveTopic("faults-sigkill", 33, group, schema);
  await midInput(job, schema, live.writing);
  // The group's checkpoint folder exists from the start (the job checks it can write there before reading).
  const folder = path.join(stateDir, encodeURIComponent(group), encodeURIComponent(live.topic));
  // A checkpoint is there first: when the next one appears, the commit naming this one has landed (commits go one
  // after the other), so the rerun has a commit with a checkpoint to resume from.
  const checkpoints = (): string[] => fs.readdirSync(folder).filter((n) => /^checkpoint-.*\.json$/.test(n));
  while (checkpoints().length === 0 && job.child.exitCode === null) await sleep(10);
  const before = new Set(checkpoints());
  const killed = new Promise<string>((resolve) => {
    const watcher = fs.watch(folder, (_event, name) => {
      if (name === null || !/^checkpoint-.*\.json$/.test(name) || before.has(name)) return;
      job.child.kill("SIGKILL"); // the checkpoint is renamed into place: the commit naming it is on its way
      watcher.close();
      resolve(name);
    });
  });
  expect(await killed).toMatch(/^checkpoint-/);
  await job.exited;
  expect(job.child.signalCode).toBe("SIGKILL");
  expect(live.writing()).toBe(true);
  await expectExactResume(live.topic, group, schema, live.produced);
});
