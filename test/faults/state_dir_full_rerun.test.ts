/**
 * The state folder (--state-dir) filling up during a run (issue 22, items 5 and 6): the commit whose runner
 * checkpoint cannot be written is not made, the run ends there with one line and exit 1 (it was one warning, and
 * every later commit went without a checkpoint, so a restart re-read and rebuilt the open windows), and once space
 * is freed the rerun restores the last committed checkpoint: every event in exactly one place, PostgreSQL and
 * Parquet equal to an uninterrupted run's.
 *
 * The full disk is a real one: a 2 MiB tmpfs, filled by the test once the job has written a checkpoint there and is
 * still reading (we run as root in CI); elsewhere the case is not run, and says so.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createTopic, uniqueName } from "../integration/kafka_test_helpers";
import { runProducer, startMainJob } from "../integration/job_processes";
import { dropSchema, uniqueSchema } from "../integration/postgres_test_helpers";
import { parseProduceArgs } from "../../pipelines/producer/options";
import { backfillArgs, expectEachEventOnce, expectSameOutputs, producedCounts, runToEnd, type RunTarget, type Windowing } from "../integration/same_tables";
import { linesOf, rerunCaseEvents, untilFirstCheckpoint } from "./fault_helpers";

jest.setTimeout(5 * 60_000);

const PRODUCER_ARGS = rerunCaseEvents(23);
const WINDOWING: Windowing = { window: "fixed:1m", allowedLateness: "0s" };

/** Fills the filesystem of `dir` to the last byte with one file; returns its path. */
function fill(dir: string): string {
  const filler = path.join(dir, "filler");
  const fd = fs.openSync(filler, "w");
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) {
      try {
        fs.writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
        // The last partial chunk: byte by byte down to nothing left.
        for (let size = chunk.length / 2; size >= 1; size = Math.floor(size / 2)) {
          try {
            fs.writeSync(fd, chunk.subarray(0, size));
          } catch {
            // smaller still
          }
        }
        return filler;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

test("the state folder fills up mid-run: one line, exit 1 at that commit; after space is freed the rerun is exact", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "faults-state-full-"));
  const stateDir = path.join(tmp, "state");
  fs.mkdirSync(stateDir);
  if (spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", stateDir], { stdio: "ignore" }).status !== 0) {
    console.warn("state_dir_full_rerun: cannot mount a tmpfs here (not root): the case was not run");
    return;
  }
  const topic = uniqueName("faults-state-full");
  const whole: RunTarget = { schema: uniqueSchema("faults_sfull_a"), parquetDir: path.join(tmp, "whole") };
  const full: RunTarget = { schema: uniqueSchema("faults_sfull_b"), parquetDir: path.join(tmp, "full") };
  try {
    await createTopic(topic, 1);
    await runProducer(topic, PRODUCER_ARGS);
    const produced = producedCounts([parseProduceArgs(PRODUCER_ARGS).generator]);
    await runToEnd(backfillArgs(topic, uniqueName("g-whole"), WINDOWING, whole, ["--commit-interval=0s", "--state-dir=off"]));

    const args = backfillArgs(topic, uniqueName("g-sfull"), WINDOWING, full, ["--commit-interval=0s", "--max-buffered=50", `--state-dir=${stateDir}`]);
    const first = startMainJob(args);
    // Live trigger: the job has committed with a checkpoint in the folder and is still reading.
    await untilFirstCheckpoint(first, stateDir);
    expect(first.child.exitCode).toBeNull();
    const filler = fill(stateDir);
    expect(await first.exited).toBe(1);
    const errors = linesOf(first, "pipeline: error");
    expect(errors).toEqual([
      expect.stringMatching(
        /^pipeline: error: cannot write a runner checkpoint in .*faults-state-full-.* \(ENOSPC\): free space or make the folder writable \(or choose another --state-dir\), then run the job again: it resumes from its last commit$/,
      ),
    ]);
    expect(first.stderr()).not.toMatch(/committing without it/);

    fs.rmSync(filler);
    const rerun = await runToEnd(args);
    expect(rerun).toMatch(/kafka source: restored the runner checkpoint \S+ of the last commit/);
    await expectEachEventOnce(full, produced);
    await expectSameOutputs(whole, full, { withPanes: false });
  } finally {
    spawnSync("umount", [stateDir], { stdio: "ignore" });
    await dropSchema(whole.schema);
    await dropSchema(full.schema);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
