/**
 * The PostgreSQL sink, generic over a table: an async DoFn that buffers rows in `process` (starting a write
 * whenever the buffer reaches its row bound) and returns, from `finishBundle`, the promise of every write of the
 * bundle, through the process's writer for that table (postgres_writer.ts). The direct runner awaits those writes,
 * bounds them (backpressure) and tells the Kafka source what is durable only when none is in flight, so offsets are
 * never committed past what PostgreSQL holds.
 *
 *   input.apply(postgresTable("writeResultsToPostgres", RESULTS_TABLE, options, { accumulatingPanes: true }));
 *
 * (The sales job's three sinks: sales/postgres_sinks.ts.) A table whose rows each hold a whole window refuses
 * discarding panes when the pipeline is built: a discarding pane is a delta that an upsert would lose.
 */
import "apache-beam";
import type { PCollection } from "apache-beam/pvalue";
import { withName } from "apache-beam/transforms/transform";
import { AccumulationMode_Enum } from "apache-beam/proto/beam_runner_api";
import { asyncParDo } from "../async_pardo";
import type { TableSpec } from "./postgres_table_spec";
import { postgresTableWriter, type PostgresSinkOptions } from "./postgres_writer";
import type { Sink } from "./sink";

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

/** The DoFn of one table: buffer in process, return every write of the bundle from finishBundle. */
function writeTo<R>(table: TableSpec<R>, options: PostgresSinkOptions) {
  return asyncParDo<R>({
    process: function bufferRow(row: R): void {
      postgresTableWriter(table, options).add(row);
    },
    finishBundle: function flushRows(): Promise<void> | undefined {
      return postgresTableWriter(table, options).flush();
    },
  });
}

/**
 * A sink writing every element into `table` (the options are plain data: they travel with the DoFn; the spec is
 * registered by its module). `accumulatingPanes`: refuse, when the pipeline is built, input whose panes discard.
 */
export function postgresTable<R>(
  name: string,
  table: TableSpec<R>,
  options: PostgresSinkOptions,
  requires: { readonly accumulatingPanes?: boolean } = {},
): Sink<R> {
  const plain: PostgresSinkOptions = { ...options };
  if (requires.accumulatingPanes !== true) return withName(name, writeTo<R>(table, plain));
  return withName(name, (input: PCollection<R>) => {
    requireAccumulatingPanes(input as PCollection<unknown>, name);
    return input.apply(writeTo<R>(table, plain));
  });
}
