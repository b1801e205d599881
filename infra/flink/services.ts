/**
 * The four JVMs of the local Flink stack, started from Maven jars (no flink-dist, no Docker):
 *
 *   jobmanager         StandaloneSessionClusterEntrypoint   REST + web UI on 127.0.0.1:8081
 *   taskmanager        TaskManagerRunner                    resources from BashJavaUtils, like taskmanager.sh
 *   job-server         Beam's FlinkJobServerDriver           job endpoint 8099 (artifacts 8098, expansion 8097)
 *   expansion-service  Beam's Java ExpansionService          8096, EMBEDDED environment, Kafka IO on its classpath
 *
 * Each has a pid file and a log under .stack/flink/; every JVM carries -Dbeam-ts.stack=<state dir> so a pid file
 * is only trusted when its process is ours.
 */
import { readOwner, writeOwner, type Owner } from "../stack/owner";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { clusterOverview } from "../../lib/flink_rest";
import { StackError } from "../stack/errors";
import { requireTool } from "../stack/jars";
import { freePort, isPortOpen } from "../../lib/ports";
import { commandLine, isAlive, readPid, removeFile, sleep, terminate } from "../stack/processes";
import { ensureFlinkJars } from "./classpaths";
import { flinkConf, JAVA17_FLAGS, log4jProperties } from "./config";
import { FLINK_INFRA_DIR, flinkPaths, restUrl, type FlinkStackOptions } from "./options";

export type ServiceName = "jobmanager" | "taskmanager" | "job-server" | "expansion-service";
export const SERVICES: readonly ServiceName[] = ["jobmanager", "taskmanager", "job-server", "expansion-service"];

const MAIN_CLASS: Record<ServiceName, string> = {
  jobmanager: "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
  taskmanager: "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
  // Beam's FlinkJobServerDriver with our translator (infra/flink/job-server/src: the late-data output)
  "job-server": "local.beamts.LateDataJobServer",
  "expansion-service": "org.apache.beam.sdk.expansion.service.ExpansionService",
};

/**
 * The job server's main class before our translator (the late-data output): such a job server of this stack is
 * still ours (its pid file is trusted), and flinkUp replaces it.
 */
const OUTDATED_JOB_SERVER_CLASS = "org.apache.beam.runners.flink.FlinkJobServerDriver";

export type { Owner } from "../stack/owner";

export type ServiceStatus =
  | { readonly name: ServiceName; readonly state: "running"; readonly pid: number; readonly ready: boolean }
  | { readonly name: ServiceName; readonly state: "stopped"; readonly stalePid?: number };

export interface StackStatus {
  readonly services: readonly ServiceStatus[];
  readonly owner: Owner;
  /** The cluster's REST overview when it answers (ours or not). */
  readonly taskmanagers?: number;
  readonly slotsAvailable?: number;
  readonly jobsRunning?: number;
  readonly flinkVersion?: string;
  /** Something not started by this script answers on the REST port and the job port (e.g. docker compose). */
  readonly foreign: boolean;
}

export function pidFile(o: FlinkStackOptions, name: ServiceName): string {
  return path.join(o.stateDir, `${name}.pid`);
}

export function logFile(o: FlinkStackOptions, name: ServiceName): string {
  return path.join(flinkPaths(o).logsDir, `${name}.log`);
}

function stackMarker(o: FlinkStackOptions): string {
  return `-Dbeam-ts.stack=${o.stateDir}`;
}

function ownPid(o: FlinkStackOptions, name: ServiceName): { pid: number } | { stalePid: number } | undefined {
  const pid = readPid(pidFile(o, name));
  if (pid === undefined) return undefined;
  const argv = isAlive(pid) ? commandLine(pid) : undefined;
  const main = argv?.includes(MAIN_CLASS[name]) === true || (name === "job-server" && argv?.includes(OUTDATED_JOB_SERVER_CLASS) === true);
  const ours = main && argv !== undefined && argv.includes(stackMarker(o));
  return ours ? { pid } : { stalePid: pid };
}

/** A job server of this stack started before it had our translator (npm run flink:up replaces it). */
function outdatedJobServer(o: FlinkStackOptions): number | undefined {
  const own = ownPid(o, "job-server");
  if (own === undefined || !("pid" in own)) return undefined;
  return commandLine(own.pid)?.includes(OUTDATED_JOB_SERVER_CLASS) === true ? own.pid : undefined;
}

