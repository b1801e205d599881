/**
 * The sales pipeline on the direct runner against the real broker, for integration tests: named times, named
 * users and products, sales produced as the producer writes them, and capturing sinks.
 */
import { directRunner, type DirectPipelineResult } from "../../runners/direct/runner";
import { serializeSaleEvent, type SaleEvent } from "../../sales/sale_event";
import { readFromKafka, type ReadFromKafkaOptions } from "../../transforms/kafka";
import type { ProducedRecord } from "../../io/kafka/kafka_client";
import type { DeadLetter } from "../../sales/parse_sales_events";
import { paneCapture, type PaneCapture } from "../../transforms/testing";
import { buildPipeline, type SalesAggregationConfig } from "../../pipelines/sales_aggregation";
import { type LateSale } from "../../sales/late_sale";
import { type SalesWindowResult } from "../../sales/window_result";
import { BOOTSTRAP, createTopic, uniqueName } from "./kafka_test_helpers";

export const BEGINNING = Date.UTC(2026, 0, 1, 12, 0, 0);
export const seconds = (n: number): number => BEGINNING + n * 1000;
export const minutes = (n: number): number => seconds(n * 60);

export const ALICE = "alice";
export const BOB = "bob";
export const CAROL = "carol";
export const DAVE = "dave";
export const APPLES = "apples";
export const BREAD = "bread";
export const CHEESE = "cheese";

let sequence = 0;

export function sale(user: string, product: string, amount: number, at: number): SaleEvent {
  return {
    event_id: `evt_${++sequence}`,
    user_id: user,
    product_id: product,
    amount,
    timestamp: new Date(at).toISOString(),
    event_type: "purchase",
  };
}

/** The record the producer writes for a sale: keyed by user, record timestamp = event time. */
export function saleRecord(partition: number, event: SaleEvent): ProducedRecord {
  return { partition, key: event.user_id, timestamp: Date.parse(event.timestamp), value: serializeSaleEvent(event) };
}

export async function freshTopic(partitions: number): Promise<{ topic: string; groupId: string }> {
  const topic = uniqueName("pipeline");
  await createTopic(topic, partitions);
  return { topic, groupId: uniqueName("group") };
}

export interface PipelineRun {
  readonly results: PaneCapture<SalesWindowResult>;
  readonly late: PaneCapture<LateSale>;
  readonly deadLetters: PaneCapture<DeadLetter>;
  readonly result: DirectPipelineResult;
}

export type KafkaTestOptions = Pick<ReadFromKafkaOptions, "topic" | "groupId"> & Partial<ReadFromKafkaOptions>;

/** Starts the sales pipeline on the direct runner reading `kafka`, with capturing sinks. */
export async function startPipeline(config: SalesAggregationConfig, kafka: KafkaTestOptions): Promise<PipelineRun> {
  const results = paneCapture<SalesWindowResult>("results");
  const late = paneCapture<LateSale>("late");
  const deadLetters = paneCapture<DeadLetter>("deadLetters");
  const source = readFromKafka({
    bootstrapServers: BOOTSTRAP,
    watermarkDelay: 10_000,
    idleTimeout: 300,
    commitInterval: 0,
    ...kafka,
  });
  const result = (await directRunner().runAsync((root) =>
    buildPipeline(root, config, {
      source,
      sinks: { results: results.capture(), late: late.capture(), deadLetters: deadLetters.capture() },
    }),
  )) as DirectPipelineResult;
  return { results, late, deadLetters, result };
}

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One result as a compact, comparable row: window (in seconds from BEGINNING), key, sum, count, pane. */
export function row(r: SalesWindowResult): string {
  const s = (t: number): number => (t - BEGINNING) / 1000;
  const pane = `${r.pane.timing}${r.pane.isLast ? " final" : ""}`;
  return `[${s(r.window.start)},${s(r.window.end)}) ${r.key} sum=${r.sum} count=${r.count} ${pane}`;
}

export function rows(run: PipelineRun): string[] {
  return run.results
    .elements()
    .map((e) => row(e.value))
    .sort();
}
