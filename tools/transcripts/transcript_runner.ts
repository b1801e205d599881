/**
 * Runs one transcript: builds the grouping reducer for its windowing configuration, drives it step by step
 * (input → processElement with the window fn's windows, watermark → advanceInputWatermark, processing_time →
 * advanceProcessingTime), collects the panes and late elements each action produced and checks them against the
 * `expect` / `expect_late` steps that follow. Every output must be matched before the next action and by the end.
 * A transcript with `error:` passes only when its run is rejected with a matching message.
 */
import { createKeyedGrouping, KeyedGrouping } from "../../runners/direct/grouping/keyed_grouping";
import { Aggregator, Firing, LateElement, Millis, WindowingSpec } from "../../model/model";
import { checkTriggerSafety } from "../../model/validation";
import { assignWindows } from "../../model/window_fns";
import { CombinedValue, aggregatorFor } from "./combine_fns";
import { Differ, closest, lateDiffer, match, paneDiffer } from "./matching";
import {
  LATE_ORDER,
  ObservedLate,
  ObservedPane,
  PANE_ORDER,
  formatMapping,
  formatValue,
  observeLate,
  observePane,
} from "./observed";
import { Scalar, Step, Transcript } from "./transcript";
import { formatPlace } from "./transcript_error";
import { formatTriggerFn } from "./trigger_fn";

/** How the runner creates the reducer; tests may substitute it. */
export type GroupingFactory = (
  spec: WindowingSpec,
  aggregator: Aggregator<Scalar, unknown, CombinedValue>,
  keyId: (key: Scalar) => string,
  output: { firing(f: Firing<Scalar, CombinedValue>): void; late(l: LateElement<Scalar, Scalar>): void },
  start: { processingTime: Millis },
) => KeyedGrouping<Scalar, Scalar>;

export interface RunOptions {
  /** False: only run the actions and record their outputs (for `--print`); expectations are skipped. */
  readonly check?: boolean;
  readonly createGrouping?: GroupingFactory;
}

/** The outputs of one action step. */
export interface StepOutputs {
  readonly step: Step;
  readonly panes: readonly ObservedPane[];
  readonly late: readonly ObservedLate[];
}

export interface TranscriptResult {
  readonly transcript: Transcript;
  readonly passed: boolean;
  /** Why it failed: a readable, multi-line explanation starting with the place. */
  readonly failure?: string;
  readonly outputs: readonly StepOutputs[];
}

/** Transcripts start with the virtual processing-time clock at 0. */
export const START_PROCESSING_TIME: Millis = 0;

const defaultFactory: GroupingFactory = (spec, aggregator, keyId, output, start) =>
  createKeyedGrouping<Scalar, Scalar, unknown, CombinedValue>(spec, aggregator, keyId, output, start);

/** A failure of the run (not a rejection by the reducer). */
class Mismatch extends Error {}

export function runTranscript(transcript: Transcript, options: RunOptions = {}): TranscriptResult {
  const check = options.check ?? true;
  const outputs: StepOutputs[] = [];
  const place = (line: number): string => formatPlace(transcript.file, line, 0);
  const finish = (problem: string | undefined, rejected: boolean): TranscriptResult => {
    const expected = transcript.error;
    if (!check) return { transcript, passed: problem === undefined, failure: problem, outputs };
    if (expected === undefined) {
      return { transcript, passed: problem === undefined, failure: problem, outputs };
    }
    if (problem === undefined) {
      return {
        transcript,
        passed: false,
        failure: `${place(expected.line)}: expected the transcript to be rejected with an error matching /${expected.pattern.source}/, but it ran without error`,
        outputs,
      };
    }
    if (expected.pattern.test(problem)) return { transcript, passed: true, outputs };
    const what = rejected ? "it was rejected with a different error" : "it failed differently";
    return {
      transcript,
      passed: false,
      failure: `${place(expected.line)}: expected an error matching /${expected.pattern.source}/, but ${what}:\n${indent(problem)}`,
      outputs,
    };
  };

  if (!("windowFn" in transcript.windowing)) return finish(transcript.windowing.message, true);
  const spec = transcript.windowing;

  let pendingPanes: ObservedPane[] = [];
  let pendingLate: ObservedLate[] = [];
  let current: { panes: ObservedPane[]; late: ObservedLate[] } = { panes: [], late: [] };
  let grouping: KeyedGrouping<Scalar, Scalar>;
  try {
    // What building the pipeline does (Beam Java's GroupByKey.applicableTo); the reducer runs any trigger.
    if (!transcript.allowUnsafeTriggers) checkTriggerSafety(spec, formatTriggerFn);
    grouping = (options.createGrouping ?? defaultFactory)(
      spec,
      aggregatorFor(transcript.combine),
      (key) => JSON.stringify(key),
      {
        firing: (f) => current.panes.push(observePane(f)),
        late: (l) => current.late.push(observeLate(l)),
      },
      { processingTime: START_PROCESSING_TIME },
    );
  } catch (e) {
    return finish(`${place(transcript.configurationLine)}: the windowing configuration was rejected: ${messageOf(e)}`, true);
  }

  let previousAction: Step | undefined;
  try {
    for (const step of transcript.steps) {
      if (step.kind === "expect" || step.kind === "expect_late") {
        if (!check) continue;
        if (step.kind === "expect") {
          pendingPanes = checkExpectations(step.panes, pendingPanes, paneDiffer, PANE_ORDER, "pane", step, previousAction, place);
        } else {
          pendingLate = checkExpectations(step.elements, pendingLate, lateDiffer, LATE_ORDER, "late element", step, previousAction, place);
        }
        continue;
      }
      if (check) assertNothingPending(pendingPanes, pendingLate, previousAction, `before the ${step.kind} step at line ${step.line}`, place);
      current = { panes: [], late: [] };
      try {
        act(grouping, spec, step);
      } catch (e) {
        throw new Rejection(`${place(step.line)}: the ${step.kind} step failed: ${messageOf(e)}`);
      }
      outputs.push({ step, panes: current.panes, late: current.late });
      pendingPanes = current.panes;
      pendingLate = current.late;
      previousAction = step;
    }
    if (check) assertNothingPending(pendingPanes, pendingLate, previousAction, "at the end of the transcript", place);
  } catch (e) {
    if (e instanceof Mismatch) return finish(e.message, false);
    if (e instanceof Rejection) return finish(e.message, true);
    throw e;
  }
  return finish(undefined, false);
}

