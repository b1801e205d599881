/**
 * The pieces of Kafka on Flink that need no cluster: the hand-encoded KafkaIO payload (schema and RowCoder bytes),
 * the record mapping with its content id, and the submission rewrite of async DoFns.
 */
import "apache-beam";
import { ExternalConfigurationPayload } from "apache-beam/proto/external_transforms";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { Pipeline } from "apache-beam/internal/pipeline";
import { Root, type PCollection } from "apache-beam/pvalue";
import { impulse } from "apache-beam/transforms/internal";
import { kafkaReadPayload } from "../../transforms/kafka_payload";
import { portableConsumerConfig } from "../../transforms/kafka";
import { applyTwiceOnEnoent, contentId, kafkaRecordOfKV, kafkaRecordOfPositionedKV } from "../../transforms/kafka_portable";
import { asyncParDo } from "../../transforms/async_pardo";
import { withAwaitingParDos } from "../../sdk_workarounds/awaiting_pardo_operator";
import { AWAITING_JS_DOFN_URN, PAR_DO_URN, SERIALIZED_JS_DOFN_INFO } from "../../model/urns";

test("the KafkaIO payload: consumer_config is a map<string,string> field, the row is RowCoder bytes", () => {
  const payload = ExternalConfigurationPayload.fromBinary(
    kafkaReadPayload({
      consumerConfig: { "bootstrap.servers": "h:1", "group.id": "g" },
      topics: ["t"],
      timestampPolicy: "CreateTime",
      commitOffsetInFinalize: true,
      startReadTime: 300,
    }),
  );
  const fields = payload.schema!.fields;
  expect(fields.map((f) => f.name)).toEqual([
    "consumer_config", "topics", "key_deserializer", "value_deserializer", "commit_offset_in_finalize",
    "timestamp_policy", "start_read_time",
  ]);
  expect(fields[0].type!.typeInfo.oneofKind).toBe("mapType");
  expect(fields[1].type!.typeInfo.oneofKind).toBe("arrayType");
  expect(payload.schema!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const row = Buffer.from(payload.payload);
  // 7 fields, an empty null bitmap, then the map: int32 size 2, "bootstrap.servers" (17 bytes) …
  expect([...row.subarray(0, 7)]).toEqual([7, 0, 0, 0, 0, 2, 17]);
  expect(row.subarray(7, 24).toString()).toBe("bootstrap.servers");
  // … and at the end: boolean true, "CreateTime", varint 300.
  expect([...row.subarray(row.length - 14)]).toEqual([1, 10, ...Buffer.from("CreateTime"), 0xac, 0x02]);
});

test("a KafkaIO KV becomes our record: key as text, partition unknown, a stable content id as offset", () => {
  const value = new TextEncoder().encode('{"x":1}');
  const a = kafkaRecordOfKV("sales", { key: new TextEncoder().encode("user_1"), value }, 1_700_000_000_000);
  expect(a).toMatchObject({ topic: "sales", partition: -1, key: "user_1", timestamp: 1_700_000_000_000, value });
  expect(a.offset).toMatch(/^\d+$/);
  expect(BigInt(a.offset) < 2n ** 63n).toBe(true);
  expect(kafkaRecordOfKV("sales", { key: new TextEncoder().encode("user_1"), value }, 1_700_000_000_000).offset).toBe(a.offset);
  expect(kafkaRecordOfKV("sales", { key: null, value }, 1_700_000_000_000).offset).not.toBe(a.offset);
  expect(kafkaRecordOfKV("sales", { key: null, value: null }, 5)).toMatchObject({ key: null, value: null });
  expect(contentId([null])).not.toBe(contentId([new Uint8Array(0)]));
  // The id is over the timestamp's decimal digits, the key and the value (as first written).
  const key = new TextEncoder().encode("user_1");
  expect(a.offset).toBe(contentIdReference([new TextEncoder().encode("1700000000000"), key, value]));
});

/** The content id as first written (a BigInt per byte): the fast one must give the same ids (rows written before). */
function contentIdReference(parts: ReadonlyArray<Uint8Array | null>): string {
  let h = 0xcbf29ce484222325n;
  for (const part of parts) {
    const n = part === null ? 0xffffffff : part.length;
    const bytes = [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff, ...(part ?? [])];
    for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return (h & 0x7fffffffffffffffn).toString();
}

test("the content id is 64-bit FNV-1a as first written, for every byte value, length and null", () => {
  let seed = 12345;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
  const lengths = [0, 1, 3, 4, 5, 255, 256, 1000];
  for (const len of lengths) {
    for (const withNull of [false, true]) {
      const parts = [Uint8Array.from({ length: len }, next).map((x) => x & 0xff), withNull ? null : new Uint8Array([255, 0, 128]), new Uint8Array(0)];
      expect(contentId(parts)).toBe(contentIdReference(parts));
    }
  }
  expect(contentId([null])).toBe(contentIdReference([null]));
  expect(contentId([])).toBe(contentIdReference([]));
});

test("a KafkaReadWithPositions KV becomes our record with the partition, offset and key Java put in front", () => {
  const value = new TextEncoder().encode('{"x":1}');
  const position = (partition: number, offset: bigint, key: string | null): Uint8Array => {
    const keyBytes = key === null ? new Uint8Array(0) : new TextEncoder().encode(key);
    const b = new Uint8Array(13 + keyBytes.length);
    const view = new DataView(b.buffer);
    view.setInt32(0, partition, false);
    view.setBigInt64(4, offset, false);
    b[12] = key === null ? 0 : 1;
    b.set(keyBytes, 13);
    return b;
  };
  expect(kafkaRecordOfPositionedKV("sales", { key: position(2, 9_007_199_254_740_993n, "user_1"), value }, 7)).toEqual({
    topic: "sales", partition: 2, offset: "9007199254740993", timestamp: 7, key: "user_1", value,
  });
  expect(kafkaRecordOfPositionedKV("sales", { key: position(0, 0n, null), value: null }, 7)).toMatchObject({ key: null, value: null });
  expect(kafkaRecordOfPositionedKV("sales", { key: position(1, 5n, ""), value }, 7).key).toBe("");
  expect(() => kafkaRecordOfPositionedKV("sales", { key: null, value }, 7)).toThrow(/13 bytes/);
  // Offsets on both sides of 2³² and of 2⁵³ (the Number path and the BigInt path).
  for (const offset of [0n, 4_294_967_295n, 4_294_967_296n, 4_294_967_301n, 9_007_199_254_740_991n, 9_007_199_254_740_992n, 2n ** 63n - 1n]) {
    expect(kafkaRecordOfPositionedKV("sales", { key: position(0, offset, null), value }, 7).offset).toBe(offset.toString());
  }
  // Keys decoded as the direct runner's Kafka source decodes them (Buffer): a byte-order mark is kept.
  expect(kafkaRecordOfPositionedKV("sales", { key: position(0, 1n, "\uFEFFuser_1"), value }, 7).key).toBe("\uFEFFuser_1");
});

test("submission gives async DoFns the awaiting DoFn URN and leaves other ParDos alone", () => {
  const p = new Pipeline();
  const root = new Root(p);
  const input = root.apply(impulse()) as unknown as PCollection<Uint8Array>;
  input.apply(asyncParDo<Uint8Array>({ process: async () => undefined }));
  input.map((x: Uint8Array) => x.length);
  const { pipeline, rewritten } = withAwaitingParDos(p.getProto());
  expect(rewritten).toBe(1);
  const doFnUrns = Object.values(pipeline.components!.transforms)
    .filter((t) => t.spec?.urn === PAR_DO_URN)
    .map((t) => runnerApi.ParDoPayload.fromBinary(t.spec!.payload).doFn!.urn)
    .sort();
  expect(doFnUrns).toEqual([AWAITING_JS_DOFN_URN, SERIALIZED_JS_DOFN_INFO].sort());
  // The original proto is untouched (the direct runner runs it).
  const original = Object.values(p.getProto().components!.transforms)
    .filter((t) => t.spec?.urn === PAR_DO_URN)
    .map((t) => runnerApi.ParDoPayload.fromBinary(t.spec!.payload).doFn!.urn);
  expect(original.every((u) => u === SERIALIZED_JS_DOFN_INFO)).toBe(true);
});

test("KafkaIO's consumer reads committed data only, as the direct runner's does, and never auto-commits", () => {
  const config = portableConsumerConfig({ topic: "sales", groupId: "g", bootstrapServers: ["a:1", "b:2"] });
  expect(config).toMatchObject({
    "bootstrap.servers": "a:1,b:2",
    "group.id": "g",
    "isolation.level": "read_committed",
    "enable.auto.commit": "false",
  });
});

describe("the KafkaIO expansion retry: a failed attempt leaves nothing in the pipeline", () => {
  /** A transform that adds an impulse, then fails with `code` on its first `failures` calls. */
  function flaky(code: string, failures: number): { make: () => (root: Root) => Promise<PCollection<Uint8Array>>; calls: () => number } {
    let calls = 0;
    const make = () => async (root: Root): Promise<PCollection<Uint8Array>> => {
      calls += 1;
      const out = root.apply(impulse());
      if (calls <= failures) throw Object.assign(new Error(`attempt ${calls} failed`), { code });
      return out;
    };
    return { make, calls: () => calls };
  }
  const names = (p: Pipeline): string[] => Object.values(p.getProto().components!.transforms).map((t) => t.uniqueName);
  const dangling = (p: Pipeline): string[] => {
    const transforms = p.getProto().components!.transforms;
    const referenced = [...p.getProto().rootTransformIds, ...Object.values(transforms).flatMap((t) => t.subtransforms)];
    return referenced.filter((id) => transforms[id] === undefined);
  };

  test("ENOENT on the first attempt: the retry, under its own name, is all the pipeline holds", async () => {
    const pipeline = new Pipeline();
    const { make, calls } = flaky("ENOENT", 1);
    const out = await applyTwiceOnEnoent(new Root(pipeline), "External(read)", make);
    expect(calls()).toBe(2);
    expect(out.getId()).toBeDefined();
    expect(names(pipeline).filter((n) => n.startsWith("External(read)"))).toEqual(["External(read) attempt 2", "External(read) attempt 2/impulse"]);
    expect(names(pipeline).filter((n) => n.includes("impulse")).length).toBe(1);
    expect(new Set(names(pipeline)).size).toBe(names(pipeline).length);
    expect(dangling(pipeline)).toEqual([]);
  });

  test("another failure is not retried, and its transforms are removed too", async () => {
    const pipeline = new Pipeline();
    const { make, calls } = flaky("UNAVAILABLE", 5);
    await expect(applyTwiceOnEnoent(new Root(pipeline), "External(read)", make)).rejects.toThrow("attempt 1 failed");
    expect(calls()).toBe(1);
    expect(names(pipeline)).toEqual([]);
    expect(pipeline.getProto().rootTransformIds).toEqual([]);
  });

  test("ENOENT twice: the second error is thrown and neither attempt stays", async () => {
    const pipeline = new Pipeline();
    const { make, calls } = flaky("ENOENT", 2);
    await expect(applyTwiceOnEnoent(new Root(pipeline), "External(read)", make)).rejects.toThrow("attempt 2 failed");
    expect(calls()).toBe(2);
    expect(names(pipeline)).toEqual([]);
  });
});
