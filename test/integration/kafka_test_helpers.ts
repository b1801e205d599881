/**
 * Helpers for tests against the real broker (127.0.0.1:9092, started by jest's global setup): every test owns a
 * fresh topic and consumer group, and produces exactly the records it needs.
 */
import { randomBytes } from "crypto";
import { createKafkaClient, type KafkaClient, type ProducedRecord } from "../../io/kafka/kafka_client";
import type { KafkaRecord, KafkaSourceSpec } from "../../model/kafka_source_spec";
import type { SourceRecord } from "../../runners/direct/sources/source";

export const BOOTSTRAP = [process.env.KAFKA_BOOTSTRAP_SERVERS ?? "127.0.0.1:9092"];

export function testClient(): KafkaClient {
  return createKafkaClient({ bootstrapServers: BOOTSTRAP, clientId: "tests" });
}

/** A topic and group name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

export async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = await testClient().admin();
  try {
    await admin.createTopic(topic, partitions);
  } finally {
    await admin.close();
  }
}

export async function deleteTopic(topic: string): Promise<void> {
  const admin = await testClient().admin();
  try {
    await admin.deleteTopic(topic);
  } finally {
    await admin.close();
  }
}

export async function produce(topic: string, records: readonly ProducedRecord[]): Promise<void> {
  const producer = await testClient().producer();
  try {
    await producer.send(topic, records);
  } finally {
    await producer.close();
  }
}

export async function committedOffsets(
  groupId: string,
  topic: string,
): Promise<{ partition: number; offset: string | null; metadata: string | null }[]> {
  const admin = await testClient().admin();
  try {
    return await admin.committedOffsets(groupId, topic);
  } finally {
    await admin.close();
  }
}

/** A record on `partition` whose value is the JSON of `value` and whose Kafka timestamp is `timestamp`. */
export function jsonRecord(partition: number, timestamp: number, value: unknown, key: string | null = null): ProducedRecord {
  return { partition, timestamp, key, value: JSON.stringify(value) };
}

export function rawRecord(partition: number, timestamp: number, value: string, key: string | null = null): ProducedRecord {
  return { partition, timestamp, key, value };
}

/** The watermark delay the source tests use (10 s). */
export const SOURCE_TEST_DELAY = 10_000;

/**
 * The spec the source tests drive a KafkaSource with by hand: resume from the group's commits, record times as
 * event times, a 10 s watermark delay, 300 ms idle timeout, no end of input, a commit at every onDurable.
 */
export function sourceTestSpec(topic: string, groupId: string, clientId: string, overrides: Partial<KafkaSourceSpec> = {}): KafkaSourceSpec {
  return {
    bootstrapServers: BOOTSTRAP,
    topic,
    groupId,
    from: "committed",
    timestampField: null,
    watermarkDelayMs: SOURCE_TEST_DELAY,
    idleTimeoutMs: 300,
    stopWhenIdleMs: null,
    maxBufferedRecords: 10_000,
    commitIntervalMs: 0,
    clientId,
    ...overrides,
  };
}

/** A test event: an id and its event time. */
export const idEvent = (id: string, ts: number): Record<string, unknown> => ({ id, timestamp: new Date(ts).toISOString() });

/** The id of a handed record whose value is an idEvent. */
export const idOf = (r: SourceRecord<KafkaRecord>): string =>
  (JSON.parse(Buffer.from(r.value.value ?? new Uint8Array()).toString("utf8")) as { id: string }).id;
