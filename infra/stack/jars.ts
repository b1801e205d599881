import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { StackError } from "./errors";
import { INFRA_DIR } from "./options";

const POM = path.join(INFRA_DIR, "pom.xml");
/** Written into the lib dir after a complete copy; names the Kafka version its jars belong to. */
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
  const marker = path.join(libDir, MARKER_NAME);
  const cached = fs.existsSync(marker) && fs.readFileSync(marker, "utf8").trim() === version;
  if (!cached) {
    requireTool("mvn", ["-v"], "Maven 3 (e.g. apt-get install maven)");
    log(`resolving Kafka ${version} jars with Maven into ${path.relative(process.cwd(), libDir) || libDir} (once)`);
    clearJars(libDir);
    const r = spawnSync("mvn", ["-q", "-B", "-f", POM, `-Dstack.lib=${libDir}`, "dependency:copy-dependencies"], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) {
      const tail = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-5).join(" | ");
      throw new StackError(`mvn could not resolve the Kafka jars (exit ${String(r.status)}): ${tail}`, true);
    }
    if (!fs.existsSync(path.join(libDir, `kafka_2.13-${version}.jar`))) {
      throw new StackError(`mvn finished but ${libDir} has no kafka_2.13-${version}.jar; check ${POM}`);
    }
    fs.writeFileSync(marker, version + "\n");
  }
  return path.join(libDir, "*");
}

/** Fails with a one-line install hint when `cmd` is not on PATH. */
export function requireTool(cmd: string, args: string[], install: string): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new StackError(`${cmd} not found on PATH: install ${install}`);
  }
}

/** Removes the jars (and the marker) of an earlier or partial copy; nothing else in the directory is touched. */
function clearJars(libDir: string): void {
  fs.mkdirSync(libDir, { recursive: true });
  for (const name of fs.readdirSync(libDir)) {
    if (name.endsWith(".jar") || name === MARKER_NAME) fs.rmSync(path.join(libDir, name), { force: true });
  }
}
