/**
 * The sales pipeline on Kafka while data keeps arriving: late data within the allowed lateness updates its window
 * (a LATE pane), droppable data reaches the late-data output, malformed records reach the dead-letter output with
 * their offsets, and an idle partition does not stop the watermark.
 */
import { produce, rawRecord } from "./kafka_test_helpers";
import {
  ALICE,
  APPLES,
  BOB,
  BREAD,
  CHEESE,
  freshTopic,
  rows,
  sale,
  saleRecord,
  seconds,
  startPipeline,
  waitFor,
} from "./pipeline_test_helpers";
import { DEAD_LETTERS_COUNTER } from "../../sales/parse_sales_events";

jest.setTimeout(60_000);

const FIXED_MINUTE = { kind: "fixed", size: 60_000, offset: 0 } as const;

describe("sales pipeline on Kafka: lateness, dead letters, idleness", () => {
  test("late data within the allowed lateness updates its window in a LATE pane; droppable data goes to the late output", async () => {
    const { topic, groupId } = await freshTopic(1);
    const run = await startPipeline(
      { window: FIXED_MINUTE, key: "product", trigger: {}, allowedLateness: 60_000 },
      { topic, groupId, stopWhenIdle: 1500 },
    );
    // On time: the watermark reaches 80 s (90 s − 10 s delay), so [0, 60) fires ON_TIME.
    await produce(topic, [
      saleRecord(0, sale(ALICE, APPLES, 10, seconds(10))),
      saleRecord(0, sale(ALICE, APPLES, 20, seconds(50))),
      saleRecord(0, sale(BOB, BREAD, 5, seconds(90))),
    ]);
    await waitFor("the on-time pane of [0, 60)", () => rows(run).includes("[0,60) apples sum=30 count=2 ON_TIME"));
    // Late but within the allowed lateness (the watermark, 80 s, is before 60 s + 60 s): a LATE pane.
    await produce(topic, [saleRecord(0, sale(BOB, APPLES, 7, seconds(40)))]);
    await waitFor("the late pane of [0, 60)", () => rows(run).includes("[0,60) apples sum=37 count=3 LATE"));
    // The watermark moves to 190 s: [0, 60) is expired; a sale at 30 s is now droppable.
    await produce(topic, [saleRecord(0, sale(BOB, CHEESE, 1, seconds(200)))]);
    await waitFor("[60, 120) on time", () => rows(run).some((r) => r.startsWith("[60,120) bread")));
    const droppable = sale(ALICE, APPLES, 2, seconds(30));
    await produce(topic, [saleRecord(0, droppable)]);
    await run.result.waitUntilFinish();

    expect(rows(run)).toEqual([
      "[0,60) apples sum=30 count=2 ON_TIME",
      "[0,60) apples sum=37 count=3 LATE",
      // Garbage collection of [0, 60) (end + allowed lateness, passed when the watermark reached 190 s): the
      // window's final pane (closing behaviour FIRE_ALWAYS), the same value, marked final.
      "[0,60) apples sum=37 count=3 LATE final",
      "[180,240) cheese sum=1 count=1 ON_TIME final",
      // The watermark jumped from 80 s past both the end (120 s) and the expiry (180 s) of [60, 120): one pane,
      // on time and final (as Beam's ReduceFnRunner does when both timers are due at once).
      "[60,120) bread sum=5 count=1 ON_TIME final",
    ]);
    const late = run.late.elements().map((e) => e.value);
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({
      key: APPLES,
      value: { event_id: droppable.event_id },
      timestamp: seconds(30),
      windows: [{ start: seconds(0), end: seconds(60) }],
    });
    expect(late[0].watermark).toBeGreaterThanOrEqual(seconds(190));
    expect((await run.result.counters()).droppedDueToLateness).toBe(1);
  });

  test("malformed records reach the dead-letter output with their coordinates and reason; the rest is aggregated", async () => {
    const { topic, groupId } = await freshTopic(2);
    await produce(topic, [
      saleRecord(0, sale(ALICE, APPLES, 10, seconds(10))),
      rawRecord(0, seconds(11), "{not json", "mallory"),
      rawRecord(1, seconds(12), JSON.stringify({ ...sale(BOB, BREAD, 3, seconds(12)), amount: "three" }), "bob"),
      saleRecord(1, sale(BOB, BREAD, 4, seconds(13))),
      rawRecord(1, seconds(14), "\u0001\u0002 binary", null),
    ]);
    const run = await startPipeline(
      { window: FIXED_MINUTE, key: "product", trigger: {}, allowedLateness: 0 },
      { topic, groupId, stopWhenIdle: 1500 },
    );
    await run.result.waitUntilFinish();

    expect(rows(run)).toEqual(["[0,60) apples sum=10 count=1 ON_TIME final", "[0,60) bread sum=4 count=1 ON_TIME final"]);
    const dead = run.deadLetters
      .elements()
      .map((e) => e.value)
      .sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
    expect(dead.map((d) => [d.topic, d.partition, d.offset, d.key])).toEqual([
      [topic, 0, "1", "mallory"],
      [topic, 1, "0", "bob"],
      [topic, 1, "2", null],
    ]);
    expect(dead[0].reason).toMatch(/^invalid JSON/);
    expect(dead[1].reason).toBe('amount: expected a finite number, got "three"');
    expect(dead[2].excerpt).toBe("\\u0001\\u0002 binary");
    expect(Buffer.from(dead[0].rawBase64 ?? "", "base64").toString("utf8")).toBe("{not json");
    expect(dead[0].timestamp).toBe(seconds(11));
    expect((await run.result.counters())[DEAD_LETTERS_COUNTER]).toBe(3);
  });

  test("several partitions, one of them idle: the watermark still advances and windows fire on time", async () => {
    const { topic, groupId } = await freshTopic(3);
    const run = await startPipeline(
      { window: FIXED_MINUTE, key: "product", trigger: {}, allowedLateness: 0 },
      { topic, groupId, idleTimeout: 1000 },
    );
    try {
      // Partition 2 never receives anything. Partitions 0 and 1 move past 70 s (+ 10 s delay).
      await produce(topic, [
        saleRecord(0, sale(ALICE, APPLES, 10, seconds(10))),
        saleRecord(1, sale(BOB, APPLES, 5, seconds(20))),
        saleRecord(0, sale(ALICE, BREAD, 1, seconds(90))),
        saleRecord(1, sale(BOB, BREAD, 1, seconds(95))),
      ]);
      await waitFor("[0, 60) on time while the pipeline runs", () =>
        rows(run).includes("[0,60) apples sum=15 count=2 ON_TIME final"),
      );
      expect(rows(run).some((r) => r.startsWith("[60,120)"))).toBe(false);
    } finally {
      await run.result.stop();
    }
  });
});
