/**
 * One reducer run of bench/grouping.ts's workload: `grouping_case.ts KIND EVENTS [shared]` → one JSON line with CPU
 * time. `shared`: windows lists shared per period slot, the last two kept, as the runner's WindowInto hands them
 * (the reducer's list cache hits); without it a fresh list per element, as bench:grouping.
 */
import { createKeyedGrouping } from "../runners/direct/grouping/keyed_grouping";
import type { Aggregator, Window, WindowFnSpec, WindowingSpec } from "../model/model";
import { WATERMARK_DONE } from "../model/model";
import { assignWindows } from "../model/window_fns";

const KEYS = 1000;
const kind = process.argv[2] ?? "fixed";
const EVENTS = Number(process.argv[3] ?? 1_000_000);
let seed = 42;
const rnd = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const key = new Int32Array(EVENTS), tss = new Float64Array(EVENTS), val = new Float64Array(EVENTS);
for (let i = 0; i < EVENTS; i++) {
  key[i] = Math.floor(rnd() * KEYS);
  tss[i] = i - Math.floor(rnd() * 3000) + 10_000;
  val[i] = Math.floor(rnd() * 100);
}
const keyNames: string[] = [];
for (let k = 0; k < KEYS; k++) keyNames.push(`product-${k}`);
const sum: Aggregator<number, { s: number }, number> = {
  create: () => ({ s: 0 }),
  add: (a, v) => { a.s += v; return a; },
  merge: (as) => ({ s: as.reduce((x, a) => x + a.s, 0) }),
  extract: (a) => a.s,
};
const windowFn: WindowFnSpec =
  kind === "fixed" ? { kind: "fixed", size: 60_000, offset: 0 }
  : kind === "sliding" ? { kind: "sliding", size: 60_000, period: 10_000, offset: 0 }
  : { kind: "sessions", gap: 30_000 };
const spec: WindowingSpec = {
  windowFn, trigger: { kind: "default" }, accumulation: "DISCARDING", allowedLateness: 0,
  timestampCombiner: "END_OF_WINDOW", closingBehavior: "FIRE_IF_NON_EMPTY", onTimeBehavior: "FIRE_IF_NON_EMPTY",
};
const shared = process.argv[4] === "shared";
const period = windowFn.kind === "fixed" ? windowFn.size : windowFn.kind === "sliding" ? windowFn.period : 0;
let lastSlot = NaN, otherSlot = NaN;
let last: readonly Window[] = [], other: readonly Window[] = [];
const windowsOf = (ts: number): readonly Window[] => {
  if (!shared || period === 0) return assignWindows(windowFn, ts);
  const slot = Math.floor(ts / period);
  if (slot !== lastSlot) {
    const o = other, os = otherSlot;
    other = last;
    otherSlot = lastSlot;
    lastSlot = slot;
    last = slot === os ? o : assignWindows(windowFn, ts);
  }
  return last;
};
const out = { firings: 0, checksum: 0 };
const cpu0 = process.cpuUsage();
const g = createKeyedGrouping<string, number, { s: number }, number>(spec, sum, (k) => k, {
  firing: (f) => { out.firings++; out.checksum += f.value; },
  late: () => {},
});
let maxTs = -Infinity;
for (let i = 0; i < EVENTS; i++) {
  const ts = tss[i];
  g.processElement(keyNames[key[i]], val[i], ts, windowsOf(ts));
  if (ts > maxTs) maxTs = ts;
  if (i % 1000 === 999) g.advanceInputWatermark(maxTs - 5000);
}
g.advanceInputWatermark(WATERMARK_DONE);
const c = process.cpuUsage(cpu0);
console.log(JSON.stringify({ kind, events: EVENTS, cpuMs: (c.user + c.system) / 1000, ...out }));
