import * as path from "path";
import { REPO_ROOT } from "../stack/options";

/** Where the local Flink stack listens and keeps its files. */
export interface FlinkStackOptions {
  readonly host: string;
  /** The JobManager's REST API and web UI. */
  readonly restPort: number;
  /** The Beam job server's job endpoint (what `--job-endpoint` points at). */
  readonly jobPort: number;
  readonly artifactPort: number;
  /** The job server's own (Java) expansion port. */
  readonly jobServerExpansionPort: number;
  /** The standalone Java expansion service (EMBEDDED environment, Kafka IO on its classpath). */
  readonly expansionPort: number;
  /** conf/, logs/, tmp/, artifacts/, pid files. */
  readonly stateDir: string;
  /** Where Maven copies the jars: one folder per classpath. */
  readonly libDir: string;
  readonly startTimeoutMs: number;
  /** Task slots of the one TaskManager (the highest parallelism a job can get). */
  readonly slots: number;
}

export const FLINK_INFRA_DIR = path.join(REPO_ROOT, "infra", "flink");

/**
 * Defaults, overridable by environment (FLINK_STACK_DIR, FLINK_LIB_DIR, FLINK_START_TIMEOUT_MS, and the ports
 * FLINK_REST_PORT, FLINK_JOB_PORT, FLINK_ARTIFACT_PORT, FLINK_JOB_SERVER_EXPANSION_PORT, FLINK_EXPANSION_PORT: a
 * second stack on one machine) and overrides.
 */
export function flinkStackOptions(
  overrides: Partial<FlinkStackOptions> = {},
  env: NodeJS.ProcessEnv = process.env,
): FlinkStackOptions {
  return Object.freeze({
    host: "127.0.0.1",
    restPort: envPort(env, "FLINK_REST_PORT", 8081),
    jobPort: envPort(env, "FLINK_JOB_PORT", 8099),
    artifactPort: envPort(env, "FLINK_ARTIFACT_PORT", 8098),
    jobServerExpansionPort: envPort(env, "FLINK_JOB_SERVER_EXPANSION_PORT", 8097),
    expansionPort: envPort(env, "FLINK_EXPANSION_PORT", 8096),
    slots: 4,
    stateDir: path.resolve(env.FLINK_STACK_DIR ?? path.join(REPO_ROOT, ".stack", "flink")),
    libDir: path.resolve(env.FLINK_LIB_DIR ?? path.join(FLINK_INFRA_DIR, "lib")),
    startTimeoutMs: Number(env.FLINK_START_TIMEOUT_MS ?? 180_000),
    ...overrides,
  });
}

/** A TCP port from the environment, or the default; anything but 1..65535 is a one-line error. */
function envPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name}=${raw} is not a TCP port: set it to a number from 1 to 65535, or unset it`);
  }
  return port;
}

/** The files of one Flink stack. */
export function flinkPaths(o: FlinkStackOptions) {
  return {
    confDir: path.join(o.stateDir, "conf"),
    logsDir: path.join(o.stateDir, "logs"),
    tmpDir: path.join(o.stateDir, "tmp"),
    uploadDir: path.join(o.stateDir, "upload"),
    artifactsDir: path.join(o.stateDir, "artifacts"),
    lockFile: path.join(o.stateDir, "flink.lock"),
    ownerFile: path.join(o.stateDir, "owner"),
  };
}

export function restUrl(o: FlinkStackOptions): string {
  return `http://${o.host}:${o.restPort}`;
}
