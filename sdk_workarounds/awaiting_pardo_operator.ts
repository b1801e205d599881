/**
 * The SDK worker's operator for async DoFns (sinks) on portable runners.
 *
 * Measured with apache-beam 2.49.0: the worker's own ParDo operator does not await a DoFn. `process` returning a
 * promise fails the bundle ("doFnOutput is not iterable": it iterates the returned value), and so does an async
 * `finishBundle`. A promise returned by a *receiver* is awaited, though: the data channel awaits each element's
 * processing result before it reads the next, and the worker awaits every operator's `finishBundle` before it
 * reports the bundle done to the runner.
 *
 * So async DoFns (transforms/async_pardo.ts, annotated) are submitted with the DoFn URN AWAITING_JS_DOFN_URN
 * (withAwaitingParDos), and this operator returns the promise of `process` (so the element's write finishes
 * before the next element is read) and awaits `finishBundle` (the batch flush): a bundle is
 * acknowledged to Flink only after its writes completed, and a failed write fails the bundle (Flink then restarts
 * from its last checkpoint, if any).
 *
 * The worker picks an operator by transform URN only, and every ParDo has the same one, so this module registers
 * its own constructor for ParDo that handles AWAITING_JS_DOFN_URN and hands every other DoFn to the SDK's
 * constructor (captured by sdk_pardo_constructor.ts: the SDK keeps it in a module-private map).
 * Registered when this module loads: LOOPBACK workers run in the submitting process, which loads it through the
 * Flink runner; an EXTERNAL worker pool must load it too (docs/runners.md).
 */
import "./index";
import "apache-beam";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { deserializeFn } from "apache-beam/internal/serialize";
import {
  NonPromise,
  ProcessResultBuilder,
  registerOperatorConstructor,
  type IOperator,
  type OperatorContext,
  type ProcessResult,
  type Receiver,
} from "apache-beam/worker/operators";
import { ParamProviderImpl, createSideInputInfo, type SideInputInfo } from "apache-beam/worker/pardo_context";
import type { WindowedValue } from "apache-beam/values";
import { ASYNC_DOFN_ANNOTATION, AWAITING_JS_DOFN_URN, PAR_DO_URN } from "../model/urns";
import { sdkParDoConstructor } from "./sdk_pardo_constructor";

interface AsyncDoFn {
  process(element: unknown, context: unknown): Promise<Iterable<unknown> | void> | Iterable<unknown> | void;
  startBundle?(context: unknown): Promise<void> | void;
  finishBundle?(context: unknown): Promise<Iterable<WindowedValue<unknown>> | void> | Iterable<WindowedValue<unknown>> | void;
}

function isPromise<T>(v: unknown): v is Promise<T> {
  return typeof (v as { then?: unknown } | null | undefined)?.then === "function";
}

/**
 * When an async DoFn in this process (LOOPBACK: the sinks) last started or finished a bundle or an element. (Not a
 * count of bundles in flight: a bundle whose TaskManager died never finishes.)
 */
const activity = { lastAt: 0 };

export function awaitingLastActivity(): number {
  return activity.lastAt;
}

/**
 * After `holdAsyncDoFns()`, no async DoFn in this process starts another element or bundle: each returns a
 * promise that never settles (the write never happens; the bundle never completes). Used once a savepoint is
 * taken and the job is about to be cancelled: a cancelled source's last act is the maximum watermark (Beam's
 * UnboundedSourceWrapper), which would fire every open window as final, and a final row is never overwritten.
 */
const hold = { on: false };

export function holdAsyncDoFns(): void {
  hold.on = true;
}

const NEVER: Promise<never> = new Promise<never>(() => undefined);

export class AwaitingParDoOperator implements IOperator {
  private paramProvider: ParamProviderImpl | undefined;
  private context: unknown;

  constructor(
    readonly transformId: string,
    private readonly receiver: Receiver,
    private readonly doFn: AsyncDoFn,
    private readonly originalContext: unknown,
    private readonly sideInputInfo: Map<string, SideInputInfo>,
    private readonly operatorContext: OperatorContext,
  ) {}

