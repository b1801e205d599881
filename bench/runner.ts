/**
 * npm run bench:runner — 1,000,000 synthetic sales events (JSON strings) through parse → window → sum/count/avg
 * per product (1,000 products), for fixed 60 s, sliding 60 s/10 s and sessions 30 s windows, on:
 *   - our direct runner (events from a registered synthetic source, watermark trailing the event time by 5 s),
 *   - a hand-written TypeScript loop doing the same work (same generator, same watermark, same firing rule),
 *   - the SDK's own DirectRunner on fixed windows (impulse → flatMap generator → same parse/window/combine; it
 *     runs a bounded graph in one bundle, so it gets SDK_COUNT events, default 200,000, printed below).
 * Each measurement runs in its own child process, so peak RSS is that case's own. Prints events/s, peak RSS and
 * ratios. Every case runs BENCH_ROUNDS times (default 3), alternating, and the best run counts (the machine is
 * shared). Options: BENCH_COUNT, SDK_COUNT, BENCH_ROUNDS (env).
 */
import { execFileSync } from "child_process";
import * as path from "path";

type Kind = "fixed" | "sliding" | "sessions";
type Engine = "ours" | "loop" | "sdk";

interface Measurement {
  readonly engine: Engine;
  readonly kind: Kind;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly peakRssMb: number;
  readonly outputs: number;
  readonly maxLiveStates?: number;
}

const COUNT = Number(process.env.BENCH_COUNT ?? 1_000_000);
const SDK_COUNT = Number(process.env.SDK_COUNT ?? 200_000);
/** The machine is shared: every case runs ROUNDS times, alternating, and the best run of each counts. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function measure(engine: Engine, kind: Kind, count: number): Measurement {
  const out = execFileSync(
    process.execPath,
    ["--max-old-space-size=4096", "-r", "./tools/register.js", path.join("bench", "runner_case.ts"), engine, kind, String(count)],
    { cwd: path.resolve(__dirname, ".."), encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  const line = out.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as Measurement;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function main(): void {
  const kinds: Kind[] = ["fixed", "sliding", "sessions"];
  const cases: Array<[Engine, Kind, number]> = [
    ...kinds.flatMap((kind): Array<[Engine, Kind, number]> => [
      ["loop", kind, COUNT],
      ["ours", kind, COUNT],
    ]),
    ["sdk", "fixed", SDK_COUNT],
  ];
  const best = new Map<string, Measurement>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [engine, kind, count] of cases) {
      const m = measure(engine, kind, count);
      const key = `${engine}/${kind}`;
      const previous = best.get(key);
      if (!previous || m.eventsPerSecond > previous.eventsPerSecond) best.set(key, m);
    }
  }
  const rows = cases.map(([engine, kind]) => best.get(`${engine}/${kind}`) as Measurement);
  // Memory is bounded by open windows × keys, not by events: twice the events, about the same peak RSS.
  const doubled = measure("ours", "fixed", COUNT * 2);
  console.log(
    `\nbench:runner — ${fmt(COUNT)} events, 1,000 products (SDK DirectRunner: ${fmt(SDK_COUNT)} events); best of ${ROUNDS} alternating runs`,
  );
  console.log(`node ${process.version}, ${require("os").cpus()[0]?.model ?? "unknown cpu"} × ${require("os").cpus().length}`);
  console.log(
    "every engine: the same seeded generator (JSON strings), the same parseSale, one sum/count/avg output per\n" +
      "(product, window); loop and ours: batches of 4,096 events, watermark = max event time − 5 s after each batch,\n" +
      "a window fires once the watermark passes it (bounded memory)\n" +
      "  loop: hand-written Maps (window end → product → accumulator; sessions: sorted list per product), no framework\n" +
      "  ours: a Beam pipeline on our direct runner: synthetic source → map(parseSale) → windowInto → windowedCombine\n" +
      "        (keyAndValue map → keyed grouping reducer) → counting ParDo\n" +
      "  sdk:  the same pipeline on the SDK's DirectRunner: impulse → flatMap(generate all) → map(parseSale) →\n" +
      "        assignTimestamps → windowInto → map(toKV) → combinePerKey → counting ParDo (one bounded bundle: every\n" +
      "        window fires at the end of input)",
  );
  console.log("engine  window    events/s     peak RSS   outputs   max live (key,window) states");
  for (const r of rows) {
    console.log(
      `${r.engine.padEnd(7)} ${r.kind.padEnd(9)} ${fmt(r.eventsPerSecond).padStart(10)}  ${r.peakRssMb.toFixed(0).padStart(6)} MB  ${fmt(r.outputs).padStart(8)}   ${r.maxLiveStates === undefined ? "-" : fmt(r.maxLiveStates)}`,
    );
  }
  console.log(
    `memory: ours fixed with ${fmt(doubled.events)} events: peak RSS ${doubled.peakRssMb.toFixed(0)} MB, ` +
      `max live (key,window) states ${fmt(doubled.maxLiveStates ?? 0)} (same windows × keys as with ${fmt(COUNT)})`,
  );
  const get = (engine: Engine, kind: Kind) => rows.find((r) => r.engine === engine && r.kind === kind) as Measurement;
  console.log("\nratios");
  for (const kind of kinds) {
    const ratio = get("ours", kind).eventsPerSecond / get("loop", kind).eventsPerSecond;
    const target = kind === "fixed" ? " (target ≥ 0.5)" : "";
    console.log(`  ours / hand-written loop, ${kind}: ${ratio.toFixed(2)}×${target}`);
  }
  const sdkRatio = get("ours", "fixed").eventsPerSecond / get("sdk", "fixed").eventsPerSecond;
  console.log(`  ours / SDK DirectRunner, fixed: ${sdkRatio.toFixed(1)}× (target ≥ 10)`);
  // Generating and parsing the JSON is common to every engine; what each engine adds per event beyond the loop:
  const perEvent = (r: Measurement) => 1e6 / r.eventsPerSecond;
  const loopUs = perEvent(get("loop", "fixed"));
  const oursOverhead = perEvent(get("ours", "fixed")) - loopUs;
  const sdkOverhead = perEvent(get("sdk", "fixed")) - loopUs;
  console.log(
    `  per-event cost beyond the hand-written loop (fixed): ours ${oursOverhead.toFixed(2)} µs, SDK ${sdkOverhead.toFixed(2)} µs ` +
      `(SDK overhead / ours: ${oursOverhead > 0 ? `${(sdkOverhead / oursOverhead).toFixed(1)}×` : "n/a, ours is within noise of the loop"}; the loop itself: ${loopUs.toFixed(2)} µs)`,
  );
  // Generating and parsing is in every engine's events/s, so ours / SDK cannot exceed (loop + SDK overhead) / loop.
  console.log(
    `  ceiling of ours / SDK DirectRunner (fixed) with zero runner overhead: ${((loopUs + sdkOverhead) / loopUs).toFixed(1)}× ` +
      `(the shared generate + parse cost bounds the events/s ratio; compare the per-event overheads above)`,
  );
  for (const mismatch of kinds.filter((k) => get("ours", k).outputs !== get("loop", k).outputs)) {
    console.log(`  WARNING: ${mismatch}: our runner emitted ${get("ours", mismatch).outputs} panes, the loop ${get("loop", mismatch).outputs}`);
  }
}

main();
