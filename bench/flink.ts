/**
 * npm run bench:flink: the same Kafka input through the product's sales pipeline on the direct runner and on Flink
 * (parallelism 2) with LOOPBACK workers (every subtask's TypeScript steps in the case's one process) and with worker
 * processes (environment PROCESSES: one Node process per SDK worker, counts relayed from them), in one run, in
 * alternating rounds. Prints events/s of both on the steady state
 * (first record to the last), Flink's time before its first record separately (submission, staging, KafkaIO's
 * start), whether every run's final panes are identical, the ratio to direct of each Flink mode's best round, and
 * the peak memory of every process (this one, each engine's process, the worker processes, the four Flink JVMs).
 *
 *   BENCH_EVENTS=1000000 BENCH_ROUNDS=3 npm run bench:flink   (the defaults; the Flink stack must be up: npm run flink:up)
 *   BENCH_ENGINES=direct,flink,flink-processes (the default; direct first; flink-no-late: Flink without the late-data
 *   output, i.e. the pipeline as built with its combine lifted), BENCH_FLINK_WORKERS=N (worker processes
 *   of flink-processes, default 2), BENCH_FLINK_PARALLELISM=N (default 2),
 *   BENCH_TOPIC=bench-flink-… (reuse a topic an earlier run produced, same BENCH_EVENTS),
 *   BENCH_FLINK_BUNDLE=N (elements per bundle on Flink), BENCH_FLINK_LIFT=0 (no combiner lifting): bench/flink_case.ts
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import { flinkStackOptions } from "../infra/flink/options";
import { pidFile, SERVICES } from "../infra/flink/services";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ENGINES = (process.env.BENCH_ENGINES ?? "direct,flink,flink-processes").split(",");
if (ENGINES[0] !== "direct" || !ENGINES.every((e) => ["direct", "flink", "flink-processes", "flink-no-late"].includes(e))) {
  throw new Error(`BENCH_ENGINES must start with direct and name only direct, flink, flink-processes, flink-no-late; got "${ENGINES.join(",")}"`);
}

interface CaseResult {
  readonly engine: string;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly beforeFirstRecordSeconds: number;
  readonly peakRssMb: number;
  /** From the first record until the final panes held every event. */
  readonly allFinalSeconds: number;
  readonly finalRows: number;
  readonly finalEvents: number;
  readonly resultsDigest: string;
  readonly workerProcesses: number;
  readonly workerPeakRssMb: readonly number[];
  readonly workerCpuSeconds: readonly number[];
}

