/**
 * Every transcript as a real pipeline on the direct runner (TestStream → windowInto → windowedCombine → captures):
 * the same panes and late data as the reducer harness; skips only with a reason; a wrong expectation fails.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { nodeIo, runCliAsync, type CliIo } from "../../../tools/transcripts/cli";
import { parseTranscriptFile } from "../../../tools/transcripts/transcript_parser";
import { runTranscriptsAsPipelines, skipReason } from "../../../tools/transcripts/pipeline_runner";

const DIR = path.join(__dirname, "..", "..", "..", "transcripts");

function capturingIo(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return { ...nodeIo, out: (l) => lines.push(l), err: (l) => lines.push(l), lines };
}

test("npm run transcript -- --runner=direct transcripts/: all pass but the harness-only ones, which are skipped with reasons", async () => {
  const io = capturingIo();
  expect(await runCliAsync(["--runner=direct", DIR], io)).toBe(0);
  const last = io.lines[io.lines.length - 1];
  expect(last).toMatch(/^transcripts: (\d+) passed, 0 failed, 4 skipped \(direct runner, as pipelines\)$/);
  expect(Number(/(\d+) passed/.exec(last)?.[1])).toBeGreaterThanOrEqual(85);
  const skips = io.lines.filter((l) => l.startsWith("SKIP "));
  expect(skips).toHaveLength(4);
  for (const s of skips) expect(s).toMatch(/^SKIP \S+ \(.+:\d+\): (allow_unsafe_triggers|expects the reducer harness's per-step message)/);
}, 120_000);

test("a wrong expectation fails as a pipeline too, with the differing attribute", async () => {
  const file = path.join(os.tmpdir(), `wrong-${process.pid}.yaml`);
  fs.writeFileSync(
    file,
    ["name: wrong_sum", "window_fn: FixedWindows(10)", "combine: sum", "transcript:", "  - input: [1, 2]", "  - watermark: 10", "  - expect:", "      - {window: [0, 9], values: 4}", ""].join("\n"),
  );
  const io = capturingIo();
  expect(await runCliAsync(["--runner", "direct", file], io)).toBe(1);
  expect(io.lines.join("\n")).toMatch(/FAIL wrong_sum[\s\S]*expected pane\(s\) not produced \(line 8\): \{window: \[0, 9\], values: 4\}[\s\S]*differs in values/);
  expect(io.lines[io.lines.length - 1]).toBe("transcripts: 0 passed, 1 failed, 0 skipped (direct runner, as pipelines)");
  fs.rmSync(file);
});

test("Flink skips what it cannot run, with the reason; the direct runner runs it", async () => {
  const transcripts = parseTranscriptFile(path.join(DIR, "early_and_late_firings.yaml"), fs.readFileSync(path.join(DIR, "early_and_late_firings.yaml"), "utf8"));
  expect(skipReason(transcripts[0], "flink")).toMatch(/^processing_time steps: Flink's TestStream does not advance processing time/);
  expect(skipReason(transcripts[0], "direct")).toBeUndefined();
  const outcomes = await runTranscriptsAsPipelines(transcripts, { runner: "direct" });
  expect(outcomes).toEqual([{ status: "passed" }]);
});

test("--runner with an unknown value or with --print is a usage error", async () => {
  const io = capturingIo();
  expect(await runCliAsync(["--runner=spark", DIR], io)).toBe(2);
  expect(await runCliAsync(["--runner=direct", "--print", DIR], io)).toBe(2);
  expect(io.lines[0]).toMatch(/^transcript: --runner must be direct or flink, got 'spark'/);
  expect(io.lines[1]).toMatch(/cannot be combined with --runner/);
});
