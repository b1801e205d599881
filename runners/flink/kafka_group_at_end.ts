/**
 * Whether a Kafka job on Flink has read everything: the consumer group's committed offsets (KafkaIO commits them
 * after each checkpoint) are at the end of every partition of the topic. The Flink job's finish-when-idle asks it
 * (flink_job.ts), since Flink's record counters lag behind a split read.
 */
import { createKafkaClient } from "../../io/kafka/kafka_client";

export interface KafkaGroup {
  readonly bootstrapServers: readonly string[];
  readonly topic: string;
  readonly groupId: string;
}

export async function kafkaGroupAtEnd(group: KafkaGroup): Promise<boolean> {
  const admin = await createKafkaClient({ bootstrapServers: group.bootstrapServers, clientId: "beam-ts-idle-check" }).admin();
  try {
    const ends = await admin.topicOffsets(group.topic);
    const committed = new Map((await admin.committedOffsets(group.groupId, group.topic)).map((c) => [c.partition, c.offset]));
    return ends.every((p) => p.high === "0" || committed.get(p.partition) === p.high);
  } finally {
    await admin.close();
  }
}
