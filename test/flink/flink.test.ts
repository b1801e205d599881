/**
 * The Flink runner against a real Flink 1.15 cluster, the Beam job server and LOOPBACK TypeScript workers (one
 * cluster for the whole file): started here with the same code as `npm run flink:up` when none answers, and
 * stopped afterwards if this file started it. A cluster that already runs (flink:up) is used and left running.
 */
import "apache-beam";
import * as path from "path";
import { withLock } from "../../infra/stack/lock";
import { flinkPaths, flinkStackOptions } from "../../infra/flink/options";
import { flinkDown, flinkStatus, flinkUp } from "../../infra/flink/services";
import { directRunner } from "../../runners/direct/runner";
import { flinkRunner as flinkRunnerAt, FlinkJobError } from "../../runners/flink/runner";
import type { FlinkRunnerOptions } from "../../runners/flink/options";
import { parseTranscriptFile } from "../../tools/transcripts/transcript_parser";
import { runTranscriptsAsPipelines } from "../../tools/transcripts/pipeline_runner";
import { nodeIo } from "../../tools/transcripts/cli";
import type { Transcript } from "../../tools/transcripts/transcript";
import { buildPipeline, type SalesAggregationConfig } from "../../pipelines/sales_aggregation";
import { type LateSale } from "../../sales/late_sale";
import { type SalesWindowResult } from "../../sales/window_result";
import { salesSample } from "../../pipelines/sample_source";
import { paneCapture } from "../../transforms/testing";
import { testStream } from "../../transforms/test_stream";
import type { DeadLetter } from "../../sales/parse_sales_events";
import type { Runner } from "apache-beam/runners/runner";
import { fixedWindows, sessions, slidingWindows, type SpecWindowFn, type WindowingOptions } from "../../transforms/windowing";
import { afterCount, afterWatermark } from "../../transforms/triggers";
import type { CapturedElement } from "../../transforms/testing";
import type { LateRecord } from "../../model/late_record";
import { CROISSANT, ESPRESSO, runSalesScenario, sale, type Sale } from "../scenarios/support";

const o = flinkStackOptions();

/** This file's stack (its ports follow FLINK_*, as the stack's do). */
const ON_STACK: FlinkRunnerOptions = { jobEndpoint: `${o.host}:${o.jobPort}`, flinkMaster: `${o.host}:${o.restPort}` };

function flinkRunner(options: FlinkRunnerOptions = {}) {
  return flinkRunnerAt({ ...ON_STACK, ...options });
}
let startedHere = false;

beforeAll(async () => {
  const up = await withLock(
    flinkPaths(o).lockFile,
    () => flinkUp(o, "auto", (line) => process.stdout.write(`[flink] ${line}\n`)),
    300_000,
  );
  startedHere = up.started.length > 0;
}, 600_000);

afterAll(async () => {
  // Only a stack this file started from nothing (owner "auto"); one started with flink:up stays.
  if (startedHere && (await flinkStatus(o)).owner === "auto") await withLock(flinkPaths(o).lockFile, () => flinkDown(o));
}, 120_000);

function allTranscripts(): Transcript[] {
  const dir = path.join(__dirname, "..", "..", "transcripts");
  return (nodeIo.listYaml(dir) ?? []).flatMap((file) => parseTranscriptFile(file, nodeIo.readFile(file)));
}