/** The reducer threw while running a step. */
class Rejection extends Error {}

function act(grouping: KeyedGrouping<Scalar, Scalar>, spec: WindowingSpec, step: Step): void {
  switch (step.kind) {
    case "input":
      for (const element of step.elements) {
        grouping.processElement(element.key, element.value, element.timestamp, assignWindows(spec.windowFn, element.timestamp));
      }
      return;
    case "watermark":
      grouping.advanceInputWatermark(step.watermark);
      return;
    case "processing_time":
      grouping.advanceProcessingTime(step.time);
      return;
    default:
      throw new Error(`internal: ${step.kind} is not an action`);
  }
}

function describeAction(step: Step | undefined): string {
  if (step === undefined) return "the start";
  switch (step.kind) {
    case "input":
      return `input at line ${step.line}`;
    case "watermark":
      return `watermark ${formatValue("watermark", step.watermark)} at line ${step.line}`;
    case "processing_time":
      return `processing_time ${step.time} at line ${step.line}`;
    default:
      return `line ${step.line}`;
  }
}

function checkExpectations<E extends { line: number }, A extends object>(
  expected: readonly E[],
  pending: A[],
  differ: Differ<E, A>,
  order: readonly string[],
  noun: string,
  step: Step,
  action: Step | undefined,
  place: (line: number) => string,
): A[] {
  const result = match(expected, pending, differ);
  if (result.unmatchedExpected.length === 0) return [...result.unmatchedActual];
  const lines = [
    `${place(step.line)}: ${result.unmatchedExpected.length} expected ${noun}(s) not produced by ${describeAction(action)}`,
  ];
  for (const e of result.unmatchedExpected) {
    lines.push(`  expected (line ${e.line}): ${formatMapping(e, order)}`);
    const near = closest(e, result.unmatchedActual, differ);
    if (near === undefined) {
      lines.push(`    but no unmatched ${noun} was produced`);
    } else {
      lines.push(`    closest actual:   ${formatMapping(near.actual, order)}`);
      for (const field of near.diffs) {
        lines.push(`      ${field}: expected ${formatField(e, field, order)}, actual ${formatField(near.actual, field, order)}`);
      }
    }
  }
  if (result.unmatchedActual.length > 0) {
    lines.push(`  all unmatched actual ${noun}s of that action:`);
    for (const a of result.unmatchedActual) lines.push(`    ${formatMapping(a, order)}`);
  }
  throw new Mismatch(lines.join("\n"));
}

function formatField(record: object, field: string, order: readonly string[]): string {
  const fields = record as Record<string, unknown>;
  // An expected late element's `window` is compared with the element's missed `windows`.
  const name = field === "window" && !(field in fields) && "windows" in fields ? "windows" : field;
  const text = formatMapping({ [name]: fields[name] }, order);
  return text.slice(name.length + 3, -1);
}

function assertNothingPending(
  panes: readonly ObservedPane[],
  late: readonly ObservedLate[],
  action: Step | undefined,
  when: string,
  place: (line: number) => string,
): void {
  if (panes.length === 0 && late.length === 0) return;
  const lines = [
    `${place(action?.line ?? 0)}: unexpected output of ${describeAction(action)}, not matched by any expect/expect_late ${when}:`,
  ];
  for (const p of panes) lines.push(`  pane:         ${formatMapping(p, PANE_ORDER)}`);
  for (const l of late) lines.push(`  late element: ${formatMapping(l, LATE_ORDER)}`);
  throw new Mismatch(lines.join("\n"));
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}
