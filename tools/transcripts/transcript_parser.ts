/**
 * Turns the YAML documents of a transcript file into Transcripts: checks every key and value, parses
 * `window_fn` / `trigger_fn`, applies Beam's defaults, and reports every problem with its file line.
 */
import {
  AccumulationMode,
  FiringBehavior,
  Millis,
  TimestampCombiner,
  WATERMARK_DONE,
  WATERMARK_START,
  WindowingSpec,
} from "../../model/model";
import { CallSyntaxError } from "./call_syntax";
import {
  CombineKind,
  DEFAULT_KEY,
  ExpectedLate,
  ExpectedPane,
  InputElement,
  Scalar,
  Step,
  Transcript,
  GLOBAL_WINDOW_BOUNDS,
  WindowBounds,
} from "./transcript";
import { TranscriptError } from "./transcript_error";
import { PANE_ORDER } from "./observed";
import { parseTriggerFn } from "./trigger_fn";
import { parseWindowFn } from "./window_fn";
import { YamlDocument, loadYamlDocuments } from "./yaml_documents";

const TOP_LEVEL_KEYS = [
  "name",
  "description",
  "window_fn",
  "trigger_fn",
  "timestamp_combiner",
  "allowed_lateness",
  "accumulation_mode",
  "closing_behavior",
  "on_time_behavior",
  "combine",
  "allow_unsafe_triggers",
  "error",
  "broken_on",
  "transcript",
];
const STEP_KINDS = ["input", "watermark", "processing_time", "clock", "expect", "expect_late"];
/** The attributes an expected pane may name: those an observed pane has (observed.ts prints them in this order). */
const PANE_KEYS: readonly string[] = PANE_ORDER;
const LATE_KEYS = ["key", "value", "timestamp", "window", "reason"];
const INPUT_KEYS = ["key", "value", "timestamp"];

const TIMESTAMP_COMBINERS: Record<string, TimestampCombiner> = {
  OUTPUT_AT_EOW: "END_OF_WINDOW",
  OUTPUT_AT_EARLIEST: "EARLIEST",
  OUTPUT_AT_LATEST: "LATEST",
};
const ACCUMULATION_MODES: Record<string, AccumulationMode> = {
  ACCUMULATING: "ACCUMULATING",
  DISCARDING: "DISCARDING",
};
const FIRING_BEHAVIORS: Record<string, FiringBehavior> = {
  FIRE_ALWAYS: "FIRE_ALWAYS",
  FIRE_IF_NON_EMPTY: "FIRE_IF_NON_EMPTY",
};
const COMBINES: readonly CombineKind[] = ["list", "sum", "count", "mean"];

