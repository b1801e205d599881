/**
 * Records written by Kafka's own Java producer with every compression codec it has (Snappy, LZ4, Zstandard, gzip)
 * are read and aggregated like uncompressed ones. kafkajs reads only gzip by itself: before io/kafka/kafka_codecs.ts
 * one Snappy, LZ4 or Zstandard batch stopped the pipeline ("Snappy compression not implemented").
 */
import "apache-beam";
import { spawnSync } from "child_process";
import * as path from "path";
import { BOOTSTRAP } from "./kafka_test_helpers";
import { BEGINNING, freshTopic, rows, startPipeline } from "./pipeline_test_helpers";

jest.setTimeout(120_000);

const KAFKA_CLASSPATH = path.join(__dirname, "..", "..", "infra", "lib", "*");
const PRODUCTS = ["apples", "bread", "cheese", "dates", "eggs"];
const RECORDS = 3000;

/** `RECORDS` sales within the first minute, keyed by user, each with some padding (so a batch has many blocks). */
function salesLines(codec: string): { lines: string; expected: string[] } {
  const totals = new Map<string, { sum: number; count: number }>();
  const lines: string[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const product = PRODUCTS[(i * 7) % PRODUCTS.length];
    const amount = 1 + ((i * 13) % 97);
    const event = {
      event_id: `evt_${codec}_${i}`,
      user_id: `user_${i % 11}`,
      product_id: product,
      amount,
      timestamp: new Date(BEGINNING + Math.floor((i * 59_000) / RECORDS)).toISOString(),
      event_type: "purchase",
      note: `${codec} ${"x".repeat(i % 200)}`,
    };
    lines.push(`${event.user_id}\t${JSON.stringify(event)}`);
    const t = totals.get(product) ?? { sum: 0, count: 0 };
    totals.set(product, { sum: t.sum + amount, count: t.count + 1 });
  }
  const expected = [...totals].map(([product, t]) => `[0,60) ${product} sum=${t.sum} count=${t.count} ON_TIME final`).sort();
  return { lines: lines.join("\n") + "\n", expected };
}

/** Produces with Kafka's own console producer (kafka-clients 3.9), large batches, the given codec. */
function produceWithJava(topic: string, codec: string, lines: string): void {
  const r = spawnSync(
    "java",
    [
      "-cp", KAFKA_CLASSPATH, "kafka.tools.ConsoleProducer",
      "--bootstrap-server", BOOTSTRAP[0], "--topic", topic, "--compression-codec", codec,
      "--property", "parse.key=true", "--property", "key.separator=\t",
      "--producer-property", "batch.size=1048576", "--producer-property", "linger.ms=200", "--request-required-acks", "all",
    ],
    { input: lines, encoding: "utf8", timeout: 60_000 },
  );
  if (r.status !== 0) throw new Error(`ConsoleProducer (${codec}) exited ${r.status}: ${r.stderr}`);
}

describe("Kafka batches compressed by Kafka's own producer", () => {
  test.each(["snappy", "lz4", "zstd", "gzip"])("%s: every record read and aggregated, no dead letters", async (codec) => {
    const { topic, groupId } = await freshTopic(1);
    const { lines, expected } = salesLines(codec);
    produceWithJava(topic, codec, lines);
    const run = await startPipeline(
      { window: { kind: "fixed", size: 60_000, offset: 0 }, key: "product", trigger: {}, allowedLateness: 0 },
      { topic, groupId, from: "earliest", stopWhenIdle: 1500, timestampField: "timestamp" },
    );
    await run.result.waitUntilFinish();
    expect(run.deadLetters.elements().map((e) => e.value.reason)).toEqual([]);
    expect(rows(run)).toEqual(expected);
  });
});