  async startBundle(): Promise<void> {
    this.paramProvider = new ParamProviderImpl(
      this.transformId,
      this.sideInputInfo,
      this.operatorContext.getStateProvider,
      this.operatorContext.metricsContainer,
    );
    this.context = this.paramProvider.augmentContext(this.originalContext);
    activity.lastAt = Date.now();
    if (this.doFn.startBundle) await this.doFn.startBundle(this.context);
  }

  process(wvalue: WindowedValue<unknown>): ProcessResult {
    if (this.originalContext !== undefined && wvalue.windows.length !== 1) {
      const result = new ProcessResultBuilder();
      for (const window of wvalue.windows) result.add(this.process({ ...wvalue, windows: [window] }));
      return result.build();
    }
    const provider = this.paramProvider!;
    const ready = provider.setCurrentValue(wvalue);
    if (ready !== NonPromise) return ready.then(() => awaitResult(this.processNow(wvalue)));
    return this.processNow(wvalue);
  }

  private processNow(wvalue: WindowedValue<unknown>): ProcessResult {
    if (hold.on) return NEVER;
    activity.lastAt = Date.now();
    const output = this.doFn.process(wvalue.value, this.context);
    if (isPromise<Iterable<unknown> | void>(output)) {
      return output.then((values) => awaitResult(this.emit(values, wvalue)));
    }
    return this.emit(output, wvalue);
  }

  private emit(values: Iterable<unknown> | void, wvalue: WindowedValue<unknown>): ProcessResult {
    if (!values) return NonPromise;
    const result = new ProcessResultBuilder();
    for (const value of values) {
      result.add(this.receiver.receive({ value, windows: wvalue.windows, pane: wvalue.pane, timestamp: wvalue.timestamp }));
    }
    return result.build();
  }

  async finishBundle(): Promise<void> {
    if (hold.on) return NEVER;
    try {
      if (!this.doFn.finishBundle) return;
      const output = await this.doFn.finishBundle(this.context);
      if (!output) return;
      for (const element of output) await awaitResult(this.receiver.receive(element));
    } finally {
      activity.lastAt = Date.now();
    }
  }
}

async function awaitResult(r: ProcessResult): Promise<void> {
  if (r !== NonPromise) await r;
}

function onlyOutput(transform: runnerApi.PTransform): string {
  const outputs = Object.values(transform.outputs);
  if (outputs.length !== 1) throw new Error(`${transform.uniqueName}: an async DoFn has exactly one output, got ${outputs.length}`);
  return outputs[0];
}

const sdkParDo = sdkParDoConstructor();

registerOperatorConstructor(PAR_DO_URN, (transformId: string, transform: runnerApi.PTransform, context: OperatorContext) => {
  const spec = runnerApi.ParDoPayload.fromBinary(transform.spec!.payload);
  if (spec.doFn?.urn !== AWAITING_JS_DOFN_URN) return sdkParDo(transformId, transform, context);
  const { doFn, context: doFnContext } = deserializeFn(spec.doFn.payload) as { doFn: AsyncDoFn; context: unknown };
  return new AwaitingParDoOperator(
    transformId,
    context.getReceiver(onlyOutput(transform)),
    doFn,
    doFnContext,
    createSideInputInfo(transform, spec, context),
    context,
  );
});

/**
 * The pipeline as submitted to a portable runner: every ParDo annotated as async gets AWAITING_JS_DOFN_URN as its
 * DoFn's URN (same payload). Returns a copy; the direct runner never sees it.
 */
export function withAwaitingParDos(pipeline: runnerApi.Pipeline): { pipeline: runnerApi.Pipeline; rewritten: number } {
  const copy = runnerApi.Pipeline.clone(pipeline);
  let rewritten = 0;
  for (const transform of Object.values(copy.components!.transforms)) {
    if (transform.spec?.urn === PAR_DO_URN && transform.annotations[ASYNC_DOFN_ANNOTATION] !== undefined) {
      const payload = runnerApi.ParDoPayload.fromBinary(transform.spec.payload);
      payload.doFn = { urn: AWAITING_JS_DOFN_URN, payload: payload.doFn!.payload };
      transform.spec.payload = runnerApi.ParDoPayload.toBinary(payload);
      rewritten++;
    }
  }
  return { pipeline: copy, rewritten };
}
