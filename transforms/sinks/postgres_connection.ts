/**
 * How the PostgreSQL sink reaches the server: the target (URL + schema), the URL with its password redacted (the
 * only form that ever appears in a log line, an error or a metric), the one pool per URL the process shares, and
 * which errors are worth a retry (the server is down, restarting or refusing connections for a while).
 */
import { Pool, type PoolClient } from "pg";
import { redactPgUrl } from "../../lib/redaction";

/** Where the sink writes. */
export interface PostgresTarget {
  /** postgres://user[:password]@host:port/database (never printed as is: see redactPgUrl). */
  readonly url: string;
  /** The schema holding the sink's tables (created if missing). */
  readonly schema: string;
}

/** The password of a URL, or undefined. */
function passwordOf(url: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === "" ? undefined : password;
  } catch {
    return undefined;
  }
}

/** A message with the URL's password (raw or percent-encoded) removed wherever it appears. */
export function scrubPassword(message: string, url: string): string {
  const password = passwordOf(url);
  let scrubbed = message.split(url).join(redactPgUrl(url));
  if (password !== undefined && password.length > 0) {
    scrubbed = scrubbed.split(password).join("***").split(encodeURIComponent(password)).join("***");
  }
  return scrubbed;
}

/** One line describing an error (its code when PostgreSQL gave one), with the password scrubbed. */
export function describePgError(error: unknown, url: string): string {
  const e = error as { message?: unknown; code?: unknown };
  const message = typeof e?.message === "string" && e.message !== "" ? e.message : String(error);
  const code = typeof e?.code === "string" ? ` [${e.code}]` : "";
  return scrubPassword(message.replace(/\s*\n\s*/g, " ") + code, url);
}

/**
 * Errors that a later attempt may not meet: the connection failed or broke, the server is starting or shutting
 * down, too many connections, a serialization failure or deadlock. Anything else (a SQL error, a constraint, bad
 * credentials) fails at once: retrying would not help.
 */
export function isTransientPgError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string") {
    if (/^(08|57P|53)/.test(code)) return true; // connection exception, operator intervention, resources
    if (code === "40001" || code === "40P01") return true;
    if (/^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/.test(code)) return true;
  }
  const message = (error as { message?: unknown })?.message;
  return (
    typeof message === "string" &&
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)|terminating connection/i.test(
      message,
    )
  );
}

const pools = new Map<string, Pool>();

/** The process's pool for `url` (a few connections; idle ones closed so a finished process exits). */
export function poolFor(url: string): Pool {
  let pool = pools.get(url);
  if (!pool) {
    pool = new Pool({
      connectionString: url,
      max: 4,
      idleTimeoutMillis: 5_000,
      connectionTimeoutMillis: 5_000,
      allowExitOnIdle: true,
    });
    // A pooled idle client whose server went away emits "error": the next checkout reconnects. Never crash on it.
    pool.on("error", () => undefined);
    pools.set(url, pool);
  }
  return pool;
}

/** Closes every pool (end of a run, or between tests). */
export async function closePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.allSettled(all.map((p) => p.end()));
}

/** Runs `work` in a transaction on a pooled connection; a broken connection is discarded, not returned. */
export async function inTransaction<T>(url: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await poolFor(url).connect();
  let broken: unknown;
  // A server that goes away while the client is checked out (e.g. "terminating connection due to administrator
  // command" between two statements) makes the client emit "error": without a listener that would crash the
  // process. The statement in progress (or the next one) fails with it, and is retried.
  const ignore = (): void => undefined;
  client.on("error", ignore);
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    broken = error;
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.removeListener("error", ignore);
    client.release(broken !== undefined && isTransientPgError(broken) ? true : undefined);
  }
}

/** Quotes an SQL identifier ("my schema" → "\"my schema\""). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
