/**
 * One Node process per SDK worker: a BeamFnExternalWorkerPool service in this process that, for every StartWorker
 * the TaskManagers send, forks runners/flink/worker_process.ts (the TypeScript SDK worker, connected to the
 * runner's control endpoint) and stops it on StopWorker. With the job's sdkWorkerParallelism at the parallelism,
 * Flink asks for one worker per parallel subtask slot, so the TypeScript steps of the subtasks run in separate
 * processes, i.e. on separate cores (LOOPBACK runs them all in the submitting process's one thread).
 *
 * The children load the modules that registered with requireForSerialization in this process (the serialized
 * DoFns refer to them), and relay their messages (process.send, e.g. a benchmark's counts) to `onMessage`.
 * Children exit when this process does (their IPC channel closes).
 */
import { fork, type ChildProcess } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { getRegisteredModules } from "apache-beam/serialization";
import type { StartWorkerRequest, StartWorkerResponse, StopWorkerRequest, StopWorkerResponse } from "apache-beam/proto/beam_fn_api";
import { beamFnExternalWorkerPoolDefinition, type IBeamFnExternalWorkerPool } from "apache-beam/proto/beam_fn_api.grpc-server";

/** What a worker process sends to its pool (worker_process.ts). */
export interface WorkerProcessMessage {
  readonly workerId: string;
  readonly message: unknown;
}

export const WORKER_PROCESS_SCRIPT = path.join(__dirname, "worker_process.ts");
/** TypeScript in the children through the project's compiler hook, wherever this process was started from. */
const REGISTER = path.join(__dirname, "..", "..", "tools", "register.js");

export class WorkerProcessPool {
  private server: grpc.Server | undefined;
  private readonly children = new Map<string, ChildProcess>();
  private started = 0;

  constructor(
    private readonly onMessage: (m: WorkerProcessMessage) => void = () => {},
    private readonly modules: () => readonly string[] = getRegisteredModules,
  ) {}

  /** Worker processes started so far (a restarted job asks again). */
  get workersStarted(): number {
    return this.started;
  }

  /** The pids of the running worker processes. */
  pids(): number[] {
    return [...this.children.values()].map((c) => c.pid).filter((p): p is number => p !== undefined);
  }

  /** Listens on host:port (0: chosen by the system); resolves with host:port for the EXTERNAL environment. */
  async start(host = "127.0.0.1", port = 0): Promise<string> {
    const server = new grpc.Server();
    const service: IBeamFnExternalWorkerPool = {
      startWorker: (call: grpc.ServerUnaryCall<StartWorkerRequest, StartWorkerResponse>, callback: grpc.sendUnaryData<StartWorkerResponse>) => {
        const error = this.startWorker(call.request);
        callback(null, { error });
      },
      stopWorker: (call: grpc.ServerUnaryCall<StopWorkerRequest, StopWorkerResponse>, callback: grpc.sendUnaryData<StopWorkerResponse>) => {
        this.stopWorker(call.request.workerId);
        callback(null, { error: "" });
      },
    };
    server.addService(beamFnExternalWorkerPoolDefinition, service);
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.server = server;
    return `${host}:${bound}`;
  }

  /** Stops every worker process and the service. */
  stop(): void {
    for (const id of [...this.children.keys()]) this.stopWorker(id);
    this.server?.forceShutdown();
    this.server = undefined;
  }

  private startWorker(request: StartWorkerRequest): string {
    const controlUrl = request.controlEndpoint?.url;
    if (controlUrl === undefined || controlUrl === "") return "StartWorker without a control endpoint";
    const child = fork(WORKER_PROCESS_SCRIPT, [], {
      env: {
        ...process.env,
        BEAM_TS_WORKER_ID: request.workerId,
        BEAM_TS_CONTROL_URL: controlUrl,
        BEAM_TS_WORKER_MODULES: JSON.stringify(this.modules()),
      },
      execArgv: ["-r", REGISTER],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.started++;
    this.children.set(request.workerId, child);
    child.on("message", (message: unknown) => this.onMessage({ workerId: request.workerId, message }));
    child.on("exit", () => {
      if (this.children.get(request.workerId) === child) this.children.delete(request.workerId);
    });
    return "";
  }

  private stopWorker(workerId: string): void {
    const child = this.children.get(workerId);
    this.children.delete(workerId);
    if (child !== undefined && child.exitCode === null) child.kill("SIGTERM");
  }
}
