/**
 * The SDK worker's operator for Beam's Precombine step (beam:transform:combine_per_key_precombine:v1), which
 * lifted_combines.ts puts before Flink's GroupByKey: per bundle, one accumulator per key and window; they are
 * emitted when the bundle finishes (or when more than MAX_GROUPS are open), at the window's end, as the SDK's own.
 *
 * Ours rather than the SDK's (apache-beam 2.49.0) for speed only: the SDK's encodes every element's window and key
 * with their coders and base64 to find its group (a sixth of the worker's CPU in bench:flink, docs/benchmarks.md).
 * Here a string or number key in an interval or global window is looked up by a plain string built from the key
 * and the window's bounds; other keys and windows by their encoded bytes, as the SDK does. Grouping is the same as
 * the GroupByKey's (by encoded key and window): a string or number has one encoding, an interval window is its two
 * bounds. Registered for that URN when this module loads (the Flink runner imports it; LOOPBACK workers and the
 * worker pool of pipelines/flink_workers.ts load the runner).
 */
import "./index";
import "apache-beam";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { deserializeFn } from "apache-beam/internal/serialize";
import type { Coder } from "apache-beam/coders/coders";
import { PaneInfoCoder } from "apache-beam/coders/standard_coders";
import type { CombineFn } from "apache-beam/transforms/group_and_combine";
import {
  NonPromise,
  ProcessResultBuilder,
  encodeToBase64,
  registerOperatorConstructor,
  type IOperator,
  type OperatorContext,
  type ProcessResult,
  type Receiver,
} from "apache-beam/worker/operators";
import { GlobalWindow, IntervalWindow, type KV, type Window, type WindowedValue } from "apache-beam/values";
import { PRECOMBINE_URN } from "../model/urns";

/** Open groups per bundle before a tenth of them is flushed early (as the SDK's). */
const MAX_GROUPS = 10_000;

interface Group {
  readonly key: unknown;
  readonly window: Window;
  accumulator: unknown;
}

function only(ids: Record<string, string>, what: string): string {
  const values = Object.values(ids);
  if (values.length !== 1) throw new Error(`${what}: expected one, got ${values.length}`);
  return values[0];
}

export class PrecombineOperator implements IOperator {
  private groups = new Map<string, Group>();
  private readonly receiver: Receiver;
  private readonly combineFn: CombineFn<unknown, unknown, unknown>;
  private readonly keyCoder: Coder<unknown>;
  private readonly windowCoder: Coder<Window>;

  constructor(
    readonly transformId: string,
    transform: runnerApi.PTransform,
    context: OperatorContext,
  ) {
    this.receiver = context.getReceiver(only(transform.outputs, `${transform.uniqueName} outputs`));
    const payload = runnerApi.CombinePayload.fromBinary(transform.spec!.payload);
    this.combineFn = (deserializeFn(payload.combineFn!.payload) as { combineFn: CombineFn<unknown, unknown, unknown> }).combineFn;
    const input = context.descriptor.pcollections[only(transform.inputs, `${transform.uniqueName} inputs`)];
    this.keyCoder = context.pipelineContext.getCoder(context.descriptor.coders[input.coderId].componentCoderIds[0]);
    this.windowCoder = context.pipelineContext.getCoder(context.descriptor.windowingStrategies[input.windowingStrategyId].windowCoderId);
  }

  async startBundle(): Promise<void> {
    this.groups = new Map();
  }

  process(wvalue: WindowedValue<unknown>): ProcessResult {
    const { key, value } = wvalue.value as KV<unknown, unknown>;
    const keyId = typeof key === "string" ? `s${key}` : typeof key === "number" ? `n${key}` : `e${encodeToBase64(key, this.keyCoder)}`;
    for (const window of wvalue.windows) {
      const id = `${this.windowId(window)} ${keyId}`;
      let group = this.groups.get(id);
      if (group === undefined) {
        group = { key, window, accumulator: this.combineFn.createAccumulator() };
        this.groups.set(id, group);
      }
      group.accumulator = this.combineFn.addInput(group.accumulator, value);
    }
    return this.groups.size > MAX_GROUPS ? this.flush(MAX_GROUPS * 0.9) : NonPromise;
  }

  private windowId(window: Window): string {
    if (window instanceof IntervalWindow) {
      const { start, end } = window as unknown as { start: Long; end: Long };
      return `i${start.high},${start.low},${end.high},${end.low}`;
    }
    if (window instanceof GlobalWindow) return "g";
    return `e${encodeToBase64(window, this.windowCoder)}`;
  }

  /** Emits groups until at most `target` are open. */
  private flush(target: number): ProcessResult {
    const result = new ProcessResultBuilder();
    for (const [id, group] of this.groups) {
      if (this.groups.size <= target) break;
      this.groups.delete(id);
      result.add(
        this.receiver.receive({
          value: { key: group.key, value: group.accumulator },
          windows: [group.window],
          timestamp: group.window.maxTimestamp(),
          pane: PaneInfoCoder.ONE_AND_ONLY_FIRING,
        }),
      );
    }
    return result.build();
  }

  async finishBundle(): Promise<void> {
    const pending = this.flush(0);
    if (pending !== NonPromise) await pending;
  }
}

interface Long {
  readonly high: number;
  readonly low: number;
}

registerOperatorConstructor(PRECOMBINE_URN, (transformId: string, transform: runnerApi.PTransform, context: OperatorContext) => {
  return new PrecombineOperator(transformId, transform, context);
});
