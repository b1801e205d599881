/**
 * readFromKafka on portable runners (Flink): Beam's Java KafkaIO, expanded by the Java expansion service (EMBEDDED
 * environment: the Java read runs inside the TaskManager), then a map from KafkaIO's KV<key, value> to our
 * `KafkaRecord`, so the same parse step (and dead letters) runs on every runner.
 *
 *   const records = await root.applyAsync(portableKafkaRead(configuration, "127.0.0.1:8096"));
 *
 * The payload is ours (kafka_payload.ts: consumer_config as map<string,string>); the SDK's readFromKafka cannot
 * expand against Java's KafkaIO 2.49. Event time is the record timestamp (KafkaIO's CreateTime policy): the
 * element timestamp, which becomes `KafkaRecord.timestamp`; the watermark is KafkaIO's (docs/runners.md).
 *
 * KafkaIO's own read with metadata fails on Java 17 (kafka_payload.ts), so the read is our Java transform
 * KafkaReadWithPositions (infra/flink/expansion-service/src, in the expansion service of `npm run flink:up`): KafkaIO
 * with each record's partition and offset put in front of its key. An expansion service without it (another
 * stack) gets KafkaIO's read without metadata, where partition and offset are unknown: `partition` is -1 and
 * `offset` a content id (63 bits of FNV-1a over timestamp, key and value, as a decimal string), stable across
 * replays, so a dead letter written twice is still one row.
 */
import "apache-beam";
import Long from "long";
import type { PCollection, PValue, Root } from "apache-beam/pvalue";
import { timestampParam } from "apache-beam/transforms/pardo";
import { rawExternalTransform } from "apache-beam/transforms/external";
import { AsyncPTransformClass, withName, type AsyncPTransform } from "apache-beam/transforms/transform";
import type { Pipeline } from "apache-beam/internal/pipeline";
import type * as runnerApi from "apache-beam/proto/beam_runner_api";
import type { KV } from "apache-beam/values";
import type { KafkaRecord } from "../model/kafka_source_spec";
import { RESHUFFLE_URN } from "../model/urns";
import {
  kafkaReadPayload,
  KAFKA_READ_WITH_POSITIONS_URN,
  KAFKA_READ_WITHOUT_METADATA_URN,
  type KafkaReadConfiguration,
} from "./kafka_payload";

/** What KafkaIO's read without metadata outputs. */
export type KafkaIOKV = KV<Uint8Array | null, Uint8Array | null>;

/** The partition of a record read through KafkaIO on a portable runner (unknown there). */
const UNKNOWN_PARTITION_ID = -1;

/**
 * 63 bits of 64-bit FNV-1a over the byte arrays (each prefixed by its length, 4 bytes little-endian; null: 0xffffffff
 * and no bytes), as a decimal string. Computed on two 32-bit halves (one BigInt per call, for the decimal string):
 * it runs once per record on Flink, and a BigInt per byte cost a quarter of the worker's CPU (docs/benchmarks.md).
 */
export function contentId(parts: ReadonlyArray<Uint8Array | null>): string {
  // No inner closures: this runs inside a serialized DoFn (ts-closure-transform).
  // h = hi·2³² + lo; h·prime mod 2⁶⁴ with prime = 2⁴⁰ + 0x1b3: lo·0x1b3 < 2⁴¹ and the hi sum < 2⁴² stay exact.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (const part of parts) {
    const n = part === null ? 0xffffffff : part.length;
    const total = 4 + (part === null ? 0 : part.length);
    for (let i = 0; i < total; i++) {
      const b = i < 4 ? (n >>> (8 * i)) & 0xff : part![i - 4];
      lo = (lo ^ b) >>> 0;
      const low = lo * 0x1b3;
      hi = (hi * 0x1b3 + Math.floor(low / 0x100000000) + ((lo << 8) >>> 0)) >>> 0;
      lo = low >>> 0;
    }
  }
  return ((BigInt(hi & 0x7fffffff) << 32n) | BigInt(lo)).toString();
}

