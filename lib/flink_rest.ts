/**
 * The few calls to Flink's REST API (the JobManager's port, 8081 here) the runner and the stack need: cluster
 * overview, jobs, a job's root exception (accumulators.ts reads the metrics). Node's fetch; every call has a timeout.
 */

export interface ClusterOverview {
  readonly taskmanagers: number;
  readonly "slots-total": number;
  readonly "slots-available": number;
  readonly "jobs-running": number;
  readonly "flink-version": string;
}

export interface JobSummary {
  readonly jid: string;
  readonly name: string;
  readonly state: string;
  readonly "start-time": number;
}

export async function getJson<T>(url: string, timeoutMs = 5000): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** The cluster overview, or undefined when nothing (or not Flink) answers. */
export async function clusterOverview(restUrl: string, timeoutMs = 2000): Promise<ClusterOverview | undefined> {
  try {
    const o = await getJson<ClusterOverview>(`${restUrl}/overview`, timeoutMs);
    return typeof o.taskmanagers === "number" && typeof o["flink-version"] === "string" ? o : undefined;
  } catch {
    return undefined;
  }
}

export async function jobsOverview(restUrl: string): Promise<JobSummary[]> {
  return (await getJson<{ jobs: JobSummary[] }>(`${restUrl}/jobs/overview`)).jobs;
}

/** The newest Flink job with this name (the Beam job server names Flink jobs after the Beam jobName). */
export async function findJob(restUrl: string, name: string): Promise<JobSummary | undefined> {
  const jobs = (await jobsOverview(restUrl)).filter((j) => j.name === name);
  return jobs.sort((a, b) => b["start-time"] - a["start-time"])[0];
}

/**
 * The deepest cause of the job's root exception (Flink's own words), or undefined when it has none. Flink publishes
 * it a moment after the job has failed: waits up to `waitMs` for it.
 */
export async function rootCause(restUrl: string, jid: string, waitMs = 10_000): Promise<string | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const e = await getJson<{ "root-exception"?: string | null }>(`${restUrl}/jobs/${jid}/exceptions`);
    const text = e["root-exception"];
    if (text) return deepestCause(text);
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * A Java stack trace's deepest "Caused by:" line (or its first line), without the exception's package: what
 * actually went wrong, in one line.
 */
export function deepestCause(trace: string): string {
  const lines = trace.split("\n").map((l) => l.trim());
  const causes = lines.filter((l) => l.startsWith("Caused by: ")).map((l) => l.slice("Caused by: ".length));
  const line = causes.length > 0 ? causes[causes.length - 1] : lines[0];
  return line.replace(/^(?:[a-z_$][\w$]*\.)+([A-Z][\w$]*)/, "$1");
}
