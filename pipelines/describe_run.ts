/** The run's first log line: runner, input, windowing, lateness and sinks, as the config says (no password). */
import { redactPgUrl } from "../lib/redaction";
import type { SalesConfig } from "./options";

export function describe(config: SalesConfig): string {
  const w = config.window;
  const window =
    w.kind === "fixed" ? `fixed ${w.size} ms` : w.kind === "sliding" ? `sliding ${w.size} ms every ${w.period} ms` : `sessions gap ${w.gap} ms`;
  const stop = config.stopWhenIdle === null ? "runs until stopped (Ctrl-C)" : `stops after ${config.stopWhenIdle} ms idle`;
  const where = config.runner === "flink" ? ` (job server ${config.flink.jobEndpoint}, Flink ${config.flink.flinkMaster})` : "";
  const input =
    config.source === "sample"
      ? `a generated sample of ${config.sampleCount} records`
      : `topic ${config.topic} at ${config.bootstrapServers.join(",")} (group ${config.groupId}, from ${config.from})`;
  const sinks = config.sinks
    .map((name) =>
      name === "postgres"
        ? `postgres (${redactPgUrl(config.pgUrl)}, schema ${config.pgSchema})`
        : name === "parquet"
          ? `parquet (${config.parquetDir})`
          : name,
    )
    .join(", ");
  return (
    `pipeline: ${config.runner} runner${where}, ${input}, ${window} per ${config.key}, watermark delay ` +
    `${config.watermarkDelay} ms, allowed lateness ${config.allowedLateness} ms` +
    (config.source === "kafka"
      ? `, event time from ${config.timestampField === null ? "the Kafka record timestamps" : `the JSON field ${config.timestampField}`}`
      : "") +
    `; sinks: ${sinks}` +
    (config.source === "kafka" ? `; ${stop}` : "")
  );
}
