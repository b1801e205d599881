/**
 * Builds the operators of a plan, apart from the executor that runs them (Beam's TransformEvaluatorRegistry: one
 * builder per step kind, and for ParDo one per DoFn URN). `buildOperators` wires each step's outputs to the
 * receivers of its consumers (consumers first, in reverse topological order), and hands the executor what it drives:
 * the sources, every operator by step index, the grouped steps (with their checkpoint fingerprints) and the ParDos
 * reading side inputs. Nothing here runs an element.
 */
import "apache-beam"; // load the SDK in its own order first: its worker modules import each other circularly
import { deserializeFn as sdkDeserializeFn } from "apache-beam/internal/serialize";
import type { CombineFn } from "apache-beam/transforms/group_and_combine";
import type { WindowFnSpec } from "../../model/model";
import { windowingSpecFromProto } from "../../model/strategy";
import { assignWindows } from "../../model/window_fns";
import * as urns from "../../model/urns";
import { relinkDeserialized } from "../../sdk_workarounds/relink";
import type { Plan, PlannedStep, StepKind, StepSpec } from "./plan";
import { fanOut, type Receiver } from "./receiver";
import { GLOBAL_WINDOW } from "./sdk_values";
import { SideInputs, identityWindow, toGlobalWindow, type WindowMapping } from "./side_inputs";
import { listAggregator, combineFnAggregator } from "./aggregators";
import { impulseSource } from "./sources/impulse_source";
import type { SourceFactory, UnboundedSource } from "./sources/source";
import { stepFingerprint } from "./checkpoint/runner_checkpoint";
import type { OperatorServices, StepOperator } from "./operators/operator";
import { DoFnOperator, isDoFnLike } from "./operators/dofn_operator";
import { GroupingOperator } from "./operators/grouping_operator";
import {
  AssignTimestampsOperator,
  PassThroughOperator,
  SplitOperator,
  WindowIntoOperator,
  type SplitOptions,
} from "./operators/simple_operators";
import { CountingReceiver } from "./observability/counting_receiver";

/** The SDK's deserializer, with the result re-linked for speed (see sdk_workarounds/relink.ts). */
function deserializeFn(payload: Uint8Array): unknown {
  return relinkDeserialized(sdkDeserializeFn(payload));
}

/** A source step and the receiver its records go to. */
export interface BuiltSource {
  readonly step: PlannedStep;
  readonly source: UnboundedSource<unknown>;
  readonly output: Receiver;
}

/** A grouped step's operator and the fingerprint its checkpoints carry. */
export interface BuiltGroupedStep {
  readonly step: PlannedStep;
  readonly op: GroupingOperator;
  readonly fingerprint: string;
}

/** A ParDo with side inputs: the executor moves the side collections' watermarks into `sides`. */
export interface BuiltSideInputStep {
  readonly step: PlannedStep;
  readonly op: DoFnOperator;
  readonly sides: SideInputs;
}

/** Everything the executor drives, built from a plan. */
export interface BuiltOperators {
  /** By step index; undefined for sources. */
  readonly operators: ReadonlyArray<StepOperator | undefined>;
  /** By step index: the counter in front of each consumed operator (elements received). */
  readonly counting: ReadonlyArray<CountingReceiver | undefined>;
  /** In reverse topological order of their steps (the order they were built in). */
  readonly sources: readonly BuiltSource[];
  /** In topological order. */
  readonly grouped: readonly BuiltGroupedStep[];
  /** In topological order. */
  readonly sideInputSteps: readonly BuiltSideInputStep[];
}

/** What one builder is handed: its step, its wired outputs and the run's services. */
interface StepContext {
  readonly plan: Plan;
  readonly step: PlannedStep;
  /** The receiver of the step's first output (a no-op receiver for a step without outputs). */
  readonly main: Receiver;
  readonly outputs: ReadonlyMap<string, Receiver>;
  readonly services: OperatorServices;
  readonly sourceFactory: (urn: string) => SourceFactory | undefined;
  /** Registers a side-input collector on a collection (wired to its producer later in the walk). */
  collectSide(collection: number, collector: Receiver): void;
}

/** What a builder makes of its step. */
type Built =
  | { readonly kind: "source"; readonly source: UnboundedSource<unknown> }
  | { readonly kind: "operator"; readonly op: StepOperator }
  | { readonly kind: "grouped"; readonly op: GroupingOperator; readonly fingerprint: string }
  | { readonly kind: "sideInputs"; readonly op: DoFnOperator; readonly sides: SideInputs };

