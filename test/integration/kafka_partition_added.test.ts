/**
 * Partitions added to the topic while the source runs (issue 18, bad input): the consumer sees them at its next
 * metadata refresh (about 5 s), the group rebalances onto them, and each is read from its start with one log line;
 * one that never gets a record says so once and holds results back at most --idle-timeout each time.
 */
import { Kafka, logLevel } from "kafkajs";
import { KafkaSource } from "../../runners/direct/sources/kafka_source";
import { WATERMARK_DONE, WATERMARK_START } from "../../model/model";
import { BOOTSTRAP, createTopic, deleteTopic, idEvent, idOf, jsonRecord, produce, sourceTestSpec, SOURCE_TEST_DELAY, uniqueName } from "./kafka_test_helpers";

jest.setTimeout(90_000);

const BEGINNING = Date.UTC(2026, 10, 27, 12, 0, 0);
const minutes = (n: number): number => BEGINNING + n * 60_000;
const DELAY = SOURCE_TEST_DELAY;
const event = idEvent;

async function addPartitions(topic: string, count: number): Promise<void> {
  const admin = new Kafka({ brokers: BOOTSTRAP, clientId: "tests", logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createPartitions({ topicPartitions: [{ topic, count }] });
  } finally {
    await admin.disconnect();
  }
}

/** Reads until every id in `ids` was handed (a bounded wait); returns the ids handed and the last watermark. */
async function readUntil(source: KafkaSource, ids: readonly string[], withinMs: number): Promise<{ ids: string[]; watermark: number }> {
  const seen: string[] = [];
  let watermark = WATERMARK_START;
  const deadline = Date.now() + withinMs;
  while (!ids.every((id) => seen.includes(id))) {
    if (Date.now() > deadline) throw new Error(`timed out with ${seen.join(",") || "nothing"} of ${ids.join(",")} handed`);
    const batch = await source.read(200);
    seen.push(...batch.records.map(idOf));
    watermark = batch.watermark;
  }
  return { ids: seen, watermark };
}

test("partitions added while running: read from their start, one line each; an empty one says so once", async () => {
  const topic = uniqueName("partition-added");
  await createTopic(topic, 2);
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(chunk.toString());
    return write(chunk);
  });
  const spec = sourceTestSpec(topic, uniqueName("g"), "partition-added-test");
  const source = new KafkaSource(spec);
  try {
    await produce(topic, [jsonRecord(0, minutes(1), event("a", minutes(1))), jsonRecord(1, minutes(2), event("b", minutes(2)))]);
    await source.open({ now: () => Date.now() });
    expect((await readUntil(source, ["a", "b"], 30_000)).ids).toEqual(["a", "b"]);
    // Two partitions more; records on partition 2 before the source can know of it (they must not be skipped).
    await addPartitions(topic, 4);
    await produce(topic, [jsonRecord(2, minutes(3), event("c1", minutes(3))), jsonRecord(2, minutes(4), event("c2", minutes(4)))]);
    await produce(topic, [jsonRecord(0, minutes(6), event("d", minutes(6))), jsonRecord(1, minutes(6), event("e", minutes(6)))]);
    const t0 = Date.now();
    const after = await readUntil(source, ["c1", "c2", "d", "e"], 40_000);
    // Each once, partition 2's from its offset 0 (whether d and e come before them depends on when the
    // rebalance lands: the one timing-dependent point of an added partition).
    expect([...after.ids].sort()).toEqual(["c1", "c2", "d", "e"]);
    expect(after.ids.indexOf("c1")).toBeLessThan(after.ids.indexOf("c2"));
    expect(Date.now() - t0).toBeLessThan(30_000);
    // Every partition with records is past minute 4: the watermark is minute 4 − delay at least (partition 3 idle).
    const end = await (async () => {
      const deadline = Date.now() + 20_000;
      let w = after.watermark;
      while (w < minutes(4) - DELAY && Date.now() < deadline) w = (await source.read(200)).watermark;
      return w;
    })();
    expect(end).toBeGreaterThanOrEqual(minutes(4) - DELAY);
    const said = (pattern: RegExp): number => lines.filter((l) => pattern.test(l)).length;
    expect(said(/partition 2 was added to topic .* reading it from its start/)).toBe(1);
    expect(said(/partition 3 was added to topic .* reading it from its start/)).toBe(1);
    expect(said(/partition 3 of topic .* has no record/)).toBe(1);
    expect(said(/partition [012] of topic .* has no record/)).toBe(0);
    expect(source.observe().partitions.find((p) => p.partition === 3)?.idle).toBe(true);
  } finally {
    spy.mockRestore();
    await source.close();
    await deleteTopic(topic).catch(() => undefined);
  }
});

test("--stop-when-idle: a partition added while running is read before the input ends", async () => {
  const topic = uniqueName("partition-added-end");
  await createTopic(topic, 2);
  // Shorter than the consumer's metadata refresh (5 s): the end of input must wait for the added partition.
  const source = new KafkaSource(sourceTestSpec(topic, uniqueName("g"), "partition-added-test", { stopWhenIdleMs: 1_500 }));
  try {
    await produce(topic, [jsonRecord(0, minutes(1), event("a", minutes(1))), jsonRecord(1, minutes(2), event("b", minutes(2)))]);
    await source.open({ now: () => Date.now() });
    expect((await readUntil(source, ["a", "b"], 30_000)).ids).toEqual(["a", "b"]);
    await addPartitions(topic, 3);
    await produce(topic, [jsonRecord(2, minutes(3), event("c", minutes(3)))]);
    const ids: string[] = [];
    let watermark = WATERMARK_START;
    const deadline = Date.now() + 40_000;
    while (watermark !== WATERMARK_DONE && Date.now() < deadline) {
      const batch = await source.read(200);
      ids.push(...batch.records.map(idOf));
      watermark = batch.watermark;
    }
    expect(watermark).toBe(WATERMARK_DONE);
    expect(ids).toEqual(["c"]);
  } finally {
    await source.close();
    await deleteTopic(topic).catch(() => undefined);
  }
});
