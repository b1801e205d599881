/**
 * A scripted source for finishing tests: emits its records with a watermark, then stays idle forever (it never
 * reaches +infinity by itself), and records the onDurable calls it receives. Bounded or unbounded by option.
 */
import "apache-beam";
import type { PCollection, Root } from "apache-beam/pvalue";
import type { Pipeline } from "apache-beam/internal/pipeline";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { GeneralObjectCoder } from "apache-beam/coders/js_coders";
import { withName } from "apache-beam/transforms/transform";
import type { SourceBatch, SourceRegistration, UnboundedSource } from "../../transforms";

const URN = "beam-ts:test:scripted:v1";

interface Script {
  readonly id: string;
  readonly records: ReadonlyArray<{ value: unknown; timestamp: number }>;
  readonly watermark: number;
  readonly bounded: boolean;
  /** close() rejects with this (a final commit that failed), when set. */
  readonly closeError?: string;
}

/** onDurable calls per script id. */
export const durableCalls = new Map<string, number[]>();
/** onDurable calls in order, interleaved with whatever a test's DoFns log (a process-global list). */
export const eventLog: string[] = [];
(globalThis as unknown as { __scenarioEventLog: string[] }).__scenarioEventLog = eventLog;

function scripted(payload: Uint8Array): UnboundedSource<unknown> {
  const script = JSON.parse(Buffer.from(payload).toString("utf8")) as Script;
  let emitted = false;
  return {
    bounded: script.bounded,
    async open(): Promise<void> {},
    async read(maxWaitMs: number): Promise<SourceBatch<unknown>> {
      if (!emitted) {
        emitted = true;
        return { records: script.records, watermark: script.watermark };
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(maxWaitMs, 10)));
      return { records: [], watermark: script.watermark };
    },
    async onDurable(before: number): Promise<void> {
      const calls = durableCalls.get(script.id) ?? [];
      calls.push(before);
      durableCalls.set(script.id, calls);
      eventLog.push(`durable:${before}`);
    },
    async close(): Promise<void> {
      if (script.closeError !== undefined) throw new Error(script.closeError);
    },
  };
}

/** The scripted source, for `directRunner({ sources: [SCRIPTED_SOURCE] })`. */
export const SCRIPTED_SOURCE: SourceRegistration = { urn: URN, factory: scripted };

let scripts = 0;

export function scriptedSource<T>(
  records: ReadonlyArray<{ value: T; timestamp: number }>,
  watermark: number,
  bounded: boolean,
  closeError?: string,
): { id: string; transform: (root: Root, pipeline: Pipeline, proto: runnerApi.PTransform) => PCollection<T> } {
  const id = `script-${++scripts}`;
  const script: Script = { id, records, watermark, bounded, ...(closeError === undefined ? {} : { closeError }) };
  return {
    id,
    transform: withName(`scripted(${id})`, (_root: Root, pipeline: Pipeline, proto: runnerApi.PTransform) => {
      proto.spec = { urn: URN, payload: new Uint8Array(Buffer.from(JSON.stringify(script))) };
      return pipeline.createPCollectionInternal<T>(new GeneralObjectCoder<T>(), undefined, runnerApi.IsBounded_Enum.UNBOUNDED);
    }),
  };
}