/** A string of ASCII characters (a number's digits) as its UTF-8 bytes, without a TextEncoder per record. */
function asciiBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * UTF-8 bytes as text, as the direct runner's Kafka source decodes keys (Buffer's decoder: a byte-order mark is kept,
 * invalid bytes become U+FFFD), without a TextDecoder per record.
 */
function utf8Text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}

/** KafkaIO's KV and the element's timestamp → our record (see the header for partition and offset). */
export function kafkaRecordOfKV(topic: string, kv: KafkaIOKV, timestamp: number): KafkaRecord {
  return {
    topic,
    partition: UNKNOWN_PARTITION_ID,
    offset: contentId([asciiBytes(String(timestamp)), kv.key, kv.value]),
    timestamp,
    key: kv.key === null ? null : utf8Text(kv.key),
    value: kv.value,
  };
}

/**
 * KafkaReadWithPositions' KV (key: 4 bytes partition, 8 bytes offset, big-endian, a byte saying whether the
 * record has a key, the key) and the element's timestamp → our record.
 */
export function kafkaRecordOfPositionedKV(topic: string, kv: KafkaIOKV, timestamp: number): KafkaRecord {
  const position = kv.key;
  if (position === null || position.length < 13) throw new Error(`a KafkaReadWithPositions key has 13 bytes or more, got ${position?.length ?? "null"}`);
  const view = new DataView(position.buffer, position.byteOffset, position.byteLength);
  // The offset's high and low 32 bits: a Number while below 2⁵³ (always, in practice), no BigInt per record.
  const high = view.getInt32(4, false);
  const low = view.getUint32(8, false);
  return {
    topic,
    partition: view.getInt32(0, false),
    offset: high >= 0 && high < 0x200000 ? String(high * 0x100000000 + low) : view.getBigInt64(4, false).toString(),
    timestamp,
    key: position[12] === 0 ? null : utf8Text(position.subarray(13)),
    value: kv.value,
  };
}

/** Expands KafkaIO's read at `expansionService` (host:port) and maps its KVs to KafkaRecords. */
export class PortableKafkaRead extends AsyncPTransformClass<Root, PCollection<KafkaRecord>> {
  constructor(
    readonly configuration: KafkaReadConfiguration,
    readonly expansionService: string,
    name = "readFromKafka",
  ) {
    super(name);
  }

  override async expandAsync(root: Root): Promise<PCollection<KafkaRecord>> {
    const payload = kafkaReadPayload(this.configuration);
    const topic = this.configuration.topics.join(",");
    const positioned = await expandKafkaRead(root, KAFKA_READ_WITH_POSITIONS_URN, payload, this.expansionService).catch(
      (e: unknown) => {
        // Another expansion service (not `npm run flink:up`'s, or one started before it had the transform).
        process.stderr.write(
          `readFromKafka: ${firstLine(e)}; reading with KafkaIO's read without metadata: dead letters get ` +
            "partition -1 and a content id as offset (npm run flink:down && npm run flink:up restarts the stack's)\n",
        );
        return undefined;
      },
    );
    const kvs = positioned ?? (await expandKafkaRead(root, KAFKA_READ_WITHOUT_METADATA_URN, payload, this.expansionService));
    const withPositions = positioned !== undefined;
    return kvs.apply(rebalance<KafkaIOKV>()).map(
      function toKafkaRecord(kv: KafkaIOKV, context: { timestamp: { lookup(): unknown } }): KafkaRecord {
        const ts = Long.fromValue(context.timestamp.lookup() as Long | number).toNumber();
        return withPositions ? kafkaRecordOfPositionedKV(topic, kv, ts) : kafkaRecordOfKV(topic, kv, ts);
      },
      { timestamp: timestampParam() },
    );
  }
}

