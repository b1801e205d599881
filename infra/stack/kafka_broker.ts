import { readOwner, writeOwner, type Owner } from "./owner";
import { spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import { StackError } from "./errors";
import { ensureKafkaJars, requireTool } from "./jars";
import { probeKafka } from "./kafka_probe";
import { bootstrapServer, StackOptions, stackPaths } from "./options";
import { isPortOpen } from "../../lib/ports";
import { commandLine, isAlive, readPid, removeFile, sleep, terminate } from "./processes";
import { log4jProperties, serverProperties } from "./server_properties";

/**
 * Who started the broker: `npm run stack:up` (manual, never stopped by tests) or a test run's global setup (stopped
 * by the last test run to finish). An `up` against a running broker does not change its owner.
 */
export type { Owner } from "./owner";

export type BrokerStatus =
  | { readonly state: "running"; readonly pid: number; readonly owner: Owner; readonly answering: boolean; readonly topics?: number }
  | { readonly state: "stopped"; readonly stalePid?: number }
  /** The port answers, but not a broker of this state dir: another broker (e.g. docker compose) or another program. */
  | { readonly state: "foreign"; readonly kafka: boolean };

export interface UpResult {
  readonly started: boolean;
  readonly status: BrokerStatus;
  readonly seconds: number;
}

/** The broker of this state dir, if its pid file names a live Kafka process that uses our server.properties. */
function ownBroker(o: StackOptions): { pid: number } | { stalePid: number } | undefined {
  const p = stackPaths(o);
  const pid = readPid(p.pidFile);
  if (pid === undefined) return undefined;
  const argv = isAlive(pid) ? commandLine(pid) : undefined;
  const ours = argv !== undefined && argv.includes("kafka.Kafka") && argv.includes(p.serverProperties);
  return ours ? { pid } : { stalePid: pid };
}

/** Reports without changing anything (a stale pid file is removed). Call under the stack lock or not at all. */
export async function brokerStatus(o: StackOptions): Promise<BrokerStatus> {
  const own = ownBroker(o);
  if (own !== undefined && "pid" in own) {
    const probe = await probeKafka(bootstrapServer(o));
    return {
      state: "running",
      pid: own.pid,
      owner: readOwner(stackPaths(o).ownerFile),
      answering: probe.ok,
      ...(probe.ok ? { topics: probe.topics } : {}),
    };
  }
  if (own !== undefined) removeFile(stackPaths(o).pidFile);
  if (await isPortOpen(o.host, o.kafkaPort)) {
    return { state: "foreign", kafka: (await probeKafka(bootstrapServer(o))).ok };
  }
  return own === undefined ? { state: "stopped" } : { state: "stopped", stalePid: own.stalePid };
}

/**
 * Starts the broker unless it already runs (idempotent). Resolves once it answers a metadata request.
 * A port held by another program is an error; a Kafka broker we did not start on the port is reported and used.
 * Call under the stack lock.
 */
export async function brokerUp(o: StackOptions, owner: Owner, log: (line: string) => void): Promise<UpResult> {
  const t0 = Date.now();
  const p = stackPaths(o);
  const before = await brokerStatus(o);
  if (before.state === "running") {
    // The owner stays whoever started it: a test run's broker is stopped by the test run even if `up` ran meanwhile.
    if (before.answering) return { started: false, status: before, seconds: 0 };
    await waitUntilAnswering(o, before.pid, t0);
    return { started: false, status: await brokerStatus(o), seconds: (Date.now() - t0) / 1000 };
  }
  if (before.state === "foreign") {
    if (before.kafka) return { started: false, status: before, seconds: 0 };
    throw new StackError(
      `port ${o.kafkaPort} on ${o.host} is taken by another program (not a Kafka broker): stop it ` +
        `(find it with: ss -ltnp 'sport = :${o.kafkaPort}') or choose --kafka-port / STACK_KAFKA_PORT`,
    );
  }
  if (await isPortOpen(o.host, o.controllerPort)) {
    throw new StackError(
      `controller port ${o.controllerPort} on ${o.host} is taken by another program: stop it ` +
        `(find it with: ss -ltnp 'sport = :${o.controllerPort}') or choose --controller-port / STACK_CONTROLLER_PORT`,
    );
  }
  if (before.stalePid !== undefined) log(`removed a stale pid file (pid ${before.stalePid} is not running)`);

  requireTool("java", ["-version"], "a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)");
  const classpath = ensureKafkaJars(o.libDir, log);
  fs.mkdirSync(p.logsDir, { recursive: true });
  fs.mkdirSync(p.dataDir, { recursive: true });
  fs.writeFileSync(p.serverProperties, serverProperties(o));
  fs.writeFileSync(p.log4jProperties, log4jProperties(o));
  formatStorage(o, classpath);

  const out = fs.openSync(p.stdoutLog, "a");
  const child = spawn("java", [...jvmArgs(o), "-cp", classpath, "kafka.Kafka", p.serverProperties], {
    detached: true,
    stdio: ["ignore", out, out],
    cwd: o.stateDir,
  });
  fs.closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new StackError(`could not start java; see ${p.stdoutLog}`);
  child.unref();
  fs.writeFileSync(p.pidFile, String(pid) + "\n");
  writeOwner(stackPaths(o).ownerFile, owner);
  log(`starting Kafka (pid ${pid}) on ${bootstrapServer(o)}, logs in ${p.serverLog}`);
  await waitUntilAnswering(o, pid, t0);
  return { started: true, status: await brokerStatus(o), seconds: (Date.now() - t0) / 1000 };
}

export type DownResult =
  | { readonly stopped: "not-running" }
  /** Something listens on the port, not started from this state dir: left alone. */
  | { readonly stopped: "foreign"; readonly kafka: boolean }
  | { readonly stopped: "terminated" | "killed"; readonly pid: number };

/**
 * Stops the broker of this state dir (SIGTERM, then SIGKILL after the grace period); never another checkout's
 * broker. Call under the stack lock.
 */
export async function brokerDown(
  o: StackOptions,
  graceMs = 30_000,
): Promise<DownResult> {
  const p = stackPaths(o);
  const own = ownBroker(o);
  removeFile(p.ownerFile);
  if (own === undefined || !("pid" in own)) {
    removeFile(p.pidFile);
    // Not ours: tell "nothing there" from "a broker (or another program) this checkout did not start".
    if (await isPortOpen(o.host, o.kafkaPort)) {
      return { stopped: "foreign", kafka: (await probeKafka(bootstrapServer(o))).ok };
    }
    return { stopped: "not-running" };
  }
  const how = await terminate(own.pid, graceMs);
  removeFile(p.pidFile);
  return { stopped: how, pid: own.pid };
}

function jvmArgs(o: StackOptions): string[] {
  const p = stackPaths(o);
  return [
    `-Xmx${o.heap}`,
    "-Xms128m",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
    `-Dkafka.logs.dir=${p.logsDir}`,
    `-Dlog4j.configuration=file:${p.log4jProperties}`,
  ];
}

/** Formats KRaft storage once (data/meta.properties marks a formatted directory). */
function formatStorage(o: StackOptions, classpath: string): void {
  const p = stackPaths(o);
  if (fs.existsSync(`${p.dataDir}/meta.properties`)) return;
  const r = spawnSync(
    "java",
    [
      "-Xmx256m",
      `-Dlog4j.configuration=file:${p.log4jProperties}`,
      "-cp",
      classpath,
      "kafka.tools.StorageTool",
      "format",
      "-t",
      clusterId(),
      "-c",
      p.serverProperties,
      "--ignore-formatted",
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0) {
    const detail = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-3).join(" | ");
    throw new StackError(`formatting Kafka storage in ${p.dataDir} failed (exit ${String(r.status)}): ${detail}`);
  }
}

/** A Kafka cluster id: 16 random bytes, URL-safe base64 without padding, not starting with "-". */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

async function waitUntilAnswering(o: StackOptions, pid: number, t0: number): Promise<void> {
  const p = stackPaths(o);
  const deadline = t0 + o.startTimeoutMs;
  for (;;) {
    if (!isAlive(pid)) {
      removeFile(p.pidFile);
      throw new StackError(`Kafka (pid ${pid}) exited during start-up; see ${p.serverLog} and ${p.stdoutLog}`);
    }
    if ((await probeKafka(bootstrapServer(o), 2000)).ok) return;
    if (Date.now() > deadline) {
      await terminate(pid, 10_000);
      removeFile(p.pidFile);
      throw new StackError(
        `Kafka did not answer a metadata request on ${bootstrapServer(o)} within ${Math.round(o.startTimeoutMs / 1000)} s ` +
          `(stopped it); see ${p.serverLog}`,
        true,
      );
    }
    await sleep(250);
  }
}
