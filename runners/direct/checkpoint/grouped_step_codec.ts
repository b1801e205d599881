/**
 * A grouped step's checkpoint in a compact JSON form: one array per live window, special numbers as short strings,
 * flags as bits. Only keys and accumulators (arbitrary values) go through the general codec (state_codec.ts). The
 * capture runs while the runner waits, so its cost matters: this form takes a fraction of the time (and bytes) of
 * encoding the objects field by field.
 */
import type { Millis, Pane, Timing } from "../../../model/model";
import type { GroupingCheckpoint, WindowCheckpoint } from "../grouping/grouping_checkpoint";
import type { GroupedStepCheckpoint } from "../operators/grouping_operator";
import { decodeState, encodeState } from "./state_codec";

type Num = number | string;

/** A finite number as is; NaN, ±Infinity as "N", "I", "-I". */
function num(x: number): Num {
  if (Number.isFinite(x)) return x;
  return x !== x ? "N" : x > 0 ? "I" : "-I";
}

function unnum(x: unknown): number {
  if (typeof x === "number") return x;
  if (x === "N") return NaN;
  if (x === "I") return Infinity;
  if (x === "-I") return -Infinity;
  throw new Error(`checkpoint: not a number: ${JSON.stringify(x)}`);
}

const TIMINGS: readonly Timing[] = ["EARLY", "ON_TIME", "LATE", "UNKNOWN"];

const NON_EMPTY = 1;
const CLOSED = 2;
const EOW_TIMER = 4;
const GC_TIMER = 8;
const PANE_FIRST = 1;
const PANE_LAST = 2;

type EncodedPane = 0 | [number, number, number, number];

function encodePane(p: Pane | undefined): EncodedPane {
  if (p === undefined) return 0;
  return [TIMINGS.indexOf(p.timing), (p.isFirst ? PANE_FIRST : 0) | (p.isLast ? PANE_LAST : 0), p.index, p.nonSpeculativeIndex];
}

function decodePane(e: unknown): Pane | undefined {
  if (e === 0) return undefined;
  const [t, f, index, nonSpeculativeIndex] = e as [number, number, number, number];
  return { timing: TIMINGS[t], isFirst: (f & PANE_FIRST) !== 0, isLast: (f & PANE_LAST) !== 0, index, nonSpeculativeIndex };
}

/** Encodes; throws NotCheckpointable (state_codec.ts) for a key or accumulator it cannot restore as it was. */
export function encodeGroupedStep(step: GroupedStepCheckpoint, where: string): unknown {
  const g = step.grouping;
  const windows: unknown[] = new Array<unknown>(g.windows.length);
  for (let i = 0; i < g.windows.length; i++) {
    const w = g.windows[i];
    const flags = (w.nonEmpty ? NON_EMPTY : 0) | (w.closed ? CLOSED : 0) | (w.eowTimer ? EOW_TIMER : 0) | (w.gcTimer ? GC_TIMER : 0);
    windows[i] = [
      typeof w.key === "string" ? w.key : encodeState(w.key, `${where} key`),
      num(w.window.start),
      num(w.window.end),
      w.acc === undefined ? 0 : [encodeState(w.acc, `${where} accumulator`)],
      flags,
      num(w.elementHold),
      num(w.extraHold),
      num(w.minTs),
      encodePane(w.lastPane),
      w.trig.finished.map((f) => (f ? 1 : 0)),
      w.trig.slots.map(num),
    ];
  }
  return {
    iw: num(step.inputWatermark),
    gw: num(g.inputWatermark),
    ow: num(g.outputWatermark),
    pt: num(g.processingTime),
    w: windows,
    et: g.eventTimerOrder,
    ptt: g.processingTimers.map(([t, i]) => [num(t), i]),
  };
}

export function decodeGroupedStep(json: unknown): GroupedStepCheckpoint {
  const o = json as { iw: unknown; gw: unknown; ow: unknown; pt: unknown; w: unknown[][]; et: number[]; ptt: [unknown, number][] };
  const windows: WindowCheckpoint<unknown, unknown>[] = o.w.map((e) => {
    const flags = e[4] as number;
    const acc = e[3] === 0 ? undefined : decodeState((e[3] as unknown[])[0]);
    return {
      key: typeof e[0] === "string" ? e[0] : decodeState(e[0]),
      window: { start: unnum(e[1]), end: unnum(e[2]) },
      acc,
      nonEmpty: (flags & NON_EMPTY) !== 0,
      closed: (flags & CLOSED) !== 0,
      eowTimer: (flags & EOW_TIMER) !== 0,
      gcTimer: (flags & GC_TIMER) !== 0,
      elementHold: unnum(e[5]),
      extraHold: unnum(e[6]),
      minTs: unnum(e[7]),
      lastPane: decodePane(e[8]),
      trig: { finished: (e[9] as number[]).map((f) => f === 1), slots: (e[10] as unknown[]).map(unnum) },
    };
  });
  const grouping: GroupingCheckpoint<unknown, unknown> = {
    inputWatermark: unnum(o.gw),
    outputWatermark: unnum(o.ow),
    processingTime: unnum(o.pt),
    windows,
    eventTimerOrder: o.et,
    processingTimers: o.ptt.map(([t, i]) => [unnum(t), i] as const),
  };
  return { inputWatermark: unnum(o.iw) as Millis, grouping };
}
