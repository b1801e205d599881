/** The parts of two untyped CommonJS packages that io/kafka/kafka_codecs.ts (and its tests) use. */
declare module "snappyjs" {
  /** Raw Snappy (one block, no framing) → its bytes. */
  export function uncompress(compressed: Uint8Array): Uint8Array;
  /** Bytes → one raw Snappy block (used by the tests to build Kafka's framing). */
  export function compress(bytes: Uint8Array): Uint8Array;
}

declare module "lz4js" {
  /** An LZ4 frame → its bytes (a plain array where typed arrays are missing, which Node never is). */
  export function decompress(frame: Uint8Array, maxSize?: number): Uint8Array;
  /** Bytes → one LZ4 frame (used by the tests). */
  export function compress(bytes: Uint8Array, maxSize?: number): Uint8Array;
}
