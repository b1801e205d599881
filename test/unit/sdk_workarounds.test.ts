/**
 * The SDK workarounds' index: the version check (one line per mismatch, nothing when the versions match), every
 * workaround module listed and loading the check, and the installed versions being the ones they were made for
 * (this test is where an upgrade is refused until each workaround has been checked again).
 */
import * as fs from "fs";
import * as path from "path";
import { MADE_FOR, SDK_WORKAROUNDS } from "../../sdk_workarounds/index";
import { checkVersions, installedVersion, versionMismatch } from "../../sdk_workarounds/sdk_versions";

const ROOT = path.join(__dirname, "..", "..");
const FOLDER = path.join(ROOT, "sdk_workarounds");

test("the installed apache-beam and yargs are the versions the workarounds were made for", () => {
  const beam = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/apache-beam/package.json"), "utf8")) as { version: string };
  expect(installedVersion("apache-beam")).toBe(beam.version);
  expect(MADE_FOR["apache-beam"]).toBe(beam.version);
  expect(installedVersion("yargs")).toBe(MADE_FOR.yargs);
});

test("a mismatch is one line that says what to do; a match says nothing", () => {
  expect(versionMismatch("apache-beam", "2.49.0", "2.49.0")).toBeUndefined();
  expect(versionMismatch("apache-beam", "2.49.0", "2.50.0")).toBe(
    "sdk_workarounds: apache-beam 2.50.0 is installed but its workarounds were made for 2.49.0: " +
      "check each one listed in sdk_workarounds/index.ts against 2.50.0, then set MADE_FOR there",
  );
  expect(versionMismatch("yargs", "17.7.2", undefined)).toBe(
    "sdk_workarounds: yargs is not installed (the workarounds were made for yargs 17.7.2): run npm ci",
  );
  expect(installedVersion("no-such-package-beam-ts")).toBeUndefined();
});

test("checkVersions warns once per mismatched package and stays silent when everything matches", () => {
  const warned: string[] = [];
  const installed = (pkg: string) => (pkg === "apache-beam" ? "2.51.0" : "17.7.2");
  expect(checkVersions(MADE_FOR, installed, (line) => warned.push(line))).toHaveLength(1);
  expect(warned).toHaveLength(1);
  expect(warned[0]).toMatch(/^sdk_workarounds: apache-beam 2\.51\.0 is installed but its workarounds were made for 2\.49\.0: /);
  expect(warned[0]).not.toContain("\n");
  const none: string[] = [];
  expect(checkVersions(MADE_FOR, installedVersion, (line) => none.push(line))).toEqual([]);
  expect(none).toEqual([]);
});

test("every module of the folder is a listed workaround that loads the check, with its why and its retirement", () => {
  const modules = fs.readdirSync(FOLDER).filter((f) => f.endsWith(".ts") && f !== "index.ts" && f !== "sdk_versions.ts");
  expect(SDK_WORKAROUNDS.map((w) => w.file).sort()).toEqual(modules.sort());
  for (const w of SDK_WORKAROUNDS) {
    const text = fs.readFileSync(path.join(FOLDER, w.file), "utf8");
    expect({ file: w.file, loadsCheck: /^import "\.\/index";$/m.test(text) }).toEqual({ file: w.file, loadsCheck: true });
    expect(w.why.length).toBeGreaterThan(20);
    expect(w.retireWhen.length).toBeGreaterThan(20);
    expect(Object.keys(MADE_FOR)).toContain(w.patches);
  }
});

test("no prototype hook, console replacement or SDK-internal patch outside the folder", () => {
  const dirs = ["runners", "pipelines", "sales", "transforms", "model", "io", "lib", "ops", "infra", "tools"];
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
    );
  const files = dirs.flatMap((dir) => walk(dir));
  const patterns = [/\.prototype\.\w+\s*=[^=]/, /\bconsole\[\w+\]\s*=[^=]/, /\bconsole\.\w+\s*=[^=]/, /getInternalMethods/, /registerOperatorConstructor/];
  const offending = files.filter((f) => patterns.some((p) => p.test(fs.readFileSync(path.join(ROOT, f), "utf8"))));
  expect(offending).toEqual([]);
});
