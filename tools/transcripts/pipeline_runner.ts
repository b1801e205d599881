/**
 * Transcripts as real pipelines: each transcript becomes TestStream → windowInto(its strategy) → windowedCombine
 * (its `combine:`) → pane captures of `results` and `late`, run on the direct runner (one pipeline per
 * transcript, virtual clock) or on Flink (many transcripts, one branch each, in one submitted job).
 *
 * What a pipeline can and cannot show, compared with the reducer harness (transcript_runner.ts):
 * - which step produced a pane is not observable, so all panes of the run are matched, as a multiset, against
 *   all `expect` panes of the transcript (and late elements against all `expect_late`);
 * - a pipeline's input ends, and the end of input (the watermark at +∞) closes every window. The panes that this
 *   last watermark fires are not written in the transcript: they are predicted by running the transcript's steps
 *   through the direct runner's reducer with `watermark: .inf` appended, and must be produced too.
 *
 * Transcripts a runner cannot run are reported skipped with the reason (flinkSkipReason), never as passed.
 */
import "apache-beam";
import type { PCollection, Root } from "apache-beam/pvalue";
import type { KV } from "apache-beam/values";
import type { Runner } from "apache-beam/runners/runner";
import type { CombineFn } from "apache-beam/transforms/group_and_combine";
import { withName } from "apache-beam/transforms/transform";
import { directRunner } from "../../runners/direct/runner";
import { FlinkPipelineResult, flinkRunner } from "../../runners/flink/runner";
import type { FlinkRunnerOptions } from "../../runners/flink/options";
import { runTranscript } from "./transcript_runner";
import { TIMESTAMP_MAX, WATERMARK_DONE, type Timing, type TriggerSpec, type WindowFnSpec, type WindowingSpec } from "../../model/model";
import type { LateRecord } from "../../model/late_record";
import { testStream, type TestStreamBuilder } from "../../transforms/test_stream";
import { windowFnOf, windowInto } from "../../transforms/windowing";
import { windowedCombine } from "../../transforms/windowed_combine";
import { paneCapture, type PaneCapture } from "../../transforms/testing/capture";
import type { CapturedElement } from "../../transforms/testing/captured";
import { match, closest, lateDiffer, paneDiffer, type Differ } from "./matching";
import { LATE_ORDER, PANE_ORDER, formatMapping, observeLate, observePane, type ObservedLate, type ObservedPane } from "./observed";
import type { CombineKind, ExpectedLate, ExpectedPane, Scalar, Step, Transcript } from "./transcript";
import { formatPlace } from "./transcript_error";
import type { CombinedValue } from "./combine_fns";

export type PipelineRunnerName = "direct" | "flink";

export type Outcome =
  | { readonly status: "passed" }
  | { readonly status: "failed"; readonly failure: string }
  | { readonly status: "skipped"; readonly reason: string };

interface Element {
  readonly key: Scalar;
  readonly value: Scalar;
}

/** Why `runner` cannot run this transcript as a pipeline, or undefined when it can. */
export function skipReason(t: Transcript, runner: PipelineRunnerName): string | undefined {
  if (t.allowUnsafeTriggers) {
    return "allow_unsafe_triggers: windowInto rejects such a trigger when the pipeline is built (Beam Java's check); only the reducer harness runs it";
  }
  if (runner === "direct") return undefined;
  if (t.steps.some((s) => s.kind === "processing_time")) {
    return "processing_time steps: Flink's TestStream does not advance processing time (Beam's Flink suite excludes such tests too)";
  }
  if ("trigger" in t.windowing && usesProcessingTime(t.windowing.trigger)) {
    return "a processing-time trigger: Flink's processing time is the wall clock, not the transcript's virtual clock";
  }
  return undefined;
}

function usesProcessingTime(t: TriggerSpec): boolean {
  switch (t.kind) {
    case "afterProcessingTime":
    case "afterSynchronizedProcessingTime":
      return true;
    case "afterWatermark":
      return (t.early !== undefined && usesProcessingTime(t.early)) || (t.late !== undefined && usesProcessingTime(t.late));
    case "repeatedly":
      return usesProcessingTime(t.trigger);
    case "afterEach":
    case "afterAny":
    case "afterAll":
      return t.triggers.some(usesProcessingTime);
    case "orFinally":
      return usesProcessingTime(t.main) || usesProcessingTime(t.until);
    default:
      return false;
  }
}