function servicePort(o: FlinkStackOptions, name: ServiceName): number | undefined {
  switch (name) {
    case "jobmanager":
      return o.restPort;
    case "taskmanager":
      return undefined;
    case "job-server":
      return o.jobPort;
    case "expansion-service":
      return o.expansionPort;
  }
}

async function isReady(o: FlinkStackOptions, name: ServiceName): Promise<boolean> {
  if (name === "jobmanager") return (await clusterOverview(restUrl(o))) !== undefined;
  if (name === "taskmanager") return ((await clusterOverview(restUrl(o)))?.taskmanagers ?? 0) > 0;
  return isPortOpen(o.host, servicePort(o, name) ?? 0);
}

/** Reports without changing anything (stale pid files are removed). */
export async function flinkStatus(o: FlinkStackOptions): Promise<StackStatus> {
  const services: ServiceStatus[] = [];
  for (const name of SERVICES) {
    const own = ownPid(o, name);
    if (own !== undefined && "pid" in own) {
      services.push({ name, state: "running", pid: own.pid, ready: await isReady(o, name) });
    } else {
      if (own !== undefined) removeFile(pidFile(o, name));
      services.push(own === undefined ? { name, state: "stopped" } : { name, state: "stopped", stalePid: own.stalePid });
    }
  }
  const overview = await clusterOverview(restUrl(o));
  const noneOurs = services.every((s) => s.state === "stopped");
  const foreign = noneOurs && overview !== undefined && (await isPortOpen(o.host, o.jobPort));
  return {
    services,
    owner: readOwner(flinkPaths(o).ownerFile),
    foreign,
    ...(overview !== undefined
      ? {
          taskmanagers: overview.taskmanagers,
          slotsAvailable: overview["slots-available"],
          jobsRunning: overview["jobs-running"],
          flinkVersion: overview["flink-version"],
        }
      : {}),
  };
}

export interface FlinkUpResult {
  readonly started: readonly ServiceName[];
  readonly seconds: number;
  readonly status: StackStatus;
}

/**
 * Starts whatever of the four services is not running (idempotent) and waits until each answers: the JobManager's
 * REST API, one registered TaskManager, the job endpoint, the expansion port. Call under the lock.
 */
export async function flinkUp(o: FlinkStackOptions, owner: Owner, log: (line: string) => void): Promise<FlinkUpResult> {
  const t0 = Date.now();
  const p = flinkPaths(o);
  const before = await flinkStatus(o);
  if (before.foreign) return { started: [], seconds: 0, status: before };
  const toStart = before.services.filter((s) => s.state === "stopped").map((s) => s.name);
  const outdated = outdatedJobServer(o);
  if (outdated !== undefined) {
    log(`job-server: replacing the running one (pid ${outdated}: Beam's own driver, without the late-data output)`);
    await terminate(outdated, 20_000);
    removeFile(pidFile(o, "job-server"));
    toStart.push("job-server");
  }
  for (const s of before.services) {
    if (s.state === "stopped" && s.stalePid !== undefined) log(`${s.name}: removed a stale pid file (pid ${s.stalePid})`);
  }
  for (const name of toStart) {
    const port = servicePort(o, name);
    if (port !== undefined && (await isPortOpen(o.host, port))) {
      throw new StackError(
        `port ${port} on ${o.host} (the ${name}'s) is taken by another program: stop it ` +
          `(find it with: ss -ltnp 'sport = :${port}') or stop the other Flink stack (npm run flink:down there)`,
      );
    }
  }
  if (toStart.length > 0) {
    requireTool("java", ["-version"], "a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)");
    const jobServer = ensureFlinkJars(o, "job-server", log);
    const expansion = ensureFlinkJars(o, "expansion-service", log);
    const classpaths = {
      cluster: ensureFlinkJars(o, "cluster", log),
      jobServer,
      expansion,
      extensions: ensureJavaJar(o, JAVA_EXTENSIONS.jobServer, jobServer, log),
      kafkaExtensions: ensureJavaJar(o, JAVA_EXTENSIONS.expansion, expansion, log),
    };
    for (const dir of [p.confDir, p.logsDir, p.tmpDir, p.uploadDir, p.artifactsDir]) fs.mkdirSync(dir, { recursive: true });
    if (toStart.includes("jobmanager")) {
      fs.writeFileSync(path.join(p.confDir, "flink-conf.yaml"), flinkConf(o, await freePort(o.host)));
      fs.writeFileSync(path.join(p.confDir, "log4j.properties"), log4jProperties());
    }
    if (before.services.every((s) => s.state === "stopped")) writeOwner(p.ownerFile, owner);
    for (const name of toStart) {
      const argv = javaArgv(o, name, classpaths);
      const pid = startJvm(o, name, argv);
      log(`${name}: starting (pid ${pid}), log ${logFile(o, name)}`);
    }
  }
  // The start-up budget counts from the moment the JVMs were started: resolving the jars and compiling our
  // extensions on a first run (minutes on a loaded machine) is not the services' start-up.
  const startedAt = Date.now();
  for (const name of SERVICES) await waitUntilReady(o, name, startedAt);
  return { started: toStart, seconds: (Date.now() - t0) / 1000, status: await flinkStatus(o) };
}

