/**
 * The state topic's bad inputs (issue 18, item 4): a restart whose last commit names a runner checkpoint the state
 * topic does not have whole is refused with one line that says what to do — never a silent re-read. Against the
 * real broker: a checkpoint is written as a run writes it (chunks, then the manifest), then damaged three ways.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { randomBytes } from "crypto";
import { testClient, uniqueName } from "./kafka_test_helpers";
import { KafkaCheckpoints } from "../../runners/direct/sources/kafka_checkpoints";
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
  afterAll(async () => {
    await admin.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** A fresh group's checkpoint written to its state topic, the local folder then deleted; `damage` applied. */
  async function restoreAfter(damage: (topic: StateTopic, id: string) => Promise<void>): Promise<{ error: string; runner: ReturnType<typeof fakeRunner> }> {
    const group = uniqueName("state-bad");
    const input = uniqueName("state-bad-in");
    const dir = path.join(tmp, group);
    const runner = fakeRunner(dir, json);
    const lines: string[] = [];
    const writer = await KafkaCheckpoints.withStateTopic(runner, client, admin, group, input, (l) => lines.push(l));
    const taken = writer.take();
    if (taken === undefined) throw new Error("no checkpoint taken");
    expect(await writer.write(taken)).toBe(true);
    await writer.close();
    fs.rmSync(dir, { recursive: true, force: true });
    const topic = new StateTopic(client, admin, stateTopicName(group, input));
    await damage(topic, taken.id);
    await topic.close();
    const reader = await KafkaCheckpoints.withStateTopic(runner, client, admin, group, input, (l) => lines.push(l));
    try {
      await reader.restore(naming(taken.id), 1);
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

  test("a commit naming a checkpoint the topic does not have is refused in one line", async () => {
    const { error, runner } = await restoreAfter((topic, id) => topic.write([{ key: `m/${id}`, value: null }]));
    expect(error).toMatch(/names runner checkpoint \S+, which the state topic beam-ts-state\.\S+ does not have .*--state-dir off/);
    expect(error).not.toContain("\n");
    expect(runner.restored).toEqual([]);
  });
});