test("every transcript Flink can run gives the panes the direct runner gives; the others are skipped with a reason", async () => {
  const transcripts = allTranscripts();
  const onFlink = await runTranscriptsAsPipelines(transcripts, { runner: "flink", flink: ON_STACK });
  const onDirect = await runTranscriptsAsPipelines(transcripts, { runner: "direct" });
  const names = (status: string) => transcripts.filter((_, i) => onFlink[i].status === status).map((t) => t.name);
  const failures = onFlink.flatMap((x, i) => (x.status === "failed" ? [`${transcripts[i].name}: ${x.failure}`] : []));
  // None fails: also a late element merging into a fired session (LATE) and end-of-window + GC in one step.
  expect(failures).toEqual([]);
  expect(names("passed").length).toBeGreaterThanOrEqual(75);
  // expect_late runs on Flink (the late-data output): no transcript is skipped for it.
  expect(onFlink.filter((x) => x.status === "skipped" && /expect_late|late-data output/.test(x.reason))).toEqual([]);
  for (const [i, outcome] of onFlink.entries()) {
    if (outcome.status === "skipped") expect(outcome.reason.length).toBeGreaterThan(20);
    // Whatever passes on Flink passes on the direct runner too: the same panes.
    if (outcome.status === "passed") expect([transcripts[i].name, onDirect[i].status]).toEqual([transcripts[i].name, "passed"]);
  }
  expect(onDirect.filter((x) => x.status === "failed")).toEqual([]);
}, 300_000);

const SALES: SalesAggregationConfig = { window: { kind: "fixed", size: 60_000, offset: 0 }, key: "product", allowedLateness: 30_000, trigger: {} };

async function runSales(runner: Runner, config: SalesAggregationConfig = SALES, watermarkDelay = 10_000) {
  const results = paneCapture<SalesWindowResult>("results");
  const late = paneCapture<LateSale>("late");
  const deadLetters = paneCapture<DeadLetter>("deadLetters");
  const result = await runner.run((root) =>
    buildPipeline(root, config, {
      source: salesSample({ count: 400, seed: 7, watermarkDelay }),
      sinks: { results: results.capture(), late: late.capture(), deadLetters: deadLetters.capture() },
    }),
  );
  const key = (r: SalesWindowResult) => `${r.key} ${r.window.start} ${r.pane.timing} #${r.pane.index} ${r.sumCents}/${r.count}`;
  return {
    results: results.elements().map((e) => key(e.value)).sort(),
    late: late.elements().map((e) => describeLate(e.value)).sort(),
    deadLetters: deadLetters.elements().map((e) => e.value.reason).sort(),
    counters: await result.counters(),
    liftedCombines: (result as { liftedCombines?: readonly string[] }).liftedCombines ?? [],
  };
}

/** A late record with every field (LateRecord), for comparing the two runners' late outputs record for record. */
function describeLate(r: LateRecord<unknown, unknown>): string {
  const windows = r.windows.map((w) => `[${w.start},${w.end})`).join(" ");
  return `${JSON.stringify(r.key)} ${JSON.stringify(r.value)} @${r.timestamp} missed ${windows} at watermark ${r.watermark} ${r.reason}`;
}

test("the sales pipeline on Flink: the same panes, dead letters and late records as on the direct runner", async () => {
  const direct = await runSales(directRunner());
  const flink = await runSales(flinkRunner());
  expect(direct.results.length).toBeGreaterThan(50);
  // No empty twin of a final pane: a window's end-of-window and GC timers of one watermark step fire together.
  expect(flink.results).toEqual(direct.results);
  expect(flink.deadLetters).toEqual(direct.deadLetters);
  expect(direct.deadLetters.length).toBeGreaterThan(0);
  // The records Flink's GroupByKey dropped, on the late-data output (late_output.ts), and counted once each.
  expect(direct.late.length).toBeGreaterThan(0);
  expect(flink.late).toEqual(direct.late);
  expect(flink.counters.droppedDueToLateness).toBe(direct.late.length);
}, 180_000);

test("bundles of 1000: the combine is lifted (partial combines before Flink's GroupByKey) and the panes are the direct runner's", async () => {
  // Nothing late (the watermark trails by 10 min, the sample's late records are 3 min late), lateness 0: liftable.
  const config: SalesAggregationConfig = { ...SALES, allowedLateness: 0 };
  const direct = await runSales(directRunner(), config, 600_000);
  const flink = await runSales(flinkRunner({ maxBundleSize: 1000, lateOutput: false }), config, 600_000);
  expect(flink.liftedCombines).toHaveLength(1);
  expect(direct.results.length).toBeGreaterThan(50);
  expect(flink.results).toEqual(direct.results);
  expect(flink.deadLetters).toEqual(direct.deadLetters);
  expect(direct.late).toEqual([]);
  expect(flink.counters.droppedDueToLateness ?? 0).toBe(0);
}, 180_000);