/** Stops our services (expansion service and job server first, the JobManager last). Call under the lock. */
export async function flinkDown(
  o: FlinkStackOptions,
  graceMs = 20_000,
): Promise<Array<{ name: ServiceName; pid: number; how: string }>> {
  const stopped: Array<{ name: ServiceName; pid: number; how: string }> = [];
  const order = [...SERVICES].reverse();
  await Promise.all(
    order.map(async (name) => {
      const own = ownPid(o, name);
      if (own !== undefined && "pid" in own) {
        const how = await terminate(own.pid, graceMs);
        stopped.push({ name, pid: own.pid, how });
      }
      removeFile(pidFile(o, name));
    }),
  );
  removeFile(flinkPaths(o).ownerFile);
  return stopped;
}

interface Classpaths {
  readonly cluster: string;
  readonly jobServer: string;
  readonly expansion: string;
  /** The job server's extension (NoStagingDetectorFactory), compiled into a jar. */
  readonly extensions: string;
  /**
   * KafkaIO's read with partitions and offsets (KafkaReadWithPositions): the expansion service, the TaskManager (it runs
   * the source) and the job server (it deserializes the source when it translates the read).
   */
  readonly kafkaExtensions: string;
}

function javaArgv(o: FlinkStackOptions, name: ServiceName, cp: Classpaths): string[] {
  const p = flinkPaths(o);
  const common = [stackMarker(o), "-XX:+UseG1GC", "-Djava.awt.headless=true", ...JAVA17_FLAGS];
  const flinkLogging = [
    `-Dlog.file=${logFile(o, name)}`,
    `-Dlog4j.configurationFile=file:${path.join(p.confDir, "log4j.properties")}`,
    "-Dlog4j2.formatMsgNoLookups=true",
  ];
  switch (name) {
    case "jobmanager": {
      const r = resourceParams(cp.cluster, p.confDir, "GET_JM_RESOURCE_PARAMS");
      return [...common, ...r.jvm, ...flinkLogging, "-cp", clusterClasspath(cp), MAIN_CLASS[name], "--configDir", p.confDir, ...r.dynamic];
    }
    case "taskmanager": {
      const r = resourceParams(cp.cluster, p.confDir, "GET_TM_RESOURCE_PARAMS");
      return [...common, ...r.jvm, ...flinkLogging, "-cp", clusterClasspath(cp), MAIN_CLASS[name], "--configDir", p.confDir, ...r.dynamic];
    }
    case "job-server":
      return [
        ...common,
        "-Xmx1g",
        "-cp",
        [cp.jobServer, cp.extensions, ...kafkaJars(cp), cp.kafkaExtensions].join(path.delimiter),
        MAIN_CLASS[name],
        `--flink-master=${o.host}:${o.restPort}`,
        "--job-host",
        o.host,
        "--job-port",
        String(o.jobPort),
        "--artifact-port",
        String(o.artifactPort),
        "--expansion-port",
        String(o.jobServerExpansionPort),
        "--artifacts-dir",
        p.artifactsDir,
      ];
    case "expansion-service":
      return [
        ...common,
        "-Xmx384m",
        "-cp",
        [cp.expansion, cp.kafkaExtensions].join(path.delimiter),
        MAIN_CLASS[name],
        String(o.expansionPort),
        "--defaultEnvironmentType=EMBEDDED",
        // KafkaIO's read as Beam's primitive Read of its UnboundedSource, which Flink runs as a native source
        // (checkpoints at any time, offsets committed when a checkpoint completes), not as the SDF read: KafkaIO
        // 2.49's SDF keeps polling inside one bundle while records keep coming, and Beam's Flink runner never asks
        // it to split, so no checkpoint completed until the input paused (docs/runners.md, "Checkpoints").
        USE_DEPRECATED_READ,
      ];
  }
}

