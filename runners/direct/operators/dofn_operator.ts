/**
 * Runs a JS DoFn (the SDK's SERIALIZED_JS_DOFN_INFO payload: map, flatMap, parDo with a DoFn object).
 *
 * Synchronous DoFns stay on a plain loop: process() is called, its iterable drained into the next receiver.
 * A process() (or finishBundle()) that returns a promise makes the element asynchronous: its outputs go on when
 * the promise resolves, later elements with the same key wait behind it (ordering per key; elements that are
 * not {key, value} pairs share one order), and the runner's in-flight bound applies backpressure to sources.
 */
import { WATERMARK_DONE, type Millis, type Pane, type Window } from "../grouping/model";
import { StepError } from "../step_errors";
import type { Receiver } from "../receiver";
import { DoFnContextProvider } from "../dofn_context";
import type { SideInputs } from "../side_inputs";
import { fromSdkWindowedValue } from "../sdk_values";
import type { WindowedValue } from "apache-beam/values";
import type { OperatorServices, StepOperator } from "./operator";

export interface DoFnLike {
  process(element: unknown, context: unknown): unknown;
  startBundle?(context: unknown): unknown;
  finishBundle?(context: unknown): unknown;
}

export function isDoFnLike(value: unknown): value is DoFnLike {
  return typeof value === "object" && value !== null && typeof (value as DoFnLike).process === "function";
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function"
  );
}

/** Elements that are {key, value} objects are ordered per key; all others share one order. */
function orderingKey(value: unknown): string {
  if (typeof value === "object" && value !== null && "key" in value) {
    const key = (value as { key: unknown }).key;
    return typeof key === "string" ? key : "\u0000" + JSON.stringify(key);
  }
  return "";
}

/**
 * The SDK's `pcoll.map(fn)` wraps fn in a generator DoFn (`function* (element, context) { yield fn(...) }`): one
 * generator object and iteration per element. When process() is exactly that wrapper, return `fn` so the operator
 * calls it directly with the same arguments and emits its single result (same outputs, no generator).
 */
export function sdkMapFunction(doFn: DoFnLike): ((element: unknown, context?: unknown) => unknown) | undefined {
  const process = doFn.process as unknown as { __closure?: () => Record<string, unknown> };
  if (typeof process.__closure !== "function" || doFn.startBundle || doFn.finishBundle) return undefined;
  const source = Function.prototype.toString.call(doFn.process).replace(/\/\/[^\n]*\n/g, "").replace(/\s+/g, " ");
  const wrapper = "function* (element, context) { yield context === null || context === undefined ? fn(element) : fn(element, context); }";
  if (source !== wrapper) return undefined;
  const fn = process.__closure().fn;
  return typeof fn === "function" ? (fn as (element: unknown, context?: unknown) => unknown) : undefined;
}

interface Chain {
  tail: Promise<void>;
  pending: number;
}

interface Buffered {
  readonly value: unknown;
  readonly timestamp: Millis;
  readonly window: Window;
  readonly pane: Pane;
}

export class DoFnOperator implements StepOperator {
  private readonly provider: DoFnContextProvider;
  private started = false;
  private bundleMin = WATERMARK_DONE;
  private readonly chains = new Map<string, Chain>();
  /** Timestamp → number of async elements in flight with it. */
  private readonly asyncTimestamps = new Map<Millis, number>();
  private waiting: Buffered[] = [];
  private readonly mapFn: ((element: unknown, context?: unknown) => unknown) | undefined;

  constructor(
    readonly name: string,
    private readonly doFn: DoFnLike,
    context: unknown,
    private readonly output: Receiver,
    private readonly services: OperatorServices,
    private readonly sideInputs: SideInputs | undefined,
  ) {
    this.provider = new DoFnContextProvider(context, services.metrics, (id, window) => {
      if (!this.sideInputs) throw new Error(`${name} has no side inputs but looked up "${id}".`);
      return this.sideInputs.lookup(id, window);
    });
    this.mapFn = sdkMapFunction(doFn);
  }

  receive(value: unknown, timestamp: Millis, windows: readonly Window[], pane: Pane): void {
    if (!this.started) this.startBundle();
    if (timestamp < this.bundleMin) this.bundleMin = timestamp;
    if (windows.length === 1 || !(this.provider.hasParams || this.sideInputs)) {
      this.processInWindows(value, timestamp, windows, pane);
    } else {
      for (let i = 0; i < windows.length; i++) this.processInWindows(value, timestamp, [windows[i]], pane);
    }
  }

  private processInWindows(value: unknown, timestamp: Millis, windows: readonly Window[], pane: Pane): void {
    if (this.sideInputs && !this.sideInputs.ready(windows[0])) {
      this.waiting.push({ value, timestamp, window: windows[0], pane });
      return;
    }
    if (this.chains.size > 0) {
      const chain = this.chains.get(orderingKey(value));
      if (chain) {
        this.enqueue(chain, value, timestamp, windows, pane);
        return;
      }
    }
    const pending = this.runOne(value, timestamp, windows, pane);
    if (pending === undefined) return;
    const chain: Chain = { tail: Promise.resolve(), pending: 0 };
    const key = orderingKey(value);
    this.chains.set(key, chain);
    this.startAsync(chain, key, Promise.resolve(pending), timestamp, windows, pane);
  }

