/**
 * The direct runner's Kafka source against the real broker, driven by hand (read / onDurable / close) the way the
 * executor drives it: event times, watermarks, idleness, backpressure, end of input, commits and restarts.
 */
import { KafkaSource, STEP_RECORDS } from "../../runners/direct/sources/kafka_source";
import type { KafkaRecord, KafkaSourceSpec } from "../../model/kafka_source_spec";
import type { SourceRecord } from "../../runners/direct/sources/source";
import { WATERMARK_DONE, WATERMARK_START } from "../../model/model";
import { BrokerUnreachableError } from "../../io/kafka/kafka_client";
import { committedOffsets, createTopic, deleteTopic, idEvent, idOf, jsonRecord, produce, sourceTestSpec, SOURCE_TEST_DELAY, uniqueName } from "./kafka_test_helpers";

jest.setTimeout(60_000);

const BEGINNING = Date.UTC(2026, 10, 27, 12, 0, 0);
const seconds = (n: number): number => BEGINNING + n * 1000;
const minutes = (n: number): number => seconds(n * 60);
const DELAY = SOURCE_TEST_DELAY;

const topics: string[] = [];
afterAll(async () => {
  for (const t of topics) await deleteTopic(t).catch(() => undefined);
});

async function freshTopic(partitions: number): Promise<string> {
  const topic = uniqueName("kafka-source");
  topics.push(topic);
  await createTopic(topic, partitions);
  return topic;
}

function specFor(topic: string, groupId: string, overrides: Partial<KafkaSourceSpec> = {}): KafkaSourceSpec {
  return sourceTestSpec(topic, groupId, "kafka-source-test", overrides);
}

async function opened(spec: KafkaSourceSpec): Promise<KafkaSource> {
  const source = new KafkaSource(spec);
  await source.open({ now: () => Date.now() });
  return source;
}

interface Read {
  readonly records: SourceRecord<KafkaRecord>[];
  readonly watermark: number;
}

/** Reads until `count` records arrived (and then until `until` holds for the watermark, if given). */
async function readRecords(source: KafkaSource, count: number, until?: (watermark: number) => boolean): Promise<Read> {
  const records: SourceRecord<KafkaRecord>[] = [];
  let watermark = WATERMARK_START;
  const deadline = Date.now() + 40_000;
  while (records.length < count || (until !== undefined && !until(watermark))) {
    if (Date.now() > deadline) {
      throw new Error(`timed out with ${records.length}/${count} records, watermark ${watermark}`);
    }
    const batch = await source.read(200);
    // (copied: the source refills its batch objects on the next read, as source.ts allows)
    records.push(...batch.records.map((r) => ({ value: r.value, timestamp: r.timestamp })));
    if (batch.watermark < watermark) throw new Error(`watermark went back from ${watermark} to ${batch.watermark}`);
    watermark = batch.watermark;
  }
  return { records, watermark };
}

const event = idEvent;

