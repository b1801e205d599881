/**
 * The Parquet folder turning read-only mid-run, then writable again and a rerun (issue 22, item 6): the run ends
 * with the sink's one line (what to do) and exit 1 while PostgreSQL already holds rows of it; after the folder is
 * writable again the rerun resumes from the last commit: every event in exactly one place, PostgreSQL and the
 * Parquet dataset equal to an uninterrupted run's.
 *
 * The read-only folder is a real one (test/faults/readonly_mount.ts: a read-only bind mount, as root); elsewhere
 * the case is not run, and says so.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createTopic, uniqueName } from "../integration/kafka_test_helpers";
import { runProducer, startMainJob } from "../integration/job_processes";
import { dropSchema, uniqueSchema } from "../integration/postgres_test_helpers";
import { parseProduceArgs } from "../../pipelines/producer/options";
import { backfillArgs, count, expectEachEventOnce, expectSameOutputs, producedCounts, runToEnd, type RunTarget, type Windowing } from "../integration/same_tables";
import { TABLES } from "../../sales/postgres_tables";
import { linesOf, rerunCaseEvents, sleep } from "./fault_helpers";
import { mountWritable, type SwitchableFolder } from "./readonly_mount";

jest.setTimeout(5 * 60_000);

const PRODUCER_ARGS = rerunCaseEvents(24);
const WINDOWING: Windowing = { window: "fixed:1m", allowedLateness: "0s" };

/** Files (not folders) under `dir`, at any depth. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((d) => d.isFile()).map((d) => d.name);
}

let folder: SwitchableFolder | undefined;
afterAll(() => folder?.remove());

test("the Parquet folder turns read-only mid-run: one line, exit 1; writable again, the rerun is exact", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "faults-pq-ro-"));
  const whole: RunTarget = { schema: uniqueSchema("faults_pqro_a"), parquetDir: path.join(tmp, "whole") };
  const ro: RunTarget = { schema: uniqueSchema("faults_pqro_b"), parquetDir: path.join(tmp, "ro") };
  folder = mountWritable(ro.parquetDir);
  if (folder === undefined) {
    console.warn("parquet_readonly_rerun: cannot mount a tmpfs here (not root): the case was not run");
    return;
  }
  const topic = uniqueName("faults-pq-ro");
  try {
    await createTopic(topic, 1);
    await runProducer(topic, PRODUCER_ARGS);
    const produced = producedCounts([parseProduceArgs(PRODUCER_ARGS).generator]);
    await runToEnd(backfillArgs(topic, uniqueName("g-whole"), WINDOWING, whole, ["--commit-interval=0s"]));

    const args = backfillArgs(topic, uniqueName("g-pqro"), WINDOWING, ro, ["--commit-interval=0s", "--max-buffered=50"]);
    const first = startMainJob(args);
    // Live trigger: the sink has written into the folder, PostgreSQL holds final rows, and the job still reads.
    while (filesUnder(ro.parquetDir).length === 0 || (await count(ro.schema, TABLES.results).catch(() => 0)) === 0) {
      if (first.child.exitCode !== null) throw new Error(`the job ended before the folder could turn read-only:\n${first.stderr()}`);
      await sleep(20);
    }
    expect(first.child.exitCode).toBeNull();
    folder.readOnly();
    expect(await first.exited).toBe(1);
    expect(linesOf(first, "pipeline: error")).toEqual([
      expect.stringMatching(/^pipeline: error: Parquet sink: cannot write to .*faults-pq-ro-.* \(EROFS at .*\); make it a writable directory or choose another --parquet-dir/),
    ]);

    folder.writable();
    await runToEnd(args);
    await expectEachEventOnce(ro, produced);
    await expectSameOutputs(whole, ro, { withPanes: false });
  } finally {
    folder.remove();
    folder = undefined;
    await dropSchema(whole.schema);
    await dropSchema(ro.schema);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