/** The expansion service's experiment that makes KafkaIO expand to the primitive Read (Flink's native source). */
export const USE_DEPRECATED_READ = "--experiments=use_deprecated_read";

/** Our Java sources: one extension of the job server, one of the expansion service (and the TaskManager). */
const JAVA_EXTENSIONS = {
  jobServer: { dir: path.join(FLINK_INFRA_DIR, "job-server", "src", "main"), jar: "beam-ts-flink-extensions.jar" },
  expansion: { dir: path.join(FLINK_INFRA_DIR, "expansion-service", "src", "main"), jar: "beam-ts-kafka-extensions.jar" },
};

/**
 * Compiles `<dir>/java` (plus `<dir>/resources`) against `classpath` into lib/extensions/<jar> (once, and again
 * when a source is newer than the jar).
 */
function ensureJavaJar(
  o: FlinkStackOptions,
  ext: { readonly dir: string; readonly jar: string },
  classpath: string,
  log: (line: string) => void,
): string {
  const dir = path.join(o.libDir, "extensions");
  const jar = path.join(dir, ext.jar);
  const sources = listFiles(path.join(ext.dir, "java")).filter((f) => f.endsWith(".java"));
  const resources = path.join(ext.dir, "resources");
  const newest = Math.max(...[...sources, ...listFiles(resources)].map((f) => fs.statSync(f).mtimeMs));
  if (fs.existsSync(jar) && fs.statSync(jar).mtimeMs >= newest) return jar;
  requireTool("javac", ["-version"], "a Java 17 JDK (javac; e.g. apt-get install openjdk-17-jdk-headless)");
  log(`compiling ${path.relative(process.cwd(), ext.dir)} into ${path.relative(process.cwd(), jar)}`);
  const classes = path.join(dir, `${ext.jar}.classes`);
  fs.rmSync(classes, { recursive: true, force: true });
  const compile = spawnSync("javac", ["-d", classes, "-cp", classpath, ...sources], { encoding: "utf8" });
  if (compile.status !== 0) {
    throw new StackError(`javac could not compile ${ext.dir}: ${`${compile.stderr ?? ""}`.trim().split("\n")[0]}`);
  }
  if (fs.existsSync(resources)) fs.cpSync(resources, classes, { recursive: true });
  const pack = spawnSync("jar", ["cf", jar, "-C", classes, "."], { encoding: "utf8" });
  if (pack.status !== 0) throw new StackError(`jar could not pack ${classes}: ${`${pack.stderr ?? ""}`.trim().split("\n")[0]}`);
  return jar;
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile());
}

/**
 * The JobManager and TaskManager run Flink and, parent-first, Beam's runner and Java SDK harness: the cluster's
 * jars plus the job server's, without the job server's Flink jars (the same version is already there) and its
 * slf4j binding (Flink logs through log4j). So jobs need no staged jars (NoStagingDetectorFactory).
 */
function clusterClasspath(cp: Classpaths): string {
  const jobServerDir = path.dirname(cp.jobServer);
  const beamJars = fs
    .readdirSync(jobServerDir)
    .filter((f) => f.endsWith(".jar") && !f.startsWith("flink-") && !f.startsWith("slf4j-"))
    .sort();
  return [cp.cluster, ...beamJars.map((f) => path.join(jobServerDir, f)), ...kafkaJars(cp), cp.kafkaExtensions].join(path.delimiter);
}

