/**
 * npm run bench:flink: the same Kafka input through the product's sales pipeline on the direct runner and on Flink
 * (LOOPBACK workers, parallelism 2), in one run. Prints events/s of both on the steady state (first record to the
 * last), Flink's time before its first record separately (submission, staging, KafkaIO's start), the ratio
 * flink/direct, and the peak memory of every process (this one, each engine's process, the four Flink JVMs).
 *
 *   BENCH_EVENTS=1000000 npm run bench:flink        (default 1,000,000; the Flink stack must be up: npm run flink:up)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import { flinkStackOptions } from "../infra/flink/options";
import { pidFile, SERVICES } from "../infra/flink/services";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);

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
  const topic = `bench-flink-${Date.now()}`;
  const t0 = Date.now();
  run(["pipelines/produce.ts", "--topic", topic, "--count", String(EVENTS), "--rate", "0", "--seed", "5",
    "--start-time", "2026-01-01T00:00:00Z", "--partitions", "2"], 1_800_000);
  console.log(`bench:flink: ${EVENTS} events produced to ${topic} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const results: CaseResult[] = [];
  for (const engine of ["direct", "flink"]) {
    const out = run(["bench/flink_case.ts", engine, topic, String(EVENTS)], 3_600_000);
    const line = out.trim().split("\n").filter((l) => l.startsWith("{")).pop();
    if (line === undefined) throw new Error(`${engine}: no result line in: ${out.slice(-400)}`);
    const r = JSON.parse(line) as CaseResult;
    results.push(r);
    console.log(
      `${engine.padEnd(6)} ${r.eventsPerSecond.toFixed(0).padStart(8)} events/s  (${r.events} events in ${r.seconds.toFixed(1)} s; ` +
        `${r.beforeFirstRecordSeconds.toFixed(1)} s before the first record${engine === "flink" ? ": submission, staging, KafkaIO start" : ""}; ` +
        `peak RSS ${r.peakRssMb.toFixed(0)} MB; all final panes out ${r.allFinalSeconds.toFixed(1)} s after the first record)`,
    );
  }
  const [direct, flink] = results;
  const same = direct.resultsDigest === flink.resultsDigest && direct.finalRows === flink.finalRows;
  console.log(
    same
      ? `results: identical final panes on both engines (${direct.finalRows} keys×windows, ${direct.finalEvents} events, digest ${direct.resultsDigest})`
      : `results: DIFFER: direct ${direct.finalRows} keys×windows / ${direct.finalEvents} events (${direct.resultsDigest}), ` +
          `flink ${flink.finalRows} / ${flink.finalEvents} (${flink.resultsDigest})`,
  );
  if (!same) process.exitCode = 1;
  console.log(`ratio flink/direct: ${(flink.eventsPerSecond / direct.eventsPerSecond).toFixed(2)}× (steady state; target ≥ 0.3×)`);
  const jvms = SERVICES.map((name) => {
    const pid = Number(fs.readFileSync(pidFile(stack, name), "utf8").trim());
    return `${name} ${peakMb(pid)?.toFixed(0) ?? "?"} MB`;
  });
  console.log(`peak memory: bench ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB, direct case ${direct.peakRssMb.toFixed(0)} MB, ` +
    `flink case (LOOPBACK workers) ${flink.peakRssMb.toFixed(0)} MB; JVMs since they started: ${jvms.join(", ")}`);
}

main();