function total(accs: Iterable<number>): number {
  let sum = 0;
  for (const a of accs) sum += a;
  return sum;
}

/** The CombineFn behind `combine:` (list keeps every value, as GroupByKey would). */
function combineFnOf(kind: CombineKind) {
  switch (kind) {
    case "list":
      return {
        createAccumulator: (): Scalar[] => [],
        addInput: (acc: Scalar[], v: Scalar) => {
          acc.push(v);
          return acc;
        },
        mergeAccumulators: (accs: Iterable<Scalar[]>) => {
          const all: Scalar[] = [];
          for (const a of accs) for (const v of a) all.push(v);
          return all;
        },
        extractOutput: (acc: Scalar[]): CombinedValue => [...acc],
      };
    case "sum":
      return { createAccumulator: () => 0, addInput: (acc: number, v: Scalar) => acc + Number(v), mergeAccumulators: total, extractOutput: (acc: number): CombinedValue => acc };
    case "count":
      return { createAccumulator: () => 0, addInput: (acc: number) => acc + 1, mergeAccumulators: total, extractOutput: (acc: number): CombinedValue => acc };
    case "mean":
      return {
        createAccumulator: () => ({ sum: 0, count: 0 }),
        addInput: (acc: { sum: number; count: number }, v: Scalar) => ({ sum: acc.sum + Number(v), count: acc.count + 1 }),
        mergeAccumulators: (accs: Iterable<{ sum: number; count: number }>) => {
          const total = { sum: 0, count: 0 };
          for (const a of accs) {
            total.sum += a.sum;
            total.count += a.count;
          }
          return total;
        },
        // Beam's Mean of nothing is NaN (an empty FIRE_ALWAYS pane).
        extractOutput: (acc: { sum: number; count: number }): CombinedValue => (acc.count === 0 ? Number.NaN : acc.sum / acc.count),
      };
  }
}

/** The transcript's steps as a TestStream (processing time starts at 0, as in the reducer harness). */
function testStreamOf(t: Transcript, name: string): (root: Root) => PCollection<Element> {
  let builder: TestStreamBuilder<Element> = testStream<Element>().named(name);
  let now = 0;
  for (const step of t.steps) {
    if (step.kind === "input") {
      builder = builder.addElements(...step.elements.map((e) => ({ value: { key: e.key, value: e.value }, timestamp: e.timestamp })));
    } else if (step.kind === "watermark") {
      if (step.watermark > Number.NEGATIVE_INFINITY) builder = builder.advanceWatermarkTo(Math.min(step.watermark, TIMESTAMP_MAX));
    } else if (step.kind === "processing_time" && step.time > now) {
      builder = builder.advanceProcessingTime(step.time - now);
      now = step.time;
    }
  }
  return builder.advanceWatermarkToInfinity();
}

interface Branch {
  readonly transcript: Transcript;
  readonly results: PaneCapture<KV<Scalar, CombinedValue>>;
  readonly late: PaneCapture<LateRecord<Scalar, Scalar>>;
}

/** Adds one transcript's branch to the pipeline (throws as pipeline construction would, e.g. an unsafe trigger). */
function addBranch(root: Root, t: Transcript, spec: WindowingSpec, index: number): Branch {
  const prefix = `t${index}`;
  const results = paneCapture<KV<Scalar, CombinedValue>>(`${prefix}.results`);
  const late = paneCapture<LateRecord<Scalar, Scalar>>(`${prefix}.late`);
  const combineFn = combineFnOf(t.combine) as unknown as CombineFn<Scalar, unknown, CombinedValue>;
  const out = root
    .apply(testStreamOf(t, `${prefix}.testStream`))
    .apply(
      withName(
        `${prefix}.window`,
        windowInto<Element>(windowFnOf(spec.windowFn), {
          trigger: spec.trigger,
          accumulation: spec.accumulation,
          allowedLateness: spec.allowedLateness,
          timestampCombiner: spec.timestampCombiner,
          closingBehavior: spec.closingBehavior,
          onTimeBehavior: spec.onTimeBehavior,
        }),
      ),
    )
    .apply(
      windowedCombine<Element, Scalar, Scalar, unknown, CombinedValue>({
        key: (e: Element) => e.key,
        value: (e: Element) => e.value,
        combineFn,
        name: `${prefix}.combine`,
      }),
    );
  out.results.apply(results.capture());
  out.late.apply(late.capture());
  return { transcript: t, results, late };
}

