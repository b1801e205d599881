/**
 * The layout for two runners: the model is runner-neutral, transforms never import a runner (the API facade
 * re-exports the runners through the top-level runtime.ts, and only that line may), runners/direct does not
 * reach into another runner. The sales room: transforms/ (sinks machinery included) knows no sale and no job
 * (nothing from sales/ or pipelines/); sales/ (what a sale is) reaches no runner, no job wiring and no ops.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");

function sources(dir: string): string[] {
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
