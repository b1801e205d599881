/**
 * Crash-exact on a live topic (issue 18, item 2): while the seeded producer writes 6,000 events at 100/s to a fresh
 * topic of three partitions, three jobs (fixed windows, sessions, sliding windows; each its own consumer group and
 * schema) are SIGKILLed three times each (whole process group) and restarted; once the producer is done, each
 * last run goes to the end (--stop-when-idle). Each job's tables (results, late data, dead letters) and Parquet
 * dataset must then equal a backfill of the same topic by a fresh group, and (fixed windows and sessions, where a
 * window holds an event once) every valid event is in exactly one place against the producer's own count.
 *
 * It fails when a restarted run lets a partition leave the event-time merge at the log end offset it had when the
 * run started (each restart then cuts the merged sequence elsewhere): that partition waits --idle-timeout instead.
 */
import { uniqueName } from "./kafka_test_helpers";
import { runWithKills } from "./kill_runs";
import {
  backfillArgs,
  expectEachEventOnce,
  expectSameOutputs,
  seededTopic,
  disorderedEvents,
  runToEnd,
  type RunTarget,
  type Windowing,
} from "./same_tables";

const KILLS = 3;

jest.setTimeout(5 * 60_000);

const PRODUCER_ARGS = [
  "--count=6000",
  // 60 s of writing: a restart waits ~10 s for the killed member to leave the group, and every restart must land
  // while the producer writes.
  "--rate=100",
  "--seed=2026120718",
  "--interval=100ms",
  "--users=200",
  "--products=5",
  ...disorderedEvents(0.05),
];

/**
 * Every commit with a runner checkpoint; --idle-timeout well above the producer's gaps between records of a
 * partition (~30 ms) even on a loaded machine, so that no partition is waited out while the producer writes.
 */
const READ = ["--commit-interval=0s", "--max-buffered=600", "--idle-timeout=3s"];

const WINDOWINGS: readonly Windowing[] = [
  { window: "fixed:1m", allowedLateness: "30s" },
  { window: "session:30s", allowedLateness: "30s" },
  { window: "sliding:1m,20s", allowedLateness: "30s" },
];

/** The arguments of a run that must not stop by itself while the producer writes. */
const untilKilled = (args: readonly string[]): string[] => args.filter((a) => !a.startsWith("--stop-when-idle"));

describe("a live topic: jobs killed and restarted while the producer writes give a backfill's tables", () => {
  const seeded = seededTopic("live-kill", PRODUCER_ARGS, { live: true });
  const { produced } = seeded;
  const target = (label: string): RunTarget => seeded.target(label);

  test(`fixed, session and sliding windows, each killed ${KILLS} times on 3 live partitions`, async () => {
    const t0 = Date.now();
    const topic = seeded.topic;
    const producing = seeded.produce();
    const label = (w: Windowing): string => w.window.replace(/\W/g, "");
    const live = await Promise.all(
      WINDOWINGS.map(async (windowing) => {
        const crashed = target(`live_${label(windowing)}`);
        const args = backfillArgs(topic, uniqueName("live"), windowing, crashed, READ);
        const run = await runWithKills({
          kills: KILLS,
          killedArgs: untilKilled(args),
          finalArgs: args,
          schema: crashed.schema,
          deadLetters: produced.malformed,
          beforeLast: producing,
        });
        return { windowing, crashed, ...run };
      }),
    );
    const liveMs = Date.now() - t0;
    // The same topic read again from its start by fresh groups, every record already there.
    const backfills = await Promise.all(
      WINDOWINGS.map(async (windowing) => {
        const backfill = target(`bf_${label(windowing)}`);
        await runToEnd(backfillArgs(topic, uniqueName("live-backfill"), windowing, backfill, READ));
        return backfill;
      }),
    );
    for (const [i, { windowing, crashed, kills, runs }] of live.entries()) {
      expect(kills).toHaveLength(KILLS);
      const sliding = windowing.window.startsWith("sliding");
      const sizes = await expectSameOutputs(backfills[i], crashed, { withPanes: false, overlapping: sliding });
      if (!sliding) {
        await expectEachEventOnce(backfills[i], produced);
        await expectEachEventOnce(crashed, produced);
      }
      expect(sizes.results).toBeGreaterThan(20);
      expect(sizes.late).toBeGreaterThan(produced.valid * 0.005);
      expect(sizes.deadLetters).toBe(produced.malformed);
      process.stdout.write(
        `[live-kill] ${windowing.window}: ${runs} runs, SIGKILL at ${kills.join(", ")} of ${produced.malformed} dead letters; ` +
          `identical to a backfill (${sizes.results} results, ${sizes.late} late, ${sizes.deadLetters} dead letters, Parquet too)\n`,
      );
    }
    process.stdout.write(`[live-kill] live phase ${(liveMs / 1000).toFixed(1)} s, ${((Date.now() - t0) / 1000).toFixed(1)} s in all\n`);
  });
});