/** A captured pane in the reducer's terms, so the harness's own observePane describes it. */
function observedPanes(elements: CapturedElement<KV<Scalar, CombinedValue>>[]): ObservedPane[] {
  return elements.map((e) =>
    observePane({
      key: e.value.key,
      value: e.value.value,
      window: e.window,
      timestamp: e.timestamp,
      pane: { ...e.pane, timing: e.pane.timing as Timing },
    }),
  );
}

/** A captured late record in the reducer's terms (observeLate). */
function observedLate(elements: CapturedElement<LateRecord<Scalar, Scalar>>[]): ObservedLate[] {
  return elements.map((e) => observeLate(e.value));
}

/** The panes the end of input fires, as the direct runner's reducer computes them (they are not in transcripts). */
function endOfInputPanes(t: Transcript): ExpectedPane[] {
  const actions: Step[] = t.steps.filter((s) => s.kind !== "expect" && s.kind !== "expect_late");
  const last = t.steps.length > 0 ? t.steps[t.steps.length - 1].line : t.line;
  const run = runTranscript({ ...t, steps: [...actions, { kind: "watermark", line: last, watermark: WATERMARK_DONE }] }, { check: false });
  const tail = run.outputs[run.outputs.length - 1];
  if (tail === undefined || tail.step.kind !== "watermark" || tail.step.watermark !== WATERMARK_DONE) return [];
  return tail.panes.map((p) => ({ ...p, line: last }));
}

/** Matches all outputs of a run against all expectations; a failure message, or undefined when they agree. */
export function checkRun(t: Transcript, panes: ObservedPane[], late: ObservedLate[], lateObservable: boolean): string | undefined {
  const expectedPanes: ExpectedPane[] = [
    ...t.steps.flatMap((s) => (s.kind === "expect" ? s.panes : [])),
    ...endOfInputPanes(t),
  ];
  const expectedLate: ExpectedLate[] = t.steps.flatMap((s) => (s.kind === "expect_late" ? s.elements : []));
  const problems = [
    ...compare(expectedPanes, panes, paneDiffer, PANE_ORDER, "pane"),
    ...(lateObservable ? compare(expectedLate, late, lateDiffer, LATE_ORDER, "late element") : []),
  ];
  if (problems.length === 0) return undefined;
  return [`${formatPlace(t.file, t.line, 0)}: the pipeline's outputs differ from the transcript's (all steps together)`, ...problems].join("\n");
}

function compare<E extends { line: number }, A extends object>(
  expected: readonly E[],
  actual: readonly A[],
  differ: Differ<E, A>,
  order: readonly string[],
  noun: string,
): string[] {
  const result = match(expected, actual, differ);
  const lines: string[] = [];
  for (const e of result.unmatchedExpected) {
    lines.push(`  1 expected ${noun}(s) not produced (line ${e.line}): ${formatMapping(e, order)}`);
    const near = closest(e, result.unmatchedActual, differ);
    if (near !== undefined) lines.push(`    closest actual: ${formatMapping(near.actual, order)} (differs in ${near.diffs.join(", ")})`);
  }
  for (const a of result.unmatchedActual) lines.push(`  unexpected ${noun}: ${formatMapping(a, order)}`);
  return lines;
}

export interface PipelineRunOptions {
  readonly runner: PipelineRunnerName;
  readonly flink?: FlinkRunnerOptions;
  /** Transcripts per submitted Flink job (default 15: one job per 15 keeps the job server's translation small). */
  readonly perJob?: number;
}

/** Why late elements cannot be checked on Flink: a job server without our late-data translation. */
const STOCK_JOB_SERVER_NO_LATE =
  "expect_late: this job server is Beam's own, without the late-data output (it only counts droppedDueToLateness); npm run flink:up starts ours";

