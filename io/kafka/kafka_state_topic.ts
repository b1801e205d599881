/**
 * A job's state topic: a compacted topic of one partition per consumer group and input topic, where the direct
 * runner keeps its checkpoints (runners/direct/checkpoint/remote_checkpoint_store.ts), as Kafka Streams keeps its
 * changelogs. It lives with the offsets it goes with, so a restart on another machine (no local state folder) finds
 * what the last commit names. Keyed records: a later record of a key replaces an earlier one, a null value (a
 * tombstone) deletes it; compaction keeps the topic at about the size of the live keys.
 */
import { createHash, randomBytes } from "crypto";
import type { KafkaAdmin, KafkaClient, KafkaProducer, ProducedRecord } from "./kafka_client";
import { KafkaClientError } from "./kafka_client";

const PREFIX = "beam-ts-state";
/** Kafka's limit on a topic's name. */
const MAX_NAME = 249;

/**
 * Topic configs: compacted; segments roll every 10 minutes (or 64 MiB) so that superseded checkpoints become
 * cleanable, and tombstones are kept an hour (a reader that started before a prune still sees them).
 */
/** How long closing waits for the producer. */
const CLOSE_WAIT_MS = 1_000;

export const STATE_TOPIC_CONFIG: Readonly<Record<string, string>> = Object.freeze({
  "cleanup.policy": "compact",
  "segment.ms": "600000",
  "segment.bytes": String(64 * 1024 * 1024),
  "min.cleanable.dirty.ratio": "0.1",
  "delete.retention.ms": "3600000",
  // A record is one checkpoint chunk (512 KiB) with its key and headers: a little room above the default 1 MiB.
  "max.message.bytes": String(2 * 1024 * 1024),
});

/** The most bytes of records one produce request carries (below the topic's max.message.bytes). */
const REQUEST_BYTES = 768 * 1024;

/** How long the reader waits for more after a batch that did not reach the end (see readAll). */
const QUIET_END_MS = 3_000;

/** The most replicas a state topic gets: like Kafka Streams' changelogs on a production cluster. */
const MAX_REPLICAS = 3;

/** Characters Kafka allows in a topic name; anything else becomes "_" (the hash keeps distinct names apart). */
function sanitize(part: string): string {
  return part.replace(/[^a-zA-Z0-9_-]/g, "_");
}

/** `beam-ts-state.<group>.<topic>.<short hash>`: readable, within Kafka's limits, distinct for each (group, topic). */
export function stateTopicName(groupId: string, topic: string): string {
  const hash = createHash("sha256").update(groupId).update("\0").update(topic).digest("hex").slice(0, 10);
  const room = MAX_NAME - PREFIX.length - hash.length - 3;
  const group = sanitize(groupId).slice(0, Math.floor(room / 2));
  const input = sanitize(topic).slice(0, room - group.length);
  return `${PREFIX}.${group}.${input}.${hash}`;
}

/** One record of the state topic as read back. */
export interface StateRecord {
  readonly key: string;
  /** null: a tombstone (the key was deleted). */
  readonly value: Buffer | null;
}

/**
 * Creates the state topic if it is missing (compacted, one partition, replicated as the cluster allows) and checks
 * an existing one is compacted with one partition. Throws a one-line KafkaClientError that says what to do.
 */
export async function ensureStateTopic(admin: KafkaAdmin, name: string): Promise<void> {
  const create = `kafka-topics.sh --create --topic ${name} --partitions 1 --config cleanup.policy=compact`;
  let existing: readonly string[];
  try {
    existing = await admin.listTopics();
    if (!existing.includes(name)) {
      const replicationFactor = Math.max(1, Math.min(MAX_REPLICAS, await admin.brokerCount()));
      await admin.createTopic(name, 1, { replicationFactor, config: STATE_TOPIC_CONFIG });
      return;
    }
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new KafkaClientError(
      `cannot create the state topic ${name} (${why}): allow this job's user to create topics, or create it ` +
        `yourself (${create}), or run with --state-dir off (restarts then re-read Kafka)`,
      false,
      { cause: error },
    );
  }
  const partitions = (await admin.topicOffsets(name)).length;
  const config = await admin.topicConfig(name, ["cleanup.policy"]);
  const policy = config["cleanup.policy"];
  if (partitions !== 1 || (policy !== undefined && !policy.split(",").includes("compact"))) {
    throw new KafkaClientError(
      `the state topic ${name} has ${partitions} partitions and cleanup.policy=${policy ?? "?"}, not 1 and compact: ` +
        `delete it and let the job create it again (docs/operations.md, "The state topic")`,
      false,
    );
  }
}

/** Writing to and reading back one state topic. */
export class StateTopic {
  private producer: KafkaProducer | undefined;

  constructor(
    private readonly client: KafkaClient,
    private readonly admin: KafkaAdmin,
    readonly name: string,
  ) {}

  /**
   * Writes the records in order, in requests of at most about REQUEST_BYTES (a checkpoint chunk goes alone: it is
   * most of what a record batch may hold), and resolves once every one is acknowledged by all in-sync replicas.
   */
  async write(records: readonly StateRecord[]): Promise<void> {
    const producer = (this.producer ??= await this.client.producer());
    let request: ProducedRecord[] = [];
    let size = 0;
    for (const { key, value } of records) {
      const bytes = key.length + (value?.length ?? 0) + 64;
      if (request.length > 0 && size + bytes > REQUEST_BYTES) {
        await producer.send(this.name, request);
        request = [];
        size = 0;
      }
      request.push({ key, value, partition: 0 });
      size += bytes;
    }
    if (request.length > 0) await producer.send(this.name, request);
  }

  /**
   * Reads the topic from its start to its end as it is now, handing each record to `visit` in offset order
   * (later records of a key after earlier ones). A reader of its own (a throwaway consumer group, never committed).
   */
  async readAll(visit: (record: StateRecord) => void): Promise<number> {
    const [offsets] = await this.admin.topicOffsets(this.name);
    const low = BigInt(offsets?.low ?? "0");
    const end = BigInt(offsets?.high ?? "0");
    if (end <= low) return 0;
    const consumer = this.client.consumer({
      groupId: `${PREFIX}-reader.${randomBytes(6).toString("hex")}`,
      fallbackToEarliest: true,
      maxBytesPerPartition: 8 * 1024 * 1024,
    });
    let read = 0;
    let quiet: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        consumer
          .start([this.name], {
            onBatch: (batch) => {
              for (const r of batch.records) {
                if (BigInt(r.offset) >= end) continue;
                read++;
                visit({ key: r.key?.toString("utf8") ?? "", value: r.value });
              }
              if (BigInt(batch.nextOffset) >= end) resolve();
              // Compaction may have removed the log's last records (no fetch then reaches the end): once the
              // reader has had nothing more for a while after a batch, it has read all there is.
              clearTimeout(quiet);
              quiet = setTimeout(resolve, QUIET_END_MS);
            },
            onFailure: reject,
          })
          .catch(reject);
      });
    } finally {
      clearTimeout(quiet);
      await consumer.stop();
    }
    return read;
  }

  /** Closes its producer, waiting at most a second (a broker that is away must not hold the end of a run). */
  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const capped = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)));
    await Promise.race([producer.close().catch(() => undefined), capped]);
    clearTimeout(timer);
  }
}
