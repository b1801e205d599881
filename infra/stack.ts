/**
 * The local development stack without Docker: a single-node KRaft Kafka broker from Maven jars, plus a report on
 * PostgreSQL (which this script never starts).
 *
 *   npm run stack:up       start the broker on 127.0.0.1:9092 (controller 9093); waits until it answers
 *   npm run stack:status   running/stopped, pid, owner, topics; PostgreSQL reachability
 *   npm run stack:down     stop it (SIGTERM, then SIGKILL after 30 s)
 *   npm run stack:clean    stop it and delete its data and logs
 *
 * State (data, logs/server.log, pid file) lives in .stack/kafka/ (git-ignored). Flags or environment choose another
 * instance: --kafka-port/STACK_KAFKA_PORT, --controller-port/STACK_CONTROLLER_PORT, --state-dir/STACK_DIR.
 */
import * as fs from "fs";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { commandOf, failWithCommands } from "./stack/cli";
import { brokerDown, brokerStatus, BrokerStatus, brokerUp } from "./stack/kafka_broker";
import { withLock } from "./stack/lock";
import { bootstrapServer, StackOptions, stackOptions, stackPaths } from "./stack/options";
import { probePostgres } from "./stack/postgres_probe";

const COMMANDS = ["up", "down", "status", "clean"] as const;
type Command = (typeof COMMANDS)[number];

function log(line: string): void {
  process.stdout.write(`stack: ${line}\n`);
}

function describeStatus(o: StackOptions, s: BrokerStatus): string {
  const where = bootstrapServer(o);
  switch (s.state) {
    case "running":
      return (
        `kafka: running (pid ${s.pid}, ${where}, started by ${s.owner === "auto" ? "a test run" : "stack:up"}, ` +
        (s.answering ? `answering, ${s.topics ?? 0} topics` : "not answering yet") +
        `), logs: ${stackPaths(o).serverLog}`
      );
    case "stopped":
      return `kafka: stopped (${where})` + (s.stalePid !== undefined ? `, removed stale pid file (pid ${s.stalePid})` : "");
    case "foreign":
      return s.kafka
        ? `kafka: a broker not started by this script answers on ${where}`
        : `kafka: port ${o.kafkaPort} is taken by another program (not Kafka)`;
  }
}

async function run(command: Command, o: StackOptions, json: boolean): Promise<void> {
  const p = stackPaths(o);
  if (command === "up") {
    const r = await withLock(p.lockFile, () => brokerUp(o, "manual", log));
    if (r.started) log(`kafka up on ${bootstrapServer(o)} in ${r.seconds.toFixed(1)} s`);
    else if (r.status.state === "foreign") log(`${describeStatus(o, r.status)}; using it`);
    else log(`already running: ${describeStatus(o, r.status)}`);
    return;
  }
  if (command === "down" || command === "clean") {
    const r = await withLock(p.lockFile, async () => {
      const down = await brokerDown(o);
      if (command === "clean") {
        fs.rmSync(p.dataDir, { recursive: true, force: true });
        fs.rmSync(p.logsDir, { recursive: true, force: true });
      }
      return down;
    });
    if (r.stopped === "not-running") log(`kafka: not running (no broker on ${bootstrapServer(o)})`);
    else if (r.stopped === "foreign") {
      log(
        r.kafka
          ? `kafka: not stopped: a broker this checkout did not start answers on ${bootstrapServer(o)} ` +
              "(stop it from the checkout that started it, or its own process)"
          : `kafka: not running; port ${o.kafkaPort} is taken by another program (not Kafka), left alone`,
      );
    } else log(`kafka: stopped pid ${String(r.pid)} (${r.stopped === "killed" ? "SIGKILL after the grace period" : "SIGTERM"})`);
    if (command === "clean") log(`removed ${p.dataDir} and ${p.logsDir}`);
    return;
  }
  // (no array destructuring here: the closure transform loses names bound that way)
  const probes = await Promise.all([brokerStatus(o), probePostgres(o.pgUrl)]);
  const kafka = probes[0];
  const pg = probes[1];
  if (json) {
    process.stdout.write(JSON.stringify({ kafka, postgres: { url: o.pgUrl, ...pg } }) + "\n");
    return;
  }
  log(describeStatus(o, kafka));
  log(pg.ok ? `postgres: up (${o.pgUrl}, version ${pg.version})` : `postgres: not reachable at ${o.pgUrl}: ${pg.reason}`);
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName("stack")
    .usage("$0 <up|down|status|clean> [options]")
    .command("up", "start the local Kafka broker (idempotent)")
    .command("down", "stop the local Kafka broker")
    .command("status", "report the broker and PostgreSQL")
    .command("clean", "stop the broker and delete its data and logs")
    .demandCommand(1, 1, `give one command: ${COMMANDS.join(", ")}`)
    .option("kafka-port", { type: "number", describe: "broker port (default 9092, env STACK_KAFKA_PORT)" })
    .option("controller-port", { type: "number", describe: "KRaft controller port (default kafka port + 1)" })
    .option("state-dir", { type: "string", describe: "data/logs/pid directory (default .stack/kafka, env STACK_DIR)" })
    .option("heap", { type: "string", describe: "JVM max heap (default 512m)" })
    .option("timeout", { type: "number", describe: "seconds to wait for the broker to answer (default 90)" })
    .option("json", { type: "boolean", default: false, describe: "status as one JSON line" })
    .strict()
    .fail(failWithCommands(COMMANDS))
    .help()
    .parseAsync();
  const command = commandOf(argv._, COMMANDS);
  const o = stackOptions({
    ...(argv["kafka-port"] !== undefined ? { kafkaPort: argv["kafka-port"] } : {}),
    ...(argv["controller-port"] !== undefined ? { controllerPort: argv["controller-port"] } : {}),
    ...(argv["state-dir"] !== undefined ? { stateDir: argv["state-dir"] } : {}),
    ...(argv.heap !== undefined ? { heap: argv.heap } : {}),
    ...(argv.timeout !== undefined ? { startTimeoutMs: argv.timeout * 1000 } : {}),
  });
  await run(command, o, argv.json);
}

main().catch((e: unknown) => {
  process.stderr.write(`stack: error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
