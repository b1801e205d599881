/**
 * The sources the direct runner knows: a source in the pipeline proto is a leaf transform whose URN names one of
 * them. BUILT_IN_SOURCES is the one list of ours (TestStream, the Kafka source; Impulse is a step kind of its own);
 * any other source is passed in through `DirectRunnerOptions.sources`, which may also replace a built-in one of
 * the same URN. No module registers anything by being imported.
 */
import { KAFKA_SOURCE_URN } from "../../../model/kafka_source_spec";
import { TEST_STREAM_URN } from "../../../model/urns";
import { kafkaSource } from "./kafka_source";
import type { SourceFactory } from "./source";
import { testStreamSource } from "./test_stream_source";

/** A source the runner can build: the URN of its transform and the factory that reads the transform's payload. */
export interface SourceRegistration {
  readonly urn: string;
  readonly factory: SourceFactory;
}

/** The built-in sources, by URN. */
export const BUILT_IN_SOURCES: readonly SourceRegistration[] = Object.freeze([
  { urn: TEST_STREAM_URN, factory: testStreamSource },
  { urn: KAFKA_SOURCE_URN, factory: (payload: Uint8Array) => kafkaSource(payload) },
]);

/** The sources of one runner, by URN: the built-in ones, then `extra` (a later URN replaces an earlier one). */
export function sourceTable(extra: readonly SourceRegistration[] = []): ReadonlyMap<string, SourceFactory> {
  return new Map([...BUILT_IN_SOURCES, ...extra].map((s) => [s.urn, s.factory]));
}
