/**
 * What the reducer keeps per key and per (key, window), each field with its state, how it merges (sessions) and how
 * long it lives, as Beam Java's ReduceFnRunner documents its collaborators. The reducer (keyed_grouping.ts) drives
 * it; watermark_hold.ts owns the holds, active_window_set.ts the merging, live_entry_heap.ts the timer queues.
 */
import type { Millis, Pane, Window } from "../../../model/model";
import type { TriggerState } from "../../../model/trigger_state_machine";
import { newHeapSlots } from "./live_entry_heap";
import { cleanupTime } from "./lateness";

/** One key's live windows (Beam's active window set of the key). */
export class KeyState<K, A> {
  /**
   * - State: the key's live windows, in the order they were created (checkpoints list them so).
   * - Merging: merged-away windows leave; the merge result stays (sessions never overlap here).
   * - Lifetime: a window leaves when garbage-collected; the key goes with its last window.
   */
  readonly states: WindowState<K, A>[] = [];
  constructor(
    readonly key: K,
    readonly keyId: string,
  ) {}

  /**
   * The states the key's previous element was added to, by position in its window list: the next element of the
   * key mostly has the same windows (sliding: 6 per element), so a lookup rarely scans `states`. A cache, not state.
   */
  private readonly recent: (WindowState<K, A> | undefined)[] = [];

  /** The live state of exactly this window (non-merging window fns), if any; `position`: its place in the list. */
  find(w: Window, position: number): WindowState<K, A> | undefined {
    const r = this.recent[position];
    if (r !== undefined && r.start === w.start && r.maxTs === w.end - 1 && !r.dead) return r;
    return this.scan(w, position);
  }

  private scan(w: Window, position: number): WindowState<K, A> | undefined {
    const states = this.states;
    for (let i = 0; i < states.length; i++) {
      const s = states[i];
      if (s.start === w.start && s.maxTs === w.end - 1) {
        this.recent[position] = s;
        return s;
      }
    }
    return undefined;
  }

  /**
   * The windows list of the key's previous element, by identity (the runner hands one list to every element of a
   * period slot), and the state of each of its windows (undefined: the window had expired, and so stays). Valid while
   * none of the key's states left (removeState clears it): a state that lives is not expired (its garbage
   * collection removes it), so an element with the same list goes to these states without a lookup or a lateness
   * check. Non-merging window fns only. A cache, not state.
   */
  lastWindows: readonly Window[] | undefined = undefined;
  lastStates: (WindowState<K, A> | undefined)[] = [];
  /**
   * The list the key had before `lastWindows`, and its states, valid under the same rule: data near a period slot's
   * edge alternates between two lists (WindowInto keeps the last two slots' lists). A cache, not state.
   */
  otherWindows: readonly Window[] | undefined = undefined;
  otherStates: (WindowState<K, A> | undefined)[] = [];

  /** Exchanges the current and the other list with their states; returns true (for use in a condition). */
  swapLists(): true {
    const windows = this.lastWindows;
    const states = this.lastStates;
    this.lastWindows = this.otherWindows;
    this.lastStates = this.otherStates;
    this.otherWindows = windows;
    this.otherStates = states;
    return true;
  }

  /** One of the key's states left: neither list's states can be trusted any more. */
  forgetLists(): void {
    this.lastWindows = undefined;
    this.otherWindows = undefined;
  }

  /** Remembers a new window's state for `find`. */
  added(st: WindowState<K, A>, position: number): void {
    this.recent[position] = st;
  }
}

/** Which lane of a window's slots each of the reducer's queues owns. */
export const TIMER_LANE = 0;
export const HOLD_LANE = 1;
export const DURABILITY_LANE = 2;

