import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { StackError } from "./errors";
import { INFRA_DIR, LIB_DIR } from "./options";

const POM = path.join(INFRA_DIR, "pom.xml");
/** Written after a complete copy; names the Kafka version the jars in lib/ belong to. */
const MARKER = path.join(LIB_DIR, ".kafka-version");

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
export function ensureKafkaJars(log: (line: string) => void): string {
  const version = kafkaVersion();
  const cached = fs.existsSync(MARKER) && fs.readFileSync(MARKER, "utf8").trim() === version;
  if (!cached) {
    requireTool("mvn", ["-v"], "Maven 3 (e.g. apt-get install maven)");
    log(`resolving Kafka ${version} jars with Maven into ${path.relative(process.cwd(), LIB_DIR) || LIB_DIR} (once)`);
    fs.rmSync(LIB_DIR, { recursive: true, force: true });
    const r = spawnSync("mvn", ["-q", "-B", "-f", POM, "dependency:copy-dependencies"], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) {
      const tail = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-5).join(" | ");
      throw new StackError(`mvn could not resolve the Kafka jars (exit ${String(r.status)}): ${tail}`, true);
    }
    if (!fs.existsSync(path.join(LIB_DIR, `kafka_2.13-${version}.jar`))) {
      throw new StackError(`mvn finished but ${LIB_DIR} has no kafka_2.13-${version}.jar; check ${POM}`);
    }
    fs.writeFileSync(MARKER, version + "\n");
  }
  return path.join(LIB_DIR, "*");
}

/** Fails with a one-line install hint when `cmd` is not on PATH. */
export function requireTool(cmd: string, args: string[], install: string): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new StackError(`${cmd} not found on PATH: install ${install}`);
  }
}
