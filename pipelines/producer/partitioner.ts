import { Partitioners } from "kafkajs";
import type { PartitionMetadata } from "kafkajs";

const defaultPartitioner = Partitioners.DefaultPartitioner();
const metadataByCount = new Map<number, PartitionMetadata[]>();
/** key → partition, per partition count: a producer sends many records per key, murmur2 once per key is enough. */
const cache = new Map<number, Map<string, number>>();
const MAX_CACHED_KEYS = 100_000;

/**
 * The partition Kafka's default (Java-compatible, murmur2) partitioner picks for a keyed record. The producer
 * assigns partitions with it explicitly, so per-partition counts are exact and tests can predict them.
 */
export function partitionFor(key: string, partitions: number): number {
  let byKey = cache.get(partitions);
  if (byKey === undefined) {
    byKey = new Map();
    cache.set(partitions, byKey);
  }
  const known = byKey.get(key);
  if (known !== undefined) return known;
  const p = computePartition(key, partitions);
  if (byKey.size < MAX_CACHED_KEYS) byKey.set(key, p);
  return p;
}

function computePartition(key: string, partitions: number): number {
  let metadata = metadataByCount.get(partitions);
  if (metadata === undefined) {
    metadata = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
    }));
    metadataByCount.set(partitions, metadata);
  }
  return defaultPartitioner({ topic: "", partitionMetadata: metadata, message: { key, value: null } });
}
