import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { StackError } from "./errors";
import { INFRA_DIR } from "./options";

const POM = path.join(INFRA_DIR, "pom.xml");
/** Written into the lib dir after a complete copy; names the version its jars belong to (default name). */
const MARKER_NAME = ".kafka-version";

/** The Kafka version infra/pom.xml asks for (its `<kafka.version>` property). */
export function kafkaVersion(): string {
  const pom = fs.readFileSync(POM, "utf8");
  const open = "<kafka.version>";
  const start = pom.indexOf(open);
  const end = pom.indexOf("</kafka.version>", start);
  if (start < 0 || end < 0) throw new StackError(`${POM} has no <kafka.version> property`);
  return pom.slice(start + open.length, end).trim();
}

/** The broker's classpath entry (`infra/lib/*`), resolving the jars through Maven the first time. */
export function ensureKafkaJars(libDir: string, log: (line: string) => void): string {
  const version = kafkaVersion();
  return ensureMavenJars({ pom: POM, libDir, label: `Kafka ${version}`, stamp: version, expectedJar: `kafka_2.13-${version}.jar` }, log);
}

/** One classpath resolved by `mvn dependency:copy-dependencies` from a pom into a git-ignored directory. */
export interface MavenClasspath {
  readonly pom: string;
  readonly libDir: string;
  /** What the jars are, for messages ("Flink 1.15.0 cluster"). */
  readonly label: string;
  /** Written into the lib dir after a complete copy; a different stamp means resolve again. */
  readonly stamp: string;
  /** A jar that must be there after the copy. */
  readonly expectedJar: string;
  /** The stamp file's name (default `.kafka-version`). */
  readonly marker?: string;
}

/** `libDir/*` for a java -cp, resolving the jars through Maven the first time (skipped while the stamp matches). */
export function ensureMavenJars(c: MavenClasspath, log: (line: string) => void): string {
  const marker = path.join(c.libDir, c.marker ?? MARKER_NAME);
  const cached = fs.existsSync(marker) && fs.readFileSync(marker, "utf8").trim() === c.stamp;
  if (!cached) {
    requireTool("mvn", ["-v"], "Maven 3 (e.g. apt-get install maven)");
    log(`resolving the ${c.label} jars with Maven into ${path.relative(process.cwd(), c.libDir) || c.libDir} (once)`);
    clearJars(c.libDir, path.basename(marker));
    const r = spawnSync("mvn", ["-q", "-B", "-f", c.pom, `-Dstack.lib=${c.libDir}`, `-Dflink.lib=${c.libDir}`, "dependency:copy-dependencies"], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) {
      const tail = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-5).join(" | ");
      throw new StackError(`mvn could not resolve the ${c.label} jars (exit ${String(r.status)}): ${tail}`, true);
    }
    if (!fs.existsSync(path.join(c.libDir, c.expectedJar))) {
      throw new StackError(`mvn finished but ${c.libDir} has no ${c.expectedJar}; check ${c.pom}`);
    }
    fs.writeFileSync(marker, c.stamp + "\n");
  }
  return path.join(c.libDir, "*");
}

/** Fails with a one-line install hint when `cmd` is not on PATH. */
export function requireTool(cmd: string, args: string[], install: string): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new StackError(`${cmd} not found on PATH: install ${install}`);
  }
}

/** Removes the jars (and the marker) of an earlier or partial copy; nothing else in the directory is touched. */
function clearJars(libDir: string, markerName: string): void {
  fs.mkdirSync(libDir, { recursive: true });
  for (const name of fs.readdirSync(libDir)) {
    if (name.endsWith(".jar") || name === markerName) fs.rmSync(path.join(libDir, name), { force: true });
  }
}
