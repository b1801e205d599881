/**
 * The state folder (--state-dir) turning read-only mid-run, then writable again and a rerun (issue 22, item 6):
 * the commit whose runner checkpoint cannot be written is not made and the run ends there with one line (what to
 * do) and exit 1; once the folder is writable the rerun restores the last committed checkpoint: every event in
 * exactly one place, PostgreSQL and Parquet equal to an uninterrupted run's.
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
import { backfillArgs, expectEachEventOnce, expectSameOutputs, producedCounts, runToEnd, type RunTarget, type Windowing } from "../integration/same_tables";
import { linesOf, rerunCaseEvents, untilFirstCheckpoint } from "./fault_helpers";
import { mountWritable, type SwitchableFolder } from "./readonly_mount";

jest.setTimeout(5 * 60_000);

const PRODUCER_ARGS = rerunCaseEvents(25);
const WINDOWING: Windowing = { window: "fixed:1m", allowedLateness: "0s" };

let folder: SwitchableFolder | undefined;
afterAll(() => folder?.remove());

test("the state folder turns read-only mid-run: one line, exit 1 at that commit; writable again, the rerun is exact", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "faults-state-ro-run-"));
  const stateDir = path.join(tmp, "state");
  folder = mountWritable(stateDir, 16);
  if (folder === undefined) {
    console.warn("state_dir_readonly_rerun: cannot mount a tmpfs here (not root): the case was not run");
    return;
  }
  const topic = uniqueName("faults-state-ro-run");
  const whole: RunTarget = { schema: uniqueSchema("faults_sro_a"), parquetDir: path.join(tmp, "whole") };
  const ro: RunTarget = { schema: uniqueSchema("faults_sro_b"), parquetDir: path.join(tmp, "ro") };
  try {
    await createTopic(topic, 1);
    await runProducer(topic, PRODUCER_ARGS);
    const produced = producedCounts([parseProduceArgs(PRODUCER_ARGS).generator]);
    await runToEnd(backfillArgs(topic, uniqueName("g-whole"), WINDOWING, whole, ["--commit-interval=0s", "--state-dir=off"]));

    const args = backfillArgs(topic, uniqueName("g-sro"), WINDOWING, ro, ["--commit-interval=0s", "--max-buffered=50", `--state-dir=${stateDir}`]);
    const first = startMainJob(args);
    // Live trigger: the job has committed with a checkpoint in the folder and is still reading.
    await untilFirstCheckpoint(first, stateDir);
    expect(first.child.exitCode).toBeNull();
    folder.readOnly();
    expect(await first.exited).toBe(1);
    expect(linesOf(first, "pipeline: error")).toEqual([
      expect.stringMatching(
        /^pipeline: error: cannot write a runner checkpoint in .*faults-state-ro-run-.* \(EROFS\): free space or make the folder writable \(or choose another --state-dir\), then run the job again: it resumes from its last commit$/,
      ),
    ]);
    expect(first.stderr()).not.toMatch(/committing without it/);

    folder.writable();
    const rerun = await runToEnd(args);
    expect(rerun).toMatch(/kafka source: restored the runner checkpoint \S+ of the last commit/);
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
