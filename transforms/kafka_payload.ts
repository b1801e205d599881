/**
 * The expansion payload of Beam's Java KafkaIO read (`beam:transform:org.apache.beam:kafka_read_with_metadata:v1`),
 * encoded by hand: an `ExternalConfigurationPayload` whose schema has `consumer_config` as map<string, string>.
 *
 * Why by hand: the SDK's `readFromKafka` (apache-beam 2.49.0) infers the schema from a JSON object, so the consumer
 * config becomes a nested Row, and Java's expansion fails ("missing a setter setConsumerConfig … with type Row");
 * the SDK's RowCoder has no map type. The Java side (KafkaIO.Read.External.Configuration) matches each schema field
 * to a setter by name (snake_case → setCamelCase) and type. `commit_offset_in_finalize` must be present (Java
 * unboxes it: a NullPointerException otherwise).
 *
 * Row encoding (Beam's RowCoder, nested context): varint field count, the null bitmap as a length-prefixed byte
 * array (empty: no field is null), then each field — string: varint length + UTF-8; boolean: one byte; array and
 * map: big-endian int32 size, then the elements (a map's key then value).
 */
import { AtomicType, Schema, type FieldType } from "apache-beam/proto/schema";
import { ExternalConfigurationPayload } from "apache-beam/proto/external_transforms";

/**
 * KafkaIO's read as KV<key bytes, value bytes> (nullable both). The with-metadata variant
 * (`kafka_read_with_metadata`, topic/partition/offset in a Row) fails on Java 17 when the record row is encoded:
 * "org.apache.beam.sdk.io.kafka.Function$SchemaCodeGen$… must be defined in the same package as
 * org.apache.beam.vendor.guava.v26_0_jre.com.google.common.base.Function" (Beam 2.49's schema code generation).
 */
export const KAFKA_READ_WITHOUT_METADATA_URN = "beam:transform:org.apache.beam:kafka_read_without_metadata:v1";

/**
 * Our Java transform (infra/flink/expansion-service/src: KafkaIO plus each record's partition and offset in front
 * of its key), expanded from the same payload.
 */
export const KAFKA_READ_WITH_POSITIONS_URN = "beam-ts:transform:kafka_read_with_positions:v1";

export const BYTE_ARRAY_DESERIALIZER = "org.apache.kafka.common.serialization.ByteArrayDeserializer";

/** What KafkaIO's external read is configured with. */
export interface KafkaReadConfiguration {
  readonly consumerConfig: Readonly<Record<string, string>>;
  readonly topics: readonly string[];
  /** KafkaIO's timestamp policy: CreateTime (the record timestamp), LogAppendTime or ProcessingTime. */
  readonly timestampPolicy: "CreateTime" | "LogAppendTime" | "ProcessingTime";
  /** Offsets are committed when Flink finalizes a checkpoint (KafkaIO's commitOffsetsInFinalize). */
  readonly commitOffsetInFinalize: boolean;
  /** Start every partition at the first record with a timestamp ≥ this (ms), ignoring committed offsets. */
  readonly startReadTime?: number;
}

type FieldValue =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "boolean"; readonly value: boolean }
  | { readonly kind: "int64"; readonly value: number }
  | { readonly kind: "strings"; readonly value: readonly string[] }
  | { readonly kind: "map"; readonly value: Readonly<Record<string, string>> };

const STRING: FieldType = { nullable: false, typeInfo: { oneofKind: "atomicType", atomicType: AtomicType.STRING } };
const BOOLEAN: FieldType = { nullable: false, typeInfo: { oneofKind: "atomicType", atomicType: AtomicType.BOOLEAN } };
const INT64: FieldType = { nullable: false, typeInfo: { oneofKind: "atomicType", atomicType: AtomicType.INT64 } };

function fieldType(v: FieldValue): FieldType {
  switch (v.kind) {
    case "string":
      return STRING;
    case "boolean":
      return BOOLEAN;
    case "int64":
      return INT64;
    case "strings":
      return { nullable: false, typeInfo: { oneofKind: "arrayType", arrayType: { elementType: STRING } } };
    case "map":
      return { nullable: false, typeInfo: { oneofKind: "mapType", mapType: { keyType: STRING, valueType: STRING } } };
  }
}

/** Bytes of one row, in Beam's RowCoder format. */
class RowBytes {
  private readonly parts: Uint8Array[] = [];

  /** Unsigned varint of a non-negative safe integer (VarIntCoder / VarLongCoder for values ≥ 0). */
  varint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`cannot encode ${n} as a varint here`);
    const bytes: number[] = [];
    let v = BigInt(n);
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.parts.push(Uint8Array.from(bytes));
  }

  int32BigEndian(n: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, n, false);
    this.parts.push(b);
  }

  string(s: string): void {
    const utf8 = new TextEncoder().encode(s);
    this.varint(utf8.length);
    this.parts.push(utf8);
  }

  byte(n: number): void {
    this.parts.push(Uint8Array.of(n));
  }

  field(v: FieldValue): void {
    switch (v.kind) {
      case "string":
        this.string(v.value);
        return;
      case "boolean":
        this.byte(v.value ? 1 : 0);
        return;
      case "int64":
        this.varint(v.value);
        return;
      case "strings":
        this.int32BigEndian(v.value.length);
        for (const s of v.value) this.string(s);
        return;
      case "map": {
        const entries = Object.entries(v.value);
        this.int32BigEndian(entries.length);
        for (const [k, val] of entries) {
          this.string(k);
          this.string(val);
        }
        return;
      }
    }
  }

  finish(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

/** Encodes named, non-null fields as a schema and one row. */
export function externalConfigurationPayload(fields: ReadonlyArray<readonly [string, FieldValue]>): Uint8Array {
  const schema = Schema.create({
    // Java parses the id as a UUID; a fixed one is fine (the schema is not registered anywhere).
    id: "6b1f3c2e-2f7a-4c38-9a51-3d0b8f6e7a10",
    fields: fields.map(([name, v], i) => ({ name, description: "", type: fieldType(v), id: i, encodingPosition: i, options: [] })),
  });
  const row = new RowBytes();
  row.varint(fields.length);
  row.varint(0); // the null bitmap: no field is null
  for (const [, v] of fields) row.field(v);
  return ExternalConfigurationPayload.toBinary({ schema, payload: row.finish() });
}

/** The payload KafkaIO's external read expands from. */
export function kafkaReadPayload(c: KafkaReadConfiguration): Uint8Array {
  return externalConfigurationPayload([
    ["consumer_config", { kind: "map", value: c.consumerConfig }],
    ["topics", { kind: "strings", value: c.topics }],
    ["key_deserializer", { kind: "string", value: BYTE_ARRAY_DESERIALIZER }],
    ["value_deserializer", { kind: "string", value: BYTE_ARRAY_DESERIALIZER }],
    ["commit_offset_in_finalize", { kind: "boolean", value: c.commitOffsetInFinalize }],
    ["timestamp_policy", { kind: "string", value: c.timestampPolicy }],
    ...(c.startReadTime === undefined ? [] : [["start_read_time", { kind: "int64", value: c.startReadTime }] as const]),
  ]);
}
