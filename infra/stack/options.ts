import * as path from "path";

/** Where the local Kafka broker listens and keeps its files. One value per broker instance. */
export interface StackOptions {
  readonly host: string;
  readonly kafkaPort: number;
  readonly controllerPort: number;
  /** Holds data/, logs/, server.properties, log4j.properties and the pid file of this broker. */
  readonly stateDir: string;
  /** The JVM heap, e.g. "512m". */
  readonly heap: string;
  /** How long `up` waits for the broker to answer a metadata request. */
  readonly startTimeoutMs: number;
  /** PostgreSQL URL: used when it answers, otherwise a server is started on its (local) port. */
  readonly pgUrl: string;
  /** Data and log of the PostgreSQL the stack starts itself (default .stack/postgres). */
  readonly pgStateDir: string;
  /** Where Maven copies the broker's jars (default infra/lib). */
  readonly libDir: string;
}

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const INFRA_DIR = path.join(REPO_ROOT, "infra");
export const LIB_DIR = path.join(INFRA_DIR, "lib");
export const DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/test";

/**
 * Defaults, overridable by environment (STACK_KAFKA_PORT, STACK_CONTROLLER_PORT, STACK_DIR, STACK_KAFKA_HEAP,
 * STACK_START_TIMEOUT_MS, STACK_LIB_DIR, PGURL, STACK_PG_DIR) and then by explicit overrides (the CLI's flags).
 */
export function stackOptions(
  overrides: Partial<StackOptions> = {},
  env: NodeJS.ProcessEnv = process.env,
): StackOptions {
  const kafkaPort = overrides.kafkaPort ?? intFromEnv(env, "STACK_KAFKA_PORT", 9092);
  return Object.freeze({
    host: overrides.host ?? "127.0.0.1",
    kafkaPort,
    controllerPort: overrides.controllerPort ?? intFromEnv(env, "STACK_CONTROLLER_PORT", kafkaPort + 1),
    stateDir: path.resolve(overrides.stateDir ?? env.STACK_DIR ?? path.join(REPO_ROOT, ".stack", "kafka")),
    heap: overrides.heap ?? env.STACK_KAFKA_HEAP ?? "512m",
    startTimeoutMs: overrides.startTimeoutMs ?? intFromEnv(env, "STACK_START_TIMEOUT_MS", 90_000),
    pgUrl: overrides.pgUrl ?? env.PGURL ?? DEFAULT_PG_URL,
    pgStateDir: path.resolve(overrides.pgStateDir ?? env.STACK_PG_DIR ?? path.join(REPO_ROOT, ".stack", "postgres")),
    libDir: path.resolve(overrides.libDir ?? env.STACK_LIB_DIR ?? LIB_DIR),
  });
}

export function bootstrapServer(o: StackOptions): string {
  return `${o.host}:${o.kafkaPort}`;
}

/** The files of one broker instance. */
export function stackPaths(o: StackOptions) {
  return {
    dataDir: path.join(o.stateDir, "data"),
    logsDir: path.join(o.stateDir, "logs"),
    serverLog: path.join(o.stateDir, "logs", "server.log"),
    stdoutLog: path.join(o.stateDir, "logs", "stdout.log"),
    serverProperties: path.join(o.stateDir, "server.properties"),
    log4jProperties: path.join(o.stateDir, "log4j.properties"),
    pidFile: path.join(o.stateDir, "kafka.pid"),
    lockFile: path.join(o.stateDir, "stack.lock"),
    ownerFile: path.join(o.stateDir, "owner"),
    leasesDir: path.join(o.stateDir, "leases"),
  };
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}