/**
 * Beam's Reshuffle, which Flink runs as a rebalance: KafkaIO's read runs on the subtasks its splits were hashed to
 * (measured: both partitions of a 2-partition topic on one subtask of 2 about half the time, depending on the topic
 * name), and the TypeScript steps after it would run there too, chained to the read in one thread. Rebalanced, the
 * records go round-robin to every subtask of the next step, whose thread is not the read's. Java moves KafkaIO's
 * own KV<bytes, bytes> (the output keeps the input's coder); the identity map inside is only the composite's
 * expansion (Flink replaces the composite). Watermarks pass as before (Flink broadcasts them after the records).
 */
function rebalance<T>(): (input: PCollection<T>, pipeline: Pipeline, proto: runnerApi.PTransform) => PCollection<T> {
  return withName("rebalance", (input: PCollection<T>, pipeline: Pipeline, proto: runnerApi.PTransform): PCollection<T> => {
    proto.spec = { urn: RESHUFFLE_URN, payload: new Uint8Array() };
    const output = input.map(withName("identity", function identity(x: T): T {
      return x;
    }));
    const pcollections = pipeline.getProto().components!.pcollections;
    pcollections[output.getId()].coderId = pcollections[input.getId()].coderId;
    return output;
  });
}

/**
 * The expansion, tried twice: the SDK copies the EMBEDDED environment's jars into its artifact cache
 * (~/.apache_beam/cache/artifacts) and its first copy can fail with ENOENT on a temporary file; the second finds
 * the jars already cached.
 */
async function expandKafkaRead(root: Root, urn: string, payload: Uint8Array, expansionService: string): Promise<PCollection<KafkaIOKV>> {
  try {
    return await applyTwiceOnEnoent(root, `External(${urn})`, () => rawExternalTransform<Root, PCollection<KafkaIOKV>>(urn, payload, expansionService));
  } catch (e) {
    throw new Error(
      `the Java expansion service at ${expansionService} could not expand KafkaIO's read (${firstLine(e)}): ` +
        "start it with `npm run flink:up`, or point --expansion-service at one",
    );
  }
}

/**
 * Applies the transform `make` gives, and once more if the first attempt failed with ENOENT. A failed attempt's
 * transforms are removed from the pipeline, and the retry gets its own name (the failed attempt's stays taken).
 */
export async function applyTwiceOnEnoent<T extends PValue<unknown>>(
  root: Root,
  name: string,
  make: () => AsyncPTransform<Root, T>,
): Promise<T> {
  let last: unknown;
  for (let attempt = 0; attempt < 2; attempt++) {
    const proto = root.pipeline.getProto();
    const before = new Set(Object.keys(proto.components!.transforms));
    try {
      return await root.applyAsync(withName(attempt === 0 ? name : `${name} attempt ${attempt + 1}`, make()));
    } catch (e) {
      last = e;
      forgetFailedTransforms(proto, before);
      if ((e as { code?: string }).code !== "ENOENT") break;
    }
  }
  throw last;
}

/**
 * Removes what a failed expansion left in the pipeline: the SDK adds a transform before expanding it and keeps it,
 * without outputs, when the expansion throws; the job server refuses a pipeline with such a transform (seen as
 * INVALID_ARGUMENT after the fallback read, when two jobs raced on the SDK's artifact cache and the first try failed).
 */
function forgetFailedTransforms(proto: runnerApi.Pipeline, before: ReadonlySet<string>): void {
  const transforms = proto.components!.transforms;
  const added = Object.keys(transforms).filter((id) => !before.has(id));
  if (added.length === 0) return;
  const gone = new Set(added);
  for (const id of added) delete transforms[id];
  for (const t of Object.values(transforms)) t.subtransforms = t.subtransforms.filter((id) => !gone.has(id));
  proto.rootTransformIds = proto.rootTransformIds.filter((id) => !gone.has(id));
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

export function portableKafkaRead(configuration: KafkaReadConfiguration, expansionService: string, name?: string): PortableKafkaRead {
  return new PortableKafkaRead(configuration, expansionService, name);
}
