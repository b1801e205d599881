import { CallSyntaxError, parseCallExpression } from "../../../tools/transcripts/call_syntax";
import { formatTriggerFn, parseTriggerFn } from "../../../tools/transcripts/trigger_fn";
import { parseWindowFn } from "../../../tools/transcripts/window_fn";

function syntaxError(parse: () => unknown): CallSyntaxError {
  try {
    parse();
  } catch (e) {
    if (e instanceof CallSyntaxError) return e;
    throw e;
  }
  throw new Error("expected a CallSyntaxError");
}

describe("trigger_fn syntax", () => {
  test.each([
    ["Default", { kind: "default" }],
    ["Default()", { kind: "default" }],
    ["Never", { kind: "never" }],
    ["Always()", { kind: "always" }],
    ["AfterWatermark", { kind: "afterWatermark" }],
    ["AfterWatermark()", { kind: "afterWatermark" }],
    ["AfterWatermark(early=AfterCount(2))", { kind: "afterWatermark", early: { kind: "afterCount", count: 2 } }],
    [
      "AfterWatermark(early=AfterCount(2), late=AfterCount(3))",
      { kind: "afterWatermark", early: { kind: "afterCount", count: 2 }, late: { kind: "afterCount", count: 3 } },
    ],
    ["AfterWatermark(late=Never)", { kind: "afterWatermark", late: { kind: "never" } }],
    ["AfterCount(2)", { kind: "afterCount", count: 2 }],
    ["AfterCount(count=7)", { kind: "afterCount", count: 7 }],
    ["AfterProcessingTime(5)", { kind: "afterProcessingTime", delay: 5 }],
    ["AfterProcessingTime(delay=0)", { kind: "afterProcessingTime", delay: 0 }],
    ["AfterProcessingTime", { kind: "afterProcessingTime", delay: 0 }],
    ["AfterSynchronizedProcessingTime", { kind: "afterSynchronizedProcessingTime" }],
    ["Repeatedly(AfterCount(2))", { kind: "repeatedly", trigger: { kind: "afterCount", count: 2 } }],
    [
      "AfterAny(AfterCount(3), AfterProcessingTime(10))",
      { kind: "afterAny", triggers: [{ kind: "afterCount", count: 3 }, { kind: "afterProcessingTime", delay: 10 }] },
    ],
    ["AfterAll(AfterCount(1), Never)", { kind: "afterAll", triggers: [{ kind: "afterCount", count: 1 }, { kind: "never" }] }],
    ["AfterEach(AfterCount(1),AfterCount(2),)", {
      kind: "afterEach",
      triggers: [{ kind: "afterCount", count: 1 }, { kind: "afterCount", count: 2 }],
    }],
    [
      "OrFinally(Repeatedly(AfterCount(2)), AfterCount(5))",
      { kind: "orFinally", main: { kind: "repeatedly", trigger: { kind: "afterCount", count: 2 } }, until: { kind: "afterCount", count: 5 } },
    ],
    [
      "  Repeatedly( AfterAny( AfterWatermark(early = AfterCount(1)) ,\n AfterCount(4) ) )  ",
      {
        kind: "repeatedly",
        trigger: {
          kind: "afterAny",
          triggers: [
            { kind: "afterWatermark", early: { kind: "afterCount", count: 1 } },
            { kind: "afterCount", count: 4 },
          ],
        },
      },
    ],
  ])("%s", (text, expected) => {
    expect(parseTriggerFn(text)).toEqual(expected);
  });

  test("formatting a parsed trigger gives text that parses to the same trigger", () => {
    const text = "AfterWatermark(early=AfterAny(AfterCount(2), AfterProcessingTime(5)), late=OrFinally(Repeatedly(AfterCount(1)), AfterCount(9)))";
    const trigger = parseTriggerFn(text);
    expect(formatTriggerFn(trigger)).toBe(text);
    expect(parseTriggerFn(formatTriggerFn(trigger))).toEqual(trigger);
  });

  test.each([
    ["AfterCounts(2)", 1, "unknown trigger function 'AfterCounts'"],
    ["Repeatedly(AfterCont(2))", 12, "unknown trigger function 'AfterCont'"],
    ["Repeatedly(AfterCount(2)", 25, "expected ',' or ')' in the arguments of Repeatedly but found end of expression"],
    ["AfterCount(2))", 14, "unexpected ')' after a complete expression"],
    ["AfterCount(2, 3)", 15, "AfterCount takes at most 1 argument(s)"],
    ["AfterCount()", 1, "AfterCount needs its 'count' argument"],
    ["AfterCount(0)", 12, "'count' must be at least 1"],
    ["AfterCount(2.5)", 12, "'count' must be an integer"],
    ["AfterWatermark(erly=AfterCount(1))", 16, "AfterWatermark has no parameter 'erly'"],
    ["AfterWatermark(early=AfterCount(1), AfterCount(2))", 37, "positional argument follows keyword argument"],
    ["Never(1)", 7, "Never takes no arguments"],
    ["AfterAny()", 1, "AfterAny needs at least one trigger"],
    ["AfterCount(2) $", 15, "unexpected character '$'"],
    ["", 1, "empty expression"],
    ["5", 1, "expected a trigger"],
  ])("rejects %j at column %d", (text, column, message) => {
    const error = syntaxError(() => parseTriggerFn(text));
    expect(error.column).toBe(column);
    expect(error.detail).toContain(message);
  });
});

