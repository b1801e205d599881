/**
 * The producer against the real broker (127.0.0.1:9092, started by the jest global setup when needed):
 * what it reports is what a consumer reads back, partition by partition.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { Kafka, KafkaMessage, logLevel } from "kafkajs";
import { parseSaleEvent } from "../../sales/sale_event";
import { generateSaleRecords, GeneratedRecord, saleRecords } from "../../pipelines/producer/generator";
import { produceToKafka } from "../../pipelines/producer/kafka_writer";
import { parseProduceArgs } from "../../pipelines/producer/options";
import { partitionFor } from "../../pipelines/producer/partitioner";
import { freePort } from "../../lib/ports";

const BOOTSTRAP = `127.0.0.1:${process.env.STACK_KAFKA_PORT ?? "9092"}`;
const REPO = path.resolve(__dirname, "..", "..");
const BEGINNING = "2026-01-01T00:00:00Z";

interface ReadRecord {
  readonly partition: number;
  readonly key: string;
  readonly value: string;
  readonly timestamp: number;
}

function uniqueTopic(name: string): string {
  return `it_producer_${name}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
}

const kafka = new Kafka({ clientId: "producer-it", brokers: [BOOTSTRAP], logLevel: logLevel.NOTHING });

/** Reads `count` records of `topic` from the beginning with a fresh consumer group. */
async function readBack(topic: string, count: number, timeoutMs = 45_000): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({ groupId: `${topic}_reader`, maxWaitTimeInMs: 200 });
  const out: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${count} records within ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) out.push(toRead(batch.partition, m));
            if (out.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

function toRead(partition: number, m: KafkaMessage): ReadRecord {
  return {
    partition,
    key: m.key?.toString("utf8") ?? "",
    value: m.value?.toString("utf8") ?? "",
    timestamp: Number(m.timestamp),
  };
}

function sortKey(r: { key: string; value: string; timestamp: number }): string {
  return `${r.key}\u0000${r.timestamp}\u0000${r.value}`;
}

async function deleteTopic(topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}

describe("producer against the real broker", () => {
  const topic = uniqueTopic("mixed");
  afterAll(() => deleteTopic(topic));

  test("what it sends (keys, record timestamps, per-partition counts, malformed records) is what a consumer reads", async () => {
    const options = parseProduceArgs(
      ["--topic", topic, "--bootstrap-servers", BOOTSTRAP, "--count", "3000", "--partitions", "4", "--users", "40",
        "--malformed-fraction", "0.05", "--late-fraction", "0.05", "--out-of-order-fraction", "0.1",
        "--seed", "11", "--start-time", BEGINNING, "--batch-size", "50"],
      { now: 0, randomSeed: 0 },
    );
    const expected: GeneratedRecord[] = generateSaleRecords(options.generator);
    const summary = await produceToKafka(options, saleRecords(options.generator));

    // The summary: every record, partitioned as Kafka's default partitioner would.
    const expectedPerPartition = [0, 0, 0, 0];
    for (const r of expected) expectedPerPartition[partitionFor(r.key, 4)]++;
    expect(summary.sent).toBe(3000);
    expect(summary.partitions).toBe(4);
    expect(summary.topicCreated).toBe(true);
    expect(summary.perPartition).toEqual(expectedPerPartition);
    const expectedMalformed = expected.filter((r) => r.kind === "malformed_json" || r.kind === "malformed_schema").length;
    expect(summary.byKind.malformed_json + summary.byKind.malformed_schema).toBe(expectedMalformed);
    expect(summary.byKind.late).toBe(expected.filter((r) => r.kind === "late").length);
    expect(expectedMalformed).toBeGreaterThan(0);

    // Read back: the same records per partition (key, value, timestamp), nothing more.
    const read = await readBack(topic, 3000);
    expect(read.length).toBe(3000);
    // (forEach, not `for (let p ...)`: the closure transform loses loop variables captured by inner arrows)
    [0, 1, 2, 3].forEach((p) => {
      const got = read.filter((r) => r.partition === p).map(sortKey).sort();
      const want = expected.filter((r) => partitionFor(r.key, 4) === p).map(sortKey).sort();
      expect(got.length).toBe(expectedPerPartition[p]);
      expect(got).toEqual(want);
      // ... in the order they were generated (issue 22, item 7: --rate 0 reordered batches).
      const inOrder = (records: ReadonlyArray<{ key: string; value: string; timestamp: number }>): string[] => records.map(sortKey);
      expect(inOrder(read.filter((r) => r.partition === p))).toEqual(inOrder(expected.filter((r) => partitionFor(r.key, 4) === p)));
    });

    // Keys are user ids; record timestamps are the event times; malformed records are exactly the unparseable ones.
    let malformedRead = 0;
    for (const r of read) {
      const parsed = parseSaleEvent(r.value);
      if (!parsed.ok) {
        malformedRead++;
        continue;
      }
      expect(r.key).toBe(parsed.event.user_id);
      expect(r.timestamp).toBe(parsed.eventTime);
    }
    expect(malformedRead).toBe(expectedMalformed);
  });

  test("an existing topic keeps its partition count and is not re-created", async () => {
    const again = parseProduceArgs(
      ["--topic", topic, "--bootstrap-servers", BOOTSTRAP, "--count", "10", "--partitions", "9", "--seed", "12"],
      { now: Date.parse(BEGINNING), randomSeed: 0 },
    );
    const summary = await produceToKafka(again, saleRecords(again.generator));
    expect(summary.topicCreated).toBe(false);
    expect(summary.partitions).toBe(4);
    expect(summary.perPartition.reduce((a, b) => a + b, 0)).toBe(10);
  });

  test("a paced run takes about count / rate seconds", async () => {
    const paced = uniqueTopic("paced");
    try {
      const options = parseProduceArgs(
        ["--topic", paced, "--bootstrap-servers", BOOTSTRAP, "--count", "200", "--rate", "100", "--seed", "3"],
        { now: Date.parse(BEGINNING), randomSeed: 0 },
      );
      const summary = await produceToKafka(options, saleRecords(options.generator));
      expect(summary.sent).toBe(200);
      expect(summary.seconds).toBeGreaterThanOrEqual(1.8);
      expect(summary.seconds).toBeLessThan(6);
    } finally {
      await deleteTopic(paced);
    }
  });
});

describe("produce CLI", () => {
  function runCli(args: string[]) {
    return spawnSync(process.execPath, ["-r", "./tools/register.js", "pipelines/produce.ts", ...args], {
      cwd: REPO,
      encoding: "utf8",
      timeout: 60_000,
    });
  }

  test("sends and prints the summary", async () => {
    const topic = uniqueTopic("cli");
    try {
      const r = runCli(["--topic", topic, "--bootstrap-servers", BOOTSTRAP, "--count", "50", "--partitions", "2",
        "--malformed-fraction", "0.2", "--seed", "5"]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^sent 50 records to ${topic} \\(2 partitions, created\\)`));
      expect(r.stdout).toMatch(/per partition: 0=\d+ 1=\d+/);
      expect(r.stdout).toMatch(/malformed \d+ \(invalid JSON \d+, schema violations \d+\)/);
    } finally {
      await deleteTopic(topic);
    }
  });

  test("an unknown flag: one line on stderr naming the valid options, exit code 1", () => {
    const r = runCli(["--bogus", "1"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^produce: error: Unknown argument: bogus \(valid options: --topic, /);
  });

  test("no broker: one line saying how to start one, exit code 1", async () => {
    const port = await freePort();
    const r = runCli(["--bootstrap-servers", `127.0.0.1:${port}`, "--count", "1"]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`cannot reach Kafka at 127.0.0.1:${port}`);
    expect(r.stderr).toContain("npm run stack:up");
  });
});
