/**
 * Issue 8, finding 7 on the real broker: event time is the Kafka record timestamp by default; when the events'
 * own `timestamp` field disagrees with it (records produced now carrying yesterday's events, as a console
 * producer does), the run prints one warning naming --timestamp-field timestamp and what it would change.
 */
import { produce } from "./kafka_test_helpers";
import { ALICE, APPLES, freshTopic, sale, startPipeline } from "./pipeline_test_helpers";
import { serializeSaleEvent } from "../../sales/sale_event";

jest.setTimeout(60_000);

const WARNING =
  /^kafka source: warning: event time is the Kafka record timestamp \(the default\), but the events' own "timestamp" field differs from it by more than the watermark delay \(10\.0 s\) in 10 of the first 10 records of partition 0 \(median 1\.0 d\); with --timestamp-field timestamp, windows, the watermark and late data would follow the events' own times instead of when the records were produced$/;

async function warningsFor(eventTimeOffsetMs: number): Promise<string[]> {
  const { topic, groupId } = await freshTopic(1);
  const now = Date.now();
  await produce(
    topic,
    Array.from({ length: 12 }, (_, i) => ({
      partition: 0,
      key: ALICE,
      timestamp: now + i, // when the record was produced
      value: serializeSaleEvent(sale(ALICE, APPLES, 1, now + i - eventTimeOffsetMs)), // when the sale happened
    })),
  );
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split("\n").filter((l) => l.startsWith("kafka source: warning")));
    return write(chunk);
  });
  try {
    const run = await startPipeline(
      { window: { kind: "fixed", size: 60_000, offset: 0 }, key: "product", trigger: {}, allowedLateness: 0 },
      { topic, groupId, stopWhenIdle: 1500 },
    );
    await run.result.waitUntilFinish();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

describe("where event time comes from", () => {
  test("events whose timestamp field is a day before their record timestamps: one warning naming --timestamp-field", async () => {
    const lines = await warningsFor(86_400_000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(WARNING);
  });

  test("events whose field agrees with the record timestamps: no warning", async () => {
    expect(await warningsFor(0)).toEqual([]);
  });
});
