/**
 * The local Flink stack without Docker: a Flink 1.15.0 session cluster (JobManager + one TaskManager), Beam's
 * Flink job server and Beam's Java expansion service, all from Maven jars (infra/flink/<name>/pom.xml, resolved
 * once into infra/flink/lib/, git-ignored).
 *
 *   npm run flink:up       start what is not running; wait until REST, a TaskManager, 8099 and 8096 answer
 *   npm run flink:status   each service: running/stopped, pid; the cluster's TaskManagers, slots and jobs
 *   npm run flink:down     stop them (SIGTERM, SIGKILL after 20 s)
 *
 * State (conf/, logs/, tmp/, upload/, artifacts/, pid files) lives in .stack/flink/ (FLINK_STACK_DIR).
 */
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { commandOf, failWithCommands } from "./stack/cli";
import { withLock } from "./stack/lock";
import { flinkPaths, flinkStackOptions, restUrl, type FlinkStackOptions } from "./flink/options";
import { flinkDown, flinkStatus, flinkUp, logFile, type StackStatus } from "./flink/services";

const COMMANDS = ["up", "down", "status"] as const;
type Command = (typeof COMMANDS)[number];

function log(line: string): void {
  process.stdout.write(`flink: ${line}\n`);
}

export function describeFlink(o: FlinkStackOptions, s: StackStatus): string[] {
  if (s.foreign) {
    return [`a Flink cluster and job server not started by this script answer on ${restUrl(o)} and ${o.host}:${o.jobPort}; using them`];
  }
  const lines = s.services.map((svc) =>
    svc.state === "running"
      ? `${svc.name}: running (pid ${svc.pid}${svc.ready ? "" : ", not answering yet"}), log ${logFile(o, svc.name)}`
      : `${svc.name}: stopped`,
  );
  if (s.taskmanagers !== undefined) {
    lines.push(
      `cluster: Flink ${s.flinkVersion ?? "?"} at ${restUrl(o)} (web UI), ${s.taskmanagers} TaskManager(s), ` +
        `${s.slotsAvailable ?? 0} free slot(s), ${s.jobsRunning ?? 0} job(s) running; job endpoint ${o.host}:${o.jobPort}, ` +
        `expansion service ${o.host}:${o.expansionPort}` +
        (s.services.some((x) => x.state === "running") ? `; started by ${s.owner === "auto" ? "a test run" : "flink:up"}` : ""),
    );
  }
  return lines;
}

async function run(command: Command, o: FlinkStackOptions, json: boolean): Promise<void> {
  const lock = flinkPaths(o).lockFile;
  if (command === "up") {
    const r = await withLock(lock, () => flinkUp(o, "manual", log), 300_000);
    if (r.started.length > 0) log(`up in ${r.seconds.toFixed(1)} s (started ${r.started.join(", ")})`);
    else log("already running");
    for (const line of describeFlink(o, r.status)) log(line);
    return;
  }
  if (command === "down") {
    const stopped = await withLock(lock, () => flinkDown(o));
    if (stopped.length === 0) log("nothing of this stack was running");
    for (const s of stopped) log(`${s.name}: stopped pid ${s.pid} (${s.how === "killed" ? "SIGKILL after the grace period" : "SIGTERM"})`);
    return;
  }
  const s = await flinkStatus(o);
  if (json) {
    process.stdout.write(JSON.stringify(s) + "\n");
    return;
  }
  for (const line of describeFlink(o, s)) log(line);
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName("flink")
    .usage("$0 <up|down|status> [options]")
    .command("up", "start the local Flink cluster, job server and expansion service (idempotent)")
    .command("down", "stop them")
    .command("status", "report each service and the cluster")
    .demandCommand(1, 1, `give one command: ${COMMANDS.join(", ")}`)
    .option("timeout", { type: "number", describe: "seconds to wait for each service to answer (default 180)" })
    .option("json", { type: "boolean", default: false, describe: "status as one JSON line" })
    .strict()
    .fail(failWithCommands(COMMANDS))
    .help()
    .parseAsync();
  const command = commandOf(argv._, COMMANDS);
  const o = flinkStackOptions(argv.timeout !== undefined ? { startTimeoutMs: argv.timeout * 1000 } : {});
  await run(command, o, argv.json);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`flink: error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
