/**
 * A bounded sample of sales records for runners that cannot read Kafka yet (Flink until the "Kafka to Flink end to
 * end" issue, Dataflow's --dry-run): the producer's generator (same records as `npm run produce` with the same
 * spec) as a TestStream of KafkaRecords, the watermark following the newest event time minus the watermark delay
 * after every batch, as the Kafka source would move it. Some records are late and some malformed, so every output
 * (results, late data, dead letters) has something to show.
 */
import type { PCollection, Root } from "apache-beam/pvalue";
import type { Millis } from "../model/model";
import type { KafkaRecord } from "../model/kafka_source_spec";
import { testStream } from "../transforms/test_stream";
import { DEFAULT_GENERATOR_SPEC, generateSaleRecords } from "./producer/generator";

export interface SampleSpec {
  readonly count: number;
  readonly seed: number;
  readonly watermarkDelay: Millis;
  /** Records per TestStream batch (the watermark moves after each). */
  readonly batch?: number;
}

export const SAMPLE_TOPIC = "sample";

export function salesSample(spec: SampleSpec): (root: Root) => PCollection<KafkaRecord> {
  const records = generateSaleRecords({
    ...DEFAULT_GENERATOR_SPEC,
    seed: spec.seed,
    count: spec.count,
    intervalMs: 1000,
    outOfOrderFraction: 0.02,
    outOfOrderMaxMs: 5000,
    lateFraction: 0.02,
    lateDelayMs: 180_000,
    malformedFraction: 0.01,
  });
  const batch = spec.batch ?? 50;
  let builder = testStream<KafkaRecord>().named("readSample");
  let newest = Number.NEGATIVE_INFINITY;
  let watermark = Number.NEGATIVE_INFINITY;
  for (let start = 0; start < records.length; start += batch) {
    const slice = records.slice(start, start + batch);
    builder = builder.addElements(
      ...slice.map((r) => ({
        value: {
          topic: SAMPLE_TOPIC,
          partition: 0,
          offset: String(r.index),
          timestamp: r.timestamp,
          key: r.key,
          value: new Uint8Array(Buffer.from(r.value, "utf8")),
        },
        timestamp: r.timestamp,
      })),
    );
    for (const r of slice) newest = Math.max(newest, r.timestamp);
    const next = newest - spec.watermarkDelay;
    if (next > watermark) {
      builder = builder.advanceWatermarkTo(next);
      watermark = next;
    }
  }
  return builder.advanceWatermarkToInfinity();
}
