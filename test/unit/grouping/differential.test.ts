/**
 * Differential check: with the default trigger and a watermark that never overtakes the data still to come (no late
 * data), the reducer must produce exactly the (key, window, contents) an offline computation over all the data
 * does, whatever the arrival order and watermark steps. Seeded pseudo-random inputs, several seeds.
 */
import type { WindowFnSpec } from "../../../model/model";
import { WATERMARK_DONE } from "../../../model/model";
import { assignWindows } from "../../../model/window_fns";
import { harness, listOf, sec, spec } from "./harness";

function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

interface Event {
  key: string;
  ts: number;
}

/** Events in arrival order: roughly increasing time with bounded disorder; watermark = max seen - disorder. */
function scenario(seed: number): { events: Event[]; disorder: number } {
  const rnd = prng(seed);
  const keys = ["alice", "bob", "carol", "dave"];
  const events: Event[] = [];
  let t = 0;
  for (let i = 0; i < 400; i++) {
    t += Math.floor(rnd() * sec(3));
    events.push({ key: keys[Math.floor(rnd() * keys.length)], ts: t + Math.floor(rnd() * sec(4)) });
  }
  return { events, disorder: sec(4) };
}

/** Offline: sessions by sorting and merging gaps per key; other window fns by assignment. */
function offline(windowFn: WindowFnSpec, events: Event[]): string[] {
  const groups = new Map<string, number[]>();
  const put = (id: string, ts: number): void => {
    const g = groups.get(id) ?? [];
    g.push(ts);
    groups.set(id, g);
  };
  if (windowFn.kind === "sessions") {
    const byKey = new Map<string, number[]>();
    for (const e of events) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e.ts]);
    for (const [key, tss] of byKey) {
      tss.sort((a, b) => a - b);
      let start = tss[0];
      let end = tss[0] + windowFn.gap;
      let members: number[] = [];
      for (const ts of tss) {
        if (ts >= end) {
          for (const m of members) put(`${key} [${start}, ${end})`, m);
          start = ts;
          members = [];
        }
        members.push(ts);
        end = Math.max(end, ts + windowFn.gap);
      }
      for (const m of members) put(`${key} [${start}, ${end})`, m);
    }
  } else {
    for (const e of events) for (const w of assignWindows(windowFn, e.ts)) put(`${e.key} [${w.start}, ${w.end})`, e.ts);
  }
  return [...groups].map(([id, tss]) => `${id}: ${tss.sort((a, b) => a - b).join(",")}`).sort();
}

const windowFns: [string, WindowFnSpec][] = [
  ["fixed", { kind: "fixed", size: sec(10), offset: 0 }],
  ["sliding", { kind: "sliding", size: sec(20), period: sec(5), offset: 0 }],
  ["sessions", { kind: "sessions", gap: sec(5) }],
];

describe.each(windowFns)("%s windows match an offline computation", (_name, windowFn) => {
  test.each([1, 2, 3, 4, 5])("seed %i", (seed) => {
    const { events, disorder } = scenario(seed);
    const h = harness(spec(windowFn), listOf);
    let maxTs = -Infinity;
    events.forEach((e, i) => {
      h.add(e.key, e.ts);
      maxTs = Math.max(maxTs, e.ts);
      if (i % 7 === 6) h.watermark(Math.max(0, maxTs - disorder));
    });
    h.watermark(WATERMARK_DONE);
    expect(h.late).toEqual([]);
    const got = h.take().map((f) => {
      expect(f.pane).toBe("ON_TIME first last #0/0");
      return `${f.key} [${f.window[0]}, ${f.window[1]}): ${f.value.join(",")}`;
    });
    expect(got.sort()).toEqual(offline(windowFn, events));
    expect(h.grouping.liveStateCount()).toBe(0);
    expect(h.grouping.watermarkHold()).toBe(WATERMARK_DONE);
    expect(h.grouping.durabilityHold()).toBe(WATERMARK_DONE);
  });
});

/** With late and droppable data: every (element, window) ends up exactly once in the window's last
 * (accumulating) pane or on the late output, decided by the watermark when the element arrived. */
describe.each(windowFns.filter(([name]) => name !== "sessions"))("%s windows with late data", (_name, windowFn) => {
  test.each([11, 12, 13])("seed %i", (seed) => {
    const rnd = prng(seed);
    const lateness = sec(5);
    const keys = ["alice", "bob"];
    const h = harness(spec(windowFn, { allowedLateness: lateness, accumulation: "ACCUMULATING" }), listOf);
    const expectedKept = new Map<string, number[]>();
    const expectedLate: string[] = [];
    let wm = 0;
    for (let i = 0; i < 300; i++) {
      const key = keys[Math.floor(rnd() * keys.length)];
      const ts = Math.max(0, wm + Math.floor(rnd() * sec(30)) - sec(15)); // up to 15 s behind the watermark
      for (const w of assignWindows(windowFn, ts)) {
        const id = `${key} [${w.start}, ${w.end})`;
        if (w.end - 1 + lateness < wm) expectedLate.push(`${id}: ${ts}`);
        else expectedKept.set(id, [...(expectedKept.get(id) ?? []), ts]);
      }
      h.add(key, ts);
      if (i % 5 === 4) {
        wm += Math.floor(rnd() * sec(4));
        h.watermark(wm);
      }
    }
    h.watermark(WATERMARK_DONE);
    const last = new Map<string, number[]>();
    const indexes = new Map<string, number>();
    for (const f of h.take()) {
      const id = `${f.key} [${f.window[0]}, ${f.window[1]})`;
      const next = (indexes.get(id) ?? -1) + 1;
      expect(f.pane).toMatch(new RegExp(`#${next}/`)); // panes of a window come in index order
      indexes.set(id, next);
      last.set(id, f.value);
    }
    expect(new Map([...last].sort())).toEqual(
      new Map([...expectedKept].map(([id, tss]) => [id, tss.sort((a, b) => a - b)] as [string, number[]]).sort()),
    );
    const late = h.late.flatMap((l) => l.windows.map((w) => `${l.key} [${w.start}, ${w.end}): ${l.timestamp}`));
    expect(late.sort()).toEqual(expectedLate.sort());
    expect(expectedLate.length).toBeGreaterThan(0);
    expect(h.grouping.liveStateCount()).toBe(0);
  });
});