type StepBuilder<K extends StepKind> = (spec: Extract<StepSpec, { kind: K }>, context: StepContext) => Built;
type DoFnBuilder = (payload: Uint8Array, context: StepContext) => Built;

function operator(op: StepOperator): Built {
  return { kind: "operator", op };
}

function createSource(spec: Extract<StepSpec, { kind: "source" }>, c: StepContext): Built {
  const factory = c.sourceFactory(spec.urn);
  if (!factory) throw new Error(`No source is known for URN "${spec.urn}" (step ${c.step.name}): pass it in DirectRunnerOptions.sources.`);
  const transform = c.plan.components.transforms[c.step.transformId];
  return { kind: "source", source: factory(spec.payload, { transformId: c.step.transformId, transform, components: c.plan.components }) };
}

function combineFnOf(step: PlannedStep, payload: Uint8Array): CombineFn<unknown, unknown, unknown> {
  const decoded: unknown = deserializeFn(payload);
  const combineFn = (decoded as { combineFn?: CombineFn<unknown, unknown, unknown> }).combineFn;
  if (!combineFn || typeof combineFn.addInput !== "function") {
    throw new Error(`${step.name}: its payload holds no CombineFn; build it with combinePerKey/windowedCombine.`);
  }
  return combineFn;
}

/**
 * GroupByKey, combinePerKey and windowedCombine: one grouping operator. The serialized CombineFn (none for
 * GroupByKey) is the aggregator and part of the step's checkpoint fingerprint.
 */
function grouped(spec: Extract<StepSpec, { kind: "groupByKey" | "combinePerKey" | "windowedCombine" }>, c: StepContext): Built {
  const windowing = windowingSpecFromProto(c.plan.collections[c.step.inputs[0]].windowing);
  const combineFn = spec.kind === "groupByKey" ? undefined : spec.kind === "combinePerKey" ? spec.combineFnPayload : spec.payload;
  const aggregator = combineFn === undefined ? listAggregator<unknown>() : combineFnAggregator(combineFnOf(c.step, combineFn));
  const results = spec.kind === "windowedCombine" ? (c.outputs.get("results") ?? c.main) : c.main;
  const late = spec.kind === "windowedCombine" ? c.outputs.get("late") : undefined;
  const op = new GroupingOperator(c.step.name, windowing, aggregator, results, late, c.services);
  return { kind: "grouped", op, fingerprint: stepFingerprint(spec.kind, windowing, combineFn ?? new Uint8Array(0)) };
}

function windowMapping(plan: Plan, urn: string, sideCollection: number): WindowMapping {
  switch (urn) {
    case urns.GLOBAL_WINDOW_MAPPING_FN_URN:
      return toGlobalWindow;
    case urns.IDENTITY_WINDOW_MAPPING_FN_URN:
      return identityWindow;
    case urns.ASSIGN_MAX_TIMESTAMP_WINDOW_MAPPING_FN_URN: {
      const windowFn: WindowFnSpec = windowingSpecFromProto(plan.collections[sideCollection].windowing).windowFn;
      return (window) => assignWindows(windowFn, window.end - 1)[0] ?? GLOBAL_WINDOW;
    }
    default:
      throw new Error(`Side inputs with window mapping "${urn}" are not supported by the direct runner.`);
  }
}

/** A user DoFn (serialized JS DoFn info), with its side inputs when it reads any. */
function userDoFn(payload: Uint8Array, c: StepContext): Built {
  const decoded = deserializeFn(payload) as { doFn?: unknown; context?: unknown };
  if (!isDoFnLike(decoded.doFn)) throw new Error(`${c.step.name}: the payload holds no DoFn with a process().`);
  if (c.step.sideInputs.length === 0) return operator(new DoFnOperator(c.step.name, decoded.doFn, decoded.context, c.main, c.services, undefined));
  const sides = new SideInputs();
  for (const side of c.step.sideInputs) {
    c.collectSide(side.collection, sides.add(side.tag, windowMapping(c.plan, side.windowMappingUrn, side.collection)));
  }
  return { kind: "sideInputs", op: new DoFnOperator(c.step.name, decoded.doFn, decoded.context, c.main, c.services, sides), sides };
}

