/**
 * The kill helper of the crash tests (exactly_once, restart_elsewhere): runs the main job from scratch into a
 * target, SIGKILLs it (its process) at random points of its progress and restarts it after each kill, then lets
 * the last run finish.
 */
import { startMainJob } from "./job_processes";
import { query } from "./postgres_test_helpers";
import { TABLES } from "../../sales/postgres_tables";
import { runToEnd, type RunTarget } from "./same_tables";

export async function deadLettersWritten(schema: string): Promise<number> {
  try {
    const rows = await query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".${TABLES.deadLetters}`);
    return Number(rows[0].n);
  } catch {
    return 0; // the tables do not exist yet
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface KilledRuns {
  /** Where each kill landed: the dead letters written by then, or the time after the run's start line. */
  readonly kills: string[];
  readonly runs: number;
  /** The last run's stderr (it ran to the end). */
  readonly lastStderr: string;
}

/**
 * Runs the job with `args` into `target`, SIGKILLing it `kills` times and restarting it after each kill (after
 * `beforeRestart`, e.g. deleting the local state folder), then lets the last run finish. A point is a progress
 * goal, measured by the dead letters written so far (they grow as records are read): a uniform draw between 10 %
 * and 60 % of what is left to write. Once (almost) everything is written, the point is a random time instead,
 * 0.2–1.5 s after the job's start line (it is then still firing, writing and committing the end of its input).
 */
export async function runWithKills(
  args: readonly string[],
  target: RunTarget,
  deadLetters: number,
  kills: number,
  beforeRestart: () => void = () => undefined,
): Promise<KilledRuns> {
  const landed: string[] = [];
  let runs = 0;
  while (landed.length < kills) {
    const already = await deadLettersWritten(target.schema);
    const left = deadLetters - already;
    const byProgress = left > deadLetters * 0.05;
    const goal = already + Math.max(1, Math.floor(left * (0.1 + 0.5 * Math.random())));
    const delayMs = 200 + Math.floor(1300 * Math.random());
    if (runs > 0) beforeRestart();
    const job = startMainJob(args);
    runs += 1;
    let finished: number | null | undefined;
    void job.exited.then((code) => (finished = code));
    await Promise.race([job.started, job.exited]);
    if (byProgress) {
      while (finished === undefined && (await deadLettersWritten(target.schema)) < goal) await sleep(20);
    } else {
      await sleep(delayMs);
    }
    if (finished !== undefined) {
      if (finished !== 0) throw new Error(`the job exited with ${String(finished)}:\n${job.stderr()}`);
      // It reached the end before the point (a time point on a short remainder): draw again, within limits.
      if (runs >= 3 * kills) throw new Error(`only ${landed.length} kills landed in ${runs} runs`);
      continue;
    }
    job.child.kill("SIGKILL");
    await job.exited;
    landed.push(byProgress ? `${await deadLettersWritten(target.schema)} dead letters` : `${delayMs} ms after start`);
  }
  beforeRestart();
  const lastStderr = await runToEnd(args);
  runs += 1;
  return { kills: landed, runs, lastStderr };
}
