/**
 * Byte-identical guard for speed work on the reducer: a seeded 30,000-element run per case, with a checkpoint every
 * 2,500 elements, hashes every checkpoint (as JSON), every firing and every late element (SHA-256). The digests were
 * taken from main at 632160e; a change that alters any pane, timestamp, late report or checkpoint byte fails here.
 * Each case runs with a fresh windows list per element and with lists shared per period slot (as WindowInto hands
 * them, runners/direct/operators/simple_operators.ts), since the reducer has a path for each.
 */
import { createHash } from "crypto";
import { createKeyedGrouping } from "../../../runners/direct/grouping/keyed_grouping";
import type { Window, WindowFnSpec, WindowingSpec } from "../../../model/model";
import { WATERMARK_DONE } from "../../../model/model";
import { assignWindows } from "../../../model/window_fns";
import { spec as windowing, sumOf } from "./harness";

const EVENTS = 30_000;
const KEYS = 50;

/** Windows lists shared per period slot (the last two slots kept), like WindowInto; fresh for sessions. */
function sharedLists(windowFn: WindowFnSpec): (ts: number) => readonly Window[] {
  if (windowFn.kind !== "fixed" && windowFn.kind !== "sliding") return (ts) => assignWindows(windowFn, ts);
  const period = windowFn.kind === "fixed" ? windowFn.size : windowFn.period;
  let lastSlot = NaN;
  let last: readonly Window[] = [];
  let otherSlot = NaN;
  let other: readonly Window[] = [];
  return (ts) => {
    const slot = Math.floor((ts - windowFn.offset) / period);
    if (slot !== lastSlot) {
      const [o, os] = [other, otherSlot];
      [other, otherSlot] = [last, lastSlot];
      lastSlot = slot;
      last = slot === os ? o : assignWindows(windowFn, ts);
    }
    return last;
  };
}

function digest(spec: WindowingSpec, shared: boolean): string {
  const hash = createHash("sha256");
  let seed = 7;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const g = createKeyedGrouping<string, number, number, number>(spec, sumOf, (k) => k, {
    firing: (f) => hash.update(`F ${JSON.stringify(f)}\n`),
    late: (l) => hash.update(`L ${JSON.stringify(l)}\n`),
  });
  const lists = shared ? sharedLists(spec.windowFn) : (ts: number) => assignWindows(spec.windowFn, ts);
  let maxTs = 0;
  let wm = -Infinity;
  for (let i = 0; i < EVENTS; i++) {
    // ~10 events per second of event time, up to 4 s out of order; now and then one 90 s late.
    const ts = Math.floor(i * 100 - rnd() * 4000 - (rnd() < 0.01 ? 90_000 : 0));
    g.processElement(`k${Math.floor(rnd() * KEYS)}`, Math.floor(rnd() * 100), ts, lists(ts));
    if (ts > maxTs) maxTs = ts;
    if (i % 100 === 99 && maxTs - 3000 > wm) g.advanceInputWatermark((wm = maxTs - 3000));
    if (i % 500 === 499) g.advanceProcessingTime(i * 10);
    if (i % 2500 === 2499) hash.update(`C ${JSON.stringify(g.checkpoint())} ${g.watermarkHold()} ${g.durabilityHold()}\n`);
  }
  g.advanceInputWatermark(WATERMARK_DONE);
  hash.update(`E ${JSON.stringify(g.checkpoint())} ${g.liveStateCount()}\n`);
  return hash.digest("hex").slice(0, 16);
}

const cases: Array<[string, WindowingSpec]> = [
  ["fixed 60 s", windowing({ kind: "fixed", size: 60_000, offset: 0 })],
  [
    "sliding 60 s / 10 s, lateness 30 s, EARLIEST, ACCUMULATING",
    windowing(
      { kind: "sliding", size: 60_000, period: 10_000, offset: 0 },
      { allowedLateness: 30_000, timestampCombiner: "EARLIEST", accumulation: "ACCUMULATING" },
    ),
  ],
  ["sliding 60 s / 10 s", windowing({ kind: "sliding", size: 60_000, period: 10_000, offset: 0 })],
  ["sessions 30 s, lateness 20 s", windowing({ kind: "sessions", gap: 30_000 }, { allowedLateness: 20_000 })],
  [
    "fixed 60 s, early count trigger, LATEST, FIRE_ALWAYS",
    windowing(
      { kind: "fixed", size: 60_000, offset: 0 },
      {
        trigger: { kind: "afterWatermark", early: { kind: "afterCount", count: 7 } },
        timestampCombiner: "LATEST",
        closingBehavior: "FIRE_ALWAYS",
        allowedLateness: 10_000,
      },
    ),
  ],
  [
    "sliding 30 s / 10 s, processing-time early firings",
    windowing(
      { kind: "sliding", size: 30_000, period: 10_000, offset: 0 },
      { trigger: { kind: "afterWatermark", early: { kind: "afterProcessingTime", delay: 1000 } } },
    ),
  ],
];

const expected: Record<string, readonly [fresh: string, shared: string]> = {
  "fixed 60 s": ["eccedd85e4949585", "eccedd85e4949585"],
  "sliding 60 s / 10 s, lateness 30 s, EARLIEST, ACCUMULATING": ["4f26ce859f70fc1f", "4f26ce859f70fc1f"],
  "sliding 60 s / 10 s": ["be5d510c9a5f33a1", "be5d510c9a5f33a1"],
  "sessions 30 s, lateness 20 s": ["0db31e7628cd63e9", "0db31e7628cd63e9"],
  "fixed 60 s, early count trigger, LATEST, FIRE_ALWAYS": ["b87d0d53e9a8fc1f", "b87d0d53e9a8fc1f"],
  "sliding 30 s / 10 s, processing-time early firings": ["1d8214bb292a7a94", "1d8214bb292a7a94"],
};

describe("reducer output and checkpoints are byte-identical to main at 632160e", () => {
  test.each(cases)("%s", (name, spec) => {
    const got = [digest(spec, false), digest(spec, true)] as const;
    // The same run with fresh and with shared lists must agree: the list cache is only a cache.
    expect(got[1]).toBe(got[0]);
    expect(got).toEqual(expected[name]);
  });
});
