/**
 * Which version of a package is installed (its package.json, found from where Node resolves it), and the one line
 * that says a workaround was made for another version. Pure but for the file read; the index runs it at load.
 */
import * as fs from "fs";
import * as path from "path";

/** The installed version of `pkg` as Node resolves it from here, or undefined when it is not installed. */
export function installedVersion(pkg: string): string | undefined {
  let dir: string;
  try {
    dir = path.dirname(require.resolve(pkg));
  } catch {
    return undefined;
  }
  for (;;) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
      if (manifest.name === pkg && typeof manifest.version === "string") return manifest.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** undefined when `installed` is the version the workarounds were made for; otherwise the one line to print. */
export function versionMismatch(pkg: string, madeFor: string, installed: string | undefined): string | undefined {
  if (installed === madeFor) return undefined;
  if (installed === undefined) return `sdk_workarounds: ${pkg} is not installed (the workarounds were made for ${pkg} ${madeFor}): run npm ci`;
  return (
    `sdk_workarounds: ${pkg} ${installed} is installed but its workarounds were made for ${madeFor}: ` +
    `check each one listed in sdk_workarounds/index.ts against ${installed}, then set MADE_FOR there`
  );
}

/** Every mismatch of `madeFor` against what is installed, each written once through `warn`. */
export function checkVersions(
  madeFor: Readonly<Record<string, string>>,
  installed: (pkg: string) => string | undefined = installedVersion,
  warn: (line: string) => void = (line) => process.stderr.write(line + "\n"),
): string[] {
  const lines = Object.entries(madeFor).flatMap(([pkg, version]) => versionMismatch(pkg, version, installed(pkg)) ?? []);
  for (const line of lines) warn(line);
  return lines;
}