  /**
   * Calls process() with the parameters bound to this element. A synchronous result is drained right here, while
   * the parameters are still bound (the SDK's map() is a generator: its body runs during iteration). A promise is
   * returned for the caller to await (its parameters must have been read before its first await).
   */
  private runOne(value: unknown, timestamp: Millis, windows: readonly Window[], pane: Pane): PromiseLike<unknown> | undefined {
    const provider = this.provider;
    provider.setCurrent(value, timestamp, windows[0], pane);
    try {
      const mapFn = this.mapFn;
      if (mapFn !== undefined) {
        const context = provider.context;
        const mapped = context === null || context === undefined ? mapFn(value) : mapFn(value, context);
        this.output.receive(mapped, timestamp, windows, pane);
        return undefined;
      }
      const result = this.doFn.process(value, provider.context);
      if (result === undefined || result === null) return undefined;
      if (isThenable(result)) return result;
      this.emitAll(result, timestamp, windows, pane);
      return undefined;
    } catch (error) {
      // The innermost failing step names itself; steps it was called from pass its StepError on.
      throw error instanceof StepError ? error : new StepError(this.name, error);
    } finally {
      provider.clearCurrent();
    }
  }

  private emitAll(result: unknown, timestamp: Millis, windows: readonly Window[], pane: Pane): void {
    if (result === undefined || result === null) return;
    if (typeof (result as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw new Error(
        `${this.name}: process() must return an iterable of outputs, a promise of one, or nothing; got ` +
          `${typeof result}. (A map() whose function returns a promise should be an async parDo instead.)`,
      );
    }
    const output = this.output;
    if (Array.isArray(result)) {
      for (let i = 0; i < result.length; i++) output.receive(result[i], timestamp, windows, pane);
    } else {
      for (const element of result as Iterable<unknown>) output.receive(element, timestamp, windows, pane);
    }
  }

  private startAsync(
    chain: Chain,
    key: string,
    work: Promise<unknown>,
    timestamp: Millis,
    windows: readonly Window[],
    pane: Pane,
  ): void {
    chain.pending += 1;
    this.asyncTimestamps.set(timestamp, (this.asyncTimestamps.get(timestamp) ?? 0) + 1);
    const done = work.then((result) => {
      this.emitAll(result, timestamp, windows, pane);
    });
    const settle = (): void => {
      const left = (this.asyncTimestamps.get(timestamp) ?? 1) - 1;
      if (left === 0) this.asyncTimestamps.delete(timestamp);
      else this.asyncTimestamps.set(timestamp, left);
      chain.pending -= 1;
      if (chain.pending === 0 && this.chains.get(key) === chain) this.chains.delete(key);
    };
    chain.tail = done.then(settle, (error: unknown) => {
      settle();
      throw error;
    });
    // The in-flight tracker records failures; the chain keeps going so later elements are not stuck.
    this.services.inFlight.track(chain.tail);
    chain.tail = chain.tail.catch(() => undefined);
  }

  private enqueue(chain: Chain, value: unknown, timestamp: Millis, windows: readonly Window[], pane: Pane): void {
    const key = orderingKey(value);
    const work = chain.tail.then(() => this.runOne(value, timestamp, windows, pane));
    this.startAsync(chain, key, work, timestamp, windows, pane);
  }

  private startBundle(): void {
    this.started = true;
    this.bundleMin = WATERMARK_DONE;
    if (this.doFn.startBundle) {
      const result = this.doFn.startBundle(this.provider.context);
      if (isThenable(result)) this.services.inFlight.track(Promise.resolve(result));
    }
  }

  finishBundle(): void {
    if (!this.started) return;
    this.started = false;
    if (!this.doFn.finishBundle) return;
    const result = this.doFn.finishBundle(this.provider.context);
    if (isThenable(result)) {
      const held = this.bundleMin;
      this.asyncTimestamps.set(held, (this.asyncTimestamps.get(held) ?? 0) + 1);
      const work = Promise.resolve(result).then((outputs) => this.emitWindowed(outputs));
      const settled = work.finally(() => {
        const left = (this.asyncTimestamps.get(held) ?? 1) - 1;
        if (left === 0) this.asyncTimestamps.delete(held);
        else this.asyncTimestamps.set(held, left);
      });
      this.services.inFlight.track(settled);
    } else {
      this.emitWindowed(result);
    }
  }

  /** finishBundle outputs are WindowedValues (the SDK's contract: a bundle spans windows). */
  private emitWindowed(outputs: unknown): void {
    if (outputs === undefined || outputs === null) return;
    for (const wv of outputs as Iterable<WindowedValue<unknown>>) {
      const converted = fromSdkWindowedValue(wv);
      this.output.receive(converted.value, converted.timestamp, converted.windows, converted.pane);
    }
  }

  /** Processes the elements whose side inputs became ready. */
  releaseReady(): void {
    if (!this.sideInputs || this.waiting.length === 0) return;
    const still: Buffered[] = [];
    const ready: Buffered[] = [];
    for (const element of this.waiting) {
      if (this.sideInputs.ready(element.window)) ready.push(element);
      else still.push(element);
    }
    this.waiting = still;
    for (const element of ready) {
      this.receive(element.value, element.timestamp, [element.window], element.pane);
    }
  }

  hold(): Millis {
    let min = WATERMARK_DONE;
    for (const timestamp of this.asyncTimestamps.keys()) if (timestamp < min) min = timestamp;
    for (const element of this.waiting) if (element.timestamp < min) min = element.timestamp;
    return min;
  }
}
