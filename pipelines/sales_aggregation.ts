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
import type { PCollection, PValue, Root } from "apache-beam/pvalue";
import type { PTransform } from "apache-beam/transforms/transform";
import { AsyncPTransformClass, withName } from "apache-beam/transforms/transform";
import { paneInfoParam, parDo, windowParam } from "apache-beam/transforms/pardo";
import type { CombineFn } from "apache-beam/transforms/group_and_combine";
import type { PaneInfo, Window as SdkWindow } from "apache-beam/values";
import type { KV } from "apache-beam/values";
import type { Millis, Timing } from "../model/model";
import { averageCents, type SaleEvent } from "../transforms/events";
import type { KafkaRecord } from "../transforms/kafka";
import { parseSalesEvents, type DeadLetter } from "../transforms/parse_events";
import { windowFnOf, windowInto } from "../transforms/windowing";
import { windowedCombine, type LateRecord } from "../transforms/windowed_combine";
import { triggerOf, type AggregationKey, type SalesConfig, type WindowChoice } from "./options";

/** The aggregate of one key in one window, as of one pane. */
export interface SalesWindowResult {
  readonly key: string;
  readonly keyKind: AggregationKey;
  readonly window: { readonly start: Millis; readonly end: Millis };
  /** The exact sum in cents (integer minor units); `sum` is the same in currency units, for display. */
  readonly sumCents: number;
  readonly sum: number;
  readonly count: number;
  /** The average rounded once to the cent (half up), in cents; `avg` is the same in currency units. */
  readonly avgCents: number;
  readonly avg: number;
  readonly pane: {
    readonly timing: Timing;
    readonly index: number;
    readonly nonSpeculativeIndex: number;
    readonly isFirst: boolean;
    readonly isLast: boolean;
  };
}

/** An event that arrived after its window could no longer be updated. */
export type LateSale = LateRecord<string, SaleEvent>;

/** Exact money: sums in integer cents, the average rounded once, at the output. */
export interface SalesStats {
  readonly sumCents: number;
  readonly sum: number;
  readonly count: number;
  readonly avgCents: number;
  readonly avg: number;
}

/** A sink: consumes a collection (what it returns is ignored). */
export type Sink<T> = PTransform<PCollection<T>, PValue<unknown>>;

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

/** sum, count and average of the amounts, summed exactly in integer cents. */
export function salesStatsFn(): CombineFn<SaleEvent, [number, number], SalesStats> {
  return {
    createAccumulator: (): [number, number] => [0, 0],
    // Updates the accumulator in place (a CombineFn may; no array per event).
    addInput: (acc: [number, number], event: SaleEvent): [number, number] => {
      acc[0] += Math.round(event.amount * 100); // amountCents (inlined: this function is serialized)
      acc[1] += 1;
      return acc;
    },
    mergeAccumulators: (accs: Iterable<[number, number]>): [number, number] => {
      let sum = 0;
      let count = 0;
      for (const a of accs) {
        sum += a[0];
        count += a[1];
      }
      return [sum, count];
    },
    extractOutput: (acc: [number, number]): SalesStats => {
      const avgCents = averageCents(acc[0], acc[1]);
      return { sumCents: acc[0], sum: acc[0] / 100, count: acc[1], avgCents, avg: avgCents / 100 };
    },
  };
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
