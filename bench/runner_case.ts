/** One measurement of bench/runner.ts, run in its own process: `runner_case.ts ENGINE KIND COUNT` → one JSON line. */
import * as beam from "apache-beam";
import Long from "long";
import { directRunner as sdkDirectRunner } from "apache-beam/runners/direct_runner";
import { combinePerKey } from "apache-beam/transforms/internal";
import type { CombineFn } from "apache-beam/transforms/group_and_combine";
import { directRunner } from "../runners/direct/runner";
import { windowedCombine } from "../transforms/windowed_combine";
import { SYNTHETIC_SALES, readSyntheticSales, syntheticSalesGenerator, type SyntheticSalesConfig } from "./runner_synthetic_source";

type Kind = "fixed" | "sliding" | "sessions";
interface Sale {
  readonly product_id: string;
  readonly amount: number;
  readonly ts: number;
}
interface Acc {
  sum: number;
  count: number;
}

const WINDOW_MS = 60_000;
const PERIOD_MS = 10_000;
const GAP_MS = 30_000;

function config(count: number): SyntheticSalesConfig {
  return {
    count,
    seed: 42,
    products: 1000,
    users: 10_000,
    startMs: Date.UTC(2024, 0, 1),
    eventsPerSecond: 1000,
    jitterMs: 2000,
    watermarkDelayMs: 5000,
    batchSize: 4096,
  };
}

/** The parse step every engine runs: JSON, field checks, event time. */
export function parseSale(json: string): Sale {
  const raw = JSON.parse(json) as Record<string, unknown>;
  const amount = raw.amount;
  const product = raw.product_id;
  const ts = typeof raw.timestamp === "string" ? Date.parse(raw.timestamp) : NaN;
  if (typeof amount !== "number" || typeof product !== "string" || Number.isNaN(ts)) {
    throw new Error(`bad event ${json}`);
  }
  return { product_id: product, amount, ts };
}

export const sumCountAvg: CombineFn<number, Acc, { sum: number; count: number; avg: number }> = {
  createAccumulator: () => ({ sum: 0, count: 0 }),
  addInput: (acc: Acc, amount: number) => {
    acc.sum += amount;
    acc.count += 1;
    return acc;
  },
  mergeAccumulators: (accs: Iterable<Acc>) => {
    const merged = { sum: 0, count: 0 };
    for (const a of accs) {
      merged.sum += a.sum;
      merged.count += a.count;
    }
    return merged;
  },
  extractOutput: (acc: Acc) => ({ sum: acc.sum, count: acc.count, avg: acc.count ? acc.sum / acc.count : 0 }),
};

function windowFn(kind: Kind) {
  switch (kind) {
    case "fixed":
      return beam.fixedWindows(WINDOW_MS / 1000);
    case "sliding":
      return beam.slidingWindows(WINDOW_MS / 1000, PERIOD_MS / 1000);
    case "sessions":
      return beam.sessions(GAP_MS / 1000);
  }
}

/** Counts outputs in a process-global (the counting DoFn is serialized into the proto). */
function countOutputs(): number {
  const holder = globalThis as unknown as { __benchOutputs?: number };
  return holder.__benchOutputs ?? 0;
}

const countingSink = beam.withName("countOutputs", {
  process: function countOutput(): void {
    const holder = Function("return globalThis")() as { __benchOutputs?: number };
    holder.__benchOutputs = (holder.__benchOutputs ?? 0) + 1;
  },
});

async function runOurs(kind: Kind, count: number): Promise<{ outputs: number; maxLiveStates: number }> {
  const result = await directRunner({ sources: [SYNTHETIC_SALES] }).run((root) => {
    const { results } = root
      .apply(readSyntheticSales(config(count)))
      .map(beam.withName("parse", parseSale))
      .apply(beam.windowInto(windowFn(kind)))
      .apply(
        windowedCombine({
          key: (sale: Sale) => sale.product_id,
          value: (sale: Sale) => sale.amount,
          combineFn: sumCountAvg,
        }),
      );
    results.apply(beam.parDo(countingSink));
  });
  const stats = (result as unknown as { stats(): { maxLiveStates: number } }).stats();
  return { outputs: countOutputs(), maxLiveStates: stats.maxLiveStates };
}

async function runSdk(kind: Kind, count: number): Promise<{ outputs: number }> {
  const cfg = config(count);
  await sdkDirectRunner().run((root) => {
    root
      .apply(beam.impulse())
      .flatMap(
        beam.withName("generate", () => {
          const all: string[] = [];
          syntheticSalesGenerator(cfg)(cfg.count, (json) => all.push(json));
          return all;
        }),
      )
      .map(beam.withName("parse", parseSale))
      .apply(beam.assignTimestamps((sale: Sale) => Long.fromNumber(sale.ts)))
      .apply(beam.windowInto(windowFn(kind)))
      .map(beam.withName("toKV", (sale: Sale) => ({ key: sale.product_id, value: sale.amount })))
      .apply(combinePerKey(sumCountAvg))
      .apply(beam.parDo(countingSink));
  });
  return { outputs: countOutputs() };
}

