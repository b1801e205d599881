/**
 * The late-data output on Flink: at submission, each windowedCombine's GroupByKey becomes our GroupByKey with a
 * second output (GROUP_BY_KEY_WITH_LATE_URN), which the job server of `npm run flink:up` translates
 * (infra/flink/job-server/src: LateRoutingWindowDoFnOperator). What Beam's late-data filter drops there (the
 * window's garbage-collection time before the GroupByKey's input watermark; a window whose trigger finished) goes
 * to that output with its metadata, and the windowed combine's `late` ParDo decodes it into LateRecords:
 *
 *   before: input ─► GroupByKey ─► applyCombine ─► results      input ─► (emits nothing) ─► late
 *   after:  input ─► GroupByKeyWithLate ─grouped─► applyCombine ─► results
 *                                       └─late──► decodeLateRecords ─► late
 *
 * The late output's elements are KV<key, KV<value, metadata bytes>> in the global window (decodeLateRecord says
 * the layout). Such combines are not lifted (lifted_combines.ts): the GroupByKey must see each element to report it.
 * A job server without our translator (Beam's own) is told apart by the pipeline option it describes
 * (LateOutputOptions); there the pipeline is submitted as built: `late` stays empty, dropped data is counted.
 */
import "apache-beam";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import type { JobServiceClient } from "apache-beam/proto/beam_job_api.client";
import { serializeFn } from "apache-beam/internal/serialize";
import type { KV } from "apache-beam/values";
import type { LateRecord } from "../../model/late_record";
import { GROUP_BY_KEY_URN, PAR_DO_URN, SERIALIZED_JS_DOFN_INFO, WINDOWED_COMBINE_URN } from "../../model/urns";
import { only, protoEditor } from "./proto_edits";

export const GROUP_BY_KEY_WITH_LATE_URN = "beam-ts:transform:group_by_key_with_late:v1";
/** The pipeline option only our job server describes (infra/flink/job-server/src: LateOutputOptions). */
export const LATE_OUTPUT_OPTION = "beamTsLateOutput";
const KV_CODER_URN = "beam:coder:kv:v1";
const BYTES_CODER_URN = "beam:coder:bytes:v1";

/** What the late output carries: KV<key, KV<value, metadata>>. */
export type LateWireElement<K, V> = KV<K, KV<V, Uint8Array>>;

/**
 * One element of the late output → the LateRecord the direct runner emits. Metadata, big-endian: reason (1 byte:
 * 0 EXPIRED_WINDOW, 1 CLOSED_WINDOW), the GroupByKey's input watermark, the element's event time (int64 ms each),
 * the number of missed windows (int32), then each window's start and end (int64 ms).
 */
export function decodeLateRecord<K, V>(element: LateWireElement<K, V>): LateRecord<K, V> {
  // No inner closures: this runs inside a serialized DoFn (ts-closure-transform).
  const meta = element.value.value;
  const view = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
  const reasonByte = view.getUint8(0);
  if (reasonByte > 1 || meta.byteLength < 21) throw new Error(`a late record's metadata is malformed (${meta.byteLength} bytes, reason ${reasonByte}): the job server and this submitter disagree on its layout`);
  const count = view.getInt32(17);
  const windows: Array<{ start: number; end: number }> = [];
  for (let i = 0; i < count; i++) {
    windows.push({ start: Number(view.getBigInt64(21 + 16 * i)), end: Number(view.getBigInt64(29 + 16 * i)) });
  }
  return {
    key: element.key,
    value: element.value.key,
    timestamp: Number(view.getBigInt64(9)),
    windows,
    watermark: Number(view.getBigInt64(1)),
    reason: reasonByte === 0 ? "EXPIRED_WINDOW" : "CLOSED_WINDOW",
  };
}

export interface LateOutputReport {
  readonly pipeline: runnerApi.Pipeline;
  /** Unique names of the windowed combines whose GroupByKey reports its late data. */
  readonly rewritten: string[];
}

/** The descendants of `id` (itself included), depth first. */
function descendants(c: runnerApi.Components, id: string): string[] {
  const t = c.transforms[id];
  return [id, ...(t?.subtransforms ?? []).flatMap((s) => descendants(c, s))];
}

