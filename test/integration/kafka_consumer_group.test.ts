/**
 * Issue 8, finding 2 on the real broker: one pipeline per consumer group is enforced and never hangs. A second
 * instance is detected and stops with one line; a restart overlapping a dying (SIGKILLed) process waits for it and
 * proceeds; a rebalance (another member joining and leaving) leaves no partition assigned but unread, and
 * --stop-when-idle still ends the run.
 */
import { Kafka, logLevel } from "kafkajs";
import { BOOTSTRAP, committedOffsets, produce, testClient } from "./kafka_test_helpers";
import { startCli } from "./cli_helpers";
import { ALICE, APPLES, BOB, freshTopic, sale, saleRecord, seconds, startPipeline, waitFor, type PipelineRun } from "./pipeline_test_helpers";
import type { ProducedRecord } from "../../io/kafka/kafka_client";

jest.setTimeout(120_000);

const FIXED_MINUTE = { window: { kind: "fixed", size: 60_000, offset: 0 }, key: "product", trigger: {}, allowedLateness: 0 } as const;
const IN_USE = /^consumer group \S+ is in use by another running instance \(.*\): the direct runner runs one pipeline per consumer group; stop the other instance or pass another --group-id$/;

/** `n` sales of 1.00 each in [0, 60) over 3 partitions (event time 1..n seconds ≤ 30 s: the window stays open). */
function sales(n: number, from = 0): ProducedRecord[] {
  return Array.from({ length: n }, (_, i) => saleRecord((from + i) % 3, sale(i % 2 === 0 ? ALICE : BOB, APPLES, 1, seconds(1 + ((from + i) % 29)))));
}

/** The final count of apples in [0, 60). */
function finalCount(run: PipelineRun): number | undefined {
  return run.results.elements().map((e) => e.value).find((r) => r.pane.isLast && r.key === APPLES)?.count;
}

async function endOffsets(topic: string): Promise<string[]> {
  const admin = await testClient().admin();
  try {
    return (await admin.topicOffsets(topic)).map((o) => o.high);
  } finally {
    await admin.close();
  }
}

