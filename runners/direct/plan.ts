/**
 * Plans an SDK-built pipeline proto for the direct runner: walks the transform tree from the roots, keeps the
 * composites we execute whole (combine per key with a JS CombineFn, our windowed combine, the SDK's reshuffle),
 * descends into every other composite, classifies each leaf, and orders the steps topologically.
 */
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import type { SourceFactory } from "./sources/source";
import * as urns from "../../model/urns";

export type StepSpec =
  | { readonly kind: "impulse" }
  | { readonly kind: "source"; readonly urn: string; readonly payload: Uint8Array }
  | { readonly kind: "pardo"; readonly doFnUrn: string; readonly doFnPayload: Uint8Array }
  | { readonly kind: "flatten" }
  | { readonly kind: "identity" }
  | { readonly kind: "groupByKey" }
  | { readonly kind: "combinePerKey"; readonly combineFnPayload: Uint8Array }
  | { readonly kind: "windowedCombine"; readonly payload: Uint8Array };

export type StepKind = StepSpec["kind"];

export interface PlannedCollection {
  readonly index: number;
  readonly id: string;
  readonly coderId: string;
  readonly windowingStrategyId: string;
  readonly windowing: runnerApi.WindowingStrategy;
  /** The step producing it (every collection has exactly one producer). */
  producer: number;
  /** Steps reading it as a main input. */
  readonly consumers: number[];
  /** Steps reading it as a side input. */
  readonly sideConsumers: number[];
}

export interface PlannedSideInput {
  readonly tag: string;
  readonly collection: number;
  readonly accessPattern: string;
  readonly windowMappingUrn: string;
}

export interface PlannedStep {
  readonly index: number;
  readonly transformId: string;
  readonly name: string;
  readonly spec: StepSpec;
  /** Main inputs (Flatten has several; sources none). */
  readonly inputs: readonly number[];
  readonly sideInputs: readonly PlannedSideInput[];
  /** Outputs by tag, in the proto's order. */
  readonly outputs: ReadonlyArray<{ readonly tag: string; readonly collection: number }>;
}

export interface Plan {
  readonly steps: readonly PlannedStep[];
  readonly collections: readonly PlannedCollection[];
  /** Step indices in topological order (producers before consumers, side inputs included). */
  readonly order: readonly number[];
  readonly components: runnerApi.Components;
}

/** Element-wise steps fuse into their consumers; these never need grouping state or a source loop. */
export function isElementWise(kind: StepKind): boolean {
  return kind === "pardo" || kind === "flatten" || kind === "identity";
}

export function isGrouped(kind: StepKind): boolean {
  return kind === "groupByKey" || kind === "combinePerKey" || kind === "windowedCombine";
}

export function isSource(kind: StepKind): boolean {
  return kind === "impulse" || kind === "source";
}

function isLiftableCombine(transform: runnerApi.PTransform): boolean {
  if (transform.spec?.urn !== urns.COMBINE_PER_KEY_URN || !transform.spec.payload?.length) return false;
  const payload = runnerApi.CombinePayload.fromBinary(transform.spec.payload);
  return payload.combineFn?.urn === urns.SERIALIZED_JS_COMBINEFN_INFO;
}

/** The SDK's reshuffle (used by create) is a composite with no URN; Beam defines Reshuffle as the identity. */
function isSdkReshuffle(transform: runnerApi.PTransform): boolean {
  const last = transform.uniqueName.split("/").pop();
  return last === "reshuffle" && !transform.spec?.urn && transform.subtransforms.length > 0;
}

function classifyLeaf(transformId: string, transform: runnerApi.PTransform, sources: ReadonlyMap<string, SourceFactory>): StepSpec {
  const urn = transform.spec?.urn ?? "";
  const payload = transform.spec?.payload ?? new Uint8Array();
  switch (urn) {
    case urns.IMPULSE_URN:
      return { kind: "impulse" };
    case urns.PAR_DO_URN: {
      const parDo = runnerApi.ParDoPayload.fromBinary(payload);
      const doFnUrn = parDo.doFn?.urn ?? "";
      return { kind: "pardo", doFnUrn, doFnPayload: parDo.doFn?.payload ?? new Uint8Array() };
    }
    case urns.FLATTEN_URN:
      return { kind: "flatten" };
    case urns.GROUP_BY_KEY_URN:
      return { kind: "groupByKey" };
    default:
      if (sources.has(urn)) return { kind: "source", urn, payload };
      throw new Error(
        `The direct runner cannot execute transform "${transform.uniqueName}" (${transformId}) with URN ` +
          `"${urn || "<none>"}". It runs Impulse, ParDo, Flatten, GroupByKey, combinePerKey, windowedCombine ` +
          `and the sources it knows [${[...sources.keys()].sort().join(", ")}]; pass this source in DirectRunnerOptions.sources, ` +
          `or use a transform the runner supports.`,
      );
  }
}

