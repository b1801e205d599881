/**
 * The walls between the folders (docs/architecture.md draws the layers): an import only points down. The model is
 * runner-neutral, transforms never import a runner (the API facade re-exports the runners through the top-level
 * runtime.ts, and only that line may), runners/direct does not reach into another runner. The sales room:
 * transforms/ (sinks machinery included) knows no sale and no job (nothing from sales/ or pipelines/); sales/ (what
 * a sale is) reaches no runner, no job wiring and no ops. Each folder in WALLS imports none of the folders beside it.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");

function sources(dir: string): string[] {
  if (!fs.existsSync(path.join(ROOT, dir))) return [];
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(rel);
    return entry.name.endsWith(".ts") ? [rel] : [];
  });
}

/** Every module a file imports, resolved to a path relative to the project root. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const specs = [...text.matchAll(/(?:from|import)\s+"(\.[^"]+)"/g)].map((m) => m[1]);
  return specs.map((spec) => path.normalize(path.join(path.dirname(file), spec)));
}

test("model/ imports neither runners/ nor transforms/", () => {
  const offending = sources("model").flatMap((file) =>
    importsOf(file)
      .filter((target) => target.startsWith("runners") || target.startsWith("transforms"))
      .map((target) => `${file} → ${target}`),
  );
  expect(offending).toEqual([]);
});

test("transforms/ imports no runner; only transforms/index.ts re-exports ../runtime", () => {
  const offending = sources("transforms").flatMap((file) =>
    importsOf(file)
      .filter((target) => target.startsWith("runners") || (target === "runtime" && file !== "transforms/index.ts"))
      .map((target) => `${file} → ${target}`),
  );
  expect(offending).toEqual([]);
  expect(importsOf("transforms/index.ts")).toContain("runtime");
});

test("the direct runner does not import the flink runner, nor the flink runner the direct one", () => {
  const crossing = [
    ...sources("runners/direct").flatMap((f) => importsOf(f).filter((t) => t.startsWith("runners/flink"))),
    ...(fs.existsSync(path.join(ROOT, "runners/flink"))
      ? sources("runners/flink").flatMap((f) => importsOf(f).filter((t) => t.startsWith("runners/direct")))
      : []),
  ];
  expect(crossing).toEqual([]);
});

/** Every folder of ours (top level), for "imports nothing of ours but ..." walls. */
const OURS = ["bench", "tools", "pipelines", "ops", "runners", "sdk_workarounds", "transforms", "sales", "model", "io", "lib", "infra", "runtime"];

/** [folder, folders it must not import, why]: each wall once, by name. */
const WALLS: ReadonlyArray<readonly [string, readonly string[], string]> = [
  ["runners", ["tools", "bench", "infra", "pipelines"], "runners execute; the job (pipelines/) and the transcript tool drive them, and JVMs are started by infra for a developer"],
  ["infra", OURS.filter((d) => d !== "infra" && d !== "lib"), "infra starts Kafka, PostgreSQL and Flink for a developer and imports lib/ only"],
  ["ops", ["pipelines", "tools", "bench", "infra", "sdk_workarounds"], "ops sees a run through what it is handed, never the job's wiring"],
  ["lib", OURS.filter((d) => d !== "lib"), "lib/ is the bottom: small helpers that import nothing of ours"],
  ["io", OURS.filter((d) => d !== "io" && d !== "lib"), "io/ is the client seam below everything that talks to a system"],
  ["model", OURS.filter((d) => d !== "model" && d !== "lib"), "the model is runner-neutral data and pure functions"],
  ["sdk_workarounds", OURS.filter((d) => d !== "sdk_workarounds" && d !== "model" && d !== "lib"), "the workarounds patch the SDK and know only the model"],
  ["transforms", ["sdk_workarounds", "tools", "bench", "ops", "infra"], "transforms are the public API: no patch of the SDK, no tool, no ops"],
  ["pipelines", ["tools", "bench"], "pipelines wire the job; tools and benchmarks sit above them"],
];

function top(target: string): string {
  return target.split(path.sep)[0];
}

test.each(WALLS)("%s/ imports none of %j (%s)", (from, forbidden) => {
  const offending = sources(from).flatMap((file) =>
    importsOf(file)
      .filter((target) => forbidden.includes(top(target)))
      .map((target) => `${file} → ${target}`),
  );
  expect(offending).toEqual([]);
});

