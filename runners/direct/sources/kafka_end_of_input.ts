/**
 * The Kafka source's poll-loop watchdog, asked while nothing can be handed: restarts the fetch of partitions that
 * are assigned and have records waiting but deliver none (after a rebalance), and ends the input for
 * --stop-when-idle once every partition is read to its end and nothing arrived for that long.
 */
import { KafkaClientError, type KafkaAdmin, type KafkaConsumer } from "../../../io/kafka/kafka_client";
import type { Millis } from "../../../model/model";
import type { KafkaSourceSpec } from "../../../model/kafka_source_spec";
import type { PartitionInfo } from "./kafka_partition";

/** A partition with records waiting that delivered nothing for this long is fetched again from its position. */
const STALL_RESEEK_MS = 5_000;

export class EndOfInput {
  /** Fetches restarted on partitions that had records waiting and delivered none (after rebalances). */
  reseeks = 0;
  finished = false;
  private lastCheckAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly spec: KafkaSourceSpec) {}

  /**
   * `quiet`: how long no record arrived on any partition; `buffered`: records fetched and not handed. Resolves
   * true when the input has just ended.
   */
  async check(
    admin: KafkaAdmin | undefined,
    consumer: KafkaConsumer | undefined,
    partitions: ReadonlyMap<string, PartitionInfo>,
    quiet: Millis,
    buffered: number,
    now: Millis,
  ): Promise<boolean> {
    const stopAfter = this.spec.stopWhenIdleMs;
    if (this.finished || admin === undefined) return false;
    const assigned = [...partitions.values()].filter((i) => i.assigned);
    if (assigned.length === 0 || quiet < Math.min(stopAfter ?? STALL_RESEEK_MS, STALL_RESEEK_MS)) return false;
    // Every second when the end of input is looked for; every 5 s when only stalls are.
    if (now - this.lastCheckAt < (stopAfter === null ? STALL_RESEEK_MS : 1000)) return false;
    this.lastCheckAt = now;
    let ends: { partition: number; high: string }[];
    // Resuming from the group's offsets, what the group committed counts as read for a partition this member has
    // not fetched from: one it got in a rebalance may have been read to its end (and committed) by a member that
    // left, and then no batch ever arrives to move our position.
    const committed = new Map<number, number>();
    try {
      ends = await admin.topicOffsets(this.spec.topic);
      if (this.spec.from === "committed") {
        for (const c of await admin.committedOffsets(this.spec.groupId, this.spec.topic)) {
          if (c.offset !== null) committed.set(c.partition, Number(c.offset));
        }
      }
    } catch (e) {
      // The broker is away for a while (restarting): look again at the next check; the consumer reconnects by itself.
      if (e instanceof KafkaClientError && e.retriable) return false;
      throw e;
    }
    let unread = false;
    for (const end of ends) {
      const info = partitions.get(`${this.spec.topic}:${end.partition}`);
      if (info === undefined || !info.assigned) return false;
      const high = Number(end.high);
      if (info.highWatermark === undefined || high > info.highWatermark) info.highWatermark = high;
      const position = info.fetchedEnd ?? Math.max(info.startOffset ?? 0, committed.get(end.partition) ?? 0);
      if (position >= high) continue;
      unread = true;
      // Assigned, not paused, records waiting and none fetched for a while: fetch them again from our position.
      if (!info.paused && info.queue.buffered === 0 && now - (info.lastBatchAt ?? 0) >= STALL_RESEEK_MS) {
        info.lastBatchAt = now;
        this.reseeks++;
        consumer?.resume([info.tp]);
        consumer?.seek(info.tp, String(position));
      }
    }
    if (unread || buffered > 0 || stopAfter === null || quiet < stopAfter) return false;
    this.finished = true;
    return true;
  }
}
