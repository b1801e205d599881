/**
 * The active window set of a merging window fn (sessions; Beam Java's MergingActiveWindowSet with ReduceFn.onMerge):
 * a key's live sessions, and what happens to their state when a new element's proto-window merges them.
 * session_merging.ts decides which windows merge into what; this applies it: the result window's accumulator,
 * non-empty flag and earliest buffered timestamp come from the sources, then the reducer merges the trigger state,
 * holds and timers (MergeHost.merged) and drops the merged-away windows.
 */
import type { Aggregator, Window } from "../../../model/model";
import type { TriggerState } from "../../../model/trigger_state_machine";
import { planSessionMerge } from "./session_merging";
import type { KeyState, WindowState } from "./window_state";

/** What the set needs from the reducer that owns the windows. */
export interface MergeHost<K, A> {
  newState(ks: KeyState<K, A>, window: Window): WindowState<K, A>;
  newTriggerState(): TriggerState;
  /**
   * The sources' contents are in `target` (renamed if the span is new): merge the trigger states `trigs`, the holds,
   * the timers and queues, and remove every source other than `target`.
   */
  merged(target: WindowState<K, A>, sources: readonly WindowState<K, A>[], trigs: readonly TriggerState[]): void;
}

export class MergingActiveWindowSet<K, A> {
  constructor(
    private readonly agg: Aggregator<unknown, A, unknown>,
    private readonly host: MergeHost<K, A>,
  ) {}

  /**
   * Merges the proto-window into the key's sessions and returns the state of the resulting window. A result equal
   * to an existing window keeps that window's state and pane history; a new span is a new window with a fresh pane
   * history and trigger state (Beam clears the pane info of merged-away windows).
   */
  mergeInto(ks: KeyState<K, A>, proto: Window): WindowState<K, A> {
    const plan = planSessionMerge(ks.states, proto);
    switch (plan.kind) {
      case "new":
        return this.host.newState(ks, proto);
      case "closed":
      case "inside":
        return plan.window;
      case "merge": {
        const sources = plan.sources;
        if (plan.existing !== undefined) {
          this.mergeStates(plan.existing, sources, undefined);
          return plan.existing;
        }
        // Reuse the first source's state object for the new window (renamed, fresh pane history and trigger
        // state): a growing session does not churn objects and queue entries.
        this.mergeStates(sources[0], sources, plan.span);
        return sources[0];
      }
    }
  }

  private mergeStates(target: WindowState<K, A>, sources: readonly WindowState<K, A>[], renameTo: Window | undefined): void {
    let accCount = 0;
    let onlyAcc: A | undefined;
    let anyNonEmpty = false;
    let earliestTs = Infinity;
    const trigs: TriggerState[] = [];
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i];
      trigs.push(s.trig);
      if (s.acc !== undefined) {
        accCount++;
        onlyAcc = s.acc;
      }
      anyNonEmpty = anyNonEmpty || s.nonEmpty;
      if (s.minTs < earliestTs) earliestTs = s.minTs;
    }
    if (accCount > 1) {
      const accs: A[] = [];
      for (let i = 0; i < sources.length; i++) {
        const a = sources[i].acc;
        if (a !== undefined) accs.push(a);
      }
      target.acc = this.agg.merge(accs);
    } else {
      target.acc = onlyAcc;
    }
    // The old window's end-of-window and GC timers are cancelled; the new window's are set by the element.
    if (renameTo !== undefined) target.rename(renameTo, this.host.newTriggerState());
    target.nonEmpty = anyNonEmpty;
    target.minTs = earliestTs;
    this.host.merged(target, sources, trigs);
  }
}
