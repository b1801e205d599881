/**
 * Beam's trigger state machines (Beam Java runners-core `triggers/*StateMachine`), compiled from `TriggerSpec`
 * into a tree of nodes numbered in pre-order like ExecutableTriggerStateMachine. Nodes are stateless; each window
 * owns a `TriggerState` with one finished bit and one number slot per node.
 *
 * Semantics followed, per kind:
 * - default: Repeatedly(AfterWatermark.pastEndOfWindow()) without finished bits (DefaultTriggerStateMachine).
 * - afterWatermark(): fires once when the input watermark passes the window's maxTimestamp, then finishes.
 *   With early/late: early firings repeat (the early trigger is cleared after each) until the watermark passes the
 *   end of the window, which fires the ON_TIME pane; then the late trigger repeats; without a late trigger the whole
 *   trigger finishes at the end of the window (AfterWatermarkEarlyAndLate).
 * - afterProcessingTime(delay): the first element of the pane sets "delayed until" = processing time + delay; fires
 *   once the processing time is after it (AfterDelayFromFirstElement). afterSynchronizedProcessingTime is the same
 *   with no delay (the direct runner has one processing-time clock).
 * - afterCount(n): fires once the pane holds ≥ n elements (AfterPane); counts add up when windows merge.
 * - repeatedly(t): fires whenever t fires; resets t (finished bits and state) when it finishes; never finishes.
 * - afterEach(a, b, …): runs the subtriggers in sequence; finishes with the last one.
 * - afterAny(…): fires and finishes when any subtrigger fires (AfterFirst); afterAll(…): when all have.
 * - orFinally(main, until): fires when main fires; finishes when main finishes or until fires.
 * - never(): never fires (only the final pane at garbage collection); always(): ready to fire at every chance and
 *   never finishes (Beam Java reads the proto's Always as ReshuffleTrigger, whose state machine does that; Beam
 *   Python's Always is the same).
 */
import type { Millis, TriggerSpec } from "./model";
import type { TriggerContext, TriggerState, TriggerStateMachine } from "./trigger_state_machine";

type Ctx = TriggerContext;

function endOfWindowReached(c: TriggerContext): boolean {
  return c.inputWatermark > c.windowMaxTimestamp;
}

abstract class Node {
  index = 0;
  /** First index after this node's subtree. */
  end = 0;
  constructor(readonly children: Node[]) {}

  number(next: number): number {
    this.index = next++;
    for (const ch of this.children) next = ch.number(next);
    this.end = next;
    return next;
  }

  abstract describe(): string;
  abstract onElement(s: TriggerState, c: Ctx): void;
  /** Reads every source, then writes the merged state of this node into `t`. `srcFinished` are snapshots. */
  abstract onMerge(t: TriggerState, sources: readonly TriggerState[], srcFinished: readonly boolean[][], c: Ctx): void;
  abstract shouldFire(s: TriggerState, c: Ctx): boolean;
  abstract onFire(s: TriggerState, c: Ctx): void;

  clear(s: TriggerState, c: Ctx): void {
    for (const ch of this.children) ch.clear(s, c);
  }

  isFinished(s: TriggerState): boolean {
    return s.finished[this.index];
  }
  setFinished(s: TriggerState, v: boolean): void {
    s.finished[this.index] = v;
  }
  /** Clears the finished bits of the subtree and its state (ExecutableTrigger.resetTree). */
  resetTree(s: TriggerState, c: Ctx): void {
    for (let i = this.index; i < this.end; i++) s.finished[i] = false;
    this.clear(s, c);
  }
  finishedInAny(f: readonly boolean[][]): boolean {
    for (const bits of f) if (bits[this.index]) return true;
    return false;
  }
  finishedInAll(f: readonly boolean[][]): boolean {
    for (const bits of f) if (!bits[this.index]) return false;
    return true;
  }
  firstUnfinished(s: TriggerState): Node | undefined {
    for (const ch of this.children) if (!s.finished[ch.index]) return ch;
    return undefined;
  }
}

