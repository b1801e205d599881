/**
 * The main job (`pipelines/main.ts`, console sink) as a separate process against the real broker: killed with
 * SIGKILL after a commit, restarted, it resumes from the committed offsets without losing a record and without
 * counting one twice (the records already durable are recognized from the commit metadata, the restored watermark
 * keeps finalized windows closed); SIGTERM stops it cleanly with exit code 0 after committing what is safe.
 */
import type { ChildProcess } from "child_process";
import { startCli } from "./cli_helpers";
import { BOOTSTRAP, committedOffsets, produce } from "./kafka_test_helpers";
import { APPLES, BREAD, CHEESE, ALICE, BOB, freshTopic, sale, saleRecord, seconds, waitFor } from "./pipeline_test_helpers";

jest.setTimeout(90_000);

interface Job {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
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
  return { child: job.child, lines: job.stdout, exited };
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
