import type { FlinkStackOptions } from "./options";
import { flinkPaths } from "./options";

/**
 * flink-conf.yaml of the local session cluster: everything on 127.0.0.1, REST/web UI on restPort, temporary files
 * and uploads under the git-ignored state dir, modest memory (2 cores, shared machine).
 */
export function flinkConf(o: FlinkStackOptions, rpcPort: number): string {
  const p = flinkPaths(o);
  const entries: Record<string, string | number> = {
    "jobmanager.rpc.address": o.host,
    "jobmanager.rpc.port": rpcPort,
    "jobmanager.bind-host": o.host,
    "jobmanager.memory.process.size": "1280m",
    "taskmanager.host": o.host,
    "taskmanager.bind-host": o.host,
    "taskmanager.memory.process.size": "2048m",
    "taskmanager.memory.managed.size": "64m",
    "taskmanager.memory.jvm-metaspace.size": "320m",
    "taskmanager.numberOfTaskSlots": o.slots,
    // Beam's jars are on the TaskManager's own classpath (services.ts): loaded once, not once per job from the
    // jars the job server stages (which filled the metaspace after about ten jobs).
    "classloader.resolve-order": "parent-first",
    "parallelism.default": 1,
    "rest.address": o.host,
    "rest.bind-address": o.host,
    "rest.port": o.restPort,
    "web.upload.dir": p.uploadDir,
    "web.tmpdir": p.tmpDir,
    "io.tmp.dirs": p.tmpDir,
    "blob.storage.directory": p.tmpDir,
    // Checkpoints (and savepoints) as files under the state dir: a job cancelled with --checkpoint-interval keeps
    // its last checkpoint there, and `npm run pipeline -- --restore-from <path>` resumes from it.
    "state.checkpoints.dir": `file://${o.stateDir}/checkpoints`,
    "state.savepoints.dir": `file://${o.stateDir}/savepoints`,
    // The Beam job server starts its jobs as a client of this cluster; one job at a time per test, few restarts.
    "restart-strategy": "none",
    "heartbeat.timeout": 120000,
    "akka.ask.timeout": "60 s",
  };
  return Object.entries(entries).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n";
}

/** Flink's log4j 2 configuration: one file per JVM (-Dlog.file), appended to across restarts. */
export function log4jProperties(): string {
  return [
    "monitorInterval = 0",
    "rootLogger.level = INFO",
    "rootLogger.appenderRef.file.ref = MainAppender",
    "logger.akka.name = akka",
    "logger.akka.level = WARN",
    "logger.netty.name = org.apache.flink.shaded.akka.org.jboss.netty.channel.DefaultChannelPipeline",
    "logger.netty.level = ERROR",
    "appender.main.name = MainAppender",
    "appender.main.type = File",
    "appender.main.append = true",
    "appender.main.fileName = ${sys:log.file}",
    "appender.main.layout.type = PatternLayout",
    "appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
    "",
  ].join("\n");
}

/**
 * JVM flags Java 17 needs: the JobManager and TaskManager die at start without the sun.net.util export; Kryo,
 * Beam's coders and the EMBEDDED Java harness reflect into java.lang / java.util; the job server needs java.lang
 * for streaming jobs.
 */
export const JAVA17_FLAGS: readonly string[] = [
  "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
  "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
  "--add-opens=java.base/java.lang=ALL-UNNAMED",
  "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
  "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
  "--add-opens=java.base/java.util=ALL-UNNAMED",
  "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
  "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
  "--add-opens=java.base/java.io=ALL-UNNAMED",
  "--add-opens=java.base/java.net=ALL-UNNAMED",
  "--add-opens=java.base/java.nio=ALL-UNNAMED",
  "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
  "--add-opens=java.base/java.time=ALL-UNNAMED",
  "--add-opens=java.base/java.text=ALL-UNNAMED",
  "--add-opens=java.sql/java.sql=ALL-UNNAMED",
];
