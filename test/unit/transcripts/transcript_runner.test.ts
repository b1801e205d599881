import * as fs from "fs";
import * as path from "path";
import { parseTranscriptFile } from "../../../tools/transcripts/transcript_parser";
import { GroupingFactory, runTranscript } from "../../../tools/transcripts/transcript_runner";

const lines = (...ls: string[]): string => ls.join("\n");
const run = (text: string) => runTranscript(parseTranscriptFile("t.yaml", text)[0]);

const WORKED_EXAMPLE = path.join(__dirname, "../../../transcripts/early_and_late_firings.yaml");

describe("running transcripts", () => {
  test("the worked example passes as written", () => {
    const t = parseTranscriptFile("early_and_late_firings.yaml", fs.readFileSync(WORKED_EXAMPLE, "utf8"))[0];
    expect(runTranscript(t).failure).toBeUndefined();
  });

  test("mutating one expected value makes it fail with a diff naming the line, the field and both values", () => {
    const text = fs.readFileSync(WORKED_EXAMPLE, "utf8");
    const original = "{window: [0, 9], values: [1, 3, 4], timestamp: 9";
    expect(text).toContain(original);
    const mutated = text.replace(original, "{window: [0, 9], values: [1, 3, 7], timestamp: 9");
    const line = mutated.split("\n").findIndex((l) => l.includes("values: [1, 3, 7]")) + 1;
    const result = runTranscript(parseTranscriptFile("early_and_late_firings.yaml", mutated)[0]);
    expect(result.passed).toBe(false);
    const failure = result.failure ?? "";
    expect(failure).toContain("1 expected pane(s) not produced by watermark 10 at line");
    expect(failure).toContain(`expected (line ${line}): {window: [0, 9], values: [1, 3, 7], timestamp: 9`);
    expect(failure).toContain("closest actual:   {key: default, window: [0, 9], values: [1, 3, 4], timestamp: 9");
    expect(failure).toContain("values: expected [1, 3, 7], actual [1, 3, 4]");
  });

  test("mutating a pane attribute other than values is caught too", () => {
    const text = fs.readFileSync(WORKED_EXAMPLE, "utf8").replace("late: true, index: 2", "late: true, index: 3");
    const failure = runTranscript(parseTranscriptFile("x.yaml", text)[0]).failure ?? "";
    expect(failure).toContain("index: expected 3, actual 2");
  });

  test("output left unmatched at the end is a failure that lists it", () => {
    const result = run(lines("name: leftover", "window_fn: FixedWindows(10)", "transcript:", "  - input: [1, 12]", "  - watermark: 20"));
    expect(result.passed).toBe(false);
    expect(result.failure).toContain("t.yaml:5: unexpected output of watermark 20 at line 5, not matched by any expect/expect_late at the end of the transcript:");
    expect(result.failure).toContain("pane:         {key: default, window: [0, 9], values: [1], timestamp: 9, early: false, late: false, final: true");
    expect(result.failure).toContain("pane:         {key: default, window: [10, 19], values: [12]");
  });

  test("every output of an action must be matched before the next action", () => {
    const result = run(
      lines(
        "name: partial",
        "window_fn: FixedWindows(10)",
        "transcript:",
        "  - input: [1, 12]",
        "  - watermark: 20",
        "  - expect:",
        "      - {window: [0, 9]}",
        "  - watermark: 30",
      ),
    );
    expect(result.failure).toContain("unexpected output of watermark 20 at line 5, not matched by any expect/expect_late before the watermark step at line 8");
    expect(result.failure).toContain("window: [10, 19]");
  });

  test("late elements must be matched by expect_late", () => {
    const result = run(
      lines("name: late", "window_fn: FixedWindows(10)", "transcript:", "  - watermark: 10", "  - input: [3]", "  - expect_late:", "      - {value: 3, window: [10, 19]}"),
    );
    expect(result.failure).toContain("t.yaml:6: 1 expected late element(s) not produced by input at line 5");
    expect(result.failure).toContain("window: expected [10, 19], actual [[0, 9]]");
  });

  test("a loose expectation does not take the output a stricter one needs", () => {
    const result = run(
      lines(
        "name: matching",
        "window_fn: FixedWindows(10)",
        "transcript:",
        "  - input: [1, 12]",
        "  - watermark: 20",
        "  - expect:",
        "      - {final: true}",
        "      - {window: [0, 9]}",
      ),
    );
    expect(result.failure).toBeUndefined();
  });

  test("lists of values compare as multisets", () => {
    const result = run(
      lines("name: multiset", "transcript:", "  - input: [2, 1, 2]", "  - watermark: .inf", "  - expect:", "      - {values: [2, 2, 1]}"),
    );
    expect(result.failure).toBeUndefined();
    const wrong = run(
      lines("name: multiset", "transcript:", "  - input: [2, 1, 2]", "  - watermark: .inf", "  - expect:", "      - {values: [2, 1, 1]}"),
    );
    expect(wrong.failure).toContain("values: expected [2, 1, 1], actual [1, 2, 2]");
  });

  test("an unsafe trigger is rejected at construction, pointing at the trigger's line", () => {
    const result = run(lines("name: unsafe", "window_fn: FixedWindows(10)", "trigger_fn: AfterCount(2)", "transcript:", "  - input: [1]"));
    expect(result.passed).toBe(false);
    expect(result.failure).toMatch(/^t\.yaml:3: the windowing configuration was rejected: Unsafe trigger 'AfterCount\(2\)' may lose data/);
  });

  test("an `error` transcript passes only when rejected with a matching message", () => {
    const rejected = run(lines("name: e", "error: Unsafe trigger 'AfterCount", "trigger_fn: AfterCount(2)", "transcript: []"));
    expect(rejected.passed).toBe(true);
    const otherMessage = run(lines("name: e", "error: something else", "trigger_fn: AfterCount(2)", "transcript: []"));
    expect(otherMessage.passed).toBe(false);
    expect(otherMessage.failure).toContain("t.yaml:2: expected an error matching /something else/, but it was rejected with a different error:");
    const accepted = run(lines("name: e", "error: Unsafe", "trigger_fn: Repeatedly(AfterCount(2))", "transcript: []"));
    expect(accepted.passed).toBe(false);
    expect(accepted.failure).toContain("but it ran without error");
  });

  test("an exception from the reducer is reported with the step's line", () => {
    const throwing: GroupingFactory = () => ({
      processElement: () => undefined,
      advanceInputWatermark: () => {
        throw new Error("boom");
      },
      advanceProcessingTime: () => undefined,
      watermarkHold: () => Number.POSITIVE_INFINITY,
      durabilityHold: () => Number.POSITIVE_INFINITY,
      nextProcessingTimeTimer: () => undefined,
      liveStateCount: () => 0,
      checkpoint: () => {
        throw new Error("not checkpointed");
      },
      restore: () => undefined,
    });
    const t = parseTranscriptFile("t.yaml", lines("name: boom", "transcript:", "  - input: [1]", "  - watermark: 5"))[0];
    const result = runTranscript(t, { createGrouping: throwing });
    expect(result.failure).toBe("t.yaml:4: the watermark step failed: boom");
  });

  test("without checking, the outputs of every action are recorded per step", () => {
    const t = parseTranscriptFile(
      "t.yaml",
      lines("name: print", "window_fn: FixedWindows(10)", "transcript:", "  - input: [1]", "  - watermark: 10", "  - input: [2]", "  - expect: [{values: [99]}]"),
    )[0];
    const result = runTranscript(t, { check: false });
    expect(result.passed).toBe(true);
    expect(result.outputs.map((o) => [o.step.line, o.panes.length, o.late.length])).toEqual([
      [4, 0, 0],
      [5, 1, 0],
      [6, 0, 1],
    ]);
    expect(result.outputs[1].panes[0]).toEqual({
      key: "default",
      window: [0, 9],
      values: [1],
      timestamp: 9,
      early: false,
      late: false,
      final: true,
      first: true,
      index: 0,
      nonspeculative_index: 0,
    });
  });
});
