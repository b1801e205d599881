/**
 * The state topic's bad inputs (issue 18, item 4): a restart whose last commit names a runner checkpoint the state
 * topic does not have whole is refused with one line that says what to do — never a silent re-read. Against the
 * real broker: a checkpoint is written as a run writes it (chunks, then the manifest), then damaged (a chunk
 * replaced, cut short or deleted, the manifest damaged or deleted). Also: a commit from before the state topic
 * existed (the checkpoint only in the local folder) is restored from the folder and written to the topic, and a
 * group whose offsets were set with Kafka's own tooling (kafkajs admin.setOffsets) is refused.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { randomBytes } from "crypto";
import { gzipSync } from "zlib";
import { Kafka, logLevel } from "kafkajs";
import { BOOTSTRAP, createTopic, deleteTopic, sourceTestSpec, testClient, uniqueName } from "./kafka_test_helpers";
import { restoreRun } from "../../runners/direct/sources/kafka_restore";
import { CHUNK_BYTES } from "../../runners/direct/checkpoint/remote_checkpoint_store";
import { KafkaCheckpoints, type TakenCheckpoint } from "../../runners/direct/sources/kafka_checkpoints";
import type { RunnerCheckpoints } from "../../runners/direct/checkpoint/runner_checkpoint";
import type { CommitMetadata } from "../../runners/direct/sources/kafka_offsets";
import { stateTopicName, StateTopic } from "../../io/kafka/kafka_state_topic";
import type { KafkaAdmin, KafkaClient } from "../../io/kafka/kafka_client";

jest.setTimeout(90_000);

/** A runner whose state is one JSON text (over one chunk: random base64 does not gzip below 512 KiB). */
function fakeRunner(dir: string, json: string): RunnerCheckpoints & { restored: string[] } {
  const restored: string[] = [];
  return { dir, restored, capture: () => ({ json }), restore: (text) => void restored.push(text) };
}

const naming = (id: string): Map<number, CommitMetadata> =>
  new Map([[0, { offset: 0, timestampMode: "record", sourceWatermark: 0, partitionWatermark: 0, rules: [], checkpoint: { id, handedEnd: 1 } }]]);

