/**
 * An EXTERNAL worker pool for the Flink runner: `npm run flink:workers -- --port 5555 [--host 0.0.0.0]
 * [--require ./my/module.ts …] [--verbose]`. Run it from this project's checkout on the TaskManagers' hosts and submit with
 * `--worker-pool host:5555`; the TaskManagers then start each TypeScript SDK worker in this process. The serialized
 * DoFns need the modules that registered builtins with requireForSerialization (the sales pipeline's are loaded
 * here; `--require` adds others). Ctrl-C stops.
 *
 * `--processes`: one Node process per SDK worker the TaskManagers ask for (runners/flink/worker_processes.ts), so
 * the parallel subtasks' TypeScript steps use several cores; submit with parallelism N, the runner asks Flink for N
 * SDK workers per TaskManager (sdkWorkerParallelism). Without it, every worker runs in this one process.
 */
import "apache-beam";
import * as path from "path";
import { ExternalWorkerPool } from "apache-beam/worker/external_worker_service";
// The sales pipeline's modules, for their requireForSerialization registrations (process, Buffer, the sinks'
// writers, the sales tables and Parquet datasets the sink DoFns reference).
import "../transforms";
import "../sales/console_lines";
import "../sales/postgres_sinks";
import "../sales/parquet_sinks";
import "./sales_aggregation";
import { quietSdk } from "../sdk_workarounds/quiet_sdk";
import { WorkerProcessPool } from "../runners";
// Our worker-side operators (awaited sinks, lifted combines, control-stream errors), as in the submitting process.
import "../sdk_workarounds/awaiting_pardo_operator";
import "../sdk_workarounds/precombine_operator";
import "../sdk_workarounds/worker_control_errors";

function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  return argv[i].includes("=") ? argv[i].slice(name.length + 1) : argv[i + 1];
}

async function main(argv: readonly string[]): Promise<void> {
  const port = Number(option(argv, "--port") ?? "5555");
  const host = option(argv, "--host") ?? "127.0.0.1";
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`--port must be a TCP port, got "${String(option(argv, "--port"))}"`);
  argv.forEach((arg, i) => {
    if (arg === "--require" && argv[i + 1] !== undefined) require(path.resolve(argv[i + 1]));
  });
  if (!argv.includes("--verbose")) quietSdk();
  if (argv.includes("--processes")) {
    const processes = new WorkerProcessPool();
    const address = await processes.start(host, port);
    process.stderr.write(`flink:workers: TypeScript worker pool on ${address}, one process per worker; submit with --worker-pool <this host>:${port}\n`);
    const stopAll = () => {
      processes.stop();
      process.exit(0);
    };
    process.once("SIGINT", stopAll);
    process.once("SIGTERM", stopAll);
    return;
  }
  const pool = new ExternalWorkerPool(`${host}:${port}`);
  const address = await pool.start();
  process.stderr.write(`flink:workers: TypeScript worker pool on ${host}:${port} (${address}); submit with --worker-pool <this host>:${port}\n`);
  const stop = () => {
    void pool.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`flink:workers: error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
