/**
 * A restart on another machine is exact (issue 18, item 4): the runner checkpoint a commit names is kept in the
 * job's compacted state topic, so a run SIGKILLed five times with its local state folder DELETED before each restart
 * writes exactly the tables and Parquet dataset of an uninterrupted run, and every valid event is in exactly one
 * place. Without the state topic such a restart rebuilds live windows by re-reading Kafka against the restored
 * watermark, and session windows come out different (docs/guarantees.md §3a).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { committedOffsets, createTopic, uniqueName } from "./kafka_test_helpers";
import { runProducer } from "./job_processes";
import { dropSchema, uniqueSchema } from "./postgres_test_helpers";
import { runWithKills } from "./kill_runs";
import { TABLES } from "../../sales/postgres_tables";
import { parseProduceArgs } from "../../pipelines/producer/options";
import {
  backfillArgs,
  count,
  expectEachEventOnce,
  expectSameOutputs,
  producedCounts,
  runToEnd,
  type RunTarget,
  type Windowing,
} from "./same_tables";

const EVENTS = 12_000;
const KILLS = 5;

jest.setTimeout(5 * 60_000);

const PRODUCER_ARGS = [
  `--count=${EVENTS}`,
  "--seed=20261207",
  "--start-time=2026-01-01T00:00:00Z",
  "--interval=10ms",
  "--users=1000",
  "--products=5",
  "--out-of-order-fraction=0.02",
  "--out-of-order-max-delay=45s",
  "--late-fraction=0.01",
  "--late-delay=30m",
  "--malformed-fraction=0.01",
  "--rate=20000",
];

/** Every commit with a runner checkpoint (the most commits, so kills land during commits too). */
function jobArgs(topic: string, groupId: string, windowing: Windowing, target: RunTarget): string[] {
  return backfillArgs(topic, groupId, windowing, target, ["--commit-interval=0s", "--max-buffered=2000"]);
}

/** The local state folder backfillArgs gives a target. */
const stateDirOf = (target: RunTarget): string => `${target.parquetDir}-state`;

describe("a restart on another machine (local state folder deleted) is exact: 3 partitions, PostgreSQL and Parquet", () => {
  let topic: string;
  const schemas: string[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "restart-elsewhere-"));
  const produced = producedCounts([parseProduceArgs(PRODUCER_ARGS).generator]);

  function target(prefix: string): RunTarget {
    const t = { schema: uniqueSchema(prefix), parquetDir: path.join(tmp, prefix) };
    schemas.push(t.schema);
    return t;
  }

  beforeAll(async () => {
    topic = uniqueName("restart-elsewhere");
    await createTopic(topic, 3);
    await runProducer(topic, PRODUCER_ARGS);
  }, 2 * 60_000);

  afterAll(async () => {
    if (process.env.KEEP_TEST_SCHEMAS !== "1") for (const s of schemas) await dropSchema(s);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const cases: readonly { readonly name: string; readonly windowing: Windowing }[] = [
    { name: "30-second session windows per user", windowing: { window: "session:30s", allowedLateness: "60s" } },
    { name: "fixed 1-minute windows per product", windowing: { window: "fixed:1m", allowedLateness: "60s" } },
  ];
  for (const { name, windowing } of cases) {
    test(`${name}: killed ${KILLS} times, state folder deleted before each restart, the tables equal an uninterrupted run's`, async () => {
      const t0 = Date.now();
      const label = windowing.window.replace(/\W/g, "");
      const clean = target(`re_clean_${label}`);
      await runToEnd(jobArgs(topic, uniqueName("re-clean"), windowing, clean));
      const deadLetters = await count(clean.schema, TABLES.deadLetters);
      expect(deadLetters).toBe(produced.malformed);
      await expectEachEventOnce(clean, produced);

      const moved = target(`re_moved_${label}`);
      let deletions = 0;
      const groupId = uniqueName("re-moved");
      const args = jobArgs(topic, groupId, windowing, moved);
      const beforeRestart = (): void => {
        if (fs.existsSync(stateDirOf(moved))) deletions++;
        fs.rmSync(stateDirOf(moved), { recursive: true, force: true });
      };
      const { kills, runs, lastStderr } = await runWithKills({
        kills: KILLS, killedArgs: args, finalArgs: args, schema: moved.schema, deadLetters, beforeRestart,
        // A kill waits until the run has written its state folder and the group has a commit (so the last run has a
        // checkpoint to restore: a commit follows the state folder's write, and kills in between landed none in CI).
        killWhen: async () =>
          fs.existsSync(stateDirOf(moved)) && (await committedOffsets(groupId, topic)).some((c) => c.offset !== null && c.offset !== "-1"),
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
