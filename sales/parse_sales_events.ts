/**
 * Parses Kafka records into sales events, with a dead-letter output: a record whose value is not JSON or violates
 * the schema (sale_event.ts parseSaleEvent decides, with a per-field reason) becomes a DeadLetter carrying
 * its topic, partition, offset, key, record timestamp, the reason and its raw bytes (base64, up to 4 KiB) plus a
 * printable excerpt. The counter `deadLetters` counts them. Bad data never stops the pipeline.
 *
 *   const { events, deadLetters } = records.apply(parseSalesEvents());
 *
 * Events keep the element timestamp the source gave them (the Kafka record timestamp, which the producer sets to
 * the event time, or the configured JSON field).
 */
import "apache-beam";
import type { PCollection } from "apache-beam/pvalue";
import { counter, parDo, split, type Counter } from "apache-beam/transforms/pardo";
import { withName } from "apache-beam/transforms/transform";
import { requireForSerialization } from "apache-beam/serialization";
import { parseSaleEvent, recordTimeProblem, type SaleEvent } from "./sale_event";
import type { KafkaRecord } from "../model/kafka_source_spec";

// The parse DoFn is serialized into the pipeline proto with what it references; Buffer is a native global the
// serializer cannot copy, so it is registered as a builtin (by the module that exports it).
requireForSerialization("buffer", { Buffer });

export const DEAD_LETTERS_COUNTER = "deadLetters";
/** Dead letters are also counted per reason class, in counters named `deadLetters.<class>`. */
export const DEAD_LETTER_CLASSES = ["no_value", "invalid_json", "not_an_object", "missing_field", "invalid_field"] as const;
export type DeadLetterClass = (typeof DEAD_LETTER_CLASSES)[number];

/** The class of a dead letter's reason (a small, fixed set: a metric label must not carry the data). */
export function deadLetterClass(reason: string): DeadLetterClass {
  if (reason.startsWith("record has no value")) return "no_value";
  if (reason.startsWith("invalid JSON")) return "invalid_json";
  if (reason.startsWith("expected a JSON object")) return "not_an_object";
  if (/^[^:\s]+: missing\b/.test(reason)) return "missing_field";
  return "invalid_field";
}
// Module constants used inside serialized functions must not be exported: TypeScript's CommonJS output would
// reference them through `exports`, which the closure serializer cannot follow.
const RAW_LIMIT = 4096;
/** Raw bytes kept per dead letter; longer values are truncated (rawSize tells the full size). */
export const DEAD_LETTER_RAW_LIMIT = RAW_LIMIT;
const EXCERPT_LIMIT = 160;

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  /** The Kafka record timestamp (ms). */
  readonly timestamp: number;
  /** Why the record was rejected, e.g. `amount: expected a finite number, got "12,5"`. */
  readonly reason: string;
  /** The first DEAD_LETTER_RAW_LIMIT bytes of the value, base64 (null for a record without a value). */
  readonly rawBase64: string | null;
  readonly rawSize: number;
  /** A printable, single-line excerpt of the value as UTF-8. */
  readonly excerpt: string;
}

/** A type (not an interface) so that it is a PValue the SDK can apply. */
export type ParsedEvents = {
  events: PCollection<SaleEvent>;
  deadLetters: PCollection<DeadLetter>;
};

type DeadLetterCounters = { deadLetters: Counter } & Record<DeadLetterClass, Counter>;

type Routed = { events?: SaleEvent; deadLetters?: DeadLetter };

/** A safe excerpt: UTF-8 (invalid bytes replaced), control characters escaped, at most EXCERPT_LIMIT chars. */
export function excerptOf(value: Uint8Array): string {
  const text = Buffer.from(value.buffer, value.byteOffset, Math.min(value.byteLength, EXCERPT_LIMIT * 4)).toString("utf8");
  // eslint-disable-next-line no-control-regex
  const printable = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return printable.length > EXCERPT_LIMIT ? `${printable.slice(0, EXCERPT_LIMIT - 1)}…` : printable;
}

/** The dead letter for a record and the reason it was rejected. */
export function deadLetterOf(record: KafkaRecord, reason: string): DeadLetter {
  const value = record.value;
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    timestamp: record.timestamp,
    reason,
    rawBase64:
      value === null
        ? null
        : Buffer.from(value.buffer, value.byteOffset, Math.min(value.byteLength, RAW_LIMIT)).toString("base64"),
    rawSize: value === null ? 0 : value.byteLength,
    excerpt: value === null ? "" : excerptOf(value),
  };
}

