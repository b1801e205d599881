/**
 * Combiner lifting for Flink: a `combinePerKey` (the SDK's composite, inside our windowedCombine) is submitted as
 * Beam's lifted form, so only partial accumulators cross to Flink's GroupByKey instead of every element:
 *
 *   before: input ─► GroupByKey (Java) ─► applyCombine (TS: add every grouped value)
 *   after:  input ─► Precombine (TS: per key and window within a bundle) ─► GroupByKey (Java)
 *                ─► MergeAccumulators (TS) ─► ExtractOutputs (TS)
 *
 * The three TypeScript steps are the SDK worker's own operators for Beam's standard URNs
 * (beam:transform:combine_per_key_precombine|merge_accumulators|extract_outputs:v1), which Beam's Java fuser knows
 * as primitives; the combine fn and the accumulator coder are the composite's CombinePayload (written by the SDK's
 * combinePerKey). Precombine fuses with the steps before it (parse, windowing, keying) and Merge/Extract with the
 * steps after the grouping, so each record crosses the Fn API data channel once (from KafkaIO) instead of twice.
 *
 * What stays the same, and why: a pane is the combine of the same elements (accumulating panes carry every
 * accumulator so far, discarding panes those since the last pane), and the grouping step still judges lateness per
 * window, which every element of an accumulator shares. Lifted only where that holds:
 *   - non-merging windows (fixed, sliding, global): a session's window is only known after merging in Java;
 *   - END_OF_WINDOW output times (an accumulator's timestamp is its window's end, as the SDK's Precombine sets it);
 *   - triggers that never count elements: no afterCount or always anywhere, and no per-element late firing (the
 *     default trigger or a repeated afterWatermark with allowed lateness > 0 fires a LATE pane per late element;
 *     lifted, several late elements of one key and window in one bundle would be one pane).
 * What differs (docs/runners.md): `droppedDueToLateness` counts dropped accumulators (each ≥ 1 element) instead of
 * elements, and an early pane by processing time no longer holds elements still in an unfinished bundle. Lifting is applied only with bundles of more than one element (FlinkRunnerOptions.maxBundleSize), where
 * late data already differs from the direct runner; with bundles of one, an accumulator is one element and the
 * lift would only add work, so the pipeline is submitted as built.
 */
import "apache-beam";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { SERIALIZED_JS_COMBINEFN_INFO } from "apache-beam/internal/urns";
import type { TriggerSpec, WindowingSpec } from "../../model/model";
import { windowingSpecFromProto } from "../../model/strategy";
import {
  COMBINE_PER_KEY_URN,
  EXTRACT_OUTPUTS_URN,
  GROUP_BY_KEY_URN,
  MERGE_ACCUMULATORS_URN,
  PAR_DO_URN,
  PRECOMBINE_URN,
} from "../../model/urns";
import { only, protoEditor } from "./proto_edits";

export { EXTRACT_OUTPUTS_URN, MERGE_ACCUMULATORS_URN, PRECOMBINE_URN };
const KV_CODER_URN = "beam:coder:kv:v1";
const ITERABLE_CODER_URN = "beam:coder:iterable:v1";

export interface LiftingReport {
  readonly pipeline: runnerApi.Pipeline;
  /** Unique names of the lifted combines. */
  readonly lifted: string[];
  /** Combines left as they were, with the reason. */
  readonly notLifted: string[];
}

/** Whether some trigger in the tree fires on element counts (including per-element late firings). */
export function countsElements(t: TriggerSpec, allowedLateness: number): boolean {
  switch (t.kind) {
    case "default":
      return allowedLateness > 0;
    case "never":
    case "afterProcessingTime":
    case "afterSynchronizedProcessingTime":
      return false;
    case "always":
    case "afterCount":
      return true;
    case "afterWatermark":
      // Late firings see elements only when late data is accepted (allowed lateness > 0).
      return (
        (t.early !== undefined && countsElements(t.early, allowedLateness)) ||
        (allowedLateness > 0 && t.late !== undefined && countsElements(t.late, allowedLateness))
      );
    case "repeatedly":
      return countsElements(t.trigger, allowedLateness) || (allowedLateness > 0 && hasWatermarkTrigger(t.trigger));
    case "afterEach":
    case "afterAny":
    case "afterAll":
      return t.triggers.some((s) => countsElements(s, allowedLateness));
    case "orFinally":
      return countsElements(t.main, allowedLateness) || countsElements(t.until, allowedLateness);
  }
}

function hasWatermarkTrigger(t: TriggerSpec): boolean {
  switch (t.kind) {
    case "default":
    case "afterWatermark":
      return true;
    case "repeatedly":
      return hasWatermarkTrigger(t.trigger);
    case "afterEach":
    case "afterAny":
    case "afterAll":
      return t.triggers.some(hasWatermarkTrigger);
    case "orFinally":
      return hasWatermarkTrigger(t.main) || hasWatermarkTrigger(t.until);
    default:
      return false;
  }
}

