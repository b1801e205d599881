/**
 * The lost-offsets guard of a run on Flink (pipelines/flink_progress.ts) without a cluster or a broker: a fake reader
 * of the group's committed offsets at its seam, the Parquet folder's progress store in a temporary folder.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { guardFlinkOffsets, type CommittedOffsetsReader, type FlinkOffsetsSeams } from "../../pipelines/flink_progress";
import { LostOffsetsError } from "../../pipelines/lost_offsets";
import { parseOptions } from "../../pipelines/options";
import { parquetProgressFile } from "../../sales/source_progress";

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "flink-progress-"))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const configIn = (folder: string) =>
  parseOptions(["--runner=flink", "--sinks=parquet", `--parquet-dir=${folder}`, "--topic=sales", "--group-id=g1"]);

/** Seams that record what the guard did: the checks it ran, and a reader handing `answers` in turn (the last one kept). */
function fakeSeams(answers: readonly (readonly [number, number][])[], check: FlinkOffsetsSeams["check"] = async () => undefined) {
  const seen = { checks: 0, reads: 0, opened: 0, closed: 0 };
  const reader: CommittedOffsetsReader = {
    committed: async () => new Map(answers[Math.min(seen.reads++, answers.length - 1)]),
    close: async () => void seen.closed++,
  };
  const seams: FlinkOffsetsSeams = {
    check: async (...args) => {
      seen.checks++;
      return check(...args);
    },
    openReader: async () => {
      seen.opened++;
      return reader;
    },
  };
  return { seams, seen };
}

const recorded = (folder: string): unknown =>
  (JSON.parse(fs.readFileSync(parquetProgressFile(folder, "g1", "sales"), "utf8")) as { offsets: unknown }).offsets;

test("a job restored from a savepoint: one 'not checked' line naming it, no check, the group's commits still recorded", async () => {
  const { seams, seen } = fakeSeams([[[0, 1200]], [[0, 1500]]]);
  const lines: string[] = [];
  const guard = await guardFlinkOffsets(configIn(dir), "savepoint file:///tmp/savepoint-7", (l) => lines.push(l), seams);
  expect(lines).toEqual([
    "flink: lost offsets are not checked: this run resumes from savepoint file:///tmp/savepoint-7, whose KafkaIO state " +
      "holds the read positions (the group's committed offsets on the broker are not read)",
  ]);
  expect(seen.checks).toBe(0);
  expect(recorded(dir)).toEqual({ "0": 1200 }); // the first poll, before submission
  await guard.stop();
  expect(recorded(dir)).toEqual({ "0": 1500 }); // the last poll, at the end of the run
  expect(seen).toMatchObject({ opened: 1, closed: 1 });
});

test("a fresh job: the check runs before submission and no 'not checked' line", async () => {
  const { seams, seen } = fakeSeams([[[0, 40]]]);
  const lines: string[] = [];
  const guard = await guardFlinkOffsets(configIn(dir), undefined, (l) => lines.push(l), seams);
  await guard.stop();
  expect(seen.checks).toBe(1);
  expect(lines.filter((l) => l.includes("not checked"))).toEqual([]);
  expect(recorded(dir)).toEqual({ "0": 40 });
});

test("lost offsets on a fresh job: the guard throws the check's error and reads nothing", async () => {
  const { seams, seen } = fakeSeams([[[0, 40]]], async () => {
    throw new LostOffsetsError("the broker has lost the committed offsets of group g1");
  });
  await expect(guardFlinkOffsets(configIn(dir), undefined, () => undefined, seams)).rejects.toThrow(LostOffsetsError);
  expect(seen).toMatchObject({ checks: 1, opened: 0 });
  expect(fs.existsSync(parquetProgressFile(dir, "g1", "sales"))).toBe(false);
});
