/**
 * The Kafka source's timestamp policy (KafkaIO's TimestampPolicy): a fetched record's event time (the Kafka record
 * timestamp, or a JSON field of its value), the --max-future-skew guard, and the one warning when the events' own
 * `timestamp` field disagrees with the record timestamps they are read by.
 */
import type { FetchedRecord } from "../../../io/kafka/kafka_client";
import { formatEventTime, parseIsoTimestamp } from "../../../sales/sale_event";
import type { Millis } from "../../../model/model";
import type { KafkaRecord } from "../../../model/kafka_source_spec";
import { describeDuration } from "../../../lib/durations";

/**
 * A KafkaRecord as fetched: one object per record with a fixed shape, whose key is decoded from its bytes only when
 * asked (dead letters ask; the aggregation never does), so no key string is made per record.
 */
export class FetchedKafkaRecord implements KafkaRecord {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    readonly timestamp: Millis,
    readonly keyBytes: Buffer | null,
    readonly value: Uint8Array | null,
    readonly rejected: string | undefined,
  ) {}

  get key(): string | null {
    return this.keyBytes === null ? null : this.keyBytes.toString("utf8");
  }
}

/** A fetched batch with its event times: what the merge queues. */
export interface TimedRecords {
  readonly records: FetchedKafkaRecord[];
  /** Per record: its merge time (event time; for a refused one, the time of the record before it). */
  readonly times: number[];
  /** Per record: whether it moves the watermark (false: no event time of its own, or refused). Null: all do. */
  readonly moves: boolean[] | null;
}

/** The event time in a JSON field of the value: an ISO-8601 string or epoch milliseconds; undefined if absent. */
export function eventTimeFromField(value: Uint8Array | null, field: string): Millis | undefined {
  if (value === null) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const v = (parsed as Record<string, unknown>)[field];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string") {
    const t = parseIsoTimestamp(v);
    return typeof t === "number" ? t : undefined;
  }
  return undefined;
}

/** The first records of each partition whose `timestamp` field is compared with their record timestamp. */
const TIMESTAMP_SAMPLE = 10;

export interface EventTimeOptions {
  /** The JSON field holding the event time; null: the Kafka record timestamp. */
  readonly timestampField: string | null;
  /** --max-future-skew (null: off). */
  readonly maxFutureSkewMs?: Millis | null;
  readonly watermarkDelayMs: Millis;
}

/** Per partition: how many sampled records' `timestamp` field disagreed with their record timestamp. */
interface Sample {
  sampled: number;
  disagreed: number;
  readonly differences: number[];
}

export class EventTimes {
  /** Records whose event time was too far in the future (--max-future-skew). */
  futureRejected = 0;
  private readonly samples = new Map<number, Sample>();
  /** The record timestamps were compared with the events' `timestamp` field (and warned about if need be). */
  private checked = false;
  /** Per partition: the merge time of its last record (a refused record is merged at it). */
  private readonly lastTimes = new Map<number, number>();

  constructor(
    private readonly options: EventTimeOptions,
    private readonly wallClock: () => Millis,
    private readonly warn: (line: string) => void,
  ) {}

  /** A fetched record's event time, without the future guard (records a restored checkpoint reflects). */
  eventTime(record: FetchedRecord): Millis {
    const field = this.options.timestampField;
    return (field === null ? undefined : eventTimeFromField(record.value, field)) ?? Number(record.timestamp);
  }

  /** The records fetched[from...] of one partition as FetchedKafkaRecords with their times. */
  timed(topic: string, partition: number, fetched: readonly FetchedRecord[], from: number): TimedRecords {
    const field = this.options.timestampField;
    const n = fetched.length - from;
    const records: FetchedKafkaRecord[] = new Array(n);
    const times: number[] = new Array(n);
    let moves: boolean[] | null = null;
    const skew = this.options.maxFutureSkewMs ?? null;
    const futureLimit = skew === null ? Number.POSITIVE_INFINITY : this.wallClock() + skew;
    let last = this.lastTimes.get(partition) ?? Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const r = fetched[from + i];
      const timestamp = Number(r.timestamp);
      let eventTime = timestamp;
      let own = true;
      if (field !== null) {
        const fromField = eventTimeFromField(r.value, field);
        if (fromField === undefined) own = false;
        else eventTime = fromField;
      }
      let rejected: string | undefined;
      if (eventTime > futureLimit) {
        rejected = this.rejectFuture(eventTime, skew ?? 0);
        own = false;
        eventTime = last;
      }
      if (!own) {
        moves ??= new Array<boolean>(n).fill(true);
        moves[i] = false;
      }
      records[i] = new FetchedKafkaRecord(topic, partition, r.offset, timestamp, r.key ?? null, r.value, rejected);
      times[i] = eventTime;
      last = eventTime;
    }
    this.lastTimes.set(partition, last);
    if (field === null && !this.checked) this.compareTimestampField(partition, fetched, from);
    return { records, times, moves };
  }

  /**
   * --max-future-skew: an event time too far ahead of the wall clock (a producer's wrong clock) must not move the
   * watermark, or every normal event after it would be late. The record is handed marked `rejected` (the parse
   * step makes it a dead letter), at the watermark so that it holds nothing back.
   */
  private rejectFuture(eventTime: Millis, skew: Millis): string {
    this.futureRejected++;
    const ahead = eventTime - this.wallClock();
    return (
      `event time ${formatEventTime(eventTime)} is ${describeDuration(ahead)} ahead of the wall clock ` +
      `(more than --max-future-skew ${describeDuration(skew)}): not used for the watermark`
    );
  }

  /**
   * Event time is the Kafka record timestamp by default (as KafkaIO's on Flink). When the events' own `timestamp`
   * field disagrees with it by more than the watermark delay in most of the first records of a partition (a
   * console producer stamps records with the time of sending), one warning says so and names --timestamp-field.
   */
  private compareTimestampField(partition: number, fetched: readonly FetchedRecord[], from: number): void {
    const delay = this.options.watermarkDelayMs;
    let sample = this.samples.get(partition);
    if (sample === undefined) {
      sample = { sampled: 0, disagreed: 0, differences: [] };
      this.samples.set(partition, sample);
    }
    for (let i = from; i < fetched.length && sample.sampled < TIMESTAMP_SAMPLE; i++) {
      const r = fetched[i];
      const fromField = eventTimeFromField(r.value, "timestamp");
      if (fromField === undefined) continue;
      sample.sampled++;
      const difference = Math.abs(fromField - Number(r.timestamp));
      if (difference > delay) {
        sample.disagreed++;
        sample.differences.push(difference);
      }
    }
    if (sample.sampled < TIMESTAMP_SAMPLE) return;
    if (sample.disagreed * 2 > sample.sampled) {
      this.checked = true;
      const sorted = [...sample.differences].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      this.warn(
        `kafka source: warning: event time is the Kafka record timestamp (the default), but the events' own ` +
          `"timestamp" field differs from it by more than the watermark delay (${describeDuration(delay)}) in ` +
          `${sample.disagreed} of the first ${sample.sampled} records of partition ${partition} (median ` +
          `${describeDuration(median)}); with --timestamp-field timestamp, windows, the watermark and late data would ` +
          "follow the events' own times instead of when the records were produced",
      );
    } else if ([...this.samples.values()].every((p) => p.sampled >= TIMESTAMP_SAMPLE)) {
      this.checked = true;
    }
  }
}
