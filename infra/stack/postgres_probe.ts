import { Client } from "pg";

export type PostgresProbe = { readonly ok: true; readonly version: string } | { readonly ok: false; readonly reason: string };

/** Connects to PostgreSQL and asks its version; reports, never throws. The stack does not start PostgreSQL. */
export async function probePostgres(url: string, timeoutMs = 2000): Promise<PostgresProbe> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    const r = await client.query<{ server_version: string }>("SHOW server_version");
    return { ok: true, version: r.rows[0]?.server_version ?? "unknown" };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  } finally {
    await client.end().catch(() => undefined);
  }
}