function run(args: readonly string[], timeoutMs: number): string {
  const r = spawnSync("node", ["-r", "./tools/register.js", ...args], { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed (exit ${String(r.status)}): ${(r.stderr ?? "").slice(-800)}`);
  return r.stdout;
}

/** VmHWM (peak resident set) of a process, in MB. */
function peakMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function main(): void {
  const stack = flinkStackOptions();
  // BENCH_TOPIC: a topic an earlier run produced (the same BENCH_EVENTS), to compare settings on one input.
  const topic = process.env.BENCH_TOPIC ?? `bench-flink-${Date.now()}`;
  if (process.env.BENCH_TOPIC === undefined) {
    const t0 = Date.now();
    run(["pipelines/produce.ts", "--topic", topic, "--count", String(EVENTS), "--rate", "0", "--seed", "5",
      "--start-time", "2026-01-01T00:00:00Z", "--partitions", "2"], 1_800_000);
    console.log(`bench:flink: ${EVENTS} events produced to ${topic} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const byEngine: Record<string, CaseResult[]> = Object.fromEntries(ENGINES.map((e) => [e, []]));
  // Alternating rounds (direct, flink, flink-processes, direct, …): the machine is shared, its load drifts.
  for (let round = 1; round <= ROUNDS; round++) {
    for (const engine of ENGINES) {
      const out = run(["bench/flink_case.ts", engine, topic, String(EVENTS)], 3_600_000);
      const line = out.trim().split("\n").filter((l) => l.startsWith("{")).pop();
      if (line === undefined) throw new Error(`${engine}: no result line in: ${out.slice(-400)}`);
      const r = JSON.parse(line) as CaseResult;
      byEngine[engine].push(r);
      const workers = r.workerProcesses > 0 ? `; ${r.workerProcesses} worker processes, peak RSS ${r.workerPeakRssMb.join(" + ")} MB, CPU ${r.workerCpuSeconds.join(" + ")} s` : "";
      console.log(
        `round ${round} ${engine.padEnd(15)} ${r.eventsPerSecond.toFixed(0).padStart(8)} events/s  (${r.events} events in ${r.seconds.toFixed(1)} s; ` +
          `${r.beforeFirstRecordSeconds.toFixed(1)} s before the first record${engine !== "direct" ? ": submission, staging, KafkaIO start" : ""}; ` +
          `peak RSS ${r.peakRssMb.toFixed(0)} MB${workers}; all final panes out ${r.allFinalSeconds.toFixed(1)} s after the first record)`,
      );
    }
  }
  const reference = byEngine.direct[0];
  const differing = Object.values(byEngine).flat().filter(
    (r) => r.resultsDigest !== reference.resultsDigest || r.finalRows !== reference.finalRows || r.finalEvents !== EVENTS,
  );
  console.log(
    differing.length === 0
      ? `results: identical final panes in every run (${reference.finalRows} keys×windows, ${reference.finalEvents} events, digest ${reference.resultsDigest})`
      : `results: DIFFER: direct round 1 ${reference.finalRows} keys×windows / ${reference.finalEvents} events (${reference.resultsDigest}); ` +
          differing.map((r) => `${r.engine} ${r.finalRows} / ${r.finalEvents} (${r.resultsDigest})`).join(", "),
  );
  if (differing.length > 0) process.exitCode = 1;
  const best = (rs: CaseResult[]) => Math.max(...rs.map((r) => r.eventsPerSecond));
  const spread = (rs: CaseResult[]) => `${Math.min(...rs.map((r) => r.eventsPerSecond)).toFixed(0)}–${best(rs).toFixed(0)}`;
  const direct = byEngine.direct;
  console.log(`best of ${ROUNDS}: ` + ENGINES.map((e) => `${e} ${best(byEngine[e]).toFixed(0)} events/s (spread ${spread(byEngine[e])})`).join(", "));
  for (const engine of ENGINES.filter((e) => e !== "direct")) {
    const rs = byEngine[engine];
    const perRound = rs.map((f, i) => (f.eventsPerSecond / direct[i].eventsPerSecond).toFixed(2)).join(", ");
    const label = engine === "flink" ? "flink/direct" : `${engine}/direct`;
    console.log(`ratio ${label}: ${(best(rs) / best(direct)).toFixed(2)}× (steady state, best of ${ROUNDS} each; per round ${perRound}; target ≥ 0.3×)`);
  }
  if (byEngine.flink !== undefined && byEngine["flink-no-late"] !== undefined) {
    const off = byEngine["flink-no-late"];
    const perRound = byEngine.flink.map((r, i) => (r.eventsPerSecond / off[i].eventsPerSecond).toFixed(2)).join(", ");
    console.log(`ratio flink late output on/off: ${(best(byEngine.flink) / best(off)).toFixed(2)}× (best of ${ROUNDS}; per round ${perRound}; target ≥ 1×)`);
  }
  if (byEngine.flink !== undefined && byEngine["flink-processes"] !== undefined) {
    const p = byEngine["flink-processes"];
    const perRound = p.map((r, i) => (r.eventsPerSecond / byEngine.flink[i].eventsPerSecond).toFixed(2)).join(", ");
    console.log(`ratio flink-processes/flink (LOOPBACK): ${(best(p) / best(byEngine.flink)).toFixed(2)}× (best of ${ROUNDS}; per round ${perRound})`);
  }
  const peak = (rs: CaseResult[]) => Math.max(...rs.map((r) => r.peakRssMb)).toFixed(0);
  // A stack started from another checkout (a worktree) keeps its pid files there: FLINK_STACK_DIR points at them.
  const jvms = SERVICES.map((name) => {
    const file = pidFile(stack, name);
    const pid = fs.existsSync(file) ? Number(fs.readFileSync(file, "utf8").trim()) : undefined;
    return `${name} ${pid === undefined ? `? MB (no ${file}; set FLINK_STACK_DIR to the stack's state folder)` : `${peakMb(pid)?.toFixed(0) ?? "?"} MB`}`;
  });
  const cases = ENGINES.map((e) => {
    const workers = byEngine[e].flatMap((r) => r.workerPeakRssMb);
    return `${e} case ${peak(byEngine[e])} MB${workers.length > 0 ? ` (+ its worker processes, each at most ${Math.max(...workers)} MB)` : ""}`;
  });
  console.log(`peak memory: bench ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB, ${cases.join(", ")}; JVMs since they started: ${jvms.join(", ")}`);
}

main();