test("the SDK workarounds are loaded only by runners/, pipelines/ and the tools above them", () => {
  const may = ["runners", "pipelines", "tools", "bench", "sdk_workarounds"];
  const offending = OURS.filter((d) => !may.includes(d) && d !== "runtime").flatMap((dir) =>
    sources(dir).flatMap((file) =>
      importsOf(file)
        .filter((target) => top(target) === "sdk_workarounds")
        .map((target) => `${file} → ${target}`),
    ),
  );
  expect(offending).toEqual([]);
});

test("the walls see every folder of ours (a new top-level folder needs its place in the layers)", () => {
  const folders = fs
    .readdirSync(ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !["node_modules", "test", "docs", "transcripts", "dist", "output"].includes(e.name))
    .filter((e) => sources(e.name).length > 0)
    .map((e) => e.name);
  expect(folders.filter((f) => !OURS.includes(f))).toEqual([]);
});

/** `file → target` for every import of a file under `dir` into one of the folders `forbidden`. */
function crossings(dir: string, forbidden: readonly string[]): string[] {
  return sources(dir).flatMap((file) =>
    importsOf(file)
      .filter((target) => forbidden.some((folder) => target === folder || target.startsWith(`${folder}${path.sep}`)))
      .map((target) => `${file} → ${target}`),
  );
}

test("transforms/ imports nothing from pipelines/ (the job) nor from sales/ (what a sale is)", () => {
  expect(crossings("transforms", ["pipelines", "sales"])).toEqual([]);
});

test("sales/ imports no runner, no job wiring (pipelines/) and no ops", () => {
  expect(sources("sales").length).toBeGreaterThan(0);
  expect(crossings("sales", ["runners", "pipelines", "ops"])).toEqual([]);
});

test("the wall check sees a crossing: pipelines/ does import sales/ (allowed), and crossings() lists it", () => {
  expect(crossings("pipelines", ["sales"])).toContain("pipelines/sales_aggregation.ts → sales/window_result");
});

/** Lines of a file that match `pattern` (for walls that are about code, not imports). */
function linesMatching(file: string, pattern: RegExp): string[] {
  return fs
    .readFileSync(path.join(ROOT, file), "utf8")
    .split("\n")
    .filter((line) => pattern.test(line))
    .map((line) => `${file}: ${line.trim()}`);
}