/** A trigger that fires at most once (Beam's OnceTriggerStateMachine): firing finishes it. */
abstract class OnceNode extends Node {
  onFire(s: TriggerState, c: Ctx): void {
    this.clear(s, c);
    this.setFinished(s, true);
  }
}

class DefaultNode extends Node {
  constructor() {
    super([]);
  }
  describe(): string {
    return "DefaultTrigger";
  }
  onElement(_s: TriggerState, c: Ctx): void {
    if (!endOfWindowReached(c)) c.setEndOfWindowTimer();
  }
  onMerge(_t: TriggerState, _src: readonly TriggerState[], _f: readonly boolean[][], c: Ctx): void {
    if (!endOfWindowReached(c)) c.setEndOfWindowTimer();
  }
  shouldFire(_s: TriggerState, c: Ctx): boolean {
    return endOfWindowReached(c);
  }
  onFire(): void {}
}

class FromEndOfWindowNode extends OnceNode {
  constructor() {
    super([]);
  }
  describe(): string {
    return "AfterWatermark.pastEndOfWindow()";
  }
  onElement(_s: TriggerState, c: Ctx): void {
    if (!endOfWindowReached(c)) c.setEndOfWindowTimer();
  }
  onMerge(t: TriggerState, _src: readonly TriggerState[], f: readonly boolean[][], c: Ctx): void {
    // Still active in any merging window, or the merged window's end not reached: active again.
    this.setFinished(t, this.finishedInAll(f) && endOfWindowReached(c));
    if (!this.isFinished(t) && !endOfWindowReached(c)) c.setEndOfWindowTimer();
  }
  shouldFire(_s: TriggerState, c: Ctx): boolean {
    return endOfWindowReached(c);
  }
}

class EarlyAndLateNode extends Node {
  constructor(
    private readonly early: Node,
    private readonly late: Node | undefined,
  ) {
    super(late === undefined ? [early] : [early, late]);
  }
  describe(): string {
    let d = "AfterWatermark.pastEndOfWindow()";
    if (!(this.early instanceof NeverNode)) d += `.withEarlyFirings(${this.early.describe()})`;
    if (this.late !== undefined && !(this.late instanceof NeverNode)) d += `.withLateFirings(${this.late.describe()})`;
    return d;
  }
  onElement(s: TriggerState, c: Ctx): void {
    if (!endOfWindowReached(c)) c.setEndOfWindowTimer();
    if (!c.windowsMerge) {
      this.firstUnfinished(s)?.onElement(s, c);
    } else {
      for (const ch of this.children) ch.onElement(s, c);
    }
  }
  onMerge(t: TriggerState, src: readonly TriggerState[], f: readonly boolean[][], c: Ctx): void {
    const early = this.early;
    if (!early.finishedInAll(f) || !endOfWindowReached(c)) {
      early.onMerge(t, src, f, c);
      early.setFinished(t, false);
      if (this.late !== undefined) {
        this.late.setFinished(t, false);
        this.late.clear(t, c);
      }
      if (!endOfWindowReached(c)) c.setEndOfWindowTimer();
    } else {
      early.setFinished(t, true);
      this.late?.onMerge(t, src, f, c);
    }
  }
  shouldFire(s: TriggerState, c: Ctx): boolean {
    if (!this.early.isFinished(s)) return this.early.shouldFire(s, c) || endOfWindowReached(c);
    if (this.late === undefined) return false;
    return this.late.shouldFire(s, c);
  }
  onFire(s: TriggerState, c: Ctx): void {
    const early = this.early;
    if (!early.isFinished(s)) {
      if (!endOfWindowReached(c)) {
        early.onFire(s, c);
        early.clear(s, c);
        early.setFinished(s, false);
      } else {
        if (early.shouldFire(s, c)) early.onFire(s, c);
        early.setFinished(s, true);
        early.clear(s, c);
        if (this.late === undefined) this.setFinished(s, true);
        else this.late.clear(s, c);
      }
    } else if (this.late !== undefined) {
      this.late.onFire(s, c);
      this.late.clear(s, c);
      this.late.setFinished(s, false);
    } else {
      this.setFinished(s, true);
    }
  }
}

