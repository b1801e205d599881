/**
 * An in-memory source for the Parquet sink benchmark: hands rows prepared in this process to our direct runner in
 * batches (one bundle each), the watermark following the rows' timestamps. TestStream would encode every row into
 * the pipeline proto and decode it again (about 20 µs a row here), which would measure the coder, not the sink.
 */
import "apache-beam";
import type { PCollection, Root } from "apache-beam/pvalue";
import type { Pipeline } from "apache-beam/internal/pipeline";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { GeneralObjectCoder } from "apache-beam/coders/js_coders";
import { withName } from "apache-beam/transforms/transform";
import type { SourceRegistration } from "../runners/direct/sources/registry";
import type { SourceBatch, UnboundedSource } from "../runners/direct/sources/source";
import { WATERMARK_DONE } from "../model/model";

const URN = "beam-ts:bench:in_memory_rows:v1";

interface Prepared {
  readonly rows: ReadonlyArray<{ readonly value: unknown; readonly timestamp: number }>;
  readonly batch: number;
}

const prepared = new Map<string, Prepared>();
let ids = 0;

function inMemorySource(payload: Uint8Array): UnboundedSource<unknown> {
  const id = Buffer.from(payload).toString("utf8");
  const input = prepared.get(id);
  if (!input) throw new Error(`in-memory rows ${id} were not prepared in this process`);
  let next = 0;
  return {
    bounded: true,
    async open(): Promise<void> {},
    async read(): Promise<SourceBatch<unknown>> {
      const records = input.rows.slice(next, next + input.batch);
      next += records.length;
      const done = next >= input.rows.length;
      return { records, watermark: done ? WATERMARK_DONE : records[records.length - 1].timestamp };
    },
    async close(): Promise<void> {
      prepared.delete(id);
    },
  };
}

/** The in-memory rows source, for `directRunner({ sources: [IN_MEMORY_ROWS] })`. */
export const IN_MEMORY_ROWS: SourceRegistration = { urn: URN, factory: inMemorySource };

/** A source of `rows` (timestamps from `timestampOf`), `batch` rows per read. */
export function inMemoryRows<T>(rows: readonly T[], timestampOf: (row: T) => number, batch: number) {
  const id = `rows-${++ids}`;
  prepared.set(id, { rows: rows.map((value) => ({ value, timestamp: timestampOf(value) })), batch });
  return withName(`inMemoryRows(${id})`, (_root: Root, pipeline: Pipeline, proto: runnerApi.PTransform): PCollection<T> => {
    proto.spec = { urn: URN, payload: new Uint8Array(Buffer.from(id)) };
    proto.environmentId = "";
    return pipeline.createPCollectionInternal<T>(new GeneralObjectCoder<T>(), undefined, runnerApi.IsBounded_Enum.BOUNDED);
  });
}
