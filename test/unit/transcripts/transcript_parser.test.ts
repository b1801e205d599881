import { WATERMARK_DONE } from "../../../model/model";
import { TranscriptError } from "../../../tools/transcripts/transcript_error";
import { parseTranscriptFile } from "../../../tools/transcripts/transcript_parser";

function rejection(text: string): TranscriptError {
  try {
    parseTranscriptFile("t.yaml", text);
  } catch (e) {
    if (e instanceof TranscriptError) return e;
    throw e;
  }
  throw new Error("expected the transcript file to be rejected");
}

const lines = (...ls: string[]): string => ls.join("\n");

describe("transcript files", () => {
  test("absent keys take Beam's defaults: global windows, default trigger, accumulating, end of window, lateness 0", () => {
    const t = parseTranscriptFile("t.yaml", lines("name: defaults", "transcript:", "  - input: [1]"))[0];
    expect(t.windowing).toEqual({
      windowFn: { kind: "global" },
      trigger: { kind: "default" },
      accumulation: "ACCUMULATING",
      allowedLateness: 0,
      timestampCombiner: "END_OF_WINDOW",
      closingBehavior: "FIRE_IF_NON_EMPTY",
      onTimeBehavior: "FIRE_ALWAYS",
    });
    expect(t.combine).toBe("list");
    expect(t.allowUnsafeTriggers).toBe(false);
  });

  test("every configuration key is read, case-insensitively for the Beam Python enum names", () => {
    const t = parseTranscriptFile(
      "t.yaml",
      lines(
        "name: all",
        "window_fn: SlidingWindows(10, 5)",
        "trigger_fn: AfterWatermark(early=AfterCount(2), late=AfterCount(3))",
        "timestamp_combiner: output_at_latest",
        "allowed_lateness: 20",
        "accumulation_mode: discarding",
        "closing_behavior: FIRE_ALWAYS",
        "on_time_behavior: FIRE_IF_NON_EMPTY",
        "combine: mean",
        "allow_unsafe_triggers: true",
        "transcript: []",
      ),
    )[0];
    expect(t.windowing).toEqual({
      windowFn: { kind: "sliding", size: 10, period: 5, offset: 0 },
      trigger: { kind: "afterWatermark", early: { kind: "afterCount", count: 2 }, late: { kind: "afterCount", count: 3 } },
      accumulation: "DISCARDING",
      allowedLateness: 20,
      timestampCombiner: "LATEST",
      closingBehavior: "FIRE_ALWAYS",
      onTimeBehavior: "FIRE_IF_NON_EMPTY",
    });
    expect(t.combine).toBe("mean");
    expect(t.allowUnsafeTriggers).toBe(true);
  });

  test("steps keep their file lines across documents; bare numbers are default-keyed elements", () => {
    const text = lines(
      "name: first",
      "transcript:",
      "  - input: [1]",
      "---",
      "# a comment",
      "name: second",
      "window_fn: FixedWindows(10)",
      "transcript:",
      "  - input:",
      "      - 4",
      "      - {key: apple, value: 7, timestamp: 3}",
      "  - watermark: 10",
      "  - processing_time: 5",
      "  - expect:",
      "      - {window: [0, 9], values: [4, 7], key: apple}",
      "      - window: [0, 9]",
      "        final: true",
      "  - expect_late: [3, {key: pear, window: [0, 9], reason: closed_window}]",
      "  - watermark: .inf",
    );
    // (Indexing, not destructuring: the closure transform drops destructured bindings.)
    const parsed = parseTranscriptFile("t.yaml", text);
    const first = parsed[0];
    const second = parsed[1];
    expect(first.line).toBe(1);
    expect(second.line).toBe(5);
    expect(second.steps).toEqual([
      {
        kind: "input",
        line: 9,
        elements: [
          { key: "default", value: 4, timestamp: 4 },
          { key: "apple", value: 7, timestamp: 3 },
        ],
      },
      { kind: "watermark", line: 12, watermark: 10 },
      { kind: "processing_time", line: 13, time: 5 },
      {
        kind: "expect",
        line: 14,
        panes: [
          { line: 15, window: [0, 9], values: [4, 7], key: "apple" },
          { line: 16, window: [0, 9], final: true },
        ],
      },
      {
        kind: "expect_late",
        line: 18,
        elements: [
          { line: 18, key: "default", value: 3, timestamp: 3 },
          { line: 18, key: "pear", window: [0, 9], reason: "CLOSED_WINDOW" },
        ],
      },
      { kind: "watermark", line: 19, watermark: WATERMARK_DONE },
    ]);
  });

  test("Beam Python's `clock` step, `broken_on` and our `description` are accepted", () => {
    const t = parseTranscriptFile(
      "t.yaml",
      lines("name: c", "description: free text", "broken_on: [SwitchingDirectRunner]", "transcript:", "  - clock: 7", "  - expect_late: [{window: global}]"),
    )[0];
    expect(t.steps).toEqual([
      { kind: "processing_time", line: 5, time: 7 },
      { kind: "expect_late", line: 6, elements: [{ line: 6, window: [-9223372036854775, 9223371950454775] }] },
    ]);
  });

  test("an unknown trigger function is rejected at its line and column", () => {
    const error = rejection(lines("name: x", "transcript: []", "---", "name: y", "trigger_fn: Repeatedly(AfterCont(2))", "transcript: []"));
    expect(error.line).toBe(5);
    expect(error.column).toBe(24);
    expect(error.message).toBe(
      "t.yaml:5:24: trigger_fn: unknown trigger function 'AfterCont'; known triggers: Default, AfterWatermark, " +
        "AfterCount, AfterProcessingTime, AfterSynchronizedProcessingTime, Repeatedly, AfterAny, AfterAll, AfterEach, " +
        "OrFinally, Never, Always in 'Repeatedly(AfterCont(2))'",
    );
  });

  test("an unknown window function is rejected at its line", () => {
    const error = rejection(lines("name: y", "", "window_fn: FixedWindow(10)", "transcript: []"));
    expect(error.message).toContain("t.yaml:3:12: window_fn: unknown window function 'FixedWindow'");
  });

  test("bad trigger syntax points at the offending column", () => {
    const error = rejection(lines("name: y", "trigger_fn:   AfterWatermark(early=AfterCount(2)", "transcript: []"));
    expect(error.message).toContain("t.yaml:2:49: trigger_fn: expected ',' or ')' in the arguments of AfterWatermark");
  });

  test("a trigger folded over several lines parses; an error past its first line reports the line only", () => {
    const t = parseTranscriptFile(
      "t.yaml",
      lines("name: folded", "trigger_fn: AfterWatermark(early=AfterCount(2),", "            late=AfterCount(3))", "transcript: []"),
    )[0];
    expect(t.windowing).toEqual(expect.objectContaining({ trigger: { kind: "afterWatermark", early: { kind: "afterCount", count: 2 }, late: { kind: "afterCount", count: 3 } } }));
    const error = rejection(lines("name: folded", "trigger_fn: AfterWatermark(early=AfterCount(2),", "            late=AfterCont(3))", "transcript: []"));
    expect(error.message).toMatch(/^t\.yaml:2: trigger_fn: unknown trigger function 'AfterCont'/);
  });

  test("YAML syntax errors point at their line", () => {
    const error = rejection(lines("name: a", "transcript: []", "---", "name: b", "transcript:", "  - input: [1, 2", "  - watermark: 3"));
    expect(error.line).toBe(7);
    expect(error.message).toMatch(/^t\.yaml:7:\d+: YAML syntax error/);
  });

  test("a watermark moving backwards is rejected at its line, naming the earlier one", () => {
    const error = rejection(
      lines("name: backwards", "transcript:", "  - watermark: 10", "  - input: [12]", "  - watermark: 5"),
    );
    expect(error.message).toBe(
      "t.yaml:5: the watermark moves backwards: 5 is before 10 set at line 3; watermarks only advance",
    );
  });

  test("processing time moving backwards is rejected at its line", () => {
    const error = rejection(lines("name: clock", "transcript:", "  - processing_time: 10", "  - processing_time: 9"));
    expect(error.message).toContain("t.yaml:4: processing time moves backwards: 9 is before 10");
  });

  test("an unknown top-level key is rejected at its line with a suggestion", () => {
    const error = rejection(lines("name: typo", "windowfn: FixedWindows(10)", "transcript: []"));
    expect(error.message).toContain("t.yaml:2: unknown key 'windowfn' (did you mean 'window_fn'?)");
  });

  test("an unknown step is rejected at its line", () => {
    const error = rejection(lines("name: s", "transcript:", "  - input: [1]", "  - watermarks: 3"));
    expect(error.message).toContain("t.yaml:4: unknown step 'watermarks' (did you mean 'watermark'?)");
  });

  test("Beam Python's 'state' step is reported as unsupported", () => {
    const error = rejection(lines("name: s", "transcript:", "  - state: {present: [[0, 9]]}"));
    expect(error.message).toContain("t.yaml:3: the 'state' step of Beam's Python transcripts is not supported");
  });

  test("an unknown pane attribute is rejected at the pane's line", () => {
    const error = rejection(
      lines("name: p", "transcript:", "  - input: [1]", "  - expect:", "      - {window: [0, 9]}", "      - {windw: [0, 9]}"),
    );
    expect(error.message).toContain("t.yaml:6: unknown pane attribute 'windw' (did you mean 'window'?)");
  });

  test("values must fit the combine kind", () => {
    expect(rejection(lines("name: c", "combine: sum", "transcript:", "  - expect:", "      - {values: [1, 2]}")).message).toContain(
      "t.yaml:5: with combine: sum, 'values' is the combined number",
    );
    expect(
      rejection(lines("name: c", "combine: mean", "transcript:", "  - input:", "      - {value: x, timestamp: 1}")).message,
    ).toContain("t.yaml:5: combine: mean needs numeric values");
  });

  test("a transcript needs a name, and steps need exactly one kind", () => {
    expect(rejection(lines("transcript: []")).message).toContain("every transcript needs a 'name:'");
    expect(rejection(lines("name: n", "transcript:", "  - {input: [1], watermark: 2}")).message).toContain(
      "t.yaml:3: each step must be a mapping with exactly one of",
    );
  });

  test("a configuration error of an `error` transcript is kept for the run to compare", () => {
    const t = parseTranscriptFile(
      "t.yaml",
      lines("name: e", "error: unknown trigger", "trigger_fn: Nope", "transcript: []"),
    )[0];
    expect(t.windowing).toBeInstanceOf(TranscriptError);
    expect((t.windowing as TranscriptError).message).toContain("t.yaml:3:13: trigger_fn: unknown trigger function 'Nope'");
  });

  test("an invalid `error` regular expression is rejected", () => {
    expect(rejection(lines("name: e", "error: '('", "transcript: []")).message).toContain(
      "t.yaml:2: 'error:' is not a valid regular expression",
    );
  });
});
