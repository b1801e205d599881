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
 * KafkaIO's read with metadata fails on Java 17 (kafka_payload.ts), so the partition and offset of a record are
 * not known here: `partition` is -1 and `offset` is a content id (63 bits of FNV-1a over timestamp, key and value,
 * as a decimal string), stable across replays, so a dead letter written twice is still one row.
 */
import "apache-beam";
import Long from "long";
import type { PCollection, Root } from "apache-beam/pvalue";
import { timestampParam } from "apache-beam/transforms/pardo";
import { rawExternalTransform } from "apache-beam/transforms/external";
import { AsyncPTransformClass } from "apache-beam/transforms/transform";
import type { KV } from "apache-beam/values";
import type { KafkaRecord } from "../model/kafka_source_spec";
import { kafkaReadPayload, KAFKA_READ_WITHOUT_METADATA_URN, type KafkaReadConfiguration } from "./kafka_payload";

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

/** KafkaIO's KV and the element's timestamp → our record (see the header for partition and offset). */
export function kafkaRecordOfKV(topic: string, kv: KafkaIOKV, timestamp: number): KafkaRecord {
  return {
    topic,
    partition: UNKNOWN_PARTITION_ID,
    offset: contentId([new TextEncoder().encode(String(timestamp)), kv.key, kv.value]),
    timestamp,
    key: kv.key === null ? null : new TextDecoder().decode(kv.key),
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
    const kvs = await expandKafkaRead(root, kafkaReadPayload(this.configuration), this.expansionService);
    const topic = this.configuration.topics.join(",");
    return kvs.map(
      function toKafkaRecord(kv: KafkaIOKV, context: { timestamp: { lookup(): unknown } }): KafkaRecord {
        const ts = context.timestamp.lookup() as Long | number;
        return kafkaRecordOfKV(topic, kv, Long.fromValue(ts).toNumber());
      },
      { timestamp: timestampParam() },
    );
  }
}

/**
 * The expansion, tried twice: the SDK copies the EMBEDDED environment's jars into its artifact cache
 * (~/.apache_beam/cache/artifacts) and its first copy can fail with ENOENT on a temporary file; the second finds
 * the jars already cached.
 */
async function expandKafkaRead(root: Root, payload: Uint8Array, expansionService: string): Promise<PCollection<KafkaIOKV>> {
  let last: unknown;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return await root.applyAsync(
        rawExternalTransform<Root, PCollection<KafkaIOKV>>(KAFKA_READ_WITHOUT_METADATA_URN, payload, expansionService),
      );
    } catch (e) {
      last = e;
      if ((e as { code?: string }).code !== "ENOENT") break;
    }
  }
  throw new Error(
    `the Java expansion service at ${expansionService} could not expand KafkaIO's read (${firstLine(last)}): ` +
      "start it with `npm run flink:up`, or point --expansion-service at one",
  );
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

export function portableKafkaRead(configuration: KafkaReadConfiguration, expansionService: string, name?: string): PortableKafkaRead {
  return new PortableKafkaRead(configuration, expansionService, name);
}