class AfterProcessingTimeNode extends OnceNode {
  constructor(private readonly delay: Millis) {
    super([]);
  }
  describe(): string {
    return this.delay === 0
      ? "AfterProcessingTime.pastFirstElementInPane()"
      : `AfterProcessingTime.pastFirstElementInPane().plusDelayOf(${this.delay} ms)`;
  }
  onElement(s: TriggerState, c: Ctx): void {
    const until = s.slots[this.index];
    if (until === until) return; // already set for this pane
    const target = c.processingTime + this.delay;
    s.slots[this.index] = target;
    c.setProcessingTimer(target);
  }
  onMerge(t: TriggerState, src: readonly TriggerState[], _f: readonly boolean[][], c: Ctx): void {
    if (this.isFinished(t)) {
      t.slots[this.index] = NaN;
      return;
    }
    let earliest = NaN;
    for (const s of src) {
      const v = s.slots[this.index];
      if (v === v && !(v >= earliest)) earliest = v;
    }
    t.slots[this.index] = earliest;
    if (earliest === earliest) c.setProcessingTimer(earliest);
  }
  shouldFire(s: TriggerState, c: Ctx): boolean {
    const until = s.slots[this.index];
    return until === until && c.processingTime > until;
  }
  override clear(s: TriggerState): void {
    s.slots[this.index] = NaN;
  }
}

class AfterCountNode extends OnceNode {
  constructor(private readonly count: number) {
    super([]);
  }
  describe(): string {
    return `AfterPane.elementCountAtLeast(${this.count})`;
  }
  onElement(s: TriggerState): void {
    s.slots[this.index]++;
  }
  onMerge(t: TriggerState, src: readonly TriggerState[], f: readonly boolean[][]): void {
    if (this.finishedInAny(f)) {
      this.setFinished(t, true);
      t.slots[this.index] = 0;
      return;
    }
    let sum = 0;
    for (const s of src) sum += s.slots[this.index];
    t.slots[this.index] = sum;
  }
  shouldFire(s: TriggerState): boolean {
    return s.slots[this.index] >= this.count;
  }
  override clear(s: TriggerState): void {
    s.slots[this.index] = 0;
  }
}

class NeverNode extends OnceNode {
  constructor() {
    super([]);
  }
  describe(): string {
    return "Never.ever()";
  }
  onElement(): void {}
  onMerge(): void {}
  shouldFire(): boolean {
    return false;
  }
}

class AlwaysNode extends Node {
  constructor() {
    super([]);
  }
  describe(): string {
    return "Always";
  }
  onElement(): void {}
  onMerge(): void {}
  shouldFire(): boolean {
    return true;
  }
  onFire(): void {}
}

class RepeatedlyNode extends Node {
  constructor(private readonly repeated: Node) {
    super([repeated]);
  }
  describe(): string {
    return `Repeatedly.forever(${this.repeated.describe()})`;
  }
  onElement(s: TriggerState, c: Ctx): void {
    this.repeated.onElement(s, c);
  }
  onMerge(t: TriggerState, src: readonly TriggerState[], f: readonly boolean[][], c: Ctx): void {
    this.repeated.onMerge(t, src, f, c);
  }
  shouldFire(s: TriggerState, c: Ctx): boolean {
    return this.repeated.shouldFire(s, c);
  }
  onFire(s: TriggerState, c: Ctx): void {
    this.repeated.onFire(s, c);
    if (this.repeated.isFinished(s)) this.repeated.resetTree(s, c);
  }
}

