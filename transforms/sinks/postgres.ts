/**
 * The PostgreSQL sinks of the sales pipeline: window results, late data and dead letters, each an async DoFn
 * that buffers rows in `process` and writes them set-based in `finishBundle` (and when the buffer reaches its row
 * bound), through the process's writer (postgres_writer.ts). The direct runner awaits those writes, bounds them
 * (backpressure) and tells the Kafka source what is durable only when none is in flight, so offsets are never
 * committed past what PostgreSQL holds.
 *
 *   const pg = postgresSinks({ url, schema: "public", mergingWindows: config.window.kind === "sessions" });
 *   buildPipeline(root, config, { source, sinks: { results: pg.results, late: pg.late, deadLetters: pg.deadLetters } });
 *
 * Discarding panes are refused when the pipeline is built: a row holds the whole window (accumulating panes);
 * a discarding pane is a delta that an upsert would lose.
 */
import "apache-beam";
import type { PCollection } from "apache-beam/pvalue";
import { withName } from "apache-beam/transforms/transform";
import { AccumulationMode_Enum } from "apache-beam/proto/beam_runner_api";
import type { LateSale, SalesWindowResult, Sink } from "../../pipelines/sales_aggregation";
import type { DeadLetter } from "../parse_events";
import { asyncParDo } from "../async_pardo";
import { ensureSchema } from "./postgres_schema";
import { postgresTableWriter, type PostgresSinkOptions } from "./postgres_writer";

export type { PostgresSinkOptions } from "./postgres_writer";

/** The refusal of a results collection whose panes are discarding. */
export class DiscardingPanesError extends Error {
  constructor(what: string) {
    super(
      `${what}: the PostgreSQL sink needs accumulating panes (each pane the whole window, upserted by window and ` +
        `key); these panes are DISCARDING (deltas). Use accumulation: "ACCUMULATING" in windowInto`,
    );
    this.name = "DiscardingPanesError";
  }
}

/** Throws DiscardingPanesError when `input`'s windowing strategy discards fired panes. */
export function requireAccumulatingPanes(input: PCollection<unknown>, what: string): void {
  const components = input.pipeline.getProto().components;
  const strategyId = components?.pcollections[input.getId()]?.windowingStrategyId;
  const strategy = strategyId === undefined ? undefined : components?.windowingStrategies[strategyId];
  if (strategy && strategy.accumulationMode === AccumulationMode_Enum.DISCARDING) {
    throw new DiscardingPanesError(what);
  }
}

function writeResults(options: PostgresSinkOptions): Sink<SalesWindowResult> {
  return withName("writeResultsToPostgres", (input: PCollection<SalesWindowResult>) => {
    requireAccumulatingPanes(input as PCollection<unknown>, "writeResultsToPostgres");
    return input.apply(
      asyncParDo<SalesWindowResult>({
        process: function bufferResult(row: SalesWindowResult): Promise<void> | undefined {
          return postgresTableWriter("results", options).add(row);
        },
        finishBundle: function flushResults(): Promise<void> | undefined {
          return postgresTableWriter("results", options).flush();
        },
      }),
    );
  });
}

function writeLate(options: PostgresSinkOptions): Sink<LateSale> {
  return withName(
    "writeLateDataToPostgres",
    asyncParDo<LateSale>({
      process: function bufferLate(row: LateSale): Promise<void> | undefined {
        return postgresTableWriter("late", options).add(row);
      },
      finishBundle: function flushLate(): Promise<void> | undefined {
        return postgresTableWriter("late", options).flush();
      },
    }),
  );
}

function writeDeadLetters(options: PostgresSinkOptions): Sink<DeadLetter> {
  return withName(
    "writeDeadLettersToPostgres",
    asyncParDo<DeadLetter>({
      process: function bufferDeadLetter(row: DeadLetter): Promise<void> | undefined {
        return postgresTableWriter("deadLetters", options).add(row);
      },
      finishBundle: function flushDeadLetters(): Promise<void> | undefined {
        return postgresTableWriter("deadLetters", options).flush();
      },
    }),
  );
}

export interface PostgresSinks {
  readonly results: Sink<SalesWindowResult>;
  readonly late: Sink<LateSale>;
  readonly deadLetters: Sink<DeadLetter>;
}

/** The three sinks writing to one schema. */
export function postgresSinks(options: PostgresSinkOptions): PostgresSinks {
  const plain: PostgresSinkOptions = { ...options };
  return { results: writeResults(plain), late: writeLate(plain), deadLetters: writeDeadLetters(plain) };
}

/** Creates (or checks) the tables before the job reads anything: a bad shape fails the start, not a write. */
export function preparePostgres(options: PostgresSinkOptions): Promise<void> {
  return ensureSchema(options);
}

