/**
 * Fusion: chains of element-wise steps (ParDo, Flatten, identity) run as one stage behind the step that feeds
 * them (a source or a grouped step). Inside a stage elements move by direct synchronous calls with no encoding
 * (see receiver.ts); stages meet only at grouped steps, where the keyed grouping holds state. This module names
 * the stages of a plan (the executor wires receivers collection by collection, which yields exactly these).
 */
import { isElementWise, type Plan } from "./plan";

export interface Stage {
  /** The source or grouped step whose outputs feed the stage (or an element-wise step fed by several stages). */
  readonly head: number;
  /** The element-wise steps fused behind the head, in topological order. */
  readonly members: readonly number[];
}

export function fuseStages(plan: Plan): Stage[] {
  const stageOf = new Map<number, number>();
  const stages: Array<{ head: number; members: number[] }> = [];
  for (const index of plan.order) {
    const step = plan.steps[index];
    if (isElementWise(step.spec.kind)) {
      const producerStages = new Set(
        [...step.inputs, ...step.sideInputs.map((s) => s.collection)].map((c) => {
          const producer = plan.collections[c].producer;
          return stageOf.get(producer) ?? -1;
        }),
      );
      const mainProducerStages = new Set(step.inputs.map((c) => stageOf.get(plan.collections[c].producer) ?? -1));
      if (mainProducerStages.size === 1 && producerStages.size >= 1) {
        const stage = [...mainProducerStages][0];
        if (stage >= 0) {
          stages[stage].members.push(index);
          stageOf.set(index, stage);
          continue;
        }
      }
    }
    stageOf.set(index, stages.length);
    stages.push({ head: index, members: [] });
  }
  return stages;
}
