/**
 * Runs of the main job SIGKILLed at random points and restarted (the exactly-once and live-topic tests): the job's
 * whole process group is killed, as a crash of its machine would, and restarted each time; the last run goes to the end.
 */
import { query } from "./postgres_test_helpers";
import { TABLES } from "../../sales/postgres_tables";
import { startMainJob } from "./job_processes";
import { runToEnd } from "./same_tables";

/** Dead letters written so far into `schema` (0 before its tables exist). */
export async function deadLettersWritten(schema: string): Promise<number> {
  try {
    const rows = await query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".${TABLES.deadLetters}`);
    return Number(rows[0].n);
  } catch {
    return 0; // the tables do not exist yet
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface KillPlan {
  /** How many kills. */
  readonly kills: number;
  /** The arguments of a run that is killed (it may stop by itself at the end of its input: it is started again). */
  readonly killedArgs: readonly string[];
  /** The arguments of the last run, which goes to the end. */
  readonly finalArgs: readonly string[];
  /** The schema the runs write to: their progress is its dead letters. */
  readonly schema: string;
  /** The dead letters the input holds in all. */
  readonly deadLetters: number;
  /** Awaited before the last run starts (a producer still writing). */
  readonly beforeLast?: Promise<unknown>;
  /** Called before every restart (e.g. deleting the local state folder: a restart on another machine). */
  readonly beforeRestart?: () => void;
  /** A condition a kill waits for once its point is reached (e.g. the run has committed a checkpoint). */
  readonly killWhen?: () => boolean | Promise<boolean>;
}

/**
 * Runs the job, SIGKILLing it at `kills` random points and restarting it after each kill, then lets the last run
 * finish. A point is a progress goal, measured by the dead letters written so far (they grow as records are read):
 * a uniform draw between 10 % and 60 % of what is left to write. Once (almost) everything is written, the point is
 * a random time instead, 0.2–1.5 s after the job's start line (it is then still firing, writing and committing the
 * end of its input). Returns where each kill landed and the number of runs.
 */
export async function runWithKills(plan: KillPlan): Promise<{ kills: string[]; runs: number; lastStderr: string }> {
  const { deadLetters, schema } = plan;
  const kills: string[] = [];
  let runs = 0;
  while (kills.length < plan.kills) {
    const already = await deadLettersWritten(schema);
    const left = deadLetters - already;
    const byProgress = left > deadLetters * 0.05;
    const goal = already + Math.max(1, Math.floor(left * (0.1 + 0.5 * Math.random())));
    const delayMs = 200 + Math.floor(1300 * Math.random());
    if (runs > 0) plan.beforeRestart?.();
    const job = startMainJob(plan.killedArgs);
    runs += 1;
    let finished: number | null | undefined;
    void job.exited.then((code) => (finished = code));
    await Promise.race([job.started, job.exited]);
    if (byProgress) {
      while (finished === undefined && (await deadLettersWritten(schema)) < goal) await sleep(20);
    } else {
      await sleep(delayMs);
    }
    while (finished === undefined && plan.killWhen !== undefined && !(await plan.killWhen())) await sleep(20);
    if (finished !== undefined) {
      if (finished !== 0) throw new Error(`the job exited with ${String(finished)}:\n${job.stderr()}`);
      // It reached the end before the point (a time point on a short remainder): draw again, within limits.
      if (runs >= 3 * plan.kills) throw new Error(`only ${kills.length} kills landed in ${runs} runs`);
      continue;
    }
    job.killGroup();
    await job.exited;
    kills.push(byProgress ? `${await deadLettersWritten(schema)} dead letters` : `${delayMs} ms after start`);
  }
  await plan.beforeLast;
  plan.beforeRestart?.();
  const lastStderr = await runToEnd(plan.finalArgs);
  runs += 1;
  return { kills, runs, lastStderr };
}