test("the direct runner builds its operators in operator_factory.ts only (the executor only runs them)", () => {
  const building = sources("runners/direct")
    .filter((file) => file !== path.join("runners", "direct", "operator_factory.ts"))
    .flatMap((file) => linesMatching(file, /new [A-Z]\w*Operator\(|\bdeserializeFn\(/));
  expect(building).toEqual([]);
  const executor = importsOf(path.join("runners", "direct", "executor.ts"));
  expect(executor).toContain(path.join("runners", "direct", "operator_factory"));
  expect(executor.filter((t) => /simple_operators|aggregators|impulse_source|relink/.test(t))).toEqual([]);
  expect(linesMatching(path.join("runners", "direct", "operator_factory.ts"), /new \w+Operator\(/).length).toBeGreaterThan(4);
});

test("sources come from one list (BUILT_IN_SOURCES) or DirectRunnerOptions.sources: no module registers one by being imported", () => {
  const everywhere = [...OURS.filter((d) => d !== "runtime"), "test"].flatMap((dir) => sources(dir)).filter((f) => f !== path.join("test", "unit", "layout.test.ts"));
  expect(everywhere.flatMap((file) => linesMatching(file, /\bregisterSource\s*\(/))).toEqual([]);
  // A side-effect import of a source module (`import "./sources/kafka_source"`) was how sources used to register.
  expect(everywhere.flatMap((file) => linesMatching(file, /^import\s+"[^"]*\/sources\/[^"]*";/))).toEqual([]);
  expect(linesMatching(path.join("runners", "direct", "sources", "registry.ts"), /export const BUILT_IN_SOURCES/)).toHaveLength(1);
});

test("sink figures enter the run snapshot through the sinkFigures option: runners/ import nothing of transforms/sinks/", () => {
  expect(crossings("runners", [path.join("transforms", "sinks")])).toEqual([]);
  expect(linesMatching(path.join("runners", "direct", "executor.ts"), /this\.options\.sinkFigures/)).toHaveLength(1);
});

test("the run snapshot is runner-neutral (model/run_snapshot.ts): ops/ and tests' fixtures reach into no runner's internals", () => {
  expect(fs.existsSync(path.join(ROOT, "model", "run_snapshot.ts"))).toBe(true);
  expect(crossings("ops", [path.join("runners", "direct"), path.join("runners", "flink")])).toEqual([]);
  expect(sources("runners").filter((f) => path.basename(f) === "run_snapshot.ts")).toEqual([]);
});

test("the config → runner-options mapping is written once (pipelines/runner_config.ts)", () => {
  const mapping = sources("pipelines").flatMap((file) => linesMatching(file, /(jobEndpoint|flinkMaster|workerPool): f\./));
  expect(mapping.map((line) => line.split(":")[0])).toEqual([
    path.join("pipelines", "runner_config.ts"),
    path.join("pipelines", "runner_config.ts"),
    path.join("pipelines", "runner_config.ts"),
  ]);
});

test("pipelines/ reach runners/ only through the runner entry (runners/index.ts), never a runner's internals", () => {
  expect(crossings("pipelines", ["runners"]).filter((line) => !line.endsWith("→ runners"))).toEqual([]);
  expect(importsOf(path.join("pipelines", "main.ts"))).toContain("runners");
});

test("one run path: a job is started through startJob and watched through RunningJob (runners/running_job.ts), on every runner", () => {
  expect(linesMatching(path.join("runners", "running_job.ts"), /^export interface RunningJob\b/)).toHaveLength(1);
  // Each runner's job: the direct one, Flink's (with its lifecycle) and the one seen through Beam's PipelineResult.
  for (const [file, start] of [
    [path.join("runners", "direct", "direct_job.ts"), "startDirectJob"],
    [path.join("runners", "flink", "flink_job.ts"), "startFlinkJob"],
    [path.join("runners", "portable_job.ts"), "startPortableJob"],
  ]) {
    expect(linesMatching(file, new RegExp(`export async function ${start}\\(`))).toHaveLength(1);
    expect(linesMatching(file, /\): Promise<RunningJob> \{$/)).toHaveLength(1);
    expect(linesMatching(path.join("runners", "index.ts"), new RegExp(`return ${start}\\(`))).toHaveLength(1);
  }
  const main = path.join("pipelines", "main.ts");
  expect(linesMatching(main, /\bstartJob\(/)).toHaveLength(1);
  expect(sources("pipelines").flatMap((file) => linesMatching(file, /\bcreateRunner\(|\.runAsync\(|\.run\(\(root/))).toEqual([]);
  // Nothing in main asks which runner it is, but for the Flink worker server's exit (commandLine).
  expect(linesMatching(main, /config\.runner ===/).map((line) => line.replace(/^.*?: /, ""))).toEqual([
    'const stores = config.runner === "direct" && config.source === "kafka" ? progressStores(config) : [];',
    "if (config.runner === \"flink\") setTimeout(() => process.exit(code), 200).unref();",
  ]);
});

test("argv and the environment are parsed once, by pipelines/main.ts", () => {
  const main = path.join("pipelines", "main.ts");
  expect(linesMatching(main, /\bparseOptions\(/)).toHaveLength(1);
  expect(linesMatching(main, /process\.argv/)).toHaveLength(1);
  expect(linesMatching(main, /function parseOptionsQuietly/)).toEqual([]);
});

test("the Flink job's lifecycle (lineage, suspend on a signal, finish when idle) lives in runners/flink/flink_job.ts", () => {
  const lifecycle = /\b(startPointFor|jobNameFor|finishWhenIdle|waitForFlinkEnd|holdAsyncDoFns)\(|\.suspend\(|process\.on\("SIG/;
  expect(sources("pipelines").flatMap((file) => linesMatching(file, lifecycle))).toEqual([]);
  expect(fs.existsSync(path.join(ROOT, "pipelines", "flink_job.ts"))).toBe(false);
  const job = path.join("runners", "flink", "flink_job.ts");
  for (const call of ["startPointFor(", "jobNameFor(", "finishWhenIdle(", "process.on(\"SIGINT\""]) {
    expect(linesMatching(job, new RegExp(call.replace(/[(.]/g, "\\$&")))).not.toEqual([]);
  }
});
