/**
 * The jobs of one consumer group on a Flink cluster, one after another: what a new run of the sales job does about
 * the ones before it.
 *
 * The TypeScript steps of a job run in LOOPBACK workers inside the process that submitted it, so a job whose
 * submitter was killed (SIGKILL, a crash, a closed laptop) cannot go on: Flink restarts it until its attempts run
 * out, and it FAILS. Its open windows are in its last retained checkpoint (checkpoints are kept on failure and
 * cancellation), not in Kafka's committed offsets: a new job started from those offsets would miss the earlier
 * records of every window that was open. So a new run of the same group:
 *
 *   - refuses to start while a job of the group runs whose submitter may be alive (two jobs would both read every
 *     partition: KafkaIO assigns partitions itself, not through the group);
 *   - cancels a job of the group whose submitter is known dead (same host, its process gone), which Flink would
 *     otherwise keep restarting for a while;
 *   - resumes from the last retained checkpoint of the group's newest job when that job failed (or was cancelled
 *     here because its submitter was dead), and says so in one line. A job stopped on purpose (Ctrl-C: a savepoint
 *     whose path was printed; --stop-when-idle: drained) is not resumed: the next run starts from the committed
 *     offsets, as before. `--restore-from <path>` and `--restore-from none` decide instead.
 *
 * A job's group, host and submitting process are in its name (jobNameFor). Flink forgets finished jobs when its
 * JobManager restarts: then there is nothing to resume from and the run starts from the committed offsets.
 */
import { createHash } from "crypto";
import * as os from "os";
import { cancelFlinkJob, checkpointCounts, waitForTerminal } from "./job_control";
import { jobsOverview, type JobSummary } from "../../lib/flink_rest";

const TERMINAL = new Set(["FINISHED", "CANCELED", "FAILED"]);

/** The name prefix of every job of `groupId` (its hash keeps groups apart whatever characters they hold). */
function groupPrefix(groupId: string): string {
  const readable = groupId.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 60);
  const hash = createHash("sha256").update(groupId).digest("hex").slice(0, 8);
  return `beam-ts-sales-${readable}-${hash}-`;
}

/**
 * The Flink job name of a new run of the sales job for `groupId`, submitted by this process. `loopback`: the job's
 * TypeScript steps run in this process (its pid is recorded); with an EXTERNAL worker pool the job outlives this
 * process, and pid 0 says so (such a job is never taken for dead).
 */
export function jobNameFor(groupId: string, o: { loopback: boolean; now?: number; pid?: number; host?: string }): string {
  const pid = o.loopback ? (o.pid ?? process.pid) : 0;
  return `${groupPrefix(groupId)}p${pid}-t${o.now ?? Date.now()}-${o.host ?? os.hostname()}`;
}

/** The process that submitted a job, as its name records it (pid 0: a job whose steps run in a worker pool). */
export interface Submitter {
  readonly pid: number;
  readonly startedAt: number;
  readonly host: string;
}

/** The submitting process a job name records (undefined for a name jobNameFor did not make). */
export function submitterOf(name: string, groupId: string): Submitter | undefined {
  const prefix = groupPrefix(groupId);
  if (!name.startsWith(prefix)) return undefined;
  const m = /^p(\d+)-t(\d+)-(.+)$/.exec(name.slice(prefix.length));
  return m === null ? undefined : { pid: Number(m[1]), startedAt: Number(m[2]), host: m[3] };
}

/** Whether the process that submitted a job is certainly gone: it ran on this host and no such process exists. */
function submitterDead(submitter: Submitter): boolean {
  if (submitter.pid === 0 || submitter.host !== os.hostname()) return false;
  try {
    process.kill(submitter.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** What a new run starts from. */
export type StartPoint =
  | { readonly kind: "fresh" }
  | { readonly kind: "restore"; readonly path: string; readonly reason: string };

/**
 * Looks at the group's earlier jobs (see the header): throws a one-line error when one may still be running,
 * cancels those whose submitter is dead, and returns where the new run starts: `restoreFrom` as given (a path, or
 * "none"), else the newest job's last checkpoint if it failed.
 */
export async function startPointFor(
  restUrl: string,
  groupId: string,
  restoreFrom: string | null,
  log: (line: string) => void,
): Promise<StartPoint> {
  const overview = await jobsOverview(restUrl).catch((e: unknown) => {
    throw new Error(
      `Flink's REST API does not answer at ${restUrl} (${e instanceof Error ? e.message : String(e)}): start the local ` +
        "Flink stack with `npm run flink:up` (or point --flink-master at a running cluster)",
    );
  });
  // The group's jobs, newest first, each with the process that submitted it.
  const jobs = overview
    .map((job) => ({ job, submitter: submitterOf(job.name, groupId) }))
    .filter((j): j is { job: JobSummary; submitter: Submitter } => j.submitter !== undefined)
    .sort((a, b) => b.job["start-time"] - a.job["start-time"]);
  const endedHere = new Set<string>();
  for (const { job, submitter } of jobs.filter((j) => !TERMINAL.has(j.job.state))) {
    if (!submitterDead(submitter)) {
      throw new Error(
        `the Flink job ${job.jid} of consumer group ${groupId} is ${job.state} on ${restUrl} (submitted ` +
          `${submitter.pid === 0 ? "with a worker pool" : `by process ${submitter.pid}`} on ${submitter.host}): one job per group ` +
          `(two would both read every partition); stop it (Ctrl-C where it runs, or cancel it in Flink's web UI) or pass another --group-id`,
      );
    }
    log(`flink: cancelling the job ${job.jid} of group ${groupId}: its submitting process ${submitter.pid} is gone (it ran its TypeScript steps)`);
    await cancelFlinkJob(restUrl, job.jid);
    await waitForTerminal(restUrl, job.jid, 60_000);
    endedHere.add(job.jid);
  }
  if (restoreFrom === "none") return { kind: "fresh" };
  if (restoreFrom !== null) return { kind: "restore", path: restoreFrom, reason: "--restore-from" };
  const newest: JobSummary | undefined = jobs[0]?.job;
  if (newest === undefined) return { kind: "fresh" };
  const orphaned = endedHere.has(newest.jid);
  if (newest.state !== "FAILED" && !orphaned) return { kind: "fresh" };
  const state = orphaned ? "cancelled here (its submitter was gone)" : newest.state;
  const path = (await checkpointCounts(restUrl, newest.jid)).latestPath;
  if (path === undefined) {
    log(`flink: the group's last job ${newest.jid} ended ${state} without a completed checkpoint: starting from the committed offsets`);
    return { kind: "fresh" };
  }
  return {
    kind: "restore",
    path,
    reason: `the group's last job ${newest.jid} ended ${state}; its open windows continue (--restore-from none starts from the committed offsets instead)`,
  };
}
