/** `--dry-run <file>`: the pipeline proto the runner would receive, written as JSON instead of running it. */
import * as fs from "fs";
import * as path from "path";
import { Pipeline } from "apache-beam/internal/pipeline";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { Root } from "apache-beam/pvalue";
import type { SalesConfig } from "./options";
import { buildPipeline, type SalesIO } from "./sales_aggregation";

/** --dry-run: the pipeline proto the runner would receive, as JSON (protobuf's JSON mapping), to inspect or diff. */
export async function writePipelineJson(config: SalesConfig, io: SalesIO, file: string): Promise<number> {
  const pipeline = new Pipeline();
  // Kafka on flink expands KafkaIO through the Java expansion service: the build is asynchronous then.
  await buildPipeline(new Root(pipeline), config, io);
  const proto = pipeline.getProto();
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(runnerApi.Pipeline.toJson(proto), null, 2) + "\n");
  return Object.keys(proto.components?.transforms ?? {}).length;
}