/**
 * The value as text, decoded strictly: undefined when it is not valid UTF-8 (no silent U+FFFD, so that different
 * corrupt ids never merge into one key). Invalid bytes decode to U+FFFD; a value holding U+FFFD is valid only if
 * it re-encodes to itself (checked only then: the common case costs one indexOf).
 */
export function strictUtf8(value: Uint8Array): string | undefined {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const text = bytes.toString("utf8");
  if (text.indexOf("\ufffd") >= 0 && !Buffer.from(text, "utf8").equals(bytes)) return undefined;
  return text;
}

/**
 * Routes one record: its event, or its dead letter. Never throws: whatever the bytes hold (invalid UTF-8, a BOM,
 * NUL bytes, any nesting, any size), the record ends as an event or as a dead letter with a reason.
 */
export function routeRecord(record: KafkaRecord, recordTimeIsEventTime = false): Routed {
  try {
    if (record.rejected !== undefined) return { deadLetters: deadLetterOf(record, record.rejected) };
    if (recordTimeIsEventTime) {
      const problem = recordTimeProblem(record.timestamp);
      if (problem !== undefined) return { deadLetters: deadLetterOf(record, `record timestamp (the event time): ${problem}`) };
    }
    if (record.value === null) return { deadLetters: deadLetterOf(record, "record has no value (tombstone)") };
    // Decoded here (Buffer is a registered builtin): sale_event.ts's module-level TextDecoder does not survive the
    // serialization of this DoFn into the pipeline proto.
    const text = strictUtf8(record.value);
    if (text === undefined) return { deadLetters: deadLetterOf(record, "invalid UTF-8: the value is not valid UTF-8 text") };
    if (text.charCodeAt(0) === 0xfeff) {
      return { deadLetters: deadLetterOf(record, "invalid JSON: the value starts with a byte order mark (U+FEFF)") };
    }
    const parsed = parseSaleEvent(text);
    return parsed.ok ? { events: parsed.event } : { deadLetters: deadLetterOf(record, parsed.reason) };
  } catch (e) {
    // The last line of defence (nothing above should throw): the record is kept as a dead letter, not lost.
    const message = e instanceof Error ? `${e.name}: ${e.message}` : "unknown error";
    return { deadLetters: deadLetterOf(record, `could not be parsed (${message.slice(0, 200)})`) };
  }
}

/**
 * `recordTimeIsEventTime`: the records' Kafka timestamps are their event times (readFromKafka's default): one a sink
 * cannot store (before 1970, after 9998) makes the record a dead letter too, as the event's own `timestamp` does.
 */
export function parseSalesEvents(
  name = "parseSalesEvents",
  options: { readonly recordTimeIsEventTime?: boolean } = {},
): (records: PCollection<KafkaRecord>) => ParsedEvents {
  const recordTimeIsEventTime = options.recordTimeIsEventTime === true;
  return withName(name, (records: PCollection<KafkaRecord>): ParsedEvents => {
    // A map (not a parDo returning a one-item array): the direct runner calls a map's function directly and
    // emits its single result, with no per-record array or generator.
    const routed = records.map(function parseOrDeadLetter(record: KafkaRecord): Routed {
      return routeRecord(record, recordTimeIsEventTime);
    });
    const split_ = routed.apply(
      withName("routeDeadLetters", split<{ events: SaleEvent; deadLetters: DeadLetter }>(["events", "deadLetters"])),
    );
    // Counted on the dead-letter branch only, so the parse step itself needs no DoFn parameters (its fast path).
    const deadLetters = split_.deadLetters.apply(
      withName(
        "countDeadLetters",
        parDo<DeadLetter, DeadLetter, DeadLetterCounters>(
          {
            process: function countDeadLetter(deadLetter: DeadLetter, context: DeadLetterCounters): DeadLetter[] {
              context.deadLetters.increment(1);
              context[deadLetterClass(deadLetter.reason)].increment(1);
              return [deadLetter];
            },
          },
          {
            deadLetters: counter(DEAD_LETTERS_COUNTER),
            no_value: counter(`${DEAD_LETTERS_COUNTER}.no_value`),
            invalid_json: counter(`${DEAD_LETTERS_COUNTER}.invalid_json`),
            not_an_object: counter(`${DEAD_LETTERS_COUNTER}.not_an_object`),
            missing_field: counter(`${DEAD_LETTERS_COUNTER}.missing_field`),
            invalid_field: counter(`${DEAD_LETTERS_COUNTER}.invalid_field`),
          },
        ),
      ),
    );
    return { events: split_.events, deadLetters };
  });
}
