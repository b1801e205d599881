/**
 * The Snappy and LZ4 decompressors kafkajs gets from io/kafka/kafka_codecs.ts, on the framings Kafka's Java
 * producer writes (the integration test kafka_compression.test.ts reads real batches of all three codecs).
 */
import { compress as snappyBlock } from "snappyjs";
import { compress as lz4Frame } from "lz4js";
import * as kafkajs from "kafkajs";
import { decompressLz4, decompressSnappy, registerKafkaCodecs } from "../../io/kafka/kafka_codecs";

const text = Buffer.from(Array.from({ length: 5000 }, (_, i) => `record ${i} ${"abc".repeat(i % 17)}`).join("\n"));

/** snappy-java's stream framing: magic, version 1, compatible version 1, then length-prefixed raw blocks. */
function xerial(blocks: readonly Uint8Array[]): Buffer {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const parts: Buffer[] = [header];
  for (const b of blocks) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(b.length);
    parts.push(length, Buffer.from(b));
  }
  return Buffer.concat(parts);
}

test("Snappy: xerial-framed blocks (Kafka's Java producer) and a single raw block both decompress", () => {
  const blocks = [text.subarray(0, 32_768), text.subarray(32_768, 65_536), text.subarray(65_536)].map((b) => snappyBlock(b));
  expect(decompressSnappy(xerial(blocks)).equals(text)).toBe(true);
  expect(decompressSnappy(Buffer.from(snappyBlock(text.subarray(0, 1000)))).equals(text.subarray(0, 1000))).toBe(true);
});

test("Snappy: a frame cut short is an error that says so, not a shorter batch", () => {
  const framed = xerial([snappyBlock(text.subarray(0, 4000))]);
  expect(() => decompressSnappy(framed.subarray(0, framed.length - 10))).toThrow(/cut off/);
});

test("LZ4: a frame decompresses", () => {
  expect(decompressLz4(Buffer.from(lz4Frame(text))).equals(text)).toBe(true);
});

test("registered with kafkajs: decompression works, a broken batch rejects with the codec's name, writing says what to use", async () => {
  registerKafkaCodecs();
  const codecs = kafkajs.CompressionCodecs as unknown as Record<number, () => { decompress(b: Buffer): Promise<Buffer>; compress(e: { buffer: Buffer }): Promise<Buffer> }>;
  const lz4 = codecs[kafkajs.CompressionTypes.LZ4]();
  expect((await lz4.decompress(Buffer.from(lz4Frame(text)))).equals(text)).toBe(true);
  await expect(lz4.decompress(Buffer.from("not an lz4 frame"))).rejects.toThrow(/LZ4-compressed record batch does not decompress/);
  await expect(codecs[kafkajs.CompressionTypes.ZSTD]().compress({ buffer: text })).rejects.toThrow(/produce uncompressed or with gzip/);
});