/** Why a windowing strategy cannot be lifted, or undefined when it can. */
export function liftingObstacle(spec: WindowingSpec): string | undefined {
  if (spec.windowFn.kind === "sessions") return "merging windows (sessions)";
  if (spec.timestampCombiner !== "END_OF_WINDOW") return `output time ${spec.timestampCombiner}`;
  if (countsElements(spec.trigger, spec.allowedLateness)) return "a trigger that fires on element counts";
  return undefined;
}

/** The pipeline with every liftable combinePerKey lifted (a copy; the input is unchanged). */
export function withLiftedCombines(pipeline: runnerApi.Pipeline): LiftingReport {
  const copy = runnerApi.Pipeline.clone(pipeline);
  const c = copy.components!;
  const lifted: string[] = [];
  const notLifted: string[] = [];
  const { newId, addCoder } = protoEditor(c, "lifted");

  for (const [combineId, combine] of Object.entries(c.transforms)) {
    if (combine.spec?.urn !== COMBINE_PER_KEY_URN) continue;
    const payload = runnerApi.CombinePayload.fromBinary(combine.spec.payload);
    if (payload.combineFn?.urn !== SERIALIZED_JS_COMBINEFN_INFO) continue;
    const [gbkId, applyId] = combine.subtransforms;
    const gbk = c.transforms[gbkId];
    const apply = c.transforms[applyId];
    if (combine.subtransforms.length !== 2 || gbk?.spec?.urn !== GROUP_BY_KEY_URN || apply?.spec?.urn !== PAR_DO_URN) {
      notLifted.push(`${combine.uniqueName}: not the SDK's GroupByKey + applyCombine expansion`);
      continue;
    }
    const inputId = only(combine.inputs, `${combine.uniqueName} inputs`);
    const outputId = only(combine.outputs, `${combine.uniqueName} outputs`);
    const input = c.pcollections[inputId];
    const obstacle = liftingObstacle(windowingSpecFromProto(c.windowingStrategies[input.windowingStrategyId]));
    const inputCoder = c.coders[input.coderId];
    if (obstacle !== undefined || inputCoder.spec?.urn !== KV_CODER_URN) {
      notLifted.push(`${combine.uniqueName}: ${obstacle ?? "its input is not KV-coded"}`);
      continue;
    }
    const keyCoderId = inputCoder.componentCoderIds[0];
    const accumulatorCoderId = payload.accumulatorCoderId;
    const kvAccumulator = addCoder(KV_CODER_URN, [keyCoderId, accumulatorCoderId]);
    const kvAccumulators = addCoder(KV_CODER_URN, [keyCoderId, addCoder(ITERABLE_CODER_URN, [accumulatorCoderId])]);

    const groupedId = only(gbk.outputs, `${gbk.uniqueName} outputs`);
    const grouped = c.pcollections[groupedId];
    const precombinedId = newId(`${inputId}_precombined`, c.pcollections);
    const mergedId = newId(`${groupedId}_merged`, c.pcollections);
    c.pcollections[precombinedId] = runnerApi.PCollection.create({ ...input, uniqueName: `${combine.uniqueName}/Precombine.out`, coderId: kvAccumulator });
    c.pcollections[mergedId] = runnerApi.PCollection.create({ ...grouped, uniqueName: `${combine.uniqueName}/MergeAccumulators.out`, coderId: kvAccumulator });
    grouped.coderId = kvAccumulators;

    const environmentId = apply.environmentId;
    const step = (name: string, urn: string, from: string, to: string): string => {
      const id = newId(`${combineId}_${name}`, c.transforms);
      c.transforms[id] = runnerApi.PTransform.create({
        uniqueName: `${combine.uniqueName}/${name}`,
        spec: { urn, payload: combine.spec!.payload },
        inputs: { in: from },
        outputs: { out: to },
        environmentId,
      });
      return id;
    };
    const precombine = step("Precombine", PRECOMBINE_URN, inputId, precombinedId);
    gbk.inputs = { [Object.keys(gbk.inputs)[0] ?? "in"]: precombinedId };
    const merge = step("MergeAccumulators", MERGE_ACCUMULATORS_URN, groupedId, mergedId);
    const extract = step("ExtractOutputs", EXTRACT_OUTPUTS_URN, mergedId, outputId);
    delete c.transforms[applyId];
    combine.subtransforms = [precombine, gbkId, merge, extract];
    lifted.push(combine.uniqueName);
  }
  return { pipeline: copy, lifted, notLifted };
}
