/**
 * Exactly-once results across crashes, on several partitions (issue 18, item 2).
 *
 * The seeded producer writes 20,000 events 10 ms apart in event time (2 % out of order by up to 45 s, 1 % thirty
 * minutes late, 1 % malformed) to a fresh topic of THREE partitions. The main job (`pipelines/main.ts`, a separate
 * process) processes it once without interruption into one schema; then from scratch (a new consumer group, same
 * topic) into another schema while it is SIGKILLed at five random points of its progress and restarted each time,
 * the last run going to the end. The result, late-data and dead-letter tables must then hold the same rows (SQL
 * EXCEPT both ways), the Parquet datasets the same rows, and every valid event must be in exactly one place. The
 * same again with session windows, where out-of-order events bridge sessions (merges) and replays re-emit absorbed
 * sessions.
 *
 * Several partitions are exact because the source merges them in event-time order and moves the watermark only
 * between steps of that merged sequence, and a restart restores the merge's state of the last step with the runner
 * checkpoint (docs/guarantees.md).
 */
import { uniqueName } from "./kafka_test_helpers";
import { runWithKills } from "./kill_runs";
import { TABLES } from "../../sales/postgres_tables";
import {
  count,
  killTestArgs,
  killTestEvents,
  expectEachEventOnce,
  expectSameOutputs,
  seededTopic,
  runToEnd,
  type RunTarget,
  type Windowing,
} from "./same_tables";

const EVENTS = 20_000;
const KILLS = 5;

jest.setTimeout(6 * 60_000);

const PRODUCER_ARGS = killTestEvents(EVENTS, 20261130, 2000);

describe("exactly-once results across SIGKILLs on 3 partitions (PostgreSQL and Parquet)", () => {
  const seeded = seededTopic("exactly-once", PRODUCER_ARGS);
  const { produced } = seeded;
  const target = (label: string): RunTarget => seeded.target(label);

  const cases: readonly { readonly name: string; readonly windowing: Windowing }[] = [
    { name: "fixed 1-minute windows per product", windowing: { window: "fixed:1m", allowedLateness: "60s" } },
    { name: "30-second session windows per user", windowing: { window: "session:30s", allowedLateness: "60s" } },
  ];
  for (const { name, windowing: window } of cases) {
    test(`${name}: killed ${KILLS} times and restarted, the tables equal an uninterrupted run's, row for row`, async () => {
      const t0 = Date.now();
      const clean = target(`eo_clean_${window.window.replace(/\W/g, "")}`);
      await runToEnd(killTestArgs(seeded.topic, uniqueName("eo-clean"), window, clean));
      const cleanMs = Date.now() - t0;
      const deadLetters = await count(clean.schema, TABLES.deadLetters);
      expect(deadLetters).toBe(produced.malformed);
      await expectEachEventOnce(clean, produced);

      const crashed = target(`eo_crash_${window.window.replace(/\W/g, "")}`);
      const args = killTestArgs(seeded.topic, uniqueName("eo-crash"), window, crashed);
      const { kills, runs } = await runWithKills({ kills: KILLS, killedArgs: args, finalArgs: args, schema: crashed.schema, deadLetters });
      expect(kills).toHaveLength(KILLS);
      const sizes = await expectSameOutputs(clean, crashed, { withPanes: false });
      await expectEachEventOnce(crashed, produced);
      expect(sizes.results).toBeGreaterThan(15);
      expect(sizes.late).toBeGreaterThan(EVENTS * 0.005);
      process.stdout.write(
        `[exactly-once] ${window.window}: ${EVENTS} events on 3 partitions; clean run ${(cleanMs / 1000).toFixed(1)} s; ${runs} runs with ` +
          `SIGKILL at ${kills.join(", ")} (of ${deadLetters} dead letters); identical tables (${sizes.results} ` +
          `results, ${sizes.late} late rows, ${sizes.deadLetters} dead letters; the same ${sizes.parquet.results} results and ` +
          `${sizes.parquet.late} late records in both Parquet datasets); each valid event once; ${((Date.now() - t0) / 1000).toFixed(1)} s in all\n`,
      );
    });
  }
});
