/**
 * A TypeScript SDK worker in its own process, forked by WorkerProcessPool (worker_processes.ts) with
 * BEAM_TS_WORKER_ID, BEAM_TS_CONTROL_URL and BEAM_TS_WORKER_MODULES (the modules the submitting process registered
 * with requireForSerialization, loaded here before any DoFn is deserialized). Exits when its pool's process goes.
 */
import "apache-beam";
import { Worker } from "apache-beam/worker/worker";
import { quietSdk } from "../../sdk_workarounds/quiet_sdk";
// Our operators, registered with the SDK worker's operator table (as the runner's process has them).
import "../../sdk_workarounds/awaiting_pardo_operator";
import "../../sdk_workarounds/precombine_operator";
import "../../sdk_workarounds/worker_control_errors";
// The modules that register Node builtins for serialization under the builtin's name ("process", "buffer"):
// requiring that name here would not register them.
import "../../sales/parse_sales_events";
import "../../sales/console_lines";

/** True in a worker process forked by WorkerProcessPool: process.send reaches the pool's onMessage. */
export function inWorkerProcess(): boolean {
  return process.env.BEAM_TS_WORKER_ID !== undefined && typeof process.send === "function";
}

async function main(): Promise<void> {
  const id = process.env.BEAM_TS_WORKER_ID ?? "";
  const controlUrl = process.env.BEAM_TS_CONTROL_URL ?? "";
  const modules = JSON.parse(process.env.BEAM_TS_WORKER_MODULES ?? "[]") as string[];
  for (const m of modules) require(m);
  if (process.env.BEAM_TS_VERBOSE_SDK === undefined) quietSdk();
  process.once("disconnect", () => process.exit(0));
  // Belt and braces: a pool process killed with SIGKILL leaves this one with another parent.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && process.exit(0), 1000).unref();
  process.once("SIGTERM", () => process.exit(0));
  const worker = new Worker(id, { controlUrl }, {});
  await worker.wait();
}

if (require.main === module) {
  main()
    .then(() => process.exit(0))
    .catch((e: unknown) => {
      process.stderr.write(`flink worker process ${process.env.BEAM_TS_WORKER_ID ?? "?"}: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    });
}