/** Parses every transcript of one file. Throws TranscriptError (with the file line) on the first problem. */
export function parseTranscriptFile(file: string, text: string): Transcript[] {
  return loadYamlDocuments(file, text).map((document) => parseDocument(document));
}

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseDocument(document: YamlDocument): Transcript {
  const file = document.file;
  const fail = (line: number | undefined, message: string, column = 0): never => {
    throw new TranscriptError(file, line ?? document.firstLine, column, message);
  };
  const root = document.value;
  if (!isMapping(root)) fail(document.firstLine, "a transcript document must be a mapping (name:, transcript:, …)");
  const spec = root as Mapping;
  const keyLine = (key: string): number => document.placeOfTopLevelKey(key)?.line ?? document.firstLine;

  for (const key of Object.keys(spec)) {
    if (!TOP_LEVEL_KEYS.includes(key)) {
      fail(keyLine(key), `unknown key '${key}'${suggest(key, TOP_LEVEL_KEYS)}; known keys: ${TOP_LEVEL_KEYS.join(", ")}`);
    }
  }
  const name = spec.name;
  if (typeof name !== "string" || name.trim() === "") fail(keyLine("name"), "every transcript needs a 'name:' (text)");

  let error: Transcript["error"];
  if (spec.error !== undefined) {
    if (typeof spec.error !== "string" || spec.error === "") {
      fail(keyLine("error"), "'error:' must be the text (a regular expression) the rejection's message must match");
    }
    try {
      error = { pattern: new RegExp(spec.error as string), line: keyLine("error") };
    } catch (e) {
      fail(keyLine("error"), `'error:' is not a valid regular expression: ${(e as Error).message}`);
    }
  }

  const enumValue = <T>(key: string, table: Record<string, T>, fallback: T): T => {
    const raw = spec[key];
    if (raw === undefined) return fallback;
    const value = typeof raw === "string" ? table[raw.toUpperCase()] : undefined;
    if (value === undefined) fail(keyLine(key), `'${key}' must be one of ${Object.keys(table).join(", ")}, not ${JSON.stringify(raw)}`);
    return value as T;
  };
  const timestampCombiner = enumValue("timestamp_combiner", TIMESTAMP_COMBINERS, "END_OF_WINDOW" as TimestampCombiner);
  const accumulation = enumValue("accumulation_mode", ACCUMULATION_MODES, "ACCUMULATING" as AccumulationMode);
  const closingBehavior = enumValue("closing_behavior", FIRING_BEHAVIORS, "FIRE_IF_NON_EMPTY" as FiringBehavior);
  const onTimeBehavior = enumValue("on_time_behavior", FIRING_BEHAVIORS, "FIRE_ALWAYS" as FiringBehavior);
  let allowedLateness = 0;
  if (spec.allowed_lateness !== undefined) {
    const raw = spec.allowed_lateness;
    if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 0) {
      fail(keyLine("allowed_lateness"), `'allowed_lateness' must be a non-negative integer (time units), not ${JSON.stringify(raw)}`);
    }
    allowedLateness = raw as number;
  }
  let combine: CombineKind = "list";
  if (spec.combine !== undefined) {
    if (typeof spec.combine !== "string" || !COMBINES.includes(spec.combine as CombineKind)) {
      fail(keyLine("combine"), `'combine' must be one of ${COMBINES.join(", ")}, not ${JSON.stringify(spec.combine)}`);
    }
    combine = spec.combine as CombineKind;
  }

  let allowUnsafeTriggers = false;
  if (spec.allow_unsafe_triggers !== undefined) {
    if (typeof spec.allow_unsafe_triggers !== "boolean") fail(keyLine("allow_unsafe_triggers"), "'allow_unsafe_triggers' must be true or false");
    allowUnsafeTriggers = spec.allow_unsafe_triggers as boolean;
  }

  let windowing: WindowingSpec | TranscriptError;
  try {
    windowing = {
      windowFn: parseExpression(document, "window_fn", "GlobalWindows", parseWindowFn),
      trigger: parseExpression(document, "trigger_fn", "Default", parseTriggerFn),
      accumulation,
      allowedLateness,
      timestampCombiner,
      closingBehavior,
      onTimeBehavior,
    };
  } catch (e) {
    if (!(e instanceof TranscriptError) || error === undefined) throw e;
    windowing = e;
  }

  const steps = parseSteps(document, spec.transcript, keyLine("transcript"), combine);
  const configurationLine =
    document.placeOfTopLevelKey("trigger_fn")?.line ?? document.placeOfTopLevelKey("window_fn")?.line ?? document.firstLine;
  return {
    file,
    line: document.firstLine,
    configurationLine,
    name: name as string,
    windowing,
    combine,
    allowUnsafeTriggers,
    error,
    steps,
  };
}

function parseExpression<T>(document: YamlDocument, key: string, fallback: string, parse: (text: string) => T): T {
  const raw = isMapping(document.value) ? document.value[key] : undefined;
  const place = document.placeOfTopLevelKey(key);
  if (raw === undefined) return parse(fallback);
  if (typeof raw !== "string") {
    throw new TranscriptError(document.file, place?.line ?? document.firstLine, 0, `'${key}' must be an expression such as ${fallback}`);
  }
  try {
    return parse(raw);
  } catch (e) {
    if (!(e instanceof CallSyntaxError)) throw e;
    // The value usually sits on the key's line; then the column maps into the file exactly.
    const line = place?.line ?? document.firstLine;
    const lineText = document.text.split("\n")[line - document.firstLine] ?? "";
    const start = place ? lineText.indexOf(raw.trim().slice(0, 12), place.column - 1) : -1;
    // A value folded over several lines: a column past the first line's part cannot be mapped, give the line only.
    const column = start >= 0 && start + e.column <= lineText.length + 1 ? start + e.column : 0;
    throw new TranscriptError(document.file, line, column, `${key}: ${e.detail} in '${raw}'`);
  }
}

