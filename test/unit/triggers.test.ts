/**
 * Trigger builders: each writes Beam's Trigger proto and reads back as the same spec, describes itself the way Beam
 * Java does, and malformed compositions are rejected at construction with the reason.
 */
import type { TriggerSpec } from "../../model/model";
import { triggerSpecFromProto } from "../../model/strategy";
import {
  afterAll,
  afterAny,
  afterCount,
  afterEach,
  afterProcessingTime,
  afterWatermark,
  always,
  defaultTrigger,
  describeTrigger,
  never,
  orFinally,
  repeatedly,
  triggerToProto,
} from "../../transforms/triggers";
import { seconds } from "../../transforms/windowing";

describe("every trigger round-trips through Beam's Trigger proto", () => {
  const cases: [string, TriggerSpec, string][] = [
    ["default", defaultTrigger(), "default"],
    ["never", never(), "never"],
    ["always", always(), "always"],
    ["afterWatermark", afterWatermark(), "afterEndOfWindow"],
    ["afterWatermark with early", afterWatermark({ early: afterCount(2) }), "afterEndOfWindow"],
    ["afterWatermark with late", afterWatermark({ late: afterProcessingTime(seconds(10)) }), "afterEndOfWindow"],
    [
      "afterWatermark with early and late",
      afterWatermark({ early: afterProcessingTime(seconds(5)), late: afterCount(1) }),
      "afterEndOfWindow",
    ],
    ["afterProcessingTime", afterProcessingTime(seconds(5)), "afterProcessingTime"],
    ["afterProcessingTime without delay", afterProcessingTime(0), "afterProcessingTime"],
    ["afterCount", afterCount(3), "elementCount"],
    ["repeatedly", repeatedly(afterCount(3)), "repeat"],
    ["afterEach", afterEach(afterCount(2), repeatedly(afterCount(1))), "afterEach"],
    ["afterAny", afterAny(afterCount(2), afterProcessingTime(seconds(1))), "afterAny"],
    ["afterAll", afterAll(afterCount(2), afterWatermark()), "afterAll"],
    ["orFinally", orFinally(repeatedly(afterCount(2)), afterWatermark()), "orFinally"],
  ];
  test.each(cases)("%s", (_name, trigger, oneofKind) => {
    const proto = triggerToProto(trigger);
    expect(proto.trigger.oneofKind).toBe(oneofKind);
    expect(triggerSpecFromProto(proto)).toEqual(trigger);
  });

  test("the processing-time delay is a Delay timestamp transform in milliseconds", () => {
    expect(triggerToProto(afterProcessingTime(1500))).toEqual({
      trigger: {
        oneofKind: "afterProcessingTime",
        afterProcessingTime: {
          timestampTransforms: [{ timestampTransform: { oneofKind: "delay", delay: { delayMillis: 1500n } } }],
        },
      },
    });
  });
});

describe("descriptions follow Beam Java's toString", () => {
  test.each([
    [repeatedly(afterCount(2)), "Repeatedly.forever(AfterPane.elementCountAtLeast(2))"],
    [
      afterWatermark({ early: afterProcessingTime(seconds(5)), late: afterCount(1) }),
      "AfterWatermark.pastEndOfWindow().withEarlyFirings(AfterProcessingTime.pastFirstElementInPane().plusDelayOf(5000 ms)).withLateFirings(AfterPane.elementCountAtLeast(1))",
    ],
    [orFinally(repeatedly(afterCount(2)), afterWatermark()), "Repeatedly.forever(AfterPane.elementCountAtLeast(2)).orFinally(AfterWatermark.pastEndOfWindow())"],
    [afterAny(afterCount(1), never()), "AfterFirst.of(AfterPane.elementCountAtLeast(1), Never.ever())"],
  ])("%j", (trigger, text) => {
    expect(describeTrigger(trigger)).toBe(text);
  });
});

describe("malformed triggers are rejected at construction, saying why", () => {
  test("element counts and delays", () => {
    expect(() => afterCount(0)).toThrow(/afterCount needs a whole number of elements ≥ 1, got 0/);
    expect(() => afterCount(2.5)).toThrow(/got 2.5/);
    expect(() => afterProcessingTime(-1)).toThrow(/delay of whole milliseconds ≥ 0, got -1/);
  });

  test("early and late firings must fire once (repetition is implicit)", () => {
    expect(() => afterWatermark({ early: repeatedly(afterCount(1)) })).toThrow(
      /the early firings trigger must be a trigger that fires once.*got repeatedly/,
    );
    expect(() => afterWatermark({ late: afterEach(afterCount(1), afterCount(2)) })).toThrow(/late firings trigger.*got afterEach/);
  });

  test("afterAny / afterAll take once triggers, orFinally's until is a once trigger", () => {
    expect(() => afterAny(afterCount(1), repeatedly(afterCount(2)))).toThrow(/subtrigger 1 of afterAny must be a trigger that fires once/);
    expect(() => afterAll(defaultTrigger())).toThrow(/subtrigger 0 of afterAll.*got default/);
    expect(() => orFinally(afterCount(1), repeatedly(afterCount(1)))).toThrow(/orFinally `until` trigger must be a trigger that fires once/);
  });

  test("empty compositions", () => {
    expect(() => afterEach()).toThrow(/afterEach needs at least one subtrigger/);
    expect(() => afterAny()).toThrow(/afterAny needs at least one subtrigger/);
  });

  test("unsupported proto triggers say what to use instead", () => {
    expect(() =>
      triggerSpecFromProto({
        trigger: {
          oneofKind: "afterProcessingTime",
          afterProcessingTime: {
            timestampTransforms: [{ timestampTransform: { oneofKind: "alignTo", alignTo: { period: 1000n, offset: 0n } } }],
          },
        },
      }),
    ).toThrow(/timestamp transform 'alignTo' is not supported.*afterProcessingTime\(delay\)/);
  });
});