describe("window_fn syntax", () => {
  test.each([
    ["GlobalWindows", { kind: "global" }],
    ["GlobalWindows()", { kind: "global" }],
    ["FixedWindows(10)", { kind: "fixed", size: 10, offset: 0 }],
    ["FixedWindows(10, 5)", { kind: "fixed", size: 10, offset: 5 }],
    ["FixedWindows(size=10, offset=3)", { kind: "fixed", size: 10, offset: 3 }],
    ["SlidingWindows(10, 5)", { kind: "sliding", size: 10, period: 5, offset: 0 }],
    ["SlidingWindows(10, 5, offset=2)", { kind: "sliding", size: 10, period: 5, offset: 2 }],
    ["Sessions(10)", { kind: "sessions", gap: 10 }],
    ["Sessions(gap_size=7)", { kind: "sessions", gap: 7 }],
  ])("%s", (text, expected) => {
    expect(parseWindowFn(text)).toEqual(expected);
  });

  test.each([
    ["FixedWindow(10)", 1, "unknown window function 'FixedWindow'"],
    ["FixedWindows(0)", 14, "'size' must be at least 1"],
    ["FixedWindows(10, 10)", 1, "offset 10 must be smaller than 10"],
    ["SlidingWindows(10)", 1, "SlidingWindows needs its 'period' argument"],
    ["Sessions(10", 12, "expected ',' or ')'"],
    ["[1, 2]", 1, "expected a window function"],
  ])("rejects %j at column %d", (text, column, message) => {
    const error = syntaxError(() => parseWindowFn(text));
    expect(error.column).toBe(column);
    expect(error.detail).toContain(message);
  });
});

describe("call expressions", () => {
  test("lists and numbers nest inside calls", () => {
    expect(parseCallExpression("F([1, 2], x=[], y=-3)")).toEqual({
      kind: "call",
      name: "F",
      called: true,
      column: 1,
      args: [
        {
          kind: "list",
          column: 3,
          items: [
            { kind: "number", value: 1, column: 4 },
            { kind: "number", value: 2, column: 7 },
          ],
        },
      ],
      kwargs: [
        { name: "x", column: 11, value: { kind: "list", items: [], column: 13 } },
        { name: "y", column: 17, value: { kind: "number", value: -3, column: 19 } },
      ],
    });
  });

  test("a keyword given twice is an error at its second occurrence", () => {
    const error = syntaxError(() => parseCallExpression("F(a=1, a=2)"));
    expect(error.column).toBe(8);
    expect(error.detail).toContain("keyword argument 'a' given twice");
  });
});
