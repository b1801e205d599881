/**
 * What the Kafka read transform writes into the pipeline proto for the direct runner, and what it produces.
 *
 * The transform (`transforms/kafka.ts` readFromKafka) is a leaf with URN `KAFKA_SOURCE_URN` whose payload is the
 * JSON of a `KafkaSourceSpec`; the direct runner's Kafka source (kafka_source.ts) is registered for that URN.
 * Each element is a `KafkaRecord`: the raw record with its coordinates, so parsing (and its dead-letter output)
 * happens in the pipeline where it can be counted and routed, never inside the source.
 */
import type { Millis } from "./model";

export const KAFKA_SOURCE_URN = "beam-ts-streaming:transform:kafka_read:v1";

/** Where each partition starts reading. */
export type StartFrom = "earliest" | "latest" | "committed";
export const START_FROM: readonly StartFrom[] = ["earliest", "latest", "committed"];

export interface KafkaSourceSpec {
  readonly bootstrapServers: readonly string[];
  readonly topic: string;
  readonly groupId: string;
  /**
   * committed: resume from the group's committed offsets (earliest where there is none) and restore the watermark
   * and the already-durable records from the commit metadata; earliest / latest: ignore committed offsets.
   */
  readonly from: StartFrom;
  /** The JSON field holding the event time (ISO-8601 string or epoch ms); null: the Kafka record timestamp. */
  readonly timestampField: string | null;
  readonly watermarkDelayMs: Millis;
  /**
   * A record whose event time is more than this ahead of the wall clock (a producer with a wrong clock) does not
   * move the watermark: it is handed with `rejected` set, and the parse step makes it a dead letter. Null or
   * absent: off (readFromKafka's default is 1 h).
   */
  readonly maxFutureSkewMs?: Millis | null;
  readonly idleTimeoutMs: Millis;
  /** End the input (watermark +∞) after this long with no new record and every partition read to its end. */
  readonly stopWhenIdleMs: Millis | null;
  /** Backpressure: fetching pauses when this many records wait in the source's buffer, resumes at 3/4. */
  readonly maxBufferedRecords: number;
  /** The most bytes one fetch returns per partition (the consumer's max.partition.fetch.bytes). Absent: 1 MiB. */
  readonly fetchMaxBytes?: number;
  /** Offsets are committed at most this often (and at close), after the runner reports what is durable. */
  readonly commitIntervalMs: Millis;
  readonly clientId: string;
  /**
   * How long opening waits for members already in the consumer group to leave (a previous run dying) before it
   * fails as a second instance. Absent: 15 s (the session timeout, 10 s, and a margin).
   */
  readonly groupWaitMs?: Millis;
  /**
   * How long the brokers may stay unreachable (restart, coordinator move, leader election) before the run fails
   * with one line (--kafka-retry-budget). Absent: the client's default, 60 s.
   */
  readonly retryBudgetMs?: Millis;
}

/** One Kafka record with its coordinates. */
export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  /** int64 offset as a decimal string. */
  readonly offset: string;
  /** The Kafka record timestamp (ms). The element's event time is this or the configured JSON field. */
  readonly timestamp: Millis;
  /** The record key as UTF-8 text (the producer keys by user_id), or null. */
  readonly key: string | null;
  /** The raw value bytes, or null for a tombstone. */
  readonly value: Uint8Array | null;
  /** Set only when the source refused the record's event time (too far in the future): the dead-letter reason. */
  readonly rejected?: string;
}

/** The timestamp-mode tag stored in commit metadata: restored state is only valid for the same choice. */
export function timestampMode(spec: Pick<KafkaSourceSpec, "timestampField">): string {
  return spec.timestampField === null ? "record" : `field:${spec.timestampField}`;
}

export function encodeKafkaSourceSpec(spec: KafkaSourceSpec): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(spec));
}

/** Decodes and validates a payload; the error names the bad field. */
export function decodeKafkaSourceSpec(payload: Uint8Array): KafkaSourceSpec {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(payload));
  } catch (e) {
    throw new Error(`Kafka source payload is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof parsed !== "object" || parsed === null) throw new Error("Kafka source payload is not a JSON object");
  const o = parsed as Record<string, unknown>;
  const bad = (field: string, expected: string): Error =>
    new Error(`Kafka source payload: ${field} must be ${expected}, got ${JSON.stringify(o[field])}`);
  const str = (field: string): string => {
    const v = o[field];
    if (typeof v !== "string" || v.length === 0) throw bad(field, "a non-empty string");
    return v;
  };
  const num = (field: string, min: number): number => {
    const v = o[field];
    if (typeof v !== "number" || !Number.isFinite(v) || v < min) throw bad(field, `a number >= ${min}`);
    return v;
  };
  const servers = o.bootstrapServers;
  if (!Array.isArray(servers) || servers.length === 0 || !servers.every((s) => typeof s === "string" && s !== "")) {
    throw bad("bootstrapServers", "a non-empty list of host:port strings");
  }
  const from = o.from;
  if (from !== "earliest" && from !== "latest" && from !== "committed") throw bad("from", START_FROM.join(" | "));
  const field = o.timestampField;
  if (field !== null && (typeof field !== "string" || field === "")) throw bad("timestampField", "null or a name");
  const skew = o.maxFutureSkewMs;
  if (skew !== undefined && skew !== null && (typeof skew !== "number" || !(skew > 0))) {
    throw bad("maxFutureSkewMs", "null or > 0");
  }
  const stop = o.stopWhenIdleMs;
  if (stop !== null && (typeof stop !== "number" || !(stop > 0))) throw bad("stopWhenIdleMs", "null or > 0");
  return Object.freeze({
    bootstrapServers: Object.freeze(servers.map(String)),
    topic: str("topic"),
    groupId: str("groupId"),
    from,
    timestampField: field,
    watermarkDelayMs: num("watermarkDelayMs", 0),
    maxFutureSkewMs: skew ?? null,
    idleTimeoutMs: num("idleTimeoutMs", 1),
    stopWhenIdleMs: stop,
    maxBufferedRecords: num("maxBufferedRecords", 1),
    commitIntervalMs: num("commitIntervalMs", 0),
    clientId: str("clientId"),
    ...(typeof o.groupWaitMs === "number" && o.groupWaitMs >= 0 ? { groupWaitMs: o.groupWaitMs } : {}),
    ...(typeof o.retryBudgetMs === "number" && o.retryBudgetMs >= 0 ? { retryBudgetMs: o.retryBudgetMs } : {}),
    ...(o.fetchMaxBytes === undefined ? {} : { fetchMaxBytes: num("fetchMaxBytes", 1) }),
  });
}
