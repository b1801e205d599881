/**
 * The transcript command: `npm run transcript -- FILE.yaml… [--print] [--runner=direct|flink]`. Runs every
 * transcript of every file (directories: their *.yaml files), prints one PASS/FAIL line per transcript with a diff
 * under each failure, then `transcripts: N passed, N failed`. Without --runner the direct runner's grouping reducer
 * is driven step by step (every step's outputs checked); with --runner each transcript runs as a real pipeline on
 * that runner (pipeline_runner.ts: all outputs checked together), transcripts it cannot run are reported
 * `SKIP … : reason`, and the closing line is `transcripts: N passed, N failed, N skipped`. With --print it prints, instead of checking, the panes and late
 * elements each step produced as JSON lines (under a `# name (file:line)` header per transcript), and no summary.
 */
import * as fs from "fs";
import * as path from "path";
import { formatPlace, TranscriptError } from "./transcript_error";
import { parseTranscriptFile } from "./transcript_parser";
import { runTranscript } from "./transcript_runner";
import { Transcript } from "./transcript";
import { runTranscriptsAsPipelines, type PipelineRunnerName } from "./pipeline_runner";

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  readFile(file: string): string;
  /** The *.yaml files of a directory, or undefined when `file` is not a directory. */
  listYaml(file: string): string[] | undefined;
}

export const USAGE =
  "usage: npm run transcript -- [--print] FILE.yaml|DIR …  |  npm run transcript -- --runner=direct|flink " +
  "[--job-endpoint host:port] [--flink-master host:port] FILE.yaml|DIR …";

export const nodeIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  readFile: (file) => fs.readFileSync(file, "utf8"),
  listYaml(file) {
    if (!fs.existsSync(file) || !fs.statSync(file).isDirectory()) return undefined;
    return fs
      .readdirSync(file)
      .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
      .sort()
      .map((f) => path.join(file, f));
  },
};

/** Runs the command; returns the process exit code (0 all passed, 1 a failure, 2 a usage error). */
export function runCli(argv: readonly string[], io: CliIo = nodeIo): number {
  let print = false;
  const inputs: string[] = [];
  for (const arg of argv) {
    if (arg === "--print") print = true;
    else if (arg === "--help" || arg === "-h") {
      io.out(USAGE);
      return 0;
    } else if (arg.startsWith("-")) {
      io.err(`transcript: unknown option '${arg}' (${USAGE})`);
      return 2;
    } else inputs.push(arg);
  }
  if (inputs.length === 0) {
    io.err(`transcript: no transcript files given (${USAGE})`);
    return 2;
  }
  const files = inputs.flatMap((input) => io.listYaml(input) ?? [input]);

  let passed = 0;
  let failed = 0;
  for (const file of files) {
    let transcripts: Transcript[];
    try {
      transcripts = parseTranscriptFile(file, io.readFile(file));
    } catch (e) {
      failed++;
      const message = e instanceof TranscriptError ? e.message : `${file}: ${(e as Error).message}`;
      io.out(`FAIL ${file} (the file could not be read as transcripts)`);
      io.out(indent(message));
      continue;
    }
    for (const transcript of transcripts) {
      const result = runTranscript(transcript, { check: !print });
      const where = formatPlace(transcript.file, transcript.line, 0);
      if (print) {
        io.out(`# ${transcript.name} (${where})`);
        for (const step of result.outputs) {
          for (const pane of step.panes) io.out(jsonLine({ line: step.step.line, step: step.step.kind, pane }));
          for (const late of step.late) io.out(jsonLine({ line: step.step.line, step: step.step.kind, late }));
        }
        if (result.failure !== undefined) {
          failed++;
          io.out(indent(result.failure));
        }
        continue;
      }
      if (result.passed) {
        passed++;
        io.out(`PASS ${transcript.name} (${where})`);
      } else {
        failed++;
        io.out(`FAIL ${transcript.name} (${where})`);
        io.out(indent(result.failure ?? "failed"));
      }
    }
  }
  if (!print) io.out(`transcripts: ${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

/** JSON, with infinite watermarks written as YAML writes them (".inf", "-.inf") rather than null. */
function jsonLine(record: object): string {
  return JSON.stringify(record, (_key, value: unknown) => {
    if (value === Number.POSITIVE_INFINITY) return ".inf";
    if (value === Number.NEGATIVE_INFINITY) return "-.inf";
    return value;
  });
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

/**
 * The command with --runner: each transcript as a pipeline on that runner (Flink: all in one submitted job).
 * Without --runner it is runCli.
 */
export async function runCliAsync(argv: readonly string[], io: CliIo = nodeIo): Promise<number> {
  let runner: PipelineRunnerName | undefined;
  let jobEndpoint: string | undefined;
  let flinkMaster: string | undefined;
  const rest: string[] = [];
  const queue = [...argv];
  while (queue.length > 0) {
    const arg = queue.shift() as string;
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const takeValue = (): string | undefined => (eq > 0 ? arg.slice(eq + 1) : queue.shift());
    if (name === "--runner") {
      const value = takeValue();
      if (value !== "direct" && value !== "flink") {
        io.err(`transcript: --runner must be direct or flink, got '${String(value)}' (${USAGE})`);
        return 2;
      }
      runner = value;
    } else if (name === "--job-endpoint") jobEndpoint = takeValue();
    else if (name === "--flink-master") flinkMaster = takeValue();
    else rest.push(arg);
  }
  if (runner === undefined) return runCli(rest, io);
  if (rest.includes("--print")) {
    io.err("transcript: --print drives the reducer step by step; it cannot be combined with --runner");
    return 2;
  }
  const unknown = rest.find((a) => a.startsWith("-"));
  if (unknown !== undefined) {
    io.err(`transcript: unknown option '${unknown}' (${USAGE})`);
    return 2;
  }
  if (rest.length === 0) {
    io.err(`transcript: no transcript files given (${USAGE})`);
    return 2;
  }
  const files = rest.flatMap((input) => io.listYaml(input) ?? [input]);
  const transcripts: Transcript[] = [];
  let failed = 0;
  for (const file of files) {
    try {
      transcripts.push(...parseTranscriptFile(file, io.readFile(file)));
    } catch (e) {
      failed++;
      io.out(`FAIL ${file} (the file could not be read as transcripts)`);
      io.out(indent(e instanceof TranscriptError ? e.message : `${file}: ${(e as Error).message}`));
    }
  }
  const outcomes = await runTranscriptsAsPipelines(transcripts, {
    runner,
    flink: { ...(jobEndpoint !== undefined ? { jobEndpoint } : {}), ...(flinkMaster !== undefined ? { flinkMaster } : {}) },
  });
  let passed = 0;
  let skipped = 0;
  outcomes.forEach((outcome, i) => {
    const t = transcripts[i];
    const where = formatPlace(t.file, t.line, 0);
    if (outcome.status === "passed") {
      passed++;
      io.out(`PASS ${t.name} (${where})`);
    } else if (outcome.status === "skipped") {
      skipped++;
      io.out(`SKIP ${t.name} (${where}): ${outcome.reason}`);
    } else {
      failed++;
      io.out(`FAIL ${t.name} (${where})`);
      io.out(indent(outcome.failure));
    }
  });
  io.out(`transcripts: ${passed} passed, ${failed} failed, ${skipped} skipped (${runner} runner, as pipelines)`);
  return failed > 0 ? 1 : 0;
}