describe("one pipeline per consumer group", () => {
  test("a second instance in the same group stops with one line; the first reads everything and ends when idle", async () => {
    const { topic, groupId } = await freshTopic(3);
    await produce(topic, sales(30));
    const first = await startPipeline(FIXED_MINUTE, { topic, groupId, stopWhenIdle: 4000 });
    await waitFor("the first instance to read", () => first.result.stats().elementsRead >= 30);
    const second = await startPipeline(FIXED_MINUTE, { topic, groupId, stopWhenIdle: 4000, groupWait: 2000 });
    const secondEnd = second.result.waitUntilFinish().then(
      () => "finished",
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    await produce(topic, sales(15, 30));
    expect(await secondEnd).toMatch(IN_USE);
    await produce(topic, sales(15, 45));
    await first.result.waitUntilFinish();
    expect(finalCount(first)).toBe(60);
    expect(second.result.stats().elementsRead).toBe(0);
  });

  test("two instances started at the same moment: exactly one stops with the line, the other reads everything", async () => {
    const { topic, groupId } = await freshTopic(3);
    await produce(topic, sales(30));
    const runs = await Promise.all([
      startPipeline(FIXED_MINUTE, { topic, groupId, stopWhenIdle: 4000, groupWait: 2000 }),
      startPipeline(FIXED_MINUTE, { topic, groupId, stopWhenIdle: 4000, groupWait: 2000 }),
    ]);
    const ends = await Promise.all(
      runs.map((r) =>
        r.result.waitUntilFinish().then(
          () => "finished",
          (e: unknown) => (e instanceof Error ? e.message : String(e)),
        ),
      ),
    );
    const finished = ends.flatMap((e, i) => (e === "finished" ? [i] : []));
    expect(finished).toHaveLength(1);
    expect(ends[1 - finished[0]]).toMatch(IN_USE);
    // The survivor's final pane counts every record (those the stopped one saw are read again: nothing committed).
    expect(finalCount(runs[finished[0]])).toBe(30);
  });

  test("a restart overlapping a SIGKILLed run waits for it to leave the group, then reads everything", async () => {
    const { topic, groupId } = await freshTopic(3);
    await produce(topic, sales(30));
    const dying = startCli([`--topic=${topic}`, `--group-id=${groupId}`, `--bootstrap-servers=${BOOTSTRAP.join(",")}`, "--commit-interval=0s"]);
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return write(chunk);
    });
    try {
      await waitFor("the first run to join and commit", async () => (await committedOffsets(groupId, topic)).some((c) => c.offset !== null), 60_000);
      dying.child.kill("SIGKILL");
      expect(await dying.exited).toBeNull();
      await produce(topic, sales(15, 30));
      const restart = await startPipeline(FIXED_MINUTE, { topic, groupId, stopWhenIdle: 3000 });
      await restart.result.waitUntilFinish();
      expect(stderr.join("")).toMatch(
        new RegExp(`kafka source: consumer group ${groupId} still has 1 member\\(s\\) \\(.*\\); waiting up to 15\\.0 s for a previous run to leave`),
      );
      expect(finalCount(restart)).toBe(45);
    } finally {
      spy.mockRestore();
      dying.child.kill("SIGKILL");
    }
  });

  test("a rebalance (another member joins, reads, commits and leaves) leaves nothing assigned but unread", async () => {
    const { topic, groupId } = await freshTopic(3);
    await produce(topic, sales(30));
    // (idle long enough for the intruder's join to happen before the pipeline could call the input done)
    const run = await startPipeline(FIXED_MINUTE, { topic, groupId, stopWhenIdle: 10_000 });
    await waitFor("the pipeline to read", () => run.result.stats().elementsRead >= 30);
    // Another member (not a pipeline) joins the group: a rebalance gives it partitions; it reads and commits them.
    const kafka = new Kafka({ clientId: "intruder", brokers: BOOTSTRAP, logLevel: logLevel.NOTHING });
    const intruder = kafka.consumer({ groupId, sessionTimeout: 10_000 });
    await intruder.connect();
    await intruder.subscribe({ topics: [topic], fromBeginning: true });
    let intruderRead = 0;
    let intruderAssigned = 0;
    intruder.on(intruder.events.GROUP_JOIN, (e) => (intruderAssigned = (e.payload.memberAssignment[topic] ?? []).length));
    await intruder.run({ autoCommit: true, autoCommitInterval: 100, eachMessage: async () => void intruderRead++ });
    await waitFor("the intruder to get partitions", () => intruderAssigned > 0);
    await produce(topic, sales(30, 30));
    await waitFor("the intruder to read", () => intruderRead > 0);
    await intruder.disconnect();
    await produce(topic, sales(15, 60));
    await run.result.waitUntilFinish();
    // Every partition is read to its end and committed by the pipeline or the intruder: nothing left unread.
    const committed = (await committedOffsets(groupId, topic)).map((c) => c.offset);
    expect(committed).toEqual(await endOffsets(topic));
    // The partitions it got back are read on from the pipeline's own position: its aggregate misses no record.
    expect(finalCount(run)).toBe(75);
  });

  test("partitions another member read to their end and committed: the pipeline still ends when idle", async () => {
    const { topic, groupId } = await freshTopic(3);
    await produce(topic, sales(30));
    const kafka = new Kafka({ clientId: "earlier", brokers: BOOTSTRAP, logLevel: logLevel.NOTHING });
    const earlier = kafka.consumer({ groupId, sessionTimeout: 10_000 });
    await earlier.connect();
    await earlier.subscribe({ topics: [topic], fromBeginning: true });
    let read = 0;
    await earlier.run({ autoCommit: true, autoCommitInterval: 100, eachMessage: async () => void read++ });
    await waitFor("the earlier member to read everything", () => read === 30);
    const run = await startPipeline(FIXED_MINUTE, { topic, groupId, stopWhenIdle: 2000, groupWait: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Records that arrive after the pipeline started; the earlier member reads and commits them too.
    await produce(topic, sales(30, 30));
    await waitFor("the earlier member to read the new records", () => read === 60);
    await new Promise((resolve) => setTimeout(resolve, 500)); // its auto-commit
    await earlier.disconnect(); // committed at the end of every partition
    await run.result.waitUntilFinish();
    expect((await committedOffsets(groupId, topic)).map((c) => c.offset)).toEqual(await endOffsets(topic));
    expect(run.result.stats().elementsRead).toBe(0);
  });
});
