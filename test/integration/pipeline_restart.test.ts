/**
 * The main job (`pipelines/main.ts`, console sink) as a separate process against the real broker: killed with
 * SIGKILL after a commit, restarted, it resumes from the committed offsets without losing a record and without
 * counting one twice (the records already durable are recognized from the commit metadata, the restored watermark
 * keeps finalized windows closed); SIGTERM stops it cleanly with exit code 0 after committing what is safe.
 */
import type { ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { startCli, TEST_STATE_DIR } from "./cli_helpers";
import { BOOTSTRAP, committedOffsets, produce } from "./kafka_test_helpers";
import { APPLES, BREAD, CHEESE, ALICE, BOB, freshTopic, sale, saleRecord, seconds, waitFor } from "./pipeline_test_helpers";

jest.setTimeout(90_000);

interface Job {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  stderr(): string;
}

function startJob(topic: string, groupId: string, extra: readonly string[] = []): Job {
  const job = startCli([
    `--topic=${topic}`,
    `--group-id=${groupId}`,
    `--bootstrap-servers=${BOOTSTRAP.join(",")}`,
    "--window=fixed:1m",
    "--commit-interval=0s",
    ...extra,
  ]);
  const exited = job.exited.then((code) => {
    if (code !== 0 && code !== null) process.stderr.write(`job stderr:\n${job.stderr()}\n`);
    return code;
  });
  return { child: job.child, lines: job.stdout, exited, stderr: job.stderr };
}

/** Result lines for one product, without the pane label's padding. */
const resultsFor = (job: Job, product: string): string[] =>
  job.lines.filter((l) => l.includes(`product ${product} `)).map((l) => l.replace(/\s+/g, " "));

/** Offsets 0..4: [0, 60) closes at watermark 90 s; [60, 120) stays open; offset 3 is out of order (55 s). */
async function produceFirstRun(topic: string): Promise<void> {
  await produce(topic, [
    saleRecord(0, sale(ALICE, APPLES, 10, seconds(10))),
    saleRecord(0, sale(ALICE, APPLES, 20, seconds(50))),
    saleRecord(0, sale(BOB, BREAD, 5, seconds(70))),
    saleRecord(0, sale(BOB, APPLES, 5, seconds(55))),
    saleRecord(0, sale(BOB, BREAD, 6, seconds(100))),
  ]);
}

/** The commit metadata's durable rules: [handed end, durable before]. */
async function durableRules(groupId: string, topic: string): Promise<unknown> {
  const [c] = await committedOffsets(groupId, topic);
  return c?.metadata ? (JSON.parse(c.metadata) as { d?: unknown }).d : undefined;
}

/** Offsets 0..4 handed, those before 70 s (the first record [60, 120) needs) durable. */
const FIRST_RUN_DURABLE = [[5, seconds(70)]];

async function waitForCommit(groupId: string, topic: string): Promise<void> {
  await waitFor("a commit saying what is durable", async () => {
    const rules = await durableRules(groupId, topic);
    return JSON.stringify(rules) === JSON.stringify(FIRST_RUN_DURABLE);
  });
}

/**
 * More than one read (8,192 records) of Bob's purchases in his first 8 s, then one session of Alice, 20 s apart and
 * 100 s long so far. With the 10 s watermark delay, her first records' own 30 s windows are behind the watermark
 * when the job is killed; a restart that re-reads them (instead of restoring the checkpoint) meets them in its
 * second read, against that watermark, and sends them to the late output.
 */
async function produceSessionInput(topic: string): Promise<void> {
  const bob = Array.from({ length: 8200 }, (_, i) => saleRecord(0, sale(BOB, BREAD, 1, seconds(0) + i)));
  for (let i = 0; i < bob.length; i += 1000) await produce(topic, bob.slice(i, i + 1000));
  await produce(topic, [0, 20, 40, 60, 80, 100].map((s, i) => saleRecord(0, sale(ALICE, APPLES, i + 1, seconds(s)))));
}

/**
 * A commit that names a runner checkpoint, made once the watermark passed 90 s: the own 30 s windows of the
 * session's first records are behind it then.
 */
async function waitForCheckpointCommit(groupId: string, topic: string): Promise<void> {
  await waitFor("a commit naming a runner checkpoint, watermark ≥ 90 s", async () => {
    const [c] = await committedOffsets(groupId, topic);
    if (!c?.metadata) return false;
    const metadata = JSON.parse(c.metadata) as { k?: string; wm?: number | null };
    return metadata.k !== undefined && (metadata.wm ?? 0) >= seconds(90);
  });
}

describe("sales job restarts", () => {
  test("after SIGKILL it resumes from the committed offsets: nothing lost, nothing counted twice", async () => {
    const { topic, groupId } = await freshTopic(1);
    await produceFirstRun(topic);
    const first = startJob(topic, groupId);
    try {
      await waitFor("[0, 60) on time", () => resultsFor(first, APPLES).some((l) => l.includes("sum=35.00 count=3")));
      // Everything of [0, 60) is printed; [60, 120) is live: the commit covers what is before 70 s.
      await waitForCommit(groupId, topic);
    } finally {
      first.child.kill("SIGKILL");
    }
    expect(await first.exited).toBeNull();
    expect(resultsFor(first, BREAD)).toEqual([]);

    await produce(topic, [saleRecord(0, sale(BOB, BREAD, 7, seconds(110))), saleRecord(0, sale(ALICE, CHEESE, 1, seconds(200)))]);
    const second = startJob(topic, groupId, ["--stop-when-idle=1500ms"]);
    expect(await second.exited).toBe(0);
    // [60, 120) rebuilt from all its records (5 + 6 re-read, 7 new); [0, 60) not re-aggregated into a partial pane.
    expect(resultsFor(second, BREAD)).toEqual([
      "[ON_TIME final #0] 2026-01-01 12:01:00–12:02:00Z product bread sum=18.00 count=3 avg=6.00",
    ]);
    expect(resultsFor(second, APPLES)).toEqual([]);
    expect(resultsFor(second, CHEESE)).toEqual([
      "[ON_TIME final #0] 2026-01-01 12:03:00–12:04:00Z product cheese sum=1.00 count=1 avg=1.00",
    ]);
    expect(second.lines.filter((l) => l.startsWith("[LATE DATA]"))).toEqual([]);
  });

  test("session windows: after SIGKILL the open session continues from the runner checkpoint, also with the state folder deleted", async () => {
    const { topic, groupId } = await freshTopic(1);
    await produceSessionInput(topic);
    const sessions = ["--window=session:30s"];
    const first = startJob(topic, groupId, sessions);
    try {
      await waitForCheckpointCommit(groupId, topic);
    } finally {
      first.child.kill("SIGKILL");
    }
    expect(await first.exited).toBeNull();
    // The session grows by one more record, then a record of Bob far later closes it.
    await produce(topic, [saleRecord(0, sale(ALICE, APPLES, 7, seconds(120))), saleRecord(0, sale(BOB, BREAD, 1, seconds(400)))]);
    const second = startJob(topic, groupId, [...sessions, "--stop-when-idle=1500ms"]);
    expect(await second.exited).toBe(0);
    const alice = second.lines.filter((l) => l.includes(`user ${ALICE} `)).map((l) => l.replace(/\s+/g, " "));
    expect(alice).toEqual([
      "[ON_TIME final #0] 2026-01-01 12:00:00–12:02:30Z user alice sum=28.00 count=7 avg=4.00",
    ]);
    expect(second.lines.filter((l) => l.startsWith("[LATE DATA]"))).toEqual([]);

    // The same kill, then a restart on "another machine" (the state folder deleted): the checkpoint comes back
    // from the job's state topic and the session is the same.
    const again = await freshTopic(1);
    await produceSessionInput(again.topic);
    const stateDir = path.join(TEST_STATE_DIR, `${again.groupId}-moved`);
    const third = startJob(again.topic, again.groupId, [...sessions, `--state-dir=${stateDir}`]);
    try {
      await waitForCheckpointCommit(again.groupId, again.topic);
    } finally {
      third.child.kill("SIGKILL");
    }
    await third.exited;
    fs.rmSync(stateDir, { recursive: true, force: true });
    await produce(again.topic, [saleRecord(0, sale(ALICE, APPLES, 7, seconds(120))), saleRecord(0, sale(BOB, BREAD, 1, seconds(400)))]);
    const fourth = startJob(again.topic, again.groupId, [...sessions, `--state-dir=${stateDir}`, "--stop-when-idle=1500ms"]);
    expect(await fourth.exited).toBe(0);
    expect(fourth.stderr()).toMatch(/restored the runner checkpoint \S+ of the last commit from the state topic beam-ts-state\./);
    const aliceAgain = fourth.lines.filter((l) => l.includes(`user ${ALICE} `)).map((l) => l.replace(/\s+/g, " "));
    expect(aliceAgain).toEqual(alice);
    expect(fourth.lines.filter((l) => l.startsWith("[LATE DATA]"))).toEqual([]);
  });

  test("SIGTERM stops it cleanly: exit code 0, the safe offset committed, open windows resumed by the next run", async () => {
    const { topic, groupId } = await freshTopic(1);
    await produceFirstRun(topic);
    const first = startJob(topic, groupId);
    await waitFor("[0, 60) on time", () => resultsFor(first, APPLES).length > 0);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(resultsFor(first, BREAD)).toEqual([]);
    const [commit] = await committedOffsets(groupId, topic);
    expect(Number(commit.offset)).toBeLessThanOrEqual(2);
    expect(await durableRules(groupId, topic)).toEqual(FIRST_RUN_DURABLE);

    const second = startJob(topic, groupId, ["--stop-when-idle=1500ms"]);
    expect(await second.exited).toBe(0);
    expect(resultsFor(second, BREAD)).toEqual([
      "[ON_TIME final #0] 2026-01-01 12:01:00–12:02:00Z product bread sum=11.00 count=2 avg=5.50",
    ]);
    expect(resultsFor(second, APPLES)).toEqual([]);
  });
});
