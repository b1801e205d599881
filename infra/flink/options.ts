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

/** Defaults, overridable by environment (FLINK_STACK_DIR, FLINK_LIB_DIR, FLINK_START_TIMEOUT_MS) and overrides. */
export function flinkStackOptions(
  overrides: Partial<FlinkStackOptions> = {},
  env: NodeJS.ProcessEnv = process.env,
): FlinkStackOptions {
  return Object.freeze({
    host: "127.0.0.1",
    restPort: 8081,
    jobPort: 8099,
    artifactPort: 8098,
    jobServerExpansionPort: 8097,
    expansionPort: 8096,
    slots: 4,
    stateDir: path.resolve(env.FLINK_STACK_DIR ?? path.join(REPO_ROOT, ".stack", "flink")),
    libDir: path.resolve(env.FLINK_LIB_DIR ?? path.join(FLINK_INFRA_DIR, "lib")),
    startTimeoutMs: Number(env.FLINK_START_TIMEOUT_MS ?? 180_000),
    ...overrides,
  });
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
