/**
 * Crash-exact on a live topic (issue 18, item 2): while the seeded producer writes 6,000 events at 200/s to a fresh
 * topic of three partitions, three jobs (fixed windows, sessions, sliding windows; each its own consumer group and
 * schema) are SIGKILLed three times each (whole process group) and restarted; once the producer is done, each
 * last run goes to the end (--stop-when-idle). Each job's tables (results, late data, dead letters) and Parquet
 * dataset must then equal a backfill of the same topic by a fresh group, and (fixed windows and sessions, where a
 * window holds an event once) every valid event is in exactly one place against the producer's own count.
 *
 * It fails when a restarted run lets a partition leave the event-time merge at the log end offset it had when the
 * run started (each restart then cuts the merged sequence elsewhere): that partition waits --idle-timeout instead.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createTopic, uniqueName } from "./kafka_test_helpers";
import { runProducer } from "./job_processes";
import { runWithKills } from "./kill_runs";
import { dropSchema, uniqueSchema } from "./postgres_test_helpers";
import { parseProduceArgs } from "../../pipelines/producer/options";
import {
  backfillArgs,
  expectEachEventOnce,
  expectSameOutputs,
  producedCounts,
  runToEnd,
  type RunTarget,
  type Windowing,
} from "./same_tables";

const KILLS = 3;

jest.setTimeout(5 * 60_000);

const PRODUCER_ARGS = [
  "--count=6000",
  "--rate=200",
  "--seed=2026120718",
  "--start-time=2026-01-01T00:00:00Z",
  "--interval=100ms",
  "--users=200",
  "--products=5",
  "--out-of-order-fraction=0.03",
  "--out-of-order-max-delay=45s",
  "--late-fraction=0.01",
  "--late-delay=30m",
  "--malformed-fraction=0.01",
];

/**
 * Every commit with a runner checkpoint; --idle-timeout well above the producer's gaps between records of a
 * partition (~15 ms) even on a loaded machine, so that no partition is waited out while the producer writes.
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
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "live-kill-"));
  const schemas: string[] = [];
  const produced = producedCounts([parseProduceArgs(PRODUCER_ARGS).generator]);

  function target(label: string): RunTarget {
    const t = { schema: uniqueSchema(label), parquetDir: path.join(tmp, label) };
    schemas.push(t.schema);
    return t;
  }

  afterAll(async () => {
    if (process.env.KEEP_TEST_SCHEMAS !== "1") for (const s of schemas) await dropSchema(s);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test(`fixed, session and sliding windows, each killed ${KILLS} times on 3 live partitions`, async () => {
    const t0 = Date.now();
    const topic = uniqueName("live-kill");
    await createTopic(topic, 3);
    const producing = runProducer(topic, PRODUCER_ARGS);
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
