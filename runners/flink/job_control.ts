/**
 * Stopping and inspecting a running Flink job through the JobManager's REST API: cancel, stop with a savepoint
 * (optionally draining: Flink sends the maximum watermark first, so every window fires its final pane), and the
 * checkpoint counts. Cancelling the Beam job invocation at the job server does not stop the Flink job (measured:
 * it stays RUNNING), so the runner cancels through here too.
 */
import { getJson } from "../../lib/flink_rest";

async function send(method: "PATCH" | "POST", url: string, body?: unknown, timeoutMs = 10_000): Promise<unknown> {
  const response = await fetch(url, {
    method,
    signal: AbortSignal.timeout(timeoutMs),
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${url} answered HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
  const text = await response.text();
  return text === "" ? {} : (JSON.parse(text) as unknown);
}

export async function cancelFlinkJob(restUrl: string, jid: string): Promise<void> {
  await send("PATCH", `${restUrl}/jobs/${jid}?mode=cancel`);
}

export async function flinkJobState(restUrl: string, jid: string): Promise<string> {
  return (await getJson<{ state: string }>(`${restUrl}/jobs/${jid}`)).state;
}

/** Waits until the job is in a terminal state (FINISHED, CANCELED, FAILED) and returns it. */
export async function waitForTerminal(restUrl: string, jid: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await flinkJobState(restUrl, jid);
    if (state === "FINISHED" || state === "CANCELED" || state === "FAILED") return state;
    if (Date.now() > deadline) throw new Error(`the Flink job ${jid} is still ${state} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface SavepointStatus {
  readonly status: { readonly id: "IN_PROGRESS" | "COMPLETED" };
  readonly operation?: { readonly location?: string; readonly "failure-cause"?: { readonly "stack-trace"?: string } };
}

/**
 * Stops the job with a savepoint in `targetDirectory` (`drain`: emit the maximum watermark first, so all windows
 * close). Resolves with the savepoint's path once Flink wrote it; the job then finishes. Without drain this is no
 * pause on Beam 2.49: after the savepoint, Beam's UnboundedSourceWrapper ends by emitting the maximum watermark,
 * so every open window fires as if the input had ended (measured; `FlinkPipelineResult.suspend` avoids it).
 */
export async function stopWithSavepoint(
  restUrl: string,
  jid: string,
  targetDirectory: string,
  drain: boolean,
  timeoutMs = 120_000,
): Promise<string> {
  const trigger = (await send("POST", `${restUrl}/jobs/${jid}/stop`, { drain, targetDirectory })) as { "request-id": string };
  return savepointLocation(restUrl, jid, trigger["request-id"], timeoutMs);
}

/** Takes a savepoint in `targetDirectory` while the job keeps running; resolves with its path once written. */
export async function triggerSavepoint(restUrl: string, jid: string, targetDirectory: string, timeoutMs = 120_000): Promise<string> {
  const trigger = (await send("POST", `${restUrl}/jobs/${jid}/savepoints`, {
    "target-directory": targetDirectory,
    "cancel-job": false,
  })) as { "request-id": string };
  return savepointLocation(restUrl, jid, trigger["request-id"], timeoutMs);
}

async function savepointLocation(restUrl: string, jid: string, requestId: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await getJson<SavepointStatus>(`${restUrl}/jobs/${jid}/savepoints/${requestId}`);
    if (s.status.id === "COMPLETED") {
      if (s.operation?.location !== undefined) return s.operation.location;
      const cause = (s.operation?.["failure-cause"]?.["stack-trace"] ?? "no cause given").split("\n")[0];
      throw new Error(`Flink could not take a savepoint of the job ${jid}: ${cause}`);
    }
    if (Date.now() > deadline) throw new Error(`the savepoint of the Flink job ${jid} did not complete in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface CheckpointCounts {
  readonly completed: number;
  readonly failed: number;
  readonly restored: number;
  /** The newest completed checkpoint's path, if any. */
  readonly latestPath?: string;
  /** The savepoint or checkpoint the job last restored from (at its start with --restore-from, or after a failure). */
  readonly restoredFrom?: string;
}

export async function checkpointCounts(restUrl: string, jid: string): Promise<CheckpointCounts> {
  const c = await getJson<{
    counts: { completed: number; failed: number; restored: number };
    latest?: { completed?: { external_path?: string } | null; restored?: { external_path?: string } | null };
  }>(`${restUrl}/jobs/${jid}/checkpoints`);
  const latestPath = c.latest?.completed?.external_path;
  const restoredFrom = c.latest?.restored?.external_path;
  return {
    ...c.counts,
    ...(latestPath !== undefined ? { latestPath } : {}),
    ...(restoredFrom !== undefined ? { restoredFrom } : {}),
  };
}

interface VertexSummary {
  readonly id: string;
  readonly name: string;
  readonly metrics: { readonly "read-records": number; readonly "write-records": number };
}

/**
 * Records read plus written over all of the job's vertices (Flink's network counters): moves while data flows.
 * NaN while the job or one of its vertices is not RUNNING (restarting after a failure is not idleness).
 */
export async function recordsMoved(restUrl: string, jid: string): Promise<number> {
  const job = await getJson<{ state: string; vertices: Array<VertexSummary & { status: string }> }>(`${restUrl}/jobs/${jid}`);
  if (job.state !== "RUNNING" || job.vertices.some((v) => v.status !== "RUNNING")) return NaN;
  return job.vertices.reduce((n, v) => n + v.metrics["read-records"] + v.metrics["write-records"], 0);
}

/** Flink's Long.MAX_VALUE watermark, as its REST API prints it (≥ this: the end of input reached the vertex). */
const END_OF_INPUT_WATERMARK = 9_223_372_036_854_775_000;

/**
 * Whether every vertex fed by another one has an input watermark of at least `atLeast` (ms) on all its subtasks
 * (Flink's end-of-input watermark is more than any time).
 */
export async function allInputWatermarksPast(restUrl: string, jid: string, atLeast: number): Promise<boolean> {
  const job = await getJson<{ vertices: VertexSummary[] }>(`${restUrl}/jobs/${jid}`);
  for (const v of job.vertices) {
    const marks = await getJson<Array<{ id: string; value: string }>>(`${restUrl}/jobs/${jid}/vertices/${v.id}/watermarks`);
    for (const m of marks) {
      const value = Number(m.value);
      if (m.id.endsWith("currentInputWatermark") && value < END_OF_INPUT_WATERMARK && value < atLeast) return false;
    }
  }
  return true;
}

/** Resolves once `recordsMoved` has not changed for `quietMs` (polled every `pollMs`). */
export async function waitUntilQuiet(restUrl: string, jid: string, quietMs: number, pollMs = 500): Promise<number> {
  let last = await recordsMoved(restUrl, jid);
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, pollMs));
    const now = await recordsMoved(restUrl, jid);
    if (now !== last || Number.isNaN(now)) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return since;
    }
  }
}