test("a job that fails reports Flink's root cause in one line", async () => {
  const run = flinkRunner().run((root) =>
    root
      .apply(testStream<number>().addElements({ value: 1, timestamp: 0 }, { value: 2, timestamp: 1 }).advanceWatermarkToInfinity())
      .map((n: number) => {
        if (n === 2) throw new Error("two is not allowed here");
        return n;
      }),
  );
  const error = (await run.then(
    () => undefined,
    (e: unknown) => e,
  )) as FlinkJobError;
  expect(error).toBeInstanceOf(FlinkJobError);
  expect(error.message).toMatch(
    new RegExp(`^the Flink job beam-ts-\\S+ ended FAILED: .*two is not allowed here.* \\(details: http://127\\.0\\.0\\.1:${o.restPort}/#/job/\\w+/exceptions\\)$`),
  );
  expect(error.message).not.toContain("\n");
}, 120_000);

/** Scenarios of test/scenarios (TestStream → windowInto → windowedCombine) that Flink can run, on both runners. */
const M = 60_000;
const SCENARIOS: Array<{ name: string; stream: () => ReturnType<ReturnType<typeof testStream<Sale>>["advanceWatermarkToInfinity"]>; windowFn: SpecWindowFn; options?: WindowingOptions }> = [
  {
    name: "fixed windows, on time",
    stream: () =>
      testStream<Sale>()
        .addElements(sale(ESPRESSO, 3, 1 * M), sale(ESPRESSO, 4, 3 * M), sale(CROISSANT, 2, 9 * M))
        .advanceWatermarkTo(10 * M)
        .addElements(sale(ESPRESSO, 5, 12 * M))
        .advanceWatermarkToInfinity(),
    windowFn: fixedWindows(10 * M),
  },
  {
    name: "fixed windows, late within allowed lateness, accumulating",
    stream: () =>
      testStream<Sale>()
        .addElements(sale(ESPRESSO, 3, 1 * M))
        .advanceWatermarkTo(11 * M)
        .addElements(sale(ESPRESSO, 4, 2 * M))
        .advanceWatermarkTo(30 * M)
        .addElements(sale(ESPRESSO, 9, 3 * M))
        .advanceWatermarkToInfinity(),
    windowFn: fixedWindows(10 * M),
    options: { allowedLateness: 5 * M, accumulation: "ACCUMULATING" },
  },
  {
    name: "sliding windows with early firings by count",
    stream: () =>
      testStream<Sale>()
        .addElements(sale(ESPRESSO, 1, 1 * M), sale(ESPRESSO, 2, 2 * M), sale(CROISSANT, 5, 6 * M))
        .advanceWatermarkTo(20 * M)
        .advanceWatermarkToInfinity(),
    windowFn: slidingWindows(10 * M, 5 * M),
    options: { trigger: afterWatermark({ early: afterCount(2) }), allowedLateness: 0, accumulation: "DISCARDING" },
  },
  {
    name: "sessions merging",
    stream: () =>
      testStream<Sale>()
        .addElements(sale(ESPRESSO, 1, 1 * M), sale(ESPRESSO, 2, 4 * M), sale(CROISSANT, 3, 4 * M))
        .advanceWatermarkTo(5 * M)
        .addElements(sale(ESPRESSO, 4, 7 * M))
        .advanceWatermarkToInfinity(),
    windowFn: sessions(5 * M),
  },
];

function describePanes(elements: CapturedElement<{ key: string; value: number }>[]): string[] {
  return elements
    .map((e) => `${e.value.key}=${e.value.value} [${e.window.start},${e.window.end}) ${e.pane.timing} #${e.pane.index}/${e.pane.nonSpeculativeIndex} first=${e.pane.isFirst} last=${e.pane.isLast} @${e.timestamp}`)
    .sort();
}