class AfterEachNode extends Node {
  describe(): string {
    return `AfterEach.inOrder(${this.children.map((c) => c.describe()).join(", ")})`;
  }
  onElement(s: TriggerState, c: Ctx): void {
    if (!c.windowsMerge) {
      this.firstUnfinished(s)?.onElement(s, c);
    } else {
      for (const ch of this.children) ch.onElement(s, c);
    }
  }
  onMerge(t: TriggerState, src: readonly TriggerState[], f: readonly boolean[][], c: Ctx): void {
    let priorAllFinished = true;
    for (const ch of this.children) {
      if (priorAllFinished) {
        ch.onMerge(t, src, f, c);
        priorAllFinished = priorAllFinished && ch.isFinished(t);
      } else {
        ch.clear(t, c);
      }
    }
    this.setFinished(t, this.firstUnfinished(t) === undefined);
  }
  shouldFire(s: TriggerState, c: Ctx): boolean {
    const first = this.firstUnfinished(s);
    return first !== undefined && first.shouldFire(s, c);
  }
  onFire(s: TriggerState, c: Ctx): void {
    this.firstUnfinished(s)?.onFire(s, c);
    if (c.windowsMerge) for (const ch of this.children) ch.clear(s, c);
    this.setFinished(s, this.firstUnfinished(s) === undefined);
  }
}

class AfterAnyNode extends OnceNode {
  describe(): string {
    return `AfterFirst.of(${this.children.map((c) => c.describe()).join(", ")})`;
  }
  onElement(s: TriggerState, c: Ctx): void {
    for (const ch of this.children) ch.onElement(s, c);
  }
  onMerge(t: TriggerState, src: readonly TriggerState[], f: readonly boolean[][], c: Ctx): void {
    let any = false;
    for (const ch of this.children) {
      ch.onMerge(t, src, f, c);
      any = any || ch.isFinished(t);
    }
    this.setFinished(t, any);
  }
  shouldFire(s: TriggerState, c: Ctx): boolean {
    for (const ch of this.children) if (ch.isFinished(s) || ch.shouldFire(s, c)) return true;
    return false;
  }
  override onFire(s: TriggerState, c: Ctx): void {
    for (const ch of this.children) {
      if (ch.shouldFire(s, c)) ch.onFire(s, c);
      else ch.clear(s, c);
    }
    this.setFinished(s, true);
  }
}

class AfterAllNode extends OnceNode {
  describe(): string {
    return `AfterAll.of(${this.children.map((c) => c.describe()).join(", ")})`;
  }
  onElement(s: TriggerState, c: Ctx): void {
    for (const ch of this.children) if (!ch.isFinished(s)) ch.onElement(s, c);
  }
  onMerge(t: TriggerState, src: readonly TriggerState[], f: readonly boolean[][], c: Ctx): void {
    let all = true;
    for (const ch of this.children) {
      ch.onMerge(t, src, f, c);
      all = all && ch.isFinished(t);
    }
    this.setFinished(t, all);
  }
  shouldFire(s: TriggerState, c: Ctx): boolean {
    for (const ch of this.children) if (!ch.isFinished(s) && !ch.shouldFire(s, c)) return false;
    return true;
  }
  override onFire(s: TriggerState, c: Ctx): void {
    for (const ch of this.children) ch.onFire(s, c);
    this.setFinished(s, true);
  }
}

class OrFinallyNode extends Node {
  constructor(
    private readonly main: Node,
    private readonly until: Node,
  ) {
    super([main, until]);
  }
  describe(): string {
    return `${this.main.describe()}.orFinally(${this.until.describe()})`;
  }
  onElement(s: TriggerState, c: Ctx): void {
    this.main.onElement(s, c);
    this.until.onElement(s, c);
  }
  onMerge(t: TriggerState, src: readonly TriggerState[], f: readonly boolean[][], c: Ctx): void {
    this.main.onMerge(t, src, f, c);
    this.until.onMerge(t, src, f, c);
    this.setFinished(t, this.main.isFinished(t) || this.until.isFinished(t));
  }
  shouldFire(s: TriggerState, c: Ctx): boolean {
    return this.main.shouldFire(s, c) || this.until.shouldFire(s, c);
  }
  onFire(s: TriggerState, c: Ctx): void {
    if (this.until.shouldFire(s, c)) {
      this.until.onFire(s, c);
      this.main.clear(s, c);
    } else {
      this.main.onFire(s, c);
    }
    this.setFinished(s, this.main.isFinished(s) || this.until.isFinished(s));
  }
}