/** The pipeline with every windowedCombine's GroupByKey reporting late data (a copy; the input is unchanged). */
export function withLateOutputs(pipeline: runnerApi.Pipeline): LateOutputReport {
  const copy = runnerApi.Pipeline.clone(pipeline);
  const c = copy.components!;
  const rewritten: string[] = [];
  const { newId, addCoder } = protoEditor(c, "late");
  for (const [combineId, combine] of Object.entries(c.transforms)) {
    if (combine.spec?.urn !== WINDOWED_COMBINE_URN) continue;
    const inside = descendants(c, combineId).slice(1);
    const gbkIds = inside.filter((id) => c.transforms[id].spec?.urn === GROUP_BY_KEY_URN);
    const producerOf = (pc: string): string | undefined =>
      inside.find((id) => c.transforms[id].subtransforms.length === 0 && Object.values(c.transforms[id].outputs).includes(pc));
    // late ◄─ lateInGlobalWindow ◄─ the ParDo that emits nothing (transforms/windowed_combine.ts).
    const lateOut = combine.outputs.late;
    const rewindow = lateOut === undefined ? undefined : producerOf(lateOut);
    const emitter = rewindow === undefined ? undefined : producerOf(only(c.transforms[rewindow].inputs, "lateInGlobalWindow inputs"));
    if (gbkIds.length !== 1 || emitter === undefined || c.transforms[emitter].spec?.urn !== PAR_DO_URN) {
      throw new Error(`${combine.uniqueName}: not the expansion transforms/windowed_combine.ts builds (one GroupByKey, a late ParDo)`);
    }
    const gbk = c.transforms[gbkIds[0]];
    const input = c.pcollections[only(gbk.inputs, `${gbk.uniqueName} inputs`)];
    const kvCoder = c.coders[input.coderId];
    if (kvCoder.spec?.urn !== KV_CODER_URN) throw new Error(`${gbk.uniqueName}: its input is not KV-coded`);
    const [keyCoderId, valueCoderId] = kvCoder.componentCoderIds;
    const wireCoder = addCoder(KV_CODER_URN, [keyCoderId, addCoder(KV_CODER_URN, [valueCoderId, addCoder(BYTES_CODER_URN, [])])]);
    const globalWindowing = c.pcollections[lateOut!].windowingStrategyId;
    const latePc = newId(`${combineId}_dropped`, c.pcollections);
    c.pcollections[latePc] = runnerApi.PCollection.create({
      uniqueName: `${gbk.uniqueName}.late`,
      coderId: wireCoder,
      isBounded: input.isBounded,
      windowingStrategyId: globalWindowing,
    });
    gbk.spec = { urn: GROUP_BY_KEY_WITH_LATE_URN, payload: gbk.spec?.payload ?? new Uint8Array() };
    gbk.outputs = { grouped: only(gbk.outputs, `${gbk.uniqueName} outputs`), late: latePc };
    const decoder = c.transforms[emitter];
    decoder.inputs = { [Object.keys(decoder.inputs)[0] ?? "main"]: latePc };
    decoder.spec = {
      urn: PAR_DO_URN,
      payload: runnerApi.ParDoPayload.toBinary(
        runnerApi.ParDoPayload.create({
          doFn: {
            urn: SERIALIZED_JS_DOFN_INFO,
            payload: serializeFn({
              doFn: {
                process: function decodeLateRecords(element: LateWireElement<unknown, unknown>): Array<LateRecord<unknown, unknown>> {
                  return [decodeLateRecord(element)];
                },
              },
              context: undefined,
            }),
          },
        }),
      ),
    };
    // Its elements are in the global window already (the window coder of its output must say so).
    c.pcollections[only(decoder.outputs, `${decoder.uniqueName} outputs`)].windowingStrategyId = globalWindowing;
    rewritten.push(combine.uniqueName);
  }
  return { pipeline: copy, rewritten };
}

/** Whether the job server translates GROUP_BY_KEY_WITH_LATE_URN: it describes our pipeline option. */
export async function jobServerHasLateOutput(client: JobServiceClient, timeoutMs = 10_000): Promise<boolean> {
  const call = client.describePipelineOptions({}, { timeout: timeoutMs });
  const response = await call.response;
  return response.options.some((o) => o.name === LATE_OUTPUT_OPTION || o.name === "beam_ts_late_output");
}
