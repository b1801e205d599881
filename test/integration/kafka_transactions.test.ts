/**
 * A topic written by a transactional producer (Kafka Streams with exactly-once, any producer with a
 * transactional.id): aborted records are not read, and the transaction markers — offsets that hold no record —
 * do not keep the source from reaching the end. Before, a topic ending with a commit marker never looked read to its
 * end (consumer lag 1 forever): --stop-when-idle never stopped and the commit stayed one offset short.
 */
import "apache-beam";
import { Kafka, logLevel } from "kafkajs";
import { BOOTSTRAP, committedOffsets } from "./kafka_test_helpers";
import { ALICE, APPLES, BREAD, freshTopic, rows, sale, seconds, startPipeline } from "./pipeline_test_helpers";
import type { SaleEvent } from "../../sales/sale_event";

jest.setTimeout(60_000);

const message = (event: SaleEvent): { key: string; value: string; timestamp: string } => ({
  key: event.user_id,
  value: JSON.stringify(event),
  timestamp: String(Date.parse(event.timestamp)),
});

/** Three transactions: committed, aborted, committed (each ends with a marker at its own offset). */
async function produceTransactions(topic: string): Promise<void> {
  const kafka = new Kafka({ brokers: BOOTSTRAP, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ transactionalId: `tx-${topic}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const batches: Array<[SaleEvent[], "commit" | "abort"]> = [
      [[sale(ALICE, APPLES, 10, seconds(1)), sale(ALICE, BREAD, 20, seconds(2))], "commit"],
      [[sale(ALICE, APPLES, 1000, seconds(3))], "abort"],
      [[sale(ALICE, APPLES, 5, seconds(4))], "commit"],
    ];
    for (const [events, end] of batches) {
      const transaction = await producer.transaction();
      await transaction.send({ topic, messages: events.map(message) });
      await (end === "commit" ? transaction.commit() : transaction.abort());
    }
  } finally {
    await producer.disconnect();
  }
}

const FIXED = { window: { kind: "fixed" as const, size: 60_000, offset: 0 }, key: "product" as const, trigger: {}, allowedLateness: 0 };

test("a transactional topic: aborted records are not counted, --stop-when-idle stops, the commit reaches the log end", async () => {
  const { topic, groupId } = await freshTopic(1);
  await produceTransactions(topic);
  const run = await startPipeline(FIXED, { topic, groupId, from: "earliest", stopWhenIdle: 1500 });
  await run.result.waitUntilFinish();
  expect(rows(run)).toEqual(["[0,60) apples sum=15 count=2 ON_TIME final", "[0,60) bread sum=20 count=1 ON_TIME final"]);
  // 2 records + marker, 1 aborted record + marker, 1 record + marker: the log ends at 7, and so does the commit.
  expect(await committedOffsets(groupId, topic)).toEqual([expect.objectContaining({ partition: 0, offset: "7" })]);

  // Resumed from that commit: nothing more to read, and the run still stops.
  const again = await startPipeline(FIXED, { topic, groupId, from: "committed", stopWhenIdle: 1500 });
  await again.result.waitUntilFinish();
  expect(rows(again)).toEqual([]);
});
