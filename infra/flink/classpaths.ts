import * as path from "path";
import { ensureMavenJars, type MavenClasspath } from "../stack/jars";
import { FLINK_INFRA_DIR, type FlinkStackOptions } from "./options";

export const FLINK_VERSION = "1.15.0";
export const BEAM_VERSION = "2.49.0";

export type ClasspathName = "cluster" | "job-server" | "expansion-service";

/** The three classpaths of the Flink stack, each from its own pom (infra/flink/<name>/pom.xml). */
export function flinkClasspath(o: FlinkStackOptions, name: ClasspathName): MavenClasspath {
  const expected: Record<ClasspathName, { label: string; stamp: string; jar: string }> = {
    cluster: { label: `Flink ${FLINK_VERSION} cluster`, stamp: FLINK_VERSION, jar: `flink-runtime-${FLINK_VERSION}.jar` },
    "job-server": {
      label: `Beam ${BEAM_VERSION} Flink job server`,
      stamp: `${BEAM_VERSION}/${FLINK_VERSION}`,
      jar: `beam-runners-flink-1.15-${BEAM_VERSION}.jar`,
    },
    "expansion-service": {
      label: `Beam ${BEAM_VERSION} expansion service`,
      stamp: BEAM_VERSION,
      jar: `beam-sdks-java-io-kafka-${BEAM_VERSION}.jar`,
    },
  };
  const e = expected[name];
  return {
    pom: path.join(FLINK_INFRA_DIR, name, "pom.xml"),
    libDir: path.join(o.libDir, name),
    label: e.label,
    stamp: e.stamp,
    expectedJar: e.jar,
    marker: ".version",
  };
}

/** `lib/<name>/*`, resolving the jars through Maven the first time. */
export function ensureFlinkJars(o: FlinkStackOptions, name: ClasspathName, log: (line: string) => void): string {
  return ensureMavenJars(flinkClasspath(o, name), log);
}
