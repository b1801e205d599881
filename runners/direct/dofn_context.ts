/**
 * The runtime side of the SDK's ParDo parameters (windowParam, timestampParam, paneInfoParam, side inputs,
 * counters/distributions): binds the deserialized context's parameter objects to this provider, like the SDK's
 * worker does, and converts the current element's numbers to the SDK's Long/IntervalWindow/PaneInfo shapes only
 * when a DoFn looks them up.
 */
import type { Millis, Pane, Window } from "../../model/model";
import type { Metrics } from "./metrics";
import { toSdkInstant, toSdkPane, toSdkWindow } from "./sdk_values";

interface ParamLike {
  readonly parDoParamName: string;
  readonly sideInputId?: string;
  readonly accessor?: { toValue(iterable: Iterable<unknown>): unknown };
  readonly metricType?: string;
  readonly name?: string;
}

function isParam(value: unknown): value is ParamLike {
  return typeof value === "object" && value !== null && typeof (value as ParamLike).parDoParamName === "string";
}

/** Looks up the elements of a side input visible from a main-input window. */
export type SideInputLookup = (sideInputId: string, mainWindow: Window) => readonly unknown[];

export class DoFnContextProvider {
  private value: unknown = undefined;
  private timestamp: Millis = 0;
  private window: Window | undefined = undefined;
  private pane: Pane | undefined = undefined;
  private active = false;
  /** True when the context holds any parameter: then elements are processed one window at a time. */
  readonly hasParams: boolean;
  readonly context: unknown;

  constructor(
    originalContext: unknown,
    private readonly metrics: Metrics,
    private readonly sideInputs: SideInputLookup,
  ) {
    let hasParams = false;
    if (typeof originalContext === "object" && originalContext !== null) {
      const bound: Record<string, unknown> = Object.create(originalContext);
      for (const [name, value] of Object.entries(originalContext)) {
        if (isParam(value)) {
          const param = Object.create(value) as Record<string, unknown>;
          param.provider = this;
          bound[name] = param;
          hasParams = true;
        }
      }
      this.context = bound;
    } else {
      this.context = originalContext;
    }
    this.hasParams = hasParams;
  }

  setCurrent(value: unknown, timestamp: Millis, window: Window, pane: Pane): void {
    this.value = value;
    this.timestamp = timestamp;
    this.window = window;
    this.pane = pane;
    this.active = true;
  }

  clearCurrent(): void {
    this.active = false;
    this.value = undefined;
  }

  /** Called by the SDK's ParDoLookupParam.lookup(). */
  lookup(param: ParamLike): unknown {
    if (!this.active || this.window === undefined || this.pane === undefined) {
      throw new Error(
        `The ${param.parDoParamName} parameter was read outside a process() call (or after an await in an ` +
          `async DoFn): read parameters synchronously at the start of process().`,
      );
    }
    switch (param.parDoParamName) {
      case "window":
        return toSdkWindow(this.window);
      case "timestamp":
        return toSdkInstant(this.timestamp);
      case "paneinfo":
        return toSdkPane(this.pane);
      case "sideInput": {
        if (param.sideInputId === undefined || param.accessor === undefined) {
          throw new Error("A side input parameter lost its id; build it with iterableSideInput/singletonSideInput.");
        }
        return param.accessor.toValue(this.sideInputs(param.sideInputId, this.window));
      }
      default:
        throw new Error(`Unknown DoFn context parameter "${param.parDoParamName}".`);
    }
  }

  /** Called by the SDK's ParDoUpdateParam.update() (counters, distributions). */
  update(param: ParamLike, value: unknown): void {
    if (param.parDoParamName !== "metric" || typeof param.name !== "string") {
      throw new Error(`Cannot update DoFn context parameter "${param.parDoParamName}".`);
    }
    const amount = typeof value === "number" ? value : Number(value);
    if (param.metricType === "beam:metric:user:distribution_int64:v1") this.metrics.record(param.name, amount);
    else this.metrics.increment(param.name, amount);
  }

  /** The element being processed (for diagnostics). */
  currentValue(): unknown {
    return this.value;
  }
}
