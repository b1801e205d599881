/**
 * Sales aggregation: the original tutorial's Spark job (read sales events from Kafka, parse, window, sum/count/avg
 * per product, write out), correct in event time.
 *
 *   read → parse (bad records → dead letters) → window + trigger → sum/count/avg per key → sinks
 *
 * Keys: per product for fixed and sliding windows (the tutorial's groupBy(window, product_id)); per user for
 * session windows, as the tutorial's session_window intended (groupBy(user_id, window)) — a session is a user's
 * burst of activity. `--key product` gives per-product sessions (bursts of sales of one product) instead.
 *
 * The source and the sinks are passed in (`io`), so tests run the same pipeline on TestStream and capturing sinks,
 * and main.ts on Kafka and the configured sinks. The pipeline never reads argv or the environment.
 *
 * Run it: `npm run pipeline -- --runner=direct --window=fixed:1m` (see pipelines/options.ts, docs/operations.md).
 */
import "apache-beam";
import Long from "long";
import type { PCollection, Root } from "apache-beam/pvalue";
import type { PTransform } from "apache-beam/transforms/transform";
import { AsyncPTransformClass, withName } from "apache-beam/transforms/transform";
import { paneInfoParam, parDo, windowParam } from "apache-beam/transforms/pardo";
import type { PaneInfo, Window as SdkWindow } from "apache-beam/values";
import type { KV } from "apache-beam/values";
import type { Timing } from "../model/model";
import type { SaleEvent } from "../sales/sale_event";
import type { LateSale } from "../sales/late_sale";
import { parseSalesEvents, type DeadLetter } from "../sales/parse_sales_events";
import { salesStatsFn, type SalesStats } from "../sales/sales_stats";
import type { AggregationKey, SalesWindowResult } from "../sales/window_result";
import type { KafkaRecord } from "../transforms/kafka";
import type { Sink } from "../transforms/sinks/sink";
import { windowFnOf, windowInto } from "../transforms/windowing";
import { windowedCombine } from "../transforms/windowed_combine";
import { triggerOf, type SalesConfig } from "./options";

export interface SalesSinks {
  readonly results: Sink<SalesWindowResult>;
  readonly late: Sink<LateSale>;
  readonly deadLetters: Sink<DeadLetter>;
}

export interface SalesIO {
  /** A transform, or an async one (KafkaIO on portable runners: its expansion calls the Java expansion service). */
  readonly source: PTransform<Root, PCollection<KafkaRecord>> | AsyncPTransformClass<Root, PCollection<KafkaRecord>>;
  readonly sinks: SalesSinks;
}

/** What the aggregation needs from the configuration. */
export type SalesAggregationConfig = Pick<SalesConfig, "window" | "key" | "allowedLateness" | "trigger"> &
  Partial<Pick<SalesConfig, "timestampField">>;

/** The story. Returns a promise when the source is async (await it inside runner.run). */
export function buildPipeline(root: Root, config: SalesAggregationConfig, io: SalesIO): void | Promise<void> {
  const source = io.source;
  if (source instanceof AsyncPTransformClass && !isSyncTransform(source)) {
    return root.applyAsync(source).then((records) => aggregate(records, config, io));
  }
  aggregate(root.apply(source as PTransform<Root, PCollection<KafkaRecord>>), config, io);
}

function isSyncTransform(t: AsyncPTransformClass<Root, PCollection<KafkaRecord>>): boolean {
  return typeof (t as { expandInternal?: unknown }).expandInternal === "function";
}

/** parse → window → combine → sinks, from the records on. */
function aggregate(records: PCollection<KafkaRecord>, config: SalesAggregationConfig, io: SalesIO): void {
  // With event time from the record timestamp (the default), that timestamp must be one the sinks can store.
  const { events, deadLetters } = records.apply(parseSalesEvents("parseSalesEvents", { recordTimeIsEventTime: (config.timestampField ?? null) === null }));
  const windowed = events.apply(windowSales(config));
  const { results, late } = windowed.apply(sumCountAvgPer(config.key));
  const described = results.apply(describeWindows(config.key));
  described.apply(withName("writeResults", io.sinks.results));
  late.apply(withName("writeLateData", io.sinks.late));
  deadLetters.apply(withName("writeDeadLetters", io.sinks.deadLetters));
}


/** All windowing policy in one place: window fn, trigger, allowed lateness, accumulating panes. */
export function windowSales(config: SalesAggregationConfig): (events: PCollection<SaleEvent>) => PCollection<SaleEvent> {
  return windowInto<SaleEvent>(windowFnOf(config.window), {
    trigger: triggerOf(config.trigger),
    allowedLateness: config.allowedLateness,
    // Every pane carries the whole window so far: a sink that upserts by (window, key) ends with the final value.
    accumulation: "ACCUMULATING",
    // Every window ends with exactly one pane marked isLast, at garbage collection (end + allowed lateness), even
    // when nothing arrived since its last pane: the PostgreSQL row ends `final`, the Parquet sink writes only these.
    closingBehavior: "FIRE_ALWAYS",
  });
}

export function keyOf(kind: AggregationKey): (event: SaleEvent) => string {
  return kind === "user" ? (event: SaleEvent) => event.user_id : (event: SaleEvent) => event.product_id;
}

/** Windowed sum/count/avg per key, with the late-data output. */
export function sumCountAvgPer(kind: AggregationKey) {
  return windowedCombine<SaleEvent, string, SaleEvent, [number, number], SalesStats>({
    name: kind === "user" ? "sumCountAvgPerUser" : "sumCountAvgPerProduct",
    key: keyOf(kind),
    combineFn: salesStatsFn(),
  });
}

interface WindowAndPane {
  readonly window: { lookup(): SdkWindow };
  readonly pane: { lookup(): PaneInfo };
}

/** Attaches each result's window and pane (what sinks write); drops empty panes (see inside). */
export function describeWindows(kind: AggregationKey): PTransform<PCollection<KV<string, SalesStats>>, PCollection<SalesWindowResult>> {
  return withName(
    "describeWindows",
    parDo<KV<string, SalesStats>, SalesWindowResult, WindowAndPane>(
      {
        process: function describeWindow(kv: KV<string, SalesStats>, context: WindowAndPane): SalesWindowResult[] {
          // An empty pane carries nothing: panes accumulate, and a window exists only once an event is in it. Flink
          // emits one when the end of a window and its garbage collection fall in one watermark step: an empty
          // ON_TIME twin of the final pane, with the same pane info (docs/runners.md); it would overwrite the final
          // row with zeros.
          if (kv.value.count === 0) return [];
          const window = context.window.lookup() as unknown as { start: Long; end: Long };
          const pane = context.pane.lookup();
          return [
            {
              key: kv.key,
              keyKind: kind,
              window: { start: Long.fromValue(window.start).toNumber(), end: Long.fromValue(window.end).toNumber() },
              sumCents: kv.value.sumCents,
              sum: kv.value.sum,
              count: kv.value.count,
              avgCents: kv.value.avgCents,
              avg: kv.value.avg,
              pane: {
                timing: pane.timing as Timing,
                index: pane.index,
                nonSpeculativeIndex: pane.onTimeIndex,
                isFirst: pane.isFirst,
                isLast: pane.isLast,
              },
            },
          ];
        },
      },
      { window: windowParam(), pane: paneInfoParam() },
    ),
  );
}