/** ParDo: one builder per DoFn URN. */
const DOFN_BUILDERS: Readonly<Record<string, DoFnBuilder>> = {
  [urns.IDENTITY_DOFN_URN]: (_payload, c) => operator(new PassThroughOperator(c.main)),
  [urns.JS_WINDOW_INTO_DOFN_URN]: (_payload, c) => {
    const output = c.plan.collections[c.step.outputs[0].collection];
    return operator(new WindowIntoOperator(windowingSpecFromProto(output.windowing).windowFn, c.main));
  },
  [urns.JS_ASSIGN_TIMESTAMPS_DOFN_URN]: (payload, c) => {
    const { func } = deserializeFn(payload) as { func: (element: unknown, timestamp: unknown) => unknown };
    return operator(new AssignTimestampsOperator(func, c.main));
  },
  [urns.SPLITTING_JS_DOFN_URN]: (payload, c) => {
    const options = deserializeFn(payload) as SplitOptions;
    return operator(new SplitOperator({ ...options, knownTags: options.knownTags ?? [...c.outputs.keys()] }, c.outputs));
  },
  [urns.SERIALIZED_JS_DOFN_INFO]: userDoFn,
};

/** One builder per step kind. */
const STEP_BUILDERS: { readonly [K in StepKind]: StepBuilder<K> } = {
  impulse: () => ({ kind: "source", source: impulseSource() }),
  source: createSource,
  flatten: (_spec, c) => operator(new PassThroughOperator(c.main)),
  identity: (_spec, c) => operator(new PassThroughOperator(c.main)),
  groupByKey: grouped,
  combinePerKey: grouped,
  windowedCombine: grouped,
  pardo: (spec, c) => {
    const build = Object.prototype.hasOwnProperty.call(DOFN_BUILDERS, spec.doFnUrn) ? DOFN_BUILDERS[spec.doFnUrn] : undefined;
    if (build === undefined) throw new Error(`${c.step.name}: the direct runner does not know the DoFn URN "${spec.doFnUrn}".`);
    return build(spec.doFnPayload, c);
  },
};

function buildStep(spec: StepSpec, context: StepContext): Built {
  // One lookup by kind; the cast ties the builder to its own spec type (TypeScript cannot correlate the two).
  const build = STEP_BUILDERS[spec.kind] as StepBuilder<StepKind>;
  return build(spec as Extract<StepSpec, { kind: StepKind }>, context);
}

/** The DoFn URNs the direct runner builds a ParDo for. */
export const KNOWN_DOFN_URNS: readonly string[] = Object.keys(DOFN_BUILDERS);

/**
 * Builds every step of `plan`: consumers before their producers (reverse topological order), so that each step's
 * outputs are wired to the counting receivers in front of its consumers and to the side-input collectors reading
 * them. `sourceFactory` gives the factory of a source step's URN.
 */
export function buildOperators(
  plan: Plan,
  services: OperatorServices,
  sourceFactory: (urn: string) => SourceFactory | undefined,
): BuiltOperators {
  const operators: Array<StepOperator | undefined> = [];
  const counting: Array<CountingReceiver | undefined> = [];
  const sources: BuiltSource[] = [];
  const groupedSteps: BuiltGroupedStep[] = [];
  const sideInputSteps: BuiltSideInputStep[] = [];
  const sideCollectors = new Map<number, Receiver[]>();
  const receiverOf = (collection: number): Receiver => {
    const consumers = plan.collections[collection].consumers.map((index) => {
      const op = operators[index];
      if (!op) throw new Error(`Internal: step ${plan.steps[index].name} was not built before its producer.`);
      return (counting[index] ??= new CountingReceiver(op));
    });
    return fanOut([...consumers, ...(sideCollectors.get(collection) ?? [])]);
  };
  const collectSide = (collection: number, collector: Receiver): void => {
    const list = sideCollectors.get(collection) ?? [];
    list.push(collector);
    sideCollectors.set(collection, list);
  };
  for (const index of [...plan.order].reverse()) {
    const step = plan.steps[index];
    const outputs = new Map(step.outputs.map((o) => [o.tag, receiverOf(o.collection)]));
    const main = step.outputs.length > 0 ? receiverOf(step.outputs[0].collection) : fanOut([]);
    const built = buildStep(step.spec, { plan, step, main, outputs, services, sourceFactory, collectSide });
    switch (built.kind) {
      case "source":
        sources.push({ step, source: built.source, output: main });
        break;
      case "operator":
        operators[index] = built.op;
        break;
      case "grouped":
        operators[index] = built.op;
        groupedSteps.push({ step, op: built.op, fingerprint: built.fingerprint });
        break;
      case "sideInputs":
        operators[index] = built.op;
        sideInputSteps.push({ step, op: built.op, sides: built.sides });
        break;
    }
  }
  return { operators, counting, sources, grouped: groupedSteps.reverse(), sideInputSteps: sideInputSteps.reverse() };
}
