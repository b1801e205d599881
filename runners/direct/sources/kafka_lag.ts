/**
 * The Kafka source's lag metrics and broker readiness: every 5 s, the log end offsets asked in the background (a
 * fetch response carries them too, but none comes while fetching is paused or stuck, which is when consumer lag
 * matters), and the per-partition figures of observe().
 */
import type { KafkaAdmin } from "../../../io/kafka/kafka_client";
import type { Millis } from "../../../model/model";
import type { PartitionSnapshot } from "../../../model/run_snapshot";
import { position, type PartitionInfo } from "./kafka_partition";

const REFRESH_EVERY_MS = 5000;
/** The broker not answering the current request for this long counts as not connected. */
const SILENT_AFTER_MS = 10_000;

export class KafkaLag {
  private lastRefreshAt: Millis;
  private refreshing = false;
  /** The last refresh failed: the broker did not answer (readiness). */
  private failed = false;

  constructor(
    private readonly topic: string,
    private readonly now: () => Millis,
  ) {
    this.lastRefreshAt = now();
  }

  /** Best effort; a lasting problem surfaces through the consumer. */
  refresh(admin: KafkaAdmin | undefined, partitions: ReadonlyMap<string, PartitionInfo>, closing: boolean): void {
    if (admin === undefined || this.refreshing || closing || this.now() - this.lastRefreshAt < REFRESH_EVERY_MS) return;
    this.refreshing = true;
    this.lastRefreshAt = this.now();
    admin.topicOffsets(this.topic).then(
      (ends) => {
        this.refreshing = false;
        this.failed = false;
        for (const end of ends) {
          const info = partitions.get(`${this.topic}:${end.partition}`);
          const high = Number(end.high);
          if (info !== undefined && (info.highWatermark === undefined || high > info.highWatermark)) info.highWatermark = high;
        }
      },
      () => {
        this.refreshing = false;
        this.failed = true;
      },
    );
  }

  /** The broker did not answer the last offsets request (or has not answered the current one for 10 s). */
  brokerSilent(): boolean {
    return this.failed || (this.refreshing && this.now() - this.lastRefreshAt > SILENT_AFTER_MS);
  }

  /** The assigned partitions' figures, by partition number. */
  snapshot(partitions: Iterable<PartitionInfo>, watermark: (info: PartitionInfo) => Millis): PartitionSnapshot[] {
    return [...partitions]
      .filter((i) => i.assigned)
      .sort((a, b) => a.tp.partition - b.tp.partition)
      .map((i) => ({
        topic: i.tp.topic,
        partition: i.tp.partition,
        recordsRead: i.recordsRead,
        watermark: watermark(i),
        idle: i.queue.idle,
        idleDeclarations: i.idleDeclarations,
        logEndOffset: i.highWatermark,
        position: position(i),
        committedOffset: i.committedOffset,
      }));
  }
}
