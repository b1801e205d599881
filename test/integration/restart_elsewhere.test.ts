/**
 * A restart on another machine is exact (issue 18, item 4): the runner checkpoint a commit names is kept in the
 * job's compacted state topic, so a run SIGKILLed five times with its local state folder DELETED before each restart
 * writes exactly the tables and Parquet dataset of an uninterrupted run, and every valid event is in exactly one
 * place. Without the state topic such a restart rebuilds live windows by re-reading Kafka against the restored
 * watermark, and session windows come out different (docs/guarantees.md §3a).
 */
import * as fs from "fs";
import { committedOffsets, uniqueName } from "./kafka_test_helpers";
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

const EVENTS = 12_000;
const KILLS = 5;

jest.setTimeout(5 * 60_000);

const PRODUCER_ARGS = killTestEvents(EVENTS, 20261207, 1000);

/** The local state folder backfillArgs gives a target. */
const stateDirOf = (target: RunTarget): string => `${target.parquetDir}-state`;

describe("a restart on another machine (local state folder deleted) is exact: 3 partitions, PostgreSQL and Parquet", () => {
  const seeded = seededTopic("restart-elsewhere", PRODUCER_ARGS);
  const { produced } = seeded;
  const target = (label: string): RunTarget => seeded.target(label);

  const cases: readonly { readonly name: string; readonly windowing: Windowing }[] = [
    { name: "30-second session windows per user", windowing: { window: "session:30s", allowedLateness: "60s" } },
    { name: "fixed 1-minute windows per product", windowing: { window: "fixed:1m", allowedLateness: "60s" } },
  ];
  for (const { name, windowing } of cases) {
    test(`${name}: killed ${KILLS} times, state folder deleted before each restart, the tables equal an uninterrupted run's`, async () => {
      const t0 = Date.now();
      const label = windowing.window.replace(/\W/g, "");
      const clean = target(`re_clean_${label}`);
      await runToEnd(killTestArgs(seeded.topic, uniqueName("re-clean"), windowing, clean));
      const deadLetters = await count(clean.schema, TABLES.deadLetters);
      expect(deadLetters).toBe(produced.malformed);
      await expectEachEventOnce(clean, produced);

      const moved = target(`re_moved_${label}`);
      let deletions = 0;
      const groupId = uniqueName("re-moved");
      const args = killTestArgs(seeded.topic, groupId, windowing, moved);
      const beforeRestart = (): void => {
        if (fs.existsSync(stateDirOf(moved))) deletions++;
        fs.rmSync(stateDirOf(moved), { recursive: true, force: true });
      };
      const { kills, runs, lastStderr } = await runWithKills({
        kills: KILLS, killedArgs: args, finalArgs: args, schema: moved.schema, deadLetters, beforeRestart,
        // A kill waits until the run has written its state folder and the group has a commit (so the last run has a
        // checkpoint to restore: a commit follows the state folder's write, and kills in between landed none in CI).
        killWhen: async () =>
          fs.existsSync(stateDirOf(moved)) && (await committedOffsets(groupId, seeded.topic)).some((c) => c.offset !== null && c.offset !== "-1"),
      });
      expect(kills).toHaveLength(KILLS);
      // Each kill waits until its run has written its state folder, so every restart after a kill deletes one.
      expect(deletions).toBeGreaterThanOrEqual(KILLS);
      const sizes = await expectSameOutputs(clean, moved, { withPanes: false });
      await expectEachEventOnce(moved, produced);
      expect(sizes.results).toBeGreaterThan(15);
      // The last run found no local file: what it restored came from the state topic.
      expect(lastStderr).toMatch(/restored the runner checkpoint \S+ of the last commit from the state topic beam-ts-state\./);
      expect(lastStderr).not.toMatch(/not restoring the runner checkpoint/);
      process.stdout.write(
        `[restart-elsewhere] ${windowing.window}: ${EVENTS} events on 3 partitions; ${runs} runs, SIGKILL at ${kills.join(", ")}, ` +
          `the state folder deleted before each restart (${deletions} found); identical tables (${sizes.results} results, ${sizes.late} late rows, ` +
          `${sizes.deadLetters} dead letters; Parquet ${sizes.parquet.results} results, ${sizes.parquet.late} late); ` +
          `${((Date.now() - t0) / 1000).toFixed(1)} s; last run: ${lastStderr.split("\n").filter((l) => l.includes("runner checkpoints written")).join(" ")}\n`,
      );
    });
  }
});
