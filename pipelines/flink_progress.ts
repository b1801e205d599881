/**
 * The lost-offsets guard of a run on Flink (issue 22): KafkaIO commits the group's offsets to the broker after each
 * completed checkpoint, and a fresh job (no savepoint or checkpoint to restore) starts from them, so the check of
 * pipelines/lost_offsets.ts applies before submission as on the direct runner; while the job runs this process polls
 * the group's committed offsets and records them in the sinks (their progress stores), as the direct runner records
 * its own commits. A job restored from a savepoint or checkpoint reads from the positions in KafkaIO's state, not
 * from the broker's offsets: the check does not apply, and the run says so in one line.
 */
import { createKafkaClient } from "../io/kafka/kafka_client";
import { checkLostOffsets, progressStores, progressWriter } from "./lost_offsets";
import type { SalesConfig } from "./options";

/** How often the group's committed offsets are read while the job runs (KafkaIO commits once per checkpoint). */
const POLL_MS = 2_000;

/** Reads the group's committed offsets on the topic (partition → offset; partitions without a commit left out). */
export interface CommittedOffsetsReader {
  committed(): Promise<Map<number, number>>;
  close(): Promise<void>;
}

/** What the guard reaches Kafka through: the start check and the reader of the group's commits (tests pass fakes). */
export interface FlinkOffsetsSeams {
  readonly check: typeof checkLostOffsets;
  openReader(config: SalesConfig): Promise<CommittedOffsetsReader>;
}

/** The group's committed offsets read with a Kafka admin of its own. */
async function kafkaReader(config: SalesConfig): Promise<CommittedOffsetsReader> {
  const client = createKafkaClient({ bootstrapServers: config.bootstrapServers, clientId: "flink-progress", retryBudgetMs: config.kafkaRetryBudget });
  const admin = await client.admin();
  return {
    committed: async () => {
      const offsets = new Map<number, number>();
      for (const c of await admin.committedOffsets(config.groupId, config.topic)) if (c.offset !== null) offsets.set(c.partition, Number(c.offset));
      return offsets;
    },
    close: () => admin.close(),
  };
}

const KAFKA_SEAMS: FlinkOffsetsSeams = { check: checkLostOffsets, openReader: kafkaReader };

/**
 * Before submission: the check (throws LostOffsetsError with --on-lost-offsets fail), or the line saying why it does
 * not apply; then the recorder of the group's commits, to stop when the run ends.
 */
export async function guardFlinkOffsets(
  config: SalesConfig,
  restoreFrom: string | undefined,
  log: (line: string) => void,
  seams: FlinkOffsetsSeams = KAFKA_SEAMS,
): Promise<{ stop(): Promise<void> }> {
  const stores = progressStores(config);
  if (stores.length === 0) return { stop: async () => undefined };
  if (restoreFrom === undefined) await seams.check(config, stores, log);
  else {
    log(
      `flink: lost offsets are not checked: this run resumes from ${restoreFrom}, whose KafkaIO state holds the read ` +
        "positions (the group's committed offsets on the broker are not read)",
    );
  }
  const reader = await seams.openReader(config);
  const write = progressWriter(config, stores, log);
  let polling: Promise<void> | undefined;
  // Reads the group's committed offsets and records them (progressWriter skips offsets already written).
  const poll = (): Promise<void> =>
    (polling ??= (async () => {
      try {
        await write(await reader.committed());
      } catch {
        // The broker away: the offsets already recorded stay; the job itself reports the outage.
      } finally {
        polling = undefined;
      }
    })());
  await poll();
  const timer = setInterval(() => void poll(), POLL_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      await polling;
      await poll();
      await reader.close();
    },
  };
}