export class WindowState<K, A> {
  // Field order is memory layout: the fields every element reads or writes (accumulator, closed, nonEmpty, minTs,
  // the window's end, element hold, timer flags) come first, so they share the object's first cache lines.
  /**
   * The aggregator's accumulator (Beam's SystemReduceFn buffer).
   * - Merging: the sources' accumulators merge with the aggregator's merge.
   * - Lifetime: cleared when a pane fires in DISCARDING mode, when the trigger finishes, at garbage collection.
   */
  acc: A | undefined = undefined;
  /**
   * The trigger finished ("closed"): no more output; later data for the window goes to the late output with
   * CLOSED_WINDOW.
   * - Merging: closed windows never merge. Lifetime: until garbage collection.
   */
  closed = false;
  /**
   * The current pane has seen data (Beam's NonEmptyPanes).
   * - Merging: true if any source saw data. Lifetime: cleared when a pane fires.
   */
  nonEmpty = false;
  /**
   * Earliest timestamp of the elements in `acc` (Infinity: none): what the runner's checkpoints must still replay.
   * - Merging: the sources' minimum. Lifetime: cleared with `acc`.
   */
  minTs = Infinity;
  /** The window's bounds and cleanup time, kept here so that lookups do not touch `window`; renaming changes all. */
  start: Millis;
  maxTs: Millis;
  gcTime: Millis;
  /**
   * Element hold of the output watermark, combined by the timestamp combiner (NaN: none); see watermark_hold.ts.
   * - Merging: recomputed by WatermarkHold.onMerge. Lifetime: released when a pane fires or at garbage collection.
   */
  elementHold = NaN;
  /**
   * Pending event-time timers: at maxTs (end of window, when the trigger asks) and at gcTime (garbage collection).
   * - Merging: the merged-away windows' timers are cancelled; a renamed window's timers are set again by the element.
   * - Lifetime: a timer clears when it fires.
   */
  eowTimer = false;
  gcTimer = false;
  /**
   * Garbage-collection hold (Beam's extra hold, NaN: none), so the final pane is not late downstream.
   * - Merging: replaced by the merged window's own. Lifetime: released when a pane fires (and re-added if the window
   *   stays open), at garbage collection.
   */
  extraHold = NaN;
  /**
   * The previous pane emitted (Beam's PaneInfoTracker).
   * - Merging: a merged window into a new span starts a fresh pane history; one equal to a source keeps it.
   * - Lifetime: cleared when the trigger finishes; goes at garbage collection.
   */
  lastPane: Pane | undefined = undefined;
  /**
   * The trigger's state (finished bits and slots; TriggerStateMachineRunner).
   * - Merging: the machine's onMerge writes the merged state. Lifetime: kept until garbage collection.
   */
  trig: TriggerState;
  /**
   * The window's places in its three queues (one live entry each, live_entry_heap.ts): next event-time timer
   * (TIMER_LANE), combined hold (HOLD_LANE), earliest buffered timestamp (DURABILITY_LANE); six doubles in one array (live_entry_heap.ts).
   * - Merging: the merged-away windows leave every queue. Lifetime: the window's.
   */
  readonly slots = newHeapSlots();
  /** The activation round this window was last woken in (one activation per advance). */
  round = -1;
  /** Garbage-collected or merged away: nothing refers to it any more (its queue entries are stale). */
  dead = false;
  readonly ks: KeyState<K, A>;
  window: Window;
  private readonly allowedLateness: Millis;
  constructor(ks: KeyState<K, A>, window: Window, allowedLateness: Millis, trig: TriggerState) {
    this.ks = ks;
    this.window = window;
    this.allowedLateness = allowedLateness;
    this.start = window.start;
    this.maxTs = window.end - 1;
    this.gcTime = cleanupTime(window, allowedLateness);
    this.trig = trig;
  }

  /** Renames the window (a session merged into a new span): fresh pane history, timers to be set again. */
  rename(to: Window, trig: TriggerState): void {
    this.window = to;
    this.start = to.start;
    this.maxTs = to.end - 1;
    this.gcTime = cleanupTime(to, this.allowedLateness);
    this.lastPane = undefined;
    this.eowTimer = false;
    this.gcTimer = false;
    this.trig = trig;
  }

  /** The window's next pending event-time timer (Infinity: none). */
  nextEventTimer(): Millis {
    const eow = this.eowTimer ? this.maxTs : Infinity;
    const gc = this.gcTimer ? this.gcTime : Infinity;
    return eow < gc ? eow : gc;
  }
}