/** Runs the transcripts as pipelines; one outcome per transcript, in order. */
export async function runTranscriptsAsPipelines(transcripts: readonly Transcript[], o: PipelineRunOptions): Promise<Outcome[]> {
  const outcomes: (Outcome | undefined)[] = transcripts.map(() => undefined);
  const runnable: number[] = [];
  transcripts.forEach((t, i) => {
    const reason = skipReason(t, o.runner);
    if (reason !== undefined) outcomes[i] = { status: "skipped", reason };
    else runnable.push(i);
  });
  const groups: number[][] = [];
  if (o.runner === "direct") for (const i of runnable) groups.push([i]);
  else {
    const size = o.perJob ?? 15;
    for (let s = 0; s < runnable.length; s += size) groups.push(runnable.slice(s, s + size));
  }
  for (const group of groups) {
    const branches = new Map<number, Branch>();
    const runner: Runner = o.runner === "direct" ? directRunner() : flinkRunner(o.flink ?? {});
    let lateObservable = false;
    try {
      const result = await runner.run((root) => {
        for (const i of group) {
          const t = transcripts[i];
          const problem = "windowFn" in t.windowing ? undefined : t.windowing.message;
          if (problem !== undefined) {
            outcomes[i] = expectedRejection(t, problem);
            continue;
          }
          try {
            branches.set(i, addBranch(root, t, t.windowing as WindowingSpec, i));
          } catch (e) {
            outcomes[i] = expectedRejection(t, `the pipeline could not be built: ${messageOf(e)}`);
          }
        }
      });
      lateObservable = o.runner === "direct" || (result instanceof FlinkPipelineResult && result.lateOutputs.length > 0);
    } catch (e) {
      for (const i of branches.keys()) outcomes[i] = expectedRejection(transcripts[i], `the pipeline failed: ${messageOf(e)}`);
      continue;
    }
    for (const [i, b] of branches) {
      const t = transcripts[i];
      if (!lateObservable && t.steps.some((s) => s.kind === "expect_late")) {
        outcomes[i] = { status: "skipped", reason: STOCK_JOB_SERVER_NO_LATE };
        continue;
      }
      const failure = checkRun(t, observedPanes(b.results.elements()), observedLate(b.late.elements()), lateObservable);
      outcomes[i] =
        !lateObservable && failure === undefined && t.error !== undefined && /late/.test(t.error.pattern.source)
          ? { status: "skipped", reason: `expects a rejection about the late-data output (/${t.error.pattern.source}/); ${STOCK_JOB_SERVER_NO_LATE}` }
          : judge(t, failure);
      b.results.clear();
      b.late.clear();
    }
  }
  return outcomes.map((x) => x ?? { status: "failed", failure: "internal: not run" });
}

/**
 * The outcome of a run that completed. A transcript with `error:` expects its check to fail: it passes when the
 * mismatch matches the pattern; when the pattern names what only the reducer harness can say (which step produced
 * an output), the transcript is skipped with that reason.
 */
function judge(t: Transcript, failure: string | undefined): Outcome {
  if (t.error === undefined) return failure === undefined ? { status: "passed" } : { status: "failed", failure };
  const place = formatPlace(t.file, t.error.line, 0);
  if (failure === undefined) {
    return { status: "failed", failure: `${place}: expected the run to be rejected with an error matching /${t.error.pattern.source}/, but its outputs matched` };
  }
  if (t.error.pattern.test(failure)) return { status: "passed" };
  return {
    status: "skipped",
    reason: `expects the reducer harness's per-step message /${t.error.pattern.source}/; as a pipeline it failed too, but a pipeline cannot say which step produced an output`,
  };
}

/** A transcript whose run was rejected: passed when it expected that rejection, failed otherwise. */
function expectedRejection(t: Transcript, message: string): Outcome {
  if (t.error !== undefined && t.error.pattern.test(message)) return { status: "passed" };
  const place = formatPlace(t.file, t.error?.line ?? t.configurationLine, 0);
  return t.error !== undefined
    ? { status: "failed", failure: `${place}: expected an error matching /${t.error.pattern.source}/, but: ${message}` }
    : { status: "failed", failure: `${place}: ${message}` };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
