/**
 * The public API of the product's transforms and runners, in one entry point:
 *
 *   import { createRunner, testStream, windowInto, fixedWindows, afterWatermark, windowedCombine,
 *            paneCapture, assertPanes } from "./transforms";
 */
// Runners, through the top-level runtime.ts: the one re-export that keeps a single import for users. No transform
// module imports a runner (test/unit/layout.test.ts checks it).
export * from "../runtime";

// Event time: window fns, windowing options (allowed lateness, accumulation, timestamp combiner), triggers.
export {
  millis,
  seconds,
  minutes,
  hours,
  fixedWindows,
  slidingWindows,
  sessions,
  globalWindows,
  windowInto,
  windowingSpec,
} from "./windowing";
export type { WindowingOptions, SpecWindowFn } from "./windowing";
export {
  defaultTrigger,
  afterWatermark,
  afterProcessingTime,
  afterCount,
  repeatedly,
  afterEach,
  afterAny,
  afterAll,
  orFinally,
  never,
  always,
  describeTrigger,
} from "./triggers";
export type {
  Millis,
  Window,
  Pane,
  Timing,
  AccumulationMode,
  TimestampCombiner,
  TriggerSpec,
  WindowingSpec,
} from "../model/model";

// Aggregation with a late-data output.
export { windowedCombine, windowedCombinePerKey } from "./windowed_combine";
export type { WindowedCombineResult, WindowedCombineOptions, LateRecord } from "./windowed_combine";
export { DROPPED_DUE_TO_LATENESS } from "../model/late_record";

// Async DoFns (sinks).
export { asyncParDo } from "./async_pardo";
export type { AsyncDoFn } from "./async_pardo";

// Tests: TestStream and pane-level assertions.
export { testStream, TestStreamBuilder } from "./test_stream";
export type { TimestampedValue } from "./test_stream";
export { paneCapture, assertPanes, PaneAssert, window, BEGINNING } from "./testing";
export type { PaneCapture, CapturedElement, CapturedPane, CapturedWindow } from "./testing";

// Sinks machinery: fan-out to several, console lines, PostgreSQL tables (idempotent upserts; docs/guarantees.md §6),
// Parquet datasets. Generic: the sales job's own sinks are in sales/.
export type { Sink } from "./sinks/sink";
export { fanOut } from "./sinks/fan_out";
export { consoleSink } from "./sinks/console";
export { postgresTable, DiscardingPanesError } from "./sinks/postgres";
export type { PostgresSinkOptions } from "./sinks/postgres";
export type { TableSpec, TableSet, TableShape } from "./sinks/postgres_table_spec";
export { postgresSinkStats, PostgresSinkError } from "./sinks/postgres_writer";
export type { PostgresSinkStats } from "./sinks/postgres_writer";
export { redactPgUrl } from "../lib/redaction";
export { parquetTable, parquetDatasetSpec, closeParquetSinks } from "./sinks/parquet";
export type { ParquetTable, DatasetSpec, ParquetSinkOptions } from "./sinks/parquet";
