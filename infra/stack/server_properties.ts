import { StackOptions, stackPaths } from "./options";

/**
 * A single-node KRaft broker+controller for development and tests.
 *
 * Choices worth knowing:
 * - `auto.create.topics.enable=false`: topics are created explicitly (the producer's `--partitions`, each test
 *   its own topic), so a misspelt topic fails loudly instead of silently creating a 1-partition topic.
 * - Replication factors 1 and `group.initial.rebalance.delay.ms=0`: a single broker, consumer groups join at once.
 * - No time-based retention (producers write old event times as record timestamps); 1 GiB per partition at most.
 * - Few internal partitions and small cleaner buffers: the whole broker fits a 512 MB heap on a 2-core machine.
 */
export function serverProperties(o: StackOptions): string {
  const p = stackPaths(o);
  const entries: Array<[string, string | number | boolean]> = [
    ["process.roles", "broker,controller"],
    ["node.id", 1],
    ["controller.quorum.voters", `1@${o.host}:${o.controllerPort}`],
    ["listeners", `PLAINTEXT://${o.host}:${o.kafkaPort},CONTROLLER://${o.host}:${o.controllerPort}`],
    ["advertised.listeners", `PLAINTEXT://${o.host}:${o.kafkaPort}`],
    ["controller.listener.names", "CONTROLLER"],
    ["inter.broker.listener.name", "PLAINTEXT"],
    ["listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"],
    ["log.dirs", p.dataDir],
    ["auto.create.topics.enable", false],
    ["num.partitions", 1],
    ["default.replication.factor", 1],
    ["min.insync.replicas", 1],
    ["offsets.topic.replication.factor", 1],
    ["offsets.topic.num.partitions", 10],
    ["transaction.state.log.replication.factor", 1],
    ["transaction.state.log.min.isr", 1],
    ["transaction.state.log.num.partitions", 4],
    ["group.initial.rebalance.delay.ms", 0],
    ["num.network.threads", 3],
    ["num.io.threads", 4],
    ["log.cleaner.dedupe.buffer.size", 16 * 1024 * 1024],
    ["log.cleaner.threads", 1],
    // Keep records regardless of their (event-)timestamps: time retention would delete test data whose event
    // times lie in the past (e.g. a 2024 start time) at the next retention check. Bounded by size instead.
    ["log.retention.ms", -1],
    ["log.retention.bytes", 1024 * 1024 * 1024],
    ["log.segment.bytes", 256 * 1024 * 1024],
    ["delete.topic.enable", true],
  ];
  return entries.map(([k, v]) => `${k}=${String(v)}`).join("\n") + "\n";
}

/** Kafka 3.x logs through reload4j: everything to logs/server.log, rolled, nothing on stdout. */
export function log4jProperties(o: StackOptions): string {
  const p = stackPaths(o);
  return [
    "log4j.rootLogger=INFO, file",
    "log4j.appender.file=org.apache.log4j.RollingFileAppender",
    `log4j.appender.file.File=${p.serverLog}`,
    "log4j.appender.file.MaxFileSize=20MB",
    "log4j.appender.file.MaxBackupIndex=2",
    "log4j.appender.file.layout=org.apache.log4j.PatternLayout",
    "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n",
    "log4j.logger.kafka=INFO",
    "log4j.logger.org.apache.kafka=INFO",
    "log4j.logger.kafka.request.logger=WARN",
    "log4j.logger.state.change.logger=WARN",
    "",
  ].join("\n");
}