function parseSteps(document: YamlDocument, raw: unknown, line: number, combine: CombineKind): Step[] {
  const fail = (at: number | undefined, message: string): never => {
    throw new TranscriptError(document.file, at ?? line, 0, message);
  };
  if (!Array.isArray(raw)) fail(line, "'transcript:' must be a list of steps (- input: …, - watermark: …, - expect: …)");
  const steps: Step[] = [];
  let watermark: { value: Millis; line: number } = { value: WATERMARK_START, line };
  let processingTime: { value: Millis; line: number } = { value: 0, line };
  for (const item of raw as unknown[]) {
    const at = document.lineOf(item) ?? line;
    if (!isMapping(item) || Object.keys(item).length !== 1) {
      fail(at, `each step must be a mapping with exactly one of ${STEP_KINDS.join(", ")}`);
    }
    // (No destructuring: the closure transform drops destructured bindings.)
    const entry = Object.entries(item as Mapping)[0];
    const kind = entry[0];
    const value = entry[1];
    switch (kind) {
      case "input":
        steps.push({ kind: "input", line: at, elements: parseInputs(document, value, at, combine) });
        break;
      case "watermark": {
        const next = parseTime(value, true);
        if (next === undefined) fail(at, `'watermark' must be an integer or .inf, not ${JSON.stringify(value)}`);
        if ((next as number) < watermark.value) {
          fail(at, `the watermark moves backwards: ${next} is before ${watermark.value} set at line ${watermark.line}; watermarks only advance`);
        }
        watermark = { value: next as number, line: at };
        steps.push({ kind: "watermark", line: at, watermark: next as number });
        break;
      }
      case "processing_time":
      case "clock": {
        const next = parseTime(value, false);
        if (next === undefined) fail(at, `'${kind}' must be an integer, not ${JSON.stringify(value)}`);
        if ((next as number) < processingTime.value) {
          fail(at, `processing time moves backwards: ${next} is before ${processingTime.value} (line ${processingTime.line}); the clock only advances`);
        }
        processingTime = { value: next as number, line: at };
        steps.push({ kind: "processing_time", line: at, time: next as number });
        break;
      }
      case "expect":
        steps.push({ kind: "expect", line: at, panes: parseExpectedPanes(document, value, at, combine) });
        break;
      case "expect_late":
        steps.push({ kind: "expect_late", line: at, elements: parseExpectedLate(document, value, at) });
        break;
      case "state":
        fail(at, "the 'state' step of Beam's Python transcripts is not supported (it inspects runner internals)");
        break;
      default:
        fail(at, `unknown step '${kind}'${suggest(kind, STEP_KINDS)}; steps are ${STEP_KINDS.join(", ")}`);
    }
  }
  return steps;
}

