/**
 * Issue 8, finding 1 on the real broker: a poison pill (a value nested 10,000 deep, invalid UTF-8) becomes a dead
 * letter and the run goes on; a user's step that throws on one record names the step, the record's
 * topic/partition@offset and the error, and with onStepError "dead-letter" the record is routed and the run goes on.
 */
import "apache-beam";
import type { PCollection, Root } from "apache-beam/pvalue";
import { directRunner, type DirectPipelineResult } from "../../runners/direct/runner";
import { STEP_ERRORS_COUNTER, type StepFailure } from "../../runners/direct/step_errors";
import type { SaleEvent } from "../../sales/sale_event";
import { readFromKafka, type KafkaRecord } from "../../transforms/kafka";
import { parseSalesEvents } from "../../sales/parse_sales_events";
import { paneCapture } from "../../transforms/testing";
import { BOOTSTRAP, produce, rawRecord } from "./kafka_test_helpers";
import { ALICE, APPLES, BREAD, freshTopic, rows, sale, saleRecord, seconds, startPipeline } from "./pipeline_test_helpers";

jest.setTimeout(60_000);

describe("hostile records on Kafka", () => {
  test("a value nested 10,000 deep and invalid UTF-8 are dead letters; the events around them are aggregated", async () => {
    const { topic, groupId } = await freshTopic(1);
    const invalidUtf8 = Buffer.from(JSON.stringify(sale(ALICE, "sku-@@", 1, seconds(5))));
    invalidUtf8[invalidUtf8.indexOf("@@")] = 0xff;
    invalidUtf8[invalidUtf8.indexOf("@") ] = 0xfe;
    await produce(topic, [
      saleRecord(0, sale(ALICE, APPLES, 10, seconds(1))),
      rawRecord(0, seconds(2), "[".repeat(10_000) + "]".repeat(10_000)),
      { partition: 0, timestamp: seconds(3), key: null, value: invalidUtf8 },
      saleRecord(0, sale(ALICE, APPLES, 5, seconds(4))),
    ]);
    const run = await startPipeline(
      { window: { kind: "fixed", size: 60_000, offset: 0 }, key: "product", trigger: {}, allowedLateness: 0 },
      { topic, groupId, from: "earliest", stopWhenIdle: 1500 },
    );
    await run.result.waitUntilFinish();
    expect(rows(run)).toEqual(["[0,60) apples sum=15 count=2 ON_TIME final"]);
    const dead = run.deadLetters.elements().map((e) => `${e.value.offset} ${e.value.reason}`);
    expect(dead).toEqual(["1 expected a JSON object, got [[[...]]]", "2 invalid UTF-8: the value is not valid UTF-8 text"]);
  });

  /** read → parse → a user's step that throws on product "bomb" → capture. */
  async function runWithBomb(
    topic: string,
    groupId: string,
    options: { onStepError?: "fail" | "dead-letter"; deadLetter?: (f: StepFailure) => void },
  ): Promise<{ result: DirectPipelineResult; seen: () => string[] }> {
    const captured = paneCapture<SaleEvent>("events");
    const result = (await directRunner(options).runAsync((root: Root) => {
      const records: PCollection<KafkaRecord> = root.apply(
        readFromKafka({ bootstrapServers: BOOTSTRAP, topic, groupId, from: "earliest", stopWhenIdle: 1500, commitInterval: 0 }),
      );
      const { events } = records.apply(parseSalesEvents());
      events
        .map(function checkProduct(event: SaleEvent): SaleEvent {
          if (event.product_id === "bomb") throw new TypeError(`cannot handle ${event.product_id}`);
          return event;
        })
        .apply(captured.capture());
    })) as DirectPipelineResult;
    return { result, seen: () => captured.elements().map((e) => e.value.product_id) };
  }

  test("a step that throws names the step, topic/partition@offset and the error, and says how to go on", async () => {
    const { topic, groupId } = await freshTopic(2);
    await produce(topic, [saleRecord(1, sale(ALICE, APPLES, 1, seconds(1))), saleRecord(1, sale(ALICE, "bomb", 1, seconds(2)))]);
    const run = await runWithBomb(topic, groupId, {});
    await expect(run.result.waitUntilFinish()).rejects.toThrow(
      new RegExp(
        `^step \\S*checkProduct\\S* threw TypeError: cannot handle bomb on ${topic}/1@1; to send such records to the ` +
          "dead-letter output and go on, run with --on-step-error=dead-letter",
      ),
    );
  });

  test("with onStepError dead-letter the record goes to the dead letters and the run goes on", async () => {
    const { topic, groupId } = await freshTopic(1);
    await produce(topic, [
      saleRecord(0, sale(ALICE, APPLES, 1, seconds(1))),
      saleRecord(0, sale(ALICE, "bomb", 1, seconds(2))),
      saleRecord(0, sale(ALICE, BREAD, 1, seconds(3))),
    ]);
    const failures: StepFailure[] = [];
    const run = await runWithBomb(topic, groupId, { onStepError: "dead-letter", deadLetter: (f) => failures.push(f) });
    await run.result.waitUntilFinish();
    expect(run.seen()).toEqual([APPLES, BREAD]);
    expect(failures.map((f) => `${f.where} ${(f.record as KafkaRecord).offset}`)).toEqual([`${topic}/0@1 1`]);
    expect(failures[0].reason).toMatch(/^step \S*checkProduct\S* threw TypeError: cannot handle bomb on /);
    expect((await run.result.counters())[STEP_ERRORS_COUNTER]).toBe(1);
  });
});