describe("the state topic refuses what it does not have whole", () => {
  let client: KafkaClient;
  let admin: KafkaAdmin;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "state-bad-"));
  const json = JSON.stringify({ v: 1, state: randomBytes(700 * 1024).toString("base64") });
  beforeAll(async () => {
    client = testClient();
    admin = await client.admin();
  });
  const inputs: string[] = [];
  afterAll(async () => {
    await admin.close();
    for (const topic of inputs) await deleteTopic(topic).catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The runner's checkpoint, written as a run writes it (state topic, then local folder). */
  async function writtenCheckpoint(runner: ReturnType<typeof fakeRunner>, group: string, input: string, lines: string[]): Promise<TakenCheckpoint> {
    const writer = await KafkaCheckpoints.withStateTopic(runner, client, admin, group, input, (l) => lines.push(l));
    const taken = writer.take();
    if (taken === undefined) throw new Error("no checkpoint taken");
    expect(await writer.write(taken)).toBe(true);
    await writer.close();
    return taken;
  }

  /** A fresh group's checkpoint written to its state topic, the local folder then deleted; `damage` applied. */
  async function restoreAfter(damage: (topic: StateTopic, id: string) => Promise<void>): Promise<{ error: string; runner: ReturnType<typeof fakeRunner> }> {
    const group = uniqueName("state-bad");
    const input = uniqueName("state-bad-in");
    const dir = path.join(tmp, group);
    const runner = fakeRunner(dir, json);
    const lines: string[] = [];
    const taken = await writtenCheckpoint(runner, group, input, lines);
    fs.rmSync(dir, { recursive: true, force: true });
    const topic = new StateTopic(client, admin, stateTopicName(group, input));
    await damage(topic, taken.id);
    await topic.close();
    const reader = await KafkaCheckpoints.withStateTopic(runner, client, admin, group, input, (l) => lines.push(l));
    try {
      await reader.restore(naming(taken.id), [0]);
      return { error: "", runner };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error), runner };
    } finally {
      await reader.close();
    }
  }

  test("undamaged, with the local folder deleted: restored from the topic, byte for byte", async () => {
    const { error, runner } = await restoreAfter(async () => undefined);
    expect(error).toBe("");
    expect(runner.restored).toEqual([json]);
  });

  test("a damaged chunk is refused in one line", async () => {
    const { error, runner } = await restoreAfter((topic, id) => topic.write([{ key: `c/${id}/0`, value: Buffer.from("not gzip") }]));
    expect(error).toMatch(/^kafka source: cannot restore the state the last commit names: runner checkpoint \S+ in the state topic \S+ is damaged .*; restore the topic, or start over/);
    expect(error).not.toContain("\n");
    expect(runner.restored).toEqual([]);
  });

  test("a manifest naming a missing chunk is refused in one line", async () => {
    const { error, runner } = await restoreAfter((topic, id) => topic.write([{ key: `c/${id}/1`, value: null }]));
    expect(error).toMatch(/the manifest of runner checkpoint \S+ names 2 chunks, but the state topic \S+ lacks chunk\(s\) 1; restore the topic/);
    expect(error).not.toContain("\n");
    expect(runner.restored).toEqual([]);
  });

  test("a chunk cut short is refused in one line", async () => {
    // The last chunk of the gzipped text (gzip output is the same for the same text), truncated to half.
    const last = gzipSync(Buffer.from(json, "utf8")).subarray(CHUNK_BYTES);
    const { error, runner } = await restoreAfter((topic, id) => topic.write([{ key: `c/${id}/1`, value: last.subarray(0, last.length >> 1) }]));
    expect(error).toMatch(/runner checkpoint \S+ in the state topic \S+ is damaged \(Error: unexpected end of file\); restore the topic/);
    expect(error).not.toContain("\n");
    expect(runner.restored).toEqual([]);
  });

  test("a damaged manifest is refused in one line", async () => {
    const { error, runner } = await restoreAfter((topic, id) => topic.write([{ key: `m/${id}`, value: Buffer.from('{"v":1,"id":') }]));
    expect(error).toMatch(/the manifest of runner checkpoint \S+ in the state topic \S+ is damaged; restore the topic/);
    expect(error).not.toContain("\n");
    expect(runner.restored).toEqual([]);
  });

  test("a commit from before the state topic existed: restored from the local folder and written to the topic", async () => {
    const group = uniqueName("state-upgrade");
    const input = uniqueName("state-upgrade-in");
    const dir = path.join(tmp, group);
    const runner = fakeRunner(dir, json);
    const lines: string[] = [];
    // The version before the state topic: the checkpoint in the local folder only.
    const before = new KafkaCheckpoints(runner, group, input, (l) => lines.push(l));
    const taken = before.take();
    if (taken === undefined) throw new Error("no checkpoint taken");
    expect(await before.write(taken)).toBe(true);
    const upgraded = await KafkaCheckpoints.withStateTopic(runner, client, admin, group, input, (l) => lines.push(l));
    try {
      expect(await upgraded.restore(naming(taken.id), [0])).toEqual({ id: taken.id, handedEnds: new Map([[0, 1]]) });
    } finally {
      await upgraded.close();
    }
    expect(runner.restored).toEqual([json]);
    expect(lines.filter((l) => /lacked runner checkpoint \S+ of the last commit \(committed before the topic existed\): restored it from .* and wrote it to the topic/.test(l))).toHaveLength(1);
    // Now in the topic: a restart on another machine (the folder deleted) restores it from there.
    fs.rmSync(dir, { recursive: true, force: true });
    const elsewhere = await KafkaCheckpoints.withStateTopic(runner, client, admin, group, input, (l) => lines.push(l));
    try {
      await elsewhere.restore(naming(taken.id), [0]);
    } finally {
      await elsewhere.close();
    }
    expect(runner.restored).toEqual([json, json]);
    expect(lines.some((l) => /restored the runner checkpoint \S+ of the last commit from the state topic/.test(l))).toBe(true);
  });

  test("offsets set with Kafka's tooling while the state topic holds the job's state are refused in one line", async () => {
    const group = uniqueName("state-reset");
    const input = uniqueName("state-reset-in");
    await createTopic(input, 2);
    inputs.push(input); // deleted after the shared admin closes: kafkajs's admin fails every later request for a deleted topic it knows
    const dir = path.join(tmp, group);
    const runner = fakeRunner(dir, json);
    const lines: string[] = [];
    const taken = await writtenCheckpoint(runner, group, input, lines);
    // What kafka-consumer-groups --reset-offsets does: offsets without the job's commit metadata.
    const tooling = new Kafka({ brokers: BOOTSTRAP, clientId: "tests", logLevel: logLevel.NOTHING }).admin();
    await tooling.connect();
    try {
      await tooling.setOffsets({ groupId: group, topic: input, partitions: [{ partition: 0, offset: "5" }, { partition: 1, offset: "0" }] });
    } finally {
      await tooling.disconnect();
    }
    const reader = await KafkaCheckpoints.withStateTopic(runner, client, admin, group, input, (l) => lines.push(l));
    let error = "";
    try {
      await restoreRun(sourceTestSpec(input, group, "tests"), "record", admin, await admin.topicOffsets(input), reader);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    } finally {
      await reader.close();
    }
    expect(error).toMatch(
      /^kafka source: the committed offsets of group \S+ on partition\(s\) 0, 1 were not committed by this job with these options \(reset with Kafka's tools, or --timestamp-field changed\?\) while its state topic \S+ holds checkpoint \S+: .*start over with a new --group-id, or delete the state topic/,
    );
    expect(error).not.toContain("\n");
    expect(runner.restored).toEqual([]);
  });

  test("a commit naming a checkpoint the topic does not have is refused in one line", async () => {
    const { error, runner } = await restoreAfter((topic, id) => topic.write([{ key: `m/${id}`, value: null }]));
    expect(error).toMatch(/names runner checkpoint \S+, which the state topic beam-ts-state\.\S+ does not have .*--state-dir off/);
    expect(error).not.toContain("\n");
    expect(runner.restored).toEqual([]);
  });
});