function parseTime(value: unknown, allowInfinity: boolean): Millis | undefined {
  if (typeof value !== "number") return undefined;
  if (value === Number.POSITIVE_INFINITY && allowInfinity) return WATERMARK_DONE;
  return Number.isInteger(value) ? value : undefined;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

function parseInputs(document: YamlDocument, value: unknown, line: number, combine: CombineKind): InputElement[] {
  const fail = (message: string): never => {
    throw new TranscriptError(document.file, line, 0, message);
  };
  if (!Array.isArray(value)) fail("'input' must be a list of timestamps or {key, value, timestamp} elements");
  return (value as unknown[]).map((element) => {
    if (typeof element === "number") {
      if (!Number.isInteger(element)) fail(`input timestamps must be integers, not ${element}`);
      return { key: DEFAULT_KEY, value: element, timestamp: element };
    }
    const at = document.lineOf(element) ?? line;
    if (!isMapping(element)) {
      throw new TranscriptError(document.file, at, 0, `an input element is a timestamp or {key, value, timestamp}, not ${JSON.stringify(element)}`);
    }
    for (const k of Object.keys(element)) {
      if (!INPUT_KEYS.includes(k)) throw new TranscriptError(document.file, at, 0, `unknown input attribute '${k}'; use ${INPUT_KEYS.join(", ")}`);
    }
    const timestamp = element.timestamp;
    if (typeof timestamp !== "number" || !Number.isInteger(timestamp)) {
      throw new TranscriptError(document.file, at, 0, "a keyed input element needs an integer 'timestamp'");
    }
    const key = element.key === undefined ? DEFAULT_KEY : element.key;
    const v = element.value === undefined ? timestamp : element.value;
    if (!isScalar(key) || !isScalar(v)) throw new TranscriptError(document.file, at, 0, "input 'key' and 'value' must be scalars");
    if (combine !== "list" && combine !== "count" && typeof v !== "number") {
      throw new TranscriptError(document.file, at, 0, `combine: ${combine} needs numeric values, not ${JSON.stringify(v)}`);
    }
    return { key, value: v, timestamp };
  });
}

function parseWindow(document: YamlDocument, value: unknown, at: number): WindowBounds {
  if (value === "global") return GLOBAL_WINDOW_BOUNDS;
  if (!Array.isArray(value) || value.length !== 2 || !value.every((n) => typeof n === "number" && Number.isInteger(n))) {
    throw new TranscriptError(document.file, at, 0, `'window' is [start, end-inclusive] (two integers) or global, not ${JSON.stringify(value)}`);
  }
  return [value[0] as number, value[1] as number];
}

function parseExpectedPanes(document: YamlDocument, value: unknown, line: number, combine: CombineKind): ExpectedPane[] {
  if (!Array.isArray(value)) throw new TranscriptError(document.file, line, 0, "'expect' must be a list of panes ({window: …, values: …})");
  return (value as unknown[]).map((pane) => {
    const at = document.lineOf(pane) ?? line;
    const fail = (message: string): never => {
      throw new TranscriptError(document.file, at, 0, message);
    };
    if (!isMapping(pane)) fail(`an expected pane is a mapping such as {window: [0, 9], values: [1, 2]}, not ${JSON.stringify(pane)}`);
    const p = pane as Mapping;
    for (const k of Object.keys(p)) {
      if (!PANE_KEYS.includes(k)) fail(`unknown pane attribute '${k}'${suggest(k, PANE_KEYS)}; attributes are ${PANE_KEYS.join(", ")}`);
    }
    const result: { -readonly [K in keyof ExpectedPane]: ExpectedPane[K] } = { line: at };
    if (p.key !== undefined) {
      if (!isScalar(p.key)) fail("'key' must be a scalar");
      result.key = p.key as Scalar;
    }
    if (p.window !== undefined) result.window = parseWindow(document, p.window, at);
    if (p.values !== undefined) {
      if (combine === "list") {
        if (!Array.isArray(p.values) || !p.values.every(isScalar)) fail("with combine: list, 'values' is a list of values");
        result.values = p.values as Scalar[];
      } else {
        if (typeof p.values !== "number") fail(`with combine: ${combine}, 'values' is the combined number, not ${JSON.stringify(p.values)}`);
        result.values = p.values as number;
      }
    }
    for (const k of ["timestamp", "index", "nonspeculative_index"] as const) {
      if (p[k] !== undefined) {
        if (typeof p[k] !== "number" || !Number.isInteger(p[k])) fail(`'${k}' must be an integer`);
        result[k] = p[k] as number;
      }
    }
    for (const k of ["early", "late", "final", "first"] as const) {
      if (p[k] !== undefined) {
        if (typeof p[k] !== "boolean") fail(`'${k}' must be true or false`);
        result[k] = p[k] as boolean;
      }
    }
    return result;
  });
}

function parseExpectedLate(document: YamlDocument, value: unknown, line: number): ExpectedLate[] {
  if (!Array.isArray(value)) {
    throw new TranscriptError(document.file, line, 0, "'expect_late' must be a list of timestamps or {key, value, timestamp, window}");
  }
  return (value as unknown[]).map((element) => {
    if (typeof element === "number") return { line, key: DEFAULT_KEY, value: element, timestamp: element };
    const at = document.lineOf(element) ?? line;
    const fail = (message: string): never => {
      throw new TranscriptError(document.file, at, 0, message);
    };
    if (!isMapping(element)) fail(`an expected late element is a timestamp or a mapping, not ${JSON.stringify(element)}`);
    const e = element as Mapping;
    for (const k of Object.keys(e)) {
      if (!LATE_KEYS.includes(k)) fail(`unknown late-element attribute '${k}'${suggest(k, LATE_KEYS)}; attributes are ${LATE_KEYS.join(", ")}`);
    }
    const result: { -readonly [K in keyof ExpectedLate]: ExpectedLate[K] } = { line: at };
    if (e.key !== undefined) {
      if (!isScalar(e.key)) fail("'key' must be a scalar");
      result.key = e.key as Scalar;
    }
    if (e.value !== undefined) {
      if (!isScalar(e.value)) fail("'value' must be a scalar");
      result.value = e.value as Scalar;
    }
    if (e.timestamp !== undefined) {
      if (typeof e.timestamp !== "number" || !Number.isInteger(e.timestamp)) fail("'timestamp' must be an integer");
      result.timestamp = e.timestamp as number;
    }
    if (e.window !== undefined) result.window = parseWindow(document, e.window, at);
    if (e.reason !== undefined) {
      const reason = typeof e.reason === "string" ? e.reason.toUpperCase() : "";
      if (reason !== "EXPIRED_WINDOW" && reason !== "CLOSED_WINDOW") fail("'reason' is EXPIRED_WINDOW or CLOSED_WINDOW");
      result.reason = reason as "EXPIRED_WINDOW" | "CLOSED_WINDOW";
    }
    return result;
  });
}

/** ` (did you mean 'x'?)` for a near miss, else "". */
function suggest(word: string, known: readonly string[]): string {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length];
  };
  const best = known.map((k) => ({ k, d: distance(word.toLowerCase(), k) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= 2 ? ` (did you mean '${best.k}'?)` : "";
}
