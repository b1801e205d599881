/**
 * Offsets the broker lost (issue 22): at start, the group's committed offsets are compared with what the sinks
 * recorded (sales/source_progress.ts); a group the broker forgot (a broker restarted with its log folder wiped, a
 * topic re-created) whose sinks show an earlier run stops the run with one line and exit 1, unless
 * `--on-lost-offsets reread`. While the job runs, each new commit is recorded in the sinks: on the direct runner
 * inside the commit itself (DirectRunnerOptions.onCommitted: once the broker took it, before the runner checkpoint
 * it replaces is deleted), on Flink by polling the group's offsets (pipelines/flink_progress.ts).
 */
import { createKafkaClient, probeBrokers } from "../io/kafka/kafka_client";
import { parquetProgress, postgresProgress, type Offsets, type ProgressStore } from "../sales/source_progress";
import { describeLostOffsets, lostPartitions } from "./lost_offsets_policy";
import type { SalesConfig } from "./options";

/** The progress stores of the chosen sinks (none: console only). */
export function progressStores(config: SalesConfig): ProgressStore[] {
  const stores: ProgressStore[] = [];
  if (config.sinks.includes("postgres")) stores.push(postgresProgress({ url: config.pgUrl, schema: config.pgSchema }));
  if (config.sinks.includes("parquet")) stores.push(parquetProgress(config.parquetDir));
  return stores;
}

/** Thrown when the offsets are lost and --on-lost-offsets is fail: its message is the one line. */
export class LostOffsetsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LostOffsetsError";
  }
}

/**
 * Before reading (direct runner, Kafka, --from committed): throws LostOffsetsError, or with `reread` warns once and
 * returns. A missing topic is left to the source (its own line).
 */
export async function checkLostOffsets(config: SalesConfig, stores: readonly ProgressStore[], warn: (line: string) => void): Promise<void> {
  if (stores.length === 0 || config.from !== "committed") return;
  const recorded: { store: ProgressStore; offsets: Offsets }[] = [];
  for (const store of stores) {
    const offsets = await store.read(config.groupId, config.topic);
    if (offsets.size > 0) recorded.push({ store, offsets });
  }
  if (recorded.length === 0) return;
  const client = createKafkaClient({ bootstrapServers: config.bootstrapServers, clientId: "lost-offsets-check", retryBudgetMs: config.kafkaRetryBudget });
  await probeBrokers(client.connection);
  const admin = await client.admin();
  try {
    if (!(await admin.listTopics()).includes(config.topic)) return;
    const ends = new Map((await admin.topicOffsets(config.topic)).map((o) => [o.partition, Number(o.high)]));
    const committed = new Map(
      (await admin.committedOffsets(config.groupId, config.topic)).map((c) => [c.partition, c.offset === null ? null : Number(c.offset)]),
    );
    for (const { store, offsets } of recorded) {
      const lost = lostPartitions(offsets, committed, ends);
      if (lost.length === 0) continue;
      const line = describeLostOffsets(config.groupId, config.topic, store.where, lost);
      if (config.onLostOffsets === "fail") throw new LostOffsetsError(line);
      warn(`pipeline: warning: ${line.replace(/\. Re-reading from the start would.*$/, "")}; re-reading the topic from its start (--on-lost-offsets reread)`);
      return;
    }
  } finally {
    await admin.close();
  }
}

/**
 * Writes the group's committed offsets to every store, one write at a time, skipping offsets already written; a
 * store that fails is said once (a warning line) and written again with the next offsets: the record guards a later
 * run, the sinks themselves fail the run when they cannot write. Never throws.
 */
export function progressWriter(
  config: SalesConfig,
  stores: readonly ProgressStore[],
  warn: (line: string) => void,
): (offsets: Offsets) => Promise<void> {
  let last = "";
  let writing: Promise<void> = Promise.resolve();
  const failing = new Set<string>();
  return (offsets) => {
    writing = writing.then(async () => {
      const text = JSON.stringify([...offsets]);
      if (offsets.size === 0 || text === last) return;
      let all = true;
      for (const store of stores) {
        try {
          await store.write(config.groupId, config.topic, offsets);
          failing.delete(store.where);
        } catch (e) {
          all = false;
          if (!failing.has(store.where)) warn(`pipeline: warning: could not record the group's offsets in the ${store.where} (${e instanceof Error ? e.message : String(e)}); retried at the next commit`);
          failing.add(store.where);
        }
      }
      if (all) last = text;
    });
    return writing;
  };
}