describe("Kafka source", () => {
  test("hands every record with its coordinates and the record timestamp as event time", async () => {
    const topic = await freshTopic(2);
    await produce(topic, [
      jsonRecord(0, seconds(1), event("a", seconds(1)), "user_1"),
      jsonRecord(1, seconds(2), event("b", seconds(2)), "user_2"),
      jsonRecord(0, seconds(3), event("c", seconds(3)), "user_1"),
    ]);
    const source = await opened(specFor(topic, uniqueName("g")));
    try {
      const { records } = await readRecords(source, 3);
      const seen = records.map((r) => ({
        id: idOf(r),
        partition: r.value.partition,
        offset: r.value.offset,
        key: r.value.key,
        timestamp: r.timestamp,
      }));
      expect(seen.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
        { id: "a", partition: 0, offset: "0", key: "user_1", timestamp: seconds(1) },
        { id: "b", partition: 1, offset: "0", key: "user_2", timestamp: seconds(2) },
        { id: "c", partition: 0, offset: "1", key: "user_1", timestamp: seconds(3) },
      ]);
      expect(records.every((r) => r.value.topic === topic)).toBe(true);
    } finally {
      await source.close();
    }
  });

  test("partitions are merged in event-time order and handed in steps; the watermark after a step is the minimum over partitions", async () => {
    const topic = await freshTopic(2);
    // Partition 0 at whole seconds, partition 1 half a second later: the merge alternates them.
    await produce(topic, [
      ...Array.from({ length: STEP_RECORDS }, (_, i) => jsonRecord(0, seconds(i), event(`a${i}`, seconds(i)))),
      ...Array.from({ length: STEP_RECORDS }, (_, i) => jsonRecord(1, seconds(i) + 500, event(`b${i}`, seconds(i) + 500))),
    ]);
    const source = await opened(specFor(topic, uniqueName("g"), { idleTimeoutMs: 30_000 }));
    try {
      let batch = await source.read(200);
      const deadline = Date.now() + 20_000;
      while (batch.records.length === 0 && Date.now() < deadline) batch = await source.read(200);
      // One whole step, in event-time order, and the watermark after it: min(511 s, 511.5 s) − the delay.
      expect(batch.records).toHaveLength(STEP_RECORDS);
      expect(batch.records.slice(0, 4).map(idOf)).toEqual(["a0", "b0", "a1", "b1"]);
      expect(batch.records.map((r) => r.timestamp)).toEqual([...batch.records.map((r) => r.timestamp)].sort((x, y) => x - y));
      expect(batch.watermark).toBe(seconds(STEP_RECORDS / 2 - 1) - DELAY);
    } finally {
      await source.close();
    }
  });

  test("event time from a JSON field when configured; a record without it falls back to the record timestamp", async () => {
    const topic = await freshTopic(1);
    await produce(topic, [
      jsonRecord(0, seconds(999), event("a", minutes(3))),
      jsonRecord(0, seconds(50), { id: "no-time" }),
    ]);
    const source = await opened(specFor(topic, uniqueName("g"), { timestampField: "timestamp" }));
    try {
      const { records, watermark } = await readRecords(source, 2);
      expect(records.map((r) => [idOf(r), r.timestamp])).toEqual([
        ["a", minutes(3)],
        ["no-time", seconds(50)],
      ]);
      expect(watermark).toBe(minutes(3) - DELAY);
    } finally {
      await source.close();
    }
  });

  test("a partition at its end offset holds results back at most the idle timeout, then is counted idle", async () => {
    const topic = await freshTopic(3);
    await produce(topic, [
      jsonRecord(0, minutes(4), event("a", minutes(4))),
      jsonRecord(1, minutes(6), event("b", minutes(6))),
    ]);
    const source = await opened(specFor(topic, uniqueName("g"), { idleTimeoutMs: 2000 }));
    try {
      // The backlog: a partition read to the end it had at the start is waited for the idle timeout too (on a live
      // topic its next record may be on its way: a restart must not cut the merge elsewhere); then the merge goes on
      // without the partitions at their end (partition 2 never had a record), and the watermark is the least of
      // the partitions that had records.
      const t0 = Date.now();
      const backlog = await readRecords(source, 2, (w) => w > WATERMARK_START);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
      expect(backlog.watermark).toBe(minutes(4) - DELAY);
      expect(source.observe().partitions.map((p) => p.idle)).toEqual([true, true, true]);
      // Live records: once they are merged, the empty partitions at their end are waited for up to the idle timeout.
      await produce(topic, [jsonRecord(0, minutes(5), event("c", minutes(5))), jsonRecord(1, minutes(7), event("d", minutes(7)))]);
      const t1 = Date.now();
      const live = await readRecords(source, 2);
      expect(Date.now() - t1).toBeGreaterThanOrEqual(1500);
      expect(live.watermark).toBe(minutes(5) - DELAY);
      const observed = source.observe().partitions;
      expect(observed.map((p) => p.idle)).toEqual([true, true, true]);
      expect(observed[0].idleDeclarations).toBe(2);
      expect(observed[2].idleDeclarations).toBe(1);
    } finally {
      await source.close();
    }
  });

  test("backpressure: fetching pauses when the buffer is full and every record still arrives once, in order", async () => {
    const topic = await freshTopic(1);
    const count = 3000;
    await produce(
      topic,
      Array.from({ length: count }, (_, i) => jsonRecord(0, seconds(i), event(`e${i}`, seconds(i)))),
    );
    const source = await opened(specFor(topic, uniqueName("g"), { maxBufferedRecords: 100 }));
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const { records } = await readRecords(source, count);
      expect(source.stats.pauses).toBeGreaterThan(0);
      expect(records.map((r) => Number(r.value.offset))).toEqual(Array.from({ length: count }, (_, i) => i));
    } finally {
      await source.close();
    }
  });

  test("--stop-when-idle: once every partition is read to its end and quiet, the watermark reaches +∞", async () => {
    const topic = await freshTopic(2);
    await produce(topic, [jsonRecord(0, minutes(1), event("a", minutes(1)))]);
    const source = await opened(specFor(topic, uniqueName("g"), { stopWhenIdleMs: 1000 }));
    try {
      const { watermark } = await readRecords(source, 1, (w) => w === WATERMARK_DONE);
      expect(watermark).toBe(WATERMARK_DONE);
    } finally {
      await source.close();
    }
  });

  test("--from latest reads only what is produced after the start; --from earliest ignores committed offsets", async () => {
    const topic = await freshTopic(1);
    const group = uniqueName("g");
    await produce(topic, [jsonRecord(0, seconds(1), event("old", seconds(1)))]);
    const latest = await opened(specFor(topic, group, { from: "latest" }));
    try {
      await latest.read(1000);
      await produce(topic, [jsonRecord(0, seconds(2), event("new", seconds(2)))]);
      const { records } = await readRecords(latest, 1);
      expect(records.map(idOf)).toEqual(["new"]);
      await latest.onDurable(WATERMARK_DONE);
    } finally {
      await latest.close();
    }
    expect((await committedOffsets(group, topic))[0].offset).toBe("2");
    const earliest = await opened(specFor(topic, group, { from: "earliest" }));
    try {
      const { records } = await readRecords(earliest, 2);
      expect(records.map(idOf)).toEqual(["old", "new"]);
    } finally {
      await earliest.close();
    }
  });

  test("commits only durable records; a restart re-reads exactly what was not durable and restores the watermark", async () => {
    const topic = await freshTopic(1);
    const group = uniqueName("g");
    // Offsets 0..4, out of order in event time.
    const times = [seconds(10), seconds(70), seconds(20), seconds(80), seconds(30)];
    await produce(topic, times.map((t, i) => jsonRecord(0, t, event(`e${i}`, t))));
    const first = await opened(specFor(topic, group));
    let watermarkBefore: number;
    try {
      const read = await readRecords(first, 5);
      watermarkBefore = read.watermark;
      expect(watermarkBefore).toBe(seconds(80) - DELAY);
      // The runner: windows before 60 s are written, the ones after still live.
      await first.onDurable(seconds(60));
    } finally {
      await first.close();
    }
    // The five records were handed as one run, which is durable only as a whole: the commit stays at its start
    // (at most the first record still needed, offset 1), and the metadata says which of them are durable.
    const [commit] = await committedOffsets(group, topic);
    expect(Number(commit.offset)).toBeLessThanOrEqual(1);
    // The watermark restored is the one that held at the committed offset, raised to the durable time (windows
    // before 60 s are in every sink), not the current 70 s: records re-read from the offset must not fall behind
    // a watermark their own windows had not reached in the sinks (issue 22, the full-disk rerun).
    expect(JSON.parse(commit.metadata ?? "{}")).toMatchObject({ d: [[5, seconds(60)]], wm: seconds(60) });

    // Crash-restart: two more records arrived meanwhile.
    await produce(topic, [jsonRecord(0, seconds(90), event("e5", seconds(90))), jsonRecord(0, seconds(5), event("e6", seconds(5)))]);
    const second = await opened(specFor(topic, group));
    try {
      const initial = await second.read(0);
      expect(initial.watermark).toBe(seconds(60));
      expect(initial.watermark).toBeLessThan(watermarkBefore);
      const initialRecords = initial.records.map((r) => ({ value: r.value, timestamp: r.timestamp })); // refilled by the next read
      const { records } = await readRecords(second, 4);
      expect([...initialRecords, ...records].map(idOf)).toEqual(["e1", "e3", "e5", "e6"]);
      // e0 (if re-read), e2 and e4 are durable: skipped, not handed again.
      expect(second.stats.skippedAsDurable).toBe(3 - Number(commit.offset));
    } finally {
      await second.close();
    }
  });

  test("an unreachable broker is one clear, retriable error", async () => {
    const source = new KafkaSource({ ...specFor("any", "any"), bootstrapServers: ["127.0.0.1:1"] });
    const error = await source.open({ now: () => Date.now() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BrokerUnreachableError);
    expect((error as BrokerUnreachableError).retriable).toBe(true);
    expect((error as Error).message).toBe(
      "no Kafka broker at 127.0.0.1:1: start it with `npm run stack:up` or pass --bootstrap-servers",
    );
    await source.close();
  });

  test("a missing topic says how to create it", async () => {
    const source = new KafkaSource(specFor(uniqueName("missing"), uniqueName("g")));
    await expect(source.open({ now: () => Date.now() })).rejects.toThrow(/does not exist at .*npm run produce/);
    await source.close();
  });
});