/** Plans `pipeline`; `sources` are the source URNs the runner can build (sources/registry.ts sourceTable). */
export function planPipeline(pipeline: runnerApi.Pipeline, sources: ReadonlyMap<string, SourceFactory>): Plan {
  const components = pipeline.components;
  if (!components) throw new Error("The pipeline proto has no components; build it with the Beam SDK.");
  const collections: PlannedCollection[] = [];
  const collectionIndex = new Map<string, number>();
  const collectionOf = (id: string): number => {
    const known = collectionIndex.get(id);
    if (known !== undefined) return known;
    const proto = components.pcollections[id];
    if (!proto) throw new Error(`The pipeline references PCollection "${id}" that is not in its components.`);
    const windowing = components.windowingStrategies[proto.windowingStrategyId];
    if (!windowing) {
      throw new Error(`PCollection "${id}" names windowing strategy "${proto.windowingStrategyId}" that is missing.`);
    }
    const index = collections.length;
    collections.push({
      index,
      id,
      coderId: proto.coderId,
      windowingStrategyId: proto.windowingStrategyId,
      windowing,
      producer: -1,
      consumers: [],
      sideConsumers: [],
    });
    collectionIndex.set(id, index);
    return index;
  };

  const steps: PlannedStep[] = [];
  const addStep = (transformId: string, transform: runnerApi.PTransform, spec: StepSpec): void => {
    const index = steps.length;
    let sideTags = new Set<string>();
    const sideInputs: PlannedSideInput[] = [];
    if (spec.kind === "pardo") {
      const parDo = runnerApi.ParDoPayload.fromBinary(transform.spec?.payload ?? new Uint8Array());
      sideTags = new Set(Object.keys(parDo.sideInputs));
      for (const [tag, side] of Object.entries(parDo.sideInputs)) {
        const pcId = transform.inputs[tag];
        if (pcId === undefined) throw new Error(`Side input "${tag}" of "${transform.uniqueName}" has no input.`);
        sideInputs.push({
          tag,
          collection: collectionOf(pcId),
          accessPattern: side.accessPattern?.urn ?? "beam:side_input:iterable:v1",
          windowMappingUrn: side.windowMappingFn?.urn ?? urns.GLOBAL_WINDOW_MAPPING_FN_URN,
        });
      }
    }
    const inputs = Object.entries(transform.inputs)
      .filter(([tag]) => !sideTags.has(tag))
      .map(([, pcId]) => collectionOf(pcId));
    const outputs = Object.entries(transform.outputs).map(([tag, pcId]) => ({ tag, collection: collectionOf(pcId) }));
    steps.push({ index, transformId, name: transform.uniqueName, spec, inputs, sideInputs, outputs });
    for (const input of inputs) collections[input].consumers.push(index);
    for (const side of sideInputs) collections[side.collection].sideConsumers.push(index);
    for (const output of outputs) {
      const collection = collections[output.collection];
      if (collection.producer !== -1) {
        throw new Error(`PCollection "${collection.id}" is produced by two transforms; the proto is malformed.`);
      }
      collection.producer = index;
    }
  };

  const visit = (transformId: string): void => {
    const transform = components.transforms[transformId];
    if (!transform) throw new Error(`The pipeline references transform "${transformId}" that is missing.`);
    const urn = transform.spec?.urn;
    if (urn === urns.WINDOWED_COMBINE_URN) {
      addStep(transformId, transform, { kind: "windowedCombine", payload: transform.spec?.payload ?? new Uint8Array() });
    } else if (isLiftableCombine(transform)) {
      const payload = runnerApi.CombinePayload.fromBinary(transform.spec?.payload ?? new Uint8Array());
      addStep(transformId, transform, {
        kind: "combinePerKey",
        combineFnPayload: payload.combineFn?.payload ?? new Uint8Array(),
      });
    } else if (isSdkReshuffle(transform)) {
      addStep(transformId, transform, { kind: "identity" });
    } else if (transform.subtransforms.length > 0) {
      for (const child of transform.subtransforms) visit(child);
    } else {
      addStep(transformId, transform, classifyLeaf(transformId, transform, sources));
    }
  };
  for (const root of pipeline.rootTransformIds) visit(root);

  for (const collection of collections) {
    if (collection.producer === -1) {
      throw new Error(`PCollection "${collection.id}" has no producing transform in the planned graph.`);
    }
  }
  return { steps, collections, order: topologicalOrder(steps, collections), components };
}

function topologicalOrder(steps: readonly PlannedStep[], collections: readonly PlannedCollection[]): number[] {
  const pending = steps.map((step) => step.inputs.length + step.sideInputs.length);
  const ready: number[] = [];
  steps.forEach((step, i) => {
    if (pending[i] === 0) ready.push(step.index);
  });
  const order: number[] = [];
  while (ready.length > 0) {
    const index = ready.shift() as number;
    order.push(index);
    for (const output of steps[index].outputs) {
      const collection = collections[output.collection];
      for (const consumer of [...collection.consumers, ...collection.sideConsumers]) {
        // A step may read the same collection twice (e.g. flatten of [a, a]); count every edge.
        pending[consumer] -= 1;
        if (pending[consumer] === 0) ready.push(consumer);
      }
    }
  }
  if (order.length !== steps.length) {
    throw new Error("The pipeline graph has a cycle or a step whose input is never produced; cannot plan it.");
  }
  return order;
}
