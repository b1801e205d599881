/**
 * The PostgreSQL sinks of the sales job: window results, late data and dead letters, each the generic table sink
 * (transforms/sinks/postgres.ts) over one of the sales tables (postgres_tables.ts).
 *
 *   const pg = postgresSinks({ url, schema: "public", mergingWindows: config.window.kind === "sessions" });
 *   buildPipeline(root, config, { source, sinks: { results: pg.results, late: pg.late, deadLetters: pg.deadLetters } });
 *
 * Results need accumulating panes (a row holds the whole window): discarding panes are refused when the pipeline
 * is built.
 */
import { ensureSchema } from "../transforms/sinks/postgres_schema";
import { postgresTable } from "../transforms/sinks/postgres";
import { postgresSinkStats as writerStats, type PostgresSinkOptions, type PostgresSinkStats } from "../transforms/sinks/postgres_writer";
import type { Sink } from "../transforms/sinks/sink";
import type { LateSale } from "./late_sale";
import type { DeadLetter } from "./parse_sales_events";
import { SALES_TABLE_SET, SALES_TABLES, type TableKind } from "./postgres_tables";
import type { SalesWindowResult } from "./window_result";

export interface PostgresSinks {
  readonly results: Sink<SalesWindowResult>;
  readonly late: Sink<LateSale>;
  readonly deadLetters: Sink<DeadLetter>;
}

/** The three sinks writing to one schema. */
export function postgresSinks(options: PostgresSinkOptions): PostgresSinks {
  return {
    results: postgresTable("writeResultsToPostgres", SALES_TABLES.results, options, { accumulatingPanes: true }),
    late: postgresTable("writeLateDataToPostgres", SALES_TABLES.late, options),
    deadLetters: postgresTable("writeDeadLettersToPostgres", SALES_TABLES.deadLetters, options),
  };
}

/** Creates (or checks) the tables before the job reads anything: a bad shape fails the start, not a write. */
export function preparePostgres(options: PostgresSinkOptions): Promise<void> {
  return ensureSchema(options, SALES_TABLE_SET);
}

/** This process's PostgreSQL write counters, with the rows of each sales table (0 when none was written). */
export interface SalesPostgresStats extends PostgresSinkStats {
  readonly rowsWritten: Record<TableKind, number>;
}

/** A copy of the counters so far. */
export function postgresSinkStats(): SalesPostgresStats {
  const stats = writerStats();
  const rows = (kind: TableKind): number => stats.rowsWritten[kind] ?? 0;
  return { ...stats, rowsWritten: { results: rows("results"), late: rows("late"), deadLetters: rows("deadLetters") } };
}