function build(spec: TriggerSpec): Node {
  switch (spec.kind) {
    case "default":
      return new DefaultNode();
    case "never":
      return new NeverNode();
    case "always":
      return new AlwaysNode();
    case "afterWatermark":
      if (spec.early === undefined && spec.late === undefined) return new FromEndOfWindowNode();
      return new EarlyAndLateNode(
        spec.early === undefined ? new NeverNode() : build(spec.early),
        spec.late === undefined ? undefined : build(spec.late),
      );
    case "afterProcessingTime":
      return new AfterProcessingTimeNode(spec.delay);
    case "afterSynchronizedProcessingTime":
      return new AfterProcessingTimeNode(0);
    case "afterCount":
      return new AfterCountNode(spec.count);
    case "repeatedly":
      return new RepeatedlyNode(build(spec.trigger));
    case "afterEach":
      return new AfterEachNode(spec.triggers.map(build));
    case "afterAny":
      return new AfterAnyNode(spec.triggers.map(build));
    case "afterAll":
      return new AfterAllNode(spec.triggers.map(build));
    case "orFinally":
      return new OrFinallyNode(build(spec.main), build(spec.until));
  }
}

/** Slot initial values per node: 0 for counts, NaN for unset processing-time targets. */
function initialSlots(node: Node, out: number[]): void {
  out[node.index] = node instanceof AfterProcessingTimeNode ? NaN : 0;
  for (const ch of node.children) initialSlots(ch, out);
}

const NO_FINISHED_BITS: readonly boolean[][] = Object.freeze([]) as readonly boolean[][];

class CompiledTrigger implements TriggerStateMachine {
  readonly description: string;
  private readonly size: number;
  private readonly slotTemplate: number[] = [];

  private readonly shared: TriggerState | undefined;

  constructor(private readonly root: Node) {
    this.size = root.number(0);
    initialSlots(root, this.slotTemplate);
    this.description = root.describe();
    this.shared =
      root instanceof DefaultNode ? Object.freeze({ finished: Object.freeze([false]) as boolean[], slots: Object.freeze([0]) as number[] }) : undefined;
  }

  newState(): TriggerState {
    // The default trigger keeps no per-window state: all windows share one (never written) state.
    if (this.shared !== undefined) return this.shared;
    return { finished: new Array<boolean>(this.size).fill(false), slots: this.slotTemplate.slice() };
  }
  onElement(state: TriggerState, ctx: TriggerContext): void {
    this.root.onElement(state, ctx);
  }
  onMerge(target: TriggerState, sources: readonly TriggerState[], ctx: TriggerContext): void {
    // The default trigger reads no source state (and all windows share its never-written state): no snapshot.
    if (this.shared !== undefined) {
      this.root.onMerge(target, sources, NO_FINISHED_BITS, ctx);
      return;
    }
    // Snapshot first: `target` may be one of the sources and is written while they are read.
    const src = sources.map((s) => ({ finished: s.finished.slice(), slots: s.slots.slice() }));
    const f = src.map((s) => s.finished);
    this.root.onMerge(target, src, f, ctx);
  }
  shouldFire(state: TriggerState, ctx: TriggerContext): boolean {
    return this.root.shouldFire(state, ctx);
  }
  onFire(state: TriggerState, ctx: TriggerContext): void {
    this.root.onFire(state, ctx);
  }
  isFinished(state: TriggerState): boolean {
    return state.finished[0];
  }
}

/** Compiles a trigger spec into its state machine. Validate the spec first (validation.ts). */
export function compileTrigger(spec: TriggerSpec): TriggerStateMachine {
  return new CompiledTrigger(build(spec));
}
