/**
 * The Flink end-to-end tests' harness: the local Flink stack (started with `npm run flink:up` when it is not up;
 * its ports from FLINK_* like the stack itself, so a second stack on other ports works), the producer and the
 * sales pipeline as child processes (exactly what a user runs), and the PostgreSQL rows to compare.
 */
import { spawn, spawnSync } from "child_process";
import * as path from "path";
import { flinkPaths, flinkStackOptions } from "../../../infra/flink/options";
import { flinkDown, flinkStatus, flinkUp } from "../../../infra/flink/services";
import { withLock } from "../../../infra/stack/lock";
import { query } from "../postgres_test_helpers";
import { PG_URL } from "../postgres_test_helpers";

export const ROOT = path.join(__dirname, "..", "..", "..");
export const STACK = flinkStackOptions();

/**
 * Starts the Flink stack unless it is up (as test/flink/flink.test.ts does: owner "auto", under the stack's lock);
 * returns whether this call started it, for stopFlinkStackIfStarted.
 */
export async function ensureFlinkStack(): Promise<boolean> {
  const up = await withLock(flinkPaths(STACK).lockFile, () => flinkUp(STACK, "auto", () => undefined), 300_000);
  return up.started.length > 0;
}

/** Stops the stack only when `started` says this file started it (a stack started with flink:up stays). */
export async function stopFlinkStackIfStarted(started: boolean): Promise<void> {
  if (started && (await flinkStatus(STACK)).owner === "auto") await withLock(flinkPaths(STACK).lockFile, () => flinkDown(STACK));
}

export interface ProcessOutput {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Runs `node -r ./tools/register.js <script> args…` in the project, resolving when it exits. */
export function runScript(script: string, args: readonly string[], timeoutMs: number, onStart?: (pid: number) => void): Promise<ProcessOutput> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("node", ["-r", "./tools/register.js", script, ...args], {
      cwd: ROOT,
      env: { ...process.env, PGURL: PG_URL },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} ${args.join(" ")} did not end in ${timeoutMs / 1000} s; stderr: ${stderr.slice(-800)}`));
    }, timeoutMs);
    if (child.pid !== undefined) onStart?.(child.pid);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

/** The flags that point the pipeline at this stack. */
export function flinkFlags(): string[] {
  return [
    "--runner=flink",
    "--job-endpoint",
    `${STACK.host}:${STACK.jobPort}`,
    "--flink-master",
    `${STACK.host}:${STACK.restPort}`,
    "--expansion-service",
    `${STACK.host}:${STACK.expansionPort}`,
    "--savepoint-dir",
    path.join(STACK.stateDir, "savepoints"),
  ];
}

/** Produces the deterministic input (seeded: out-of-order, late and malformed records); returns the summary text. */
export async function produceInput(topic: string, args: readonly string[]): Promise<string> {
  const r = await runScript("pipelines/produce.ts", ["--topic", topic, ...args], 120_000);
  if (r.code !== 0) throw new Error(`produce failed: ${r.stderr}`);
  return r.stdout;
}

export interface FinalRow {
  readonly key_kind: string;
  readonly key: string;
  readonly window_start: string;
  readonly window_end: string;
  readonly sum: string;
  readonly count: string;
  readonly avg: string;
  readonly final: boolean;
}

/** Every result row of a schema, ordered (what the dashboard reads). */
export async function resultRows(schema: string): Promise<FinalRow[]> {
  return query<FinalRow>(
    `SELECT key_kind, key, window_start::text, window_end::text, sum::text, count::text, avg::text, final
       FROM "${schema}".sales_window_results ORDER BY key_kind, key, window_start, window_end`,
  );
}

/**
 * Dead letters with where they are in Kafka: `topic/partition@offset reason | raw` (KafkaReadWithPositions gives
 * Flink the real partition and offset: docs/runners.md).
 */
export async function deadLetterCoordinates(schema: string): Promise<string[]> {
  const rows = await query<{ topic: string; partition: number; offset: string; reason: string; raw: string | null }>(
    `SELECT topic, partition, "offset"::text AS offset, reason, encode(raw, 'base64') AS raw FROM "${schema}".sales_dead_letters`,
  );
  return rows.map((r) => `${r.topic}/${r.partition}@${r.offset} ${r.reason} | ${r.raw ?? ""}`).sort();
}

/** Dead letters by content (reason and raw bytes). */
export async function deadLetterContents(schema: string): Promise<string[]> {
  const rows = await query<{ reason: string; raw: string | null }>(
    `SELECT reason, encode(raw, 'base64') AS raw FROM "${schema}".sales_dead_letters`,
  );
  return rows.map((r) => `${r.reason} | ${r.raw ?? ""}`).sort();
}

export async function countRows(schema: string, table: string): Promise<number> {
  return Number((await query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".${table}`))[0].n);
}