test.each(SCENARIOS.map((s) => [s.name, s] as const))("TestStream scenario on Flink: %s gives the direct runner's panes", async (_name, scenario) => {
  const direct = await runSalesScenario(scenario.stream(), scenario.windowFn, scenario.options ?? {});
  const flink = await runSalesScenario(scenario.stream(), scenario.windowFn, scenario.options ?? {}, flinkRunner());
  expect(direct.results.length).toBeGreaterThan(0);
  expect(describePanes(flink.results)).toEqual(describePanes(direct.results));
  expect(flink.late.map((e) => describeLate(e.value)).sort()).toEqual(direct.late.map((e) => describeLate(e.value)).sort());
  expect(flink.counters.droppedDueToLateness ?? 0).toBe(direct.late.length);
}, 120_000);

test.each([
  ["in the pool's process", []],
  ["in processes the pool forks (--processes)", ["--processes"]],
])("EXTERNAL workers: the TypeScript steps run in a worker pool (npm run flink:workers), %s, not in the submitter", async (_how, flags: string[]) => {
  const { spawn } = require("child_process") as typeof import("child_process");
  const { freePort } = require("../../lib/ports") as typeof import("../../lib/ports");
  const port = await freePort();
  const root = path.join(__dirname, "..", "..");
  const pool = spawn(process.execPath, ["-r", "./tools/register.js", "pipelines/flink_workers.ts", "--port", String(port), ...flags], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  pool.stdout.on("data", (d: Buffer) => (out += d.toString()));
  pool.stderr.on("data", (d: Buffer) => (out += d.toString()));
  try {
    const deadline = Date.now() + 60_000;
    while (!out.includes("TypeScript worker pool on") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain(`TypeScript worker pool on 127.0.0.1:${port}`);
    const { consoleSink } = require("../../transforms/sinks/console") as typeof import("../../transforms/sinks/console");
    await flinkRunner({ environment: "EXTERNAL", workerPool: `127.0.0.1:${port}` }).run((r) => {
      r.apply(testStream<string>().addElements({ value: "printed-by-the-pool", timestamp: 0 }).advanceWatermarkToInfinity()).apply(
        consoleSink<string>("print", (s: string) => `external: ${s}`),
      );
    });
    const until = Date.now() + 10_000;
    while (!out.includes("external: printed-by-the-pool") && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain("external: printed-by-the-pool");
  } finally {
    pool.kill("SIGTERM");
  }
}, 120_000);

test("PROCESSES workers: with parallelism 2 the TypeScript steps run in worker processes (not this one), with the direct runner's sums", async () => {
  const { groupByKey } = require("apache-beam/transforms/internal") as typeof import("apache-beam/transforms/internal");
  const { reportSum } = require("./worker_process_probe") as typeof import("./worker_process_probe");
  type Probe = import("./worker_process_probe").ProbeMessage;
  const values = Array.from({ length: 40 }, (_, i) => ({ key: `k${i % 8}`, value: i }));
  const expected = new Map<string, number>();
  for (const { key, value } of values) expected.set(key, (expected.get(key) ?? 0) + value);
  const messages: Probe[] = [];
  await flinkRunner({ environment: "PROCESSES", parallelism: 2, onWorkerMessage: (m) => messages.push(m as Probe) }).run((r) => {
    r.apply(testStream<{ key: string; value: number }>().addElements(...values.map((v) => ({ value: v, timestamp: 0 }))).advanceWatermarkToInfinity())
      .apply(groupByKey())
      .map(reportSum);
  });
  const until = Date.now() + 10_000;
  while (messages.length < expected.size && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  expect(new Map(messages.map((m) => [m.key, m.sum]))).toEqual(expected);
  // Not always 2 distinct pids: Flink hands the stages' subtasks to the 2 workers round robin in the order they
  // open, so both subtasks of this one grouped stage can land in one worker. (The bench shows both processes at
  // work on the sales pipeline: bench/flink_case.ts reports workerProcesses.)
  const pids = new Set(messages.map((m) => m.pid));
  expect(pids.has(process.pid)).toBe(false);
  expect(pids.size).toBeGreaterThanOrEqual(1);
}, 120_000);

test("a job the job server cannot translate reports the job server's error in one line", async () => {
  const runnerApi = require("apache-beam/proto/beam_runner_api") as typeof import("apache-beam/proto/beam_runner_api");
  const { withName } = require("apache-beam/transforms/transform") as typeof import("apache-beam/transforms/transform");
  const { StrUtf8Coder } = require("apache-beam/coders/standard_coders") as typeof import("apache-beam/coders/standard_coders");
  type Pipeline = import("apache-beam/internal/pipeline").Pipeline;
  const unknownPrimitive = withName("unknownPrimitive", (_root: unknown, pipeline: Pipeline, proto: import("apache-beam/proto/beam_runner_api").PTransform) => {
    proto.spec = { urn: "beam-ts:transform:no_such_thing:v1", payload: new Uint8Array() };
    proto.environmentId = "";
    return pipeline.createPCollectionInternal<string>(new StrUtf8Coder(), undefined, runnerApi.IsBounded_Enum.UNBOUNDED);
  });
  const error = (await flinkRunner()
    .run((root) => root.apply(unknownPrimitive as never))
    .then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
  expect(error).toBeInstanceOf(FlinkJobError);
  expect(error.message).toMatch(/^the Flink job beam-ts-\S+ ended FAILED before Flink ran it: \w+(Exception|Error): .+$/);
  expect(error.message).not.toContain("\n");
}, 120_000);

test("Beam's own job server (no late-data translation): one line says so, late records are only counted, the panes are the same", async () => {
  const { spawn, spawnSync } = require("child_process") as typeof import("child_process");
  const fs = require("fs") as typeof import("fs");
  const os = require("os") as typeof import("os");
  const { freePorts, isPortOpen } = require("../../lib/ports") as typeof import("../../lib/ports");
  // Beam's FlinkJobServerDriver on its own classpath plus only the no-staging class of our extensions (what a
  // user's cluster has, without our translator).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stock-job-server-"));
  const classes = path.join(o.libDir, "extensions", "beam-ts-flink-extensions.jar.classes");
  const jar = path.join(dir, "no-staging.jar");
  const packed = spawnSync("jar", ["cf", jar, "-C", classes, "local/beamts/NoStagingDetectorFactory.class", "-C", classes, "local/beamts/NoStagingDetectorFactory$NothingToStage.class"]);
  expect(packed.status).toBe(0);
  const [jobPort, artifactPort, expansionPort] = await freePorts(3);
  const { JAVA17_FLAGS } = require("../../infra/flink/config") as typeof import("../../infra/flink/config");
  const server = spawn("java", [...JAVA17_FLAGS, "-Xmx512m", "-cp", `${path.join(o.libDir, "job-server", "*")}${path.delimiter}${jar}`, "org.apache.beam.runners.flink.FlinkJobServerDriver",
    `--flink-master=${o.host}:${o.restPort}`, "--job-host", o.host, "--job-port", String(jobPort), "--artifact-port", String(artifactPort),
    "--expansion-port", String(expansionPort), "--artifacts-dir", path.join(dir, "artifacts")], { stdio: "ignore" });
  try {
    const deadline = Date.now() + 60_000;
    while (!(await isPortOpen(o.host, jobPort)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const scenario = SCENARIOS[1]; // one element dropped (behind its window's garbage-collection time)
    const lines: string[] = [];
    const direct = await runSalesScenario(scenario.stream(), scenario.windowFn, scenario.options ?? {});
    const flink = await runSalesScenario(scenario.stream(), scenario.windowFn, scenario.options ?? {},
      flinkRunner({ jobEndpoint: `${o.host}:${jobPort}`, log: (line) => lines.push(line) }));
    expect(lines).toEqual([expect.stringMatching(/^flink: the job server at \S+ is Beam's own .*late output stays empty.*droppedDueToLateness/)]);
    expect(direct.late).toHaveLength(1);
    expect(flink.late).toEqual([]);
    expect(flink.counters.droppedDueToLateness).toBe(1);
    expect(describePanes(flink.results)).toEqual(describePanes(direct.results));
  } finally {
    server.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
