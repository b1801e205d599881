/**
 * The SDK worker's own ParDo operator constructor (apache-beam 2.49.0, worker/operators.js), which the awaiting
 * ParDo operator hands every DoFn but ours. The SDK keeps its operator constructors in a module-private map and
 * exports only `registerOperatorConstructor` and `createOperator`; registering ours for the ParDo URN would lose
 * the SDK's. So the constructor is read once, at load, by observing `Map.prototype.get` during one createOperator
 * call on a dummy transform (the hook is removed in `finally`, before anything else runs).
 */
import "./index";
import "apache-beam";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { createOperator, type IOperator, type OperatorContext } from "apache-beam/worker/operators";
import { PAR_DO_URN } from "../model/urns";

export type OperatorConstructor = (transformId: string, transform: runnerApi.PTransform, context: OperatorContext) => IOperator;

/** The SDK's ParDo constructor, read from its registry (see the header). */
export function sdkParDoConstructor(): OperatorConstructor {
  let captured: OperatorConstructor | undefined;
  const get = Map.prototype.get;
  Map.prototype.get = function observe(this: Map<unknown, unknown>, key: unknown) {
    const value = get.call(this, key);
    if (key === PAR_DO_URN && captured === undefined && typeof value === "function") captured = value as OperatorConstructor;
    return value;
  };
  try {
    const dummy = runnerApi.PTransform.create({ uniqueName: "probe", spec: { urn: PAR_DO_URN, payload: new Uint8Array() } });
    createOperator("probe", {
      descriptor: { transforms: { probe: dummy } },
      getReceiver: () => undefined,
    } as unknown as OperatorContext);
  } catch {
    // The dummy has no output: the SDK's constructor throws after it was looked up, which is all we need.
  } finally {
    Map.prototype.get = get;
  }
  if (captured === undefined) throw new Error("could not find the SDK worker's ParDo operator (apache-beam version changed?)");
  return captured;
}
