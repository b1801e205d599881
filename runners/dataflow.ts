/**
 * Dataflow, on paper: the SDK's Dataflow path starts Python's apache-beam Dataflow job service and needs Google
 * Cloud credentials and a project, a region and a gs:// temp location. Until all of these exist, `--runner=dataflow`
 * is a one-line error naming what is missing (docs/runners.md, "Dataflow", gives the path); `--dry-run` writes
 * the pipeline proto that would be submitted.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Runner } from "apache-beam/runners/runner";
import { dataflowRunner as sdkDataflowRunner } from "apache-beam/runners/dataflow";

export interface DataflowOptions {
  readonly project?: string;
  readonly region?: string;
  /** gs://bucket/path for staging and temporary files. */
  readonly tempLocation?: string;
}

/** What a machine offers the Dataflow path (injectable for tests). */
export interface DataflowEnvironment {
  readonly pythonBeam: boolean;
  readonly credentials: boolean;
}

export function probeDataflowEnvironment(env: NodeJS.ProcessEnv = process.env): DataflowEnvironment {
  const python = spawnSync("python3", ["-c", "import apache_beam"], { encoding: "utf8" });
  const adc = path.join(os.homedir(), ".config", "gcloud", "application_default_credentials.json");
  const keyFile = env.GOOGLE_APPLICATION_CREDENTIALS;
  return {
    pythonBeam: python.status === 0,
    credentials: (keyFile !== undefined && fs.existsSync(keyFile)) || fs.existsSync(adc),
  };
}

/** Everything the Dataflow path lacks, in words a user can act on (empty: it can be tried). */
export function missingForDataflow(o: DataflowOptions, machine: DataflowEnvironment): string[] {
  const missing: string[] = [];
  if (!machine.pythonBeam) missing.push("Python's apache-beam (pip install 'apache-beam[gcp]==2.49.0')");
  if (!machine.credentials) {
    missing.push("Google Cloud credentials (gcloud auth application-default login, or GOOGLE_APPLICATION_CREDENTIALS)");
  }
  if (!o.project) missing.push("--project");
  if (!o.region) missing.push("--region");
  if (!o.tempLocation) missing.push("--temp-location gs://…");
  else if (!o.tempLocation.startsWith("gs://")) missing.push(`a gs:// --temp-location (got ${o.tempLocation})`);
  return missing;
}

export function dataflowRunner(o: DataflowOptions, machine: DataflowEnvironment = probeDataflowEnvironment()): Runner {
  const missing = missingForDataflow(o, machine);
  if (missing.length > 0) {
    throw new Error(
      `the dataflow runner needs ${missing.join(", ")}; see docs/runners.md ("Dataflow"), or use --dry-run to write the pipeline proto`,
    );
  }
  return sdkDataflowRunner({ project: String(o.project), region: String(o.region), tempLocation: String(o.tempLocation) }) as Runner;
}
