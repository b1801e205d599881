/**
 * Runner checkpoints of the keyed grouping reducer: a reducer checkpointed at any point, encoded to JSON text and
 * restored into a fresh reducer, must go on exactly as the uninterrupted one — same panes (contents, pane index and
 * timing, timestamps), same late elements, same holds — for sessions (merges, late data within and beyond the
 * allowed lateness), sliding windows and a composite trigger with processing-time delays.
 */
import { createKeyedGrouping, type KeyedGrouping } from "../../../runners/direct/grouping/keyed_grouping";
import type { GroupingCheckpoint } from "../../../runners/direct/grouping/grouping_checkpoint";
import { decodeState, encodeState, NotCheckpointable } from "../../../runners/direct/checkpoint/state_codec";
import { decodeGroupedStep, encodeGroupedStep } from "../../../runners/direct/checkpoint/grouped_step_codec";
import type { Firing, LateElement, Millis, TriggerSpec, WindowingSpec } from "../../../model/model";
import { WATERMARK_DONE } from "../../../model/model";
import { assignWindows } from "../../../model/window_fns";
import { paneString, sec, spec } from "./harness";

function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

type Step =
  | { readonly kind: "add"; readonly key: string; readonly ts: Millis; readonly cents: number }
  | { readonly kind: "watermark"; readonly t: Millis }
  | { readonly kind: "processingTime"; readonly t: Millis };

/** Arrivals with disorder and some records far behind the watermark; the watermark trails the newest time. */
function scenario(seed: number): Step[] {
  const rnd = prng(seed);
  const keys = ["alice", "bob", "carol"];
  const steps: Step[] = [];
  let t = 0;
  let now = 0;
  for (let i = 0; i < 600; i++) {
    t += Math.floor(rnd() * sec(4));
    const late = rnd() < 0.05 ? sec(40 + Math.floor(rnd() * 60)) : Math.floor(rnd() * sec(6));
    steps.push({ kind: "add", key: keys[Math.floor(rnd() * keys.length)], ts: Math.max(0, t - late), cents: 1 + Math.floor(rnd() * 999) });
    if (i % 7 === 0) steps.push({ kind: "watermark", t: t - sec(8) });
    if (i % 11 === 0) steps.push({ kind: "processingTime", t: (now += sec(3)) });
  }
  steps.push({ kind: "watermark", t: WATERMARK_DONE });
  return steps;
}

/** Sum and count, as the sales pipeline's accumulator (a plain object, like its CombineFn's). */
interface Acc {
  cents: number;
  count: number;
}
const sumCount = {
  create: (): Acc => ({ cents: 0, count: 0 }),
  add: (a: Acc, v: number): Acc => ({ cents: a.cents + v, count: a.count + 1 }),
  merge: (as: Acc[]): Acc => as.reduce((x, y) => ({ cents: x.cents + y.cents, count: x.count + y.count }), { cents: 0, count: 0 }),
  extract: (a: Acc): Acc => ({ ...a }),
};

interface Run {
  readonly grouping: KeyedGrouping<string, number, Acc>;
  readonly out: string[];
}

function start(ws: WindowingSpec, out: string[] = []): Run {
  const grouping = createKeyedGrouping<string, number, Acc, Acc>(
    ws,
    sumCount,
    (k) => k,
    {
      firing: (f: Firing<string, Acc>) =>
        out.push(`pane ${f.key} [${f.window.start},${f.window.end}) ${f.value.cents}/${f.value.count} @${f.timestamp} ${paneString(f)}`),
      late: (l: LateElement<string, number>) =>
        out.push(`late ${l.key} ${l.value}@${l.timestamp} ${l.reason} ${l.windows.map((w) => `[${w.start},${w.end})`).join("")}`),
    },
    { processingTime: 0 },
  );
  return { grouping, out };
}

function apply(run: Run, ws: WindowingSpec, step: Step): void {
  const g = run.grouping;
  if (step.kind === "add") g.processElement(step.key, step.cents, step.ts, assignWindows(ws.windowFn, step.ts));
  else if (step.kind === "watermark") g.advanceInputWatermark(step.t);
  else g.advanceProcessingTime(step.t);
  run.out.push(`holds ${g.watermarkHold()} ${g.durabilityHold()} live ${g.liveStateCount()}`);
}

/** Through JSON text, as a checkpoint file holds it (the runner's compact form). */
function roundTrip(checkpoint: GroupingCheckpoint<string, Acc>): GroupingCheckpoint<string, Acc> {
  const text = JSON.stringify(encodeGroupedStep({ inputWatermark: checkpoint.inputWatermark, grouping: checkpoint }, "step"));
  return decodeGroupedStep(JSON.parse(text)).grouping as GroupingCheckpoint<string, Acc>;
}

const afterDelay: TriggerSpec = {
  kind: "afterWatermark",
  early: { kind: "afterProcessingTime", delay: sec(5) },
  late: { kind: "afterCount", count: 2 },
} as TriggerSpec;

const cases: Array<[string, WindowingSpec]> = [
  ["sessions, accumulating, final pane always, 30 s lateness", spec({ kind: "sessions", gap: sec(10) }, {
    accumulation: "ACCUMULATING",
    allowedLateness: sec(30),
    closingBehavior: "FIRE_ALWAYS",
  })],
  ["sliding windows, 20 s lateness", spec({ kind: "sliding", size: sec(30), period: sec(10), offset: 0 }, { allowedLateness: sec(20) })],
  ["sessions with early (processing time) and late (count) firings", spec({ kind: "sessions", gap: sec(10) }, {
    accumulation: "ACCUMULATING",
    allowedLateness: sec(30),
    trigger: afterDelay,
  })],
];

describe("keyed grouping checkpoints", () => {
  test.each(cases)("%s: restored at any point, it continues exactly as the uninterrupted run", (_name, ws) => {
    for (const seed of [1, 2, 3]) {
      const steps = scenario(seed);
      const reference = start(ws);
      for (const step of steps) apply(reference, ws, step);
      expect(reference.out.some((line) => line.startsWith("late "))).toBe(true);
      for (const cut of [1, Math.floor(steps.length / 3), Math.floor(steps.length / 2), steps.length - 2]) {
        const before = start(ws);
        for (const step of steps.slice(0, cut)) apply(before, ws, step);
        const restored = start(ws, [...before.out]);
        restored.grouping.restore(roundTrip(before.grouping.checkpoint()));
        for (const step of steps.slice(cut)) apply(restored, ws, step);
        expect(restored.out).toEqual(reference.out);
      }
    }
  });

  test("the codec keeps what JSON cannot (NaN, ±Infinity, -0, undefined, bigint, bytes, dates, $-keys)", () => {
    const value = {
      nan: NaN,
      inf: Infinity,
      ninf: -Infinity,
      negZero: -0,
      missing: undefined,
      big: 12345678901234567890n,
      bytes: new Uint8Array([0, 255, 7]),
      when: new Date(1_700_000_000_000),
      nested: [{ $n: "not a tag" }, null, "text", true],
    };
    const back = decodeState(JSON.parse(JSON.stringify(encodeState(value)))) as typeof value;
    expect(back).toEqual(value);
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect("missing" in back).toBe(true);
  });

  test("a value it cannot restore as it was is refused with where it is", () => {
    class Counter {
      n = 1;
    }
    expect(() => encodeState({ acc: [new Counter()] }, "step")).toThrow(NotCheckpointable);
    expect(() => encodeState({ acc: [new Counter()] }, "step")).toThrow("step.acc[0] is a Counter");
    expect(() => encodeState({ m: new Map() })).toThrow("state.m is a Map");
  });
});