/** The hand-written baseline: same generator, parse, windows, watermark rule and firing rule, no framework. */
function runLoop(kind: Kind, count: number): { outputs: number; maxLiveStates: number } {
  const cfg = config(count);
  const generate = syntheticSalesGenerator(cfg);
  let outputs = 0;
  let maxLive = 0;
  const sink = (_key: string, _start: number, _end: number, acc: Acc): void => {
    const out = { sum: acc.sum, count: acc.count, avg: acc.sum / acc.count };
    if (out.count > 0) outputs += 1;
  };
  // Fixed and sliding: window end → (product → accumulator).
  const windows = new Map<number, Map<string, Acc>>();
  // Sessions: product → sorted list of open sessions.
  const sessions = new Map<string, Array<{ start: number; end: number; acc: Acc }>>();
  let maxTs = -Infinity;
  const add = (product: string, end: number, amount: number): void => {
    let perKey = windows.get(end);
    if (!perKey) {
      perKey = new Map();
      windows.set(end, perKey);
    }
    let acc = perKey.get(product);
    if (!acc) {
      acc = { sum: 0, count: 0 };
      perKey.set(product, acc);
    }
    acc.sum += amount;
    acc.count += 1;
  };
  const addSession = (product: string, ts: number, amount: number): void => {
    let list = sessions.get(product);
    if (!list) {
      list = [];
      sessions.set(product, list);
    }
    let start = ts;
    let end = ts + GAP_MS;
    const acc: Acc = { sum: amount, count: 1 };
    const kept: Array<{ start: number; end: number; acc: Acc }> = [];
    for (const s of list) {
      if (s.start < end && start < s.end) {
        start = Math.min(start, s.start);
        end = Math.max(end, s.end);
        acc.sum += s.acc.sum;
        acc.count += s.acc.count;
      } else kept.push(s);
    }
    kept.push({ start, end, acc });
    sessions.set(product, kept);
  };
  const fire = (watermark: number): void => {
    let live = 0;
    if (kind === "sessions") {
      for (const [product, list] of sessions) {
        const kept = list.filter((s) => {
          if (s.end - 1 < watermark) {
            sink(product, s.start, s.end, s.acc);
            return false;
          }
          return true;
        });
        if (kept.length) sessions.set(product, kept);
        else sessions.delete(product);
        live += kept.length;
      }
    } else {
      for (const [end, perKey] of windows) {
        if (end - 1 < watermark) {
          for (const [product, acc] of perKey) sink(product, end - WINDOW_MS, end, acc);
          windows.delete(end);
        } else live += perKey.size;
      }
    }
    if (live > maxLive) maxLive = live;
  };
  // Like a Kafka eachBatch loop: a batch of records arrives, then it is processed.
  const jsons: string[] = [];
  const stamps: number[] = [];
  let produced = 0;
  while (produced < count) {
    jsons.length = 0;
    stamps.length = 0;
    produced += generate(cfg.batchSize, (json, ts) => {
      jsons.push(json);
      stamps.push(ts);
    });
    for (let r = 0; r < jsons.length; r++) {
      const sale = parseSale(jsons[r]);
      const ts = stamps[r];
      if (ts > maxTs) maxTs = ts;
      if (kind === "fixed") {
        const start = ts - (((ts % WINDOW_MS) + WINDOW_MS) % WINDOW_MS);
        add(sale.product_id, start + WINDOW_MS, sale.amount);
      } else if (kind === "sliding") {
        const last = ts - (((ts % PERIOD_MS) + PERIOD_MS) % PERIOD_MS);
        for (let start = last; start > ts - WINDOW_MS; start -= PERIOD_MS) add(sale.product_id, start + WINDOW_MS, sale.amount);
      } else {
        addSession(sale.product_id, ts, sale.amount);
      }
    }
    fire(produced >= count ? Infinity : maxTs - cfg.watermarkDelayMs);
  }
  const total: number = outputs;
  return { outputs: total, maxLiveStates: maxLive };
}

async function main(): Promise<void> {
  const engine = process.argv[2] as "ours" | "loop" | "sdk";
  const kind = process.argv[3] as Kind;
  const count = Number(process.argv[4]);
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const result =
    engine === "ours" ? await runOurs(kind, count) : engine === "sdk" ? await runSdk(kind, count) : runLoop(kind, count);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // CPU time (user + system) of the run: on a shared machine steadier than the wall clock.
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({ engine, kind, events: count, seconds, eventsPerSecond: count / seconds, cpuMs, peakRssMb, ...result }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