/**
 * KafkaIO (and kafka-clients) from the expansion service's classpath, for the JVMs that load KafkaIO's classes:
 * the TaskManager (the EMBEDDED Java harness resolves KafkaIO's coders, KafkaSourceDescriptor …, with its own
 * class loader; Flink's native source runs KafkaIO's reader) and the job server (it deserializes KafkaIO's
 * UnboundedSource when it translates the read into a Flink source). Only artifacts the job server's classpath
 * lacks (by name without version), so no class comes in two versions.
 */
function kafkaJars(cp: Classpaths): string[] {
  const artifact = (jar: string): string => jar.replace(/-\d[^-]*(-[^-]*)?\.jar$/, "");
  const have = new Set(fs.readdirSync(path.dirname(cp.jobServer)).filter((f) => f.endsWith(".jar")).map(artifact));
  const expansionDir = path.dirname(cp.expansion);
  return fs
    .readdirSync(expansionDir)
    .filter((f) => f.endsWith(".jar") && !have.has(artifact(f)))
    .sort()
    .map((f) => path.join(expansionDir, f));
}

/**
 * What taskmanager.sh / jobmanager.sh do: ask Flink's BashJavaUtils for the JVM flags (-Xmx, direct memory,
 * metaspace) and the dynamic -D parameters that match the configured process size.
 */
function resourceParams(classpath: string, confDir: string, command: string): { jvm: string[]; dynamic: string[] } {
  const r = spawnSync(
    "java",
    ["-Xmx128m", "-cp", classpath, "org.apache.flink.runtime.util.bash.BashJavaUtils", command, "--configDir", confDir],
    { encoding: "utf8" },
  );
  const results = `${r.stdout ?? ""}`
    .split("\n")
    .filter((l) => l.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:"))
    .map((l) => l.slice("BASH_JAVA_UTILS_EXEC_RESULT:".length).trim());
  if (r.status !== 0 || results.length < 2) {
    const tail = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-3).join(" | ");
    throw new StackError(`Flink's BashJavaUtils ${command} failed (exit ${String(r.status)}): ${tail}`);
  }
  const jvm = results[0].split(/\s+/).filter((s) => s.length > 0);
  const dynamic = results[1].split(/\s+/).filter((s) => s.length > 0);
  return { jvm, dynamic };
}

/** Where a JVM's stdout goes: beside Flink's log4j file for Flink's JVMs, the log itself for Beam's (slf4j-simple). */
function stdoutFile(o: FlinkStackOptions, name: ServiceName): string {
  const flinkOwn = name === "jobmanager" || name === "taskmanager";
  return flinkOwn ? path.join(flinkPaths(o).logsDir, `${name}.out`) : logFile(o, name);
}

function startJvm(o: FlinkStackOptions, name: ServiceName, argv: string[]): number {
  const out = fs.openSync(stdoutFile(o, name), "a");
  const child = spawn("java", argv, { detached: true, stdio: ["ignore", out, out], cwd: o.stateDir });
  fs.closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new StackError(`could not start java for the ${name}; see ${logFile(o, name)}`);
  child.unref();
  fs.writeFileSync(pidFile(o, name), String(pid) + "\n");
  return pid;
}

/** The log that says why a service failed: Flink's log4j file, or the JVM's stdout for the Beam services. */
function failureLog(o: FlinkStackOptions, name: ServiceName): string {
  const out = stdoutFile(o, name);
  return out === logFile(o, name) ? out : `${logFile(o, name)} (and ${out})`;
}

async function waitUntilReady(o: FlinkStackOptions, name: ServiceName, t0: number): Promise<void> {
  const deadline = t0 + o.startTimeoutMs;
  for (;;) {
    const own = ownPid(o, name);
    if (own === undefined || !("pid" in own)) {
      removeFile(pidFile(o, name));
      throw new StackError(`the ${name} exited during start-up; see ${failureLog(o, name)}`);
    }
    if (await isReady(o, name)) return;
    if (Date.now() > deadline) {
      throw new StackError(
        `the ${name} did not come up within ${Math.round(o.startTimeoutMs / 1000)} s (still running as pid ${own.pid}; ` +
          `npm run flink:down stops it); see ${failureLog(o, name)}`,
        true,
      );
    }
    await sleep(500);
  }
}
