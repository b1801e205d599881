/**
 * Snappy, LZ4 and Zstandard for kafkajs, which only has gzip: without these, one batch written by a producer with
 * `compression.type=snappy|lz4|zstd` (Kafka's own clients, Kafka Connect, most Java services) stopped the pipeline
 * with "Snappy compression not implemented". Decompression only, in pure JavaScript (no native build, nothing
 * downloaded at install): the product reads such topics; its own producer writes uncompressed or gzip.
 *
 * The formats are the ones Kafka's Java client writes into a record batch:
 * - Snappy: snappy-java's stream ("xerial") framing — a 16-byte header (magic `\x82SNAPPY\0`, version, compatible
 *   version), then blocks of a 4-byte big-endian length and raw Snappy. A batch without the magic is one raw block.
 * - LZ4: one LZ4 frame (KafkaLZ4BlockOutputStream; record batches v2 have a correct header checksum).
 * - Zstandard: one zstd frame (zstd-jni's ZstdOutputStream), possibly several frames back to back.
 */
import * as kafkajs from "kafkajs";
import { uncompress as snappyBlock } from "snappyjs";
import { decompress as lz4Frame } from "lz4js";
import { decompress as zstdFrames } from "fzstd";

/** What kafkajs asks of a codec (kafkajs/src/protocol/message/compression). */
interface KafkaCodec {
  compress(encoder: { readonly buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

/** Snappy as Kafka's Java producer writes it (xerial framing), or one raw block. */
export function decompressSnappy(data: Buffer): Buffer {
  if (data.length < XERIAL_HEADER_BYTES || !data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
    return Buffer.from(snappyBlock(data));
  }
  const blocks: Uint8Array[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at < data.length) {
    if (at + 4 > data.length) throw new Error(`a Snappy block length is cut off at byte ${at} of ${data.length}`);
    const length = data.readUInt32BE(at);
    at += 4;
    if (at + length > data.length) throw new Error(`a Snappy block of ${length} bytes is cut off at byte ${at} of ${data.length}`);
    blocks.push(snappyBlock(data.subarray(at, at + length)));
    at += length;
  }
  return Buffer.concat(blocks);
}

/** One LZ4 frame. */
export function decompressLz4(data: Buffer): Buffer {
  const bytes = lz4Frame(data);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Zstandard frames (one or more, back to back). */
export function decompressZstd(data: Buffer): Buffer {
  const bytes = zstdFrames(data);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decompressOnly(name: string, decompress: (data: Buffer) => Buffer): KafkaCodec {
  return {
    compress(): Promise<Buffer> {
      return Promise.reject(
        new Error(`writing ${name}-compressed batches is not supported here (reading them is): produce uncompressed or with gzip`),
      );
    },
    decompress(buffer: Buffer): Promise<Buffer> {
      try {
        return Promise.resolve(decompress(buffer));
      } catch (error) {
        return Promise.reject(new Error(`a ${name}-compressed record batch does not decompress: ${error instanceof Error ? error.message : String(error)}`));
      }
    },
  };
}

let registered = false;

/** Gives kafkajs (process-wide) the Snappy, LZ4 and Zstandard codecs; idempotent. */
export function registerKafkaCodecs(): void {
  if (registered) return;
  registered = true;
  const codecs = kafkajs.CompressionCodecs as Record<number, () => KafkaCodec>;
  const snappy = decompressOnly("Snappy", decompressSnappy);
  const lz4 = decompressOnly("LZ4", decompressLz4);
  const zstd = decompressOnly("Zstandard", decompressZstd);
  codecs[kafkajs.CompressionTypes.Snappy] = () => snappy;
  codecs[kafkajs.CompressionTypes.LZ4] = () => lz4;
  codecs[kafkajs.CompressionTypes.ZSTD] = () => zstd;
}
