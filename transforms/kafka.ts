/**
 * readFromKafka: one read transform for every runner.
 *
 *   const records = root.apply(readFromKafka({
 *     bootstrapServers: ["127.0.0.1:9092"], topic: "sales_events", groupId: "sales-aggregation",
 *     watermarkDelay: seconds(10), from: "committed",
 *   }));   // PCollection<KafkaRecord>, timestamped in event time
 *
 * On the direct runner (`target: "direct"`, the default) it is a leaf transform with URN KAFKA_SOURCE_URN and the
 * JSON of a KafkaSourceSpec as payload; the runner executes it with runners/direct/sources/kafka_source.ts
 * (kafkajs behind io/kafka/kafka_client.ts): consumer group, batch fetch, pause/resume backpressure, event-time
 * watermarks with idleness, commits only of what the sinks hold durably (docs/guarantees.md).
 *
 * On portable runners (`target: "portable"`, Flink) it is Beam's Java KafkaIO, expanded by the Java expansion
 * service at `expansionService` (EMBEDDED environment) with our own payload (kafka_payload.ts), followed by a map
 * from KafkaIO's record row to our `KafkaRecord` (kafka_portable.ts): an async transform (`root.applyAsync`), which
 * buildPipeline handles. Event time is the record timestamp (KafkaIO's CreateTime policy; `timestampField` is not
 * supported there), the watermark is KafkaIO's, offsets are committed by KafkaIO (commitOffsetsInFinalize);
 * idleness, the watermark delay, stop-when-idle and our commit metadata do not exist there (docs/runners.md).
 */
import "apache-beam";
import { GeneralObjectCoder } from "apache-beam/coders/js_coders";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { withName } from "apache-beam/transforms/transform";
import type { Pipeline } from "apache-beam/internal/pipeline";
import type { PCollection, Root } from "apache-beam/pvalue";
import type { Millis } from "../model/model";
import {
  KAFKA_SOURCE_URN,
  encodeKafkaSourceSpec,
  type KafkaRecord,
  type KafkaSourceSpec,
  type StartFrom,
} from "../model/kafka_source_spec";
import { DEFAULT_BOOTSTRAP_SERVERS } from "../io/kafka/kafka_client";
import { portableKafkaRead, type PortableKafkaRead } from "./kafka_portable";

export type { KafkaRecord, StartFrom } from "../model/kafka_source_spec";

export interface ReadFromKafkaOptions {
  readonly topic: string;
  readonly groupId: string;
  /** host:port list. Default 127.0.0.1:9092. */
  readonly bootstrapServers?: readonly string[];
  /** Default "committed" (resume; earliest where the group has no offset). */
  readonly from?: StartFrom;
  /** JSON field with the event time (ISO-8601 or epoch ms). Default: the Kafka record timestamp. */
  readonly timestampField?: string;
  /** Watermark = newest event time of a partition − this. Default 10 s (the tutorial's withWatermark). */
  readonly watermarkDelay?: Millis;
  /**
   * An event time more than this ahead of the wall clock goes to the dead letters instead of moving the watermark.
   * Default 1 h; 0 turns the guard off.
   */
  readonly maxFutureSkew?: Millis;
  /** Results wait at most this long for a partition read to its end offset (Kafka Streams' max.task.idle.ms). Default 1 s. */
  readonly idleTimeout?: Millis;
  /** End the input after this long without records once every partition is read to its end. Default: never. */
  readonly stopWhenIdle?: Millis;
  /** Records buffered before fetching pauses (backpressure). Default 20 000. */
  readonly maxBufferedRecords?: number;
  /** The most bytes one fetch returns per partition (max.partition.fetch.bytes). Default 1 MiB. */
  readonly fetchMaxBytes?: number;
  /** Least time between offset commits. Default 5 s. */
  readonly commitInterval?: Millis;
  readonly clientId?: string;
  /** How long to wait for a previous run to leave the consumer group before failing as a second instance. 15 s. */
  readonly groupWait?: Millis;
  /** How long the brokers may stay unreachable before the run fails (a restart is survived). Default 60 s. */
  readonly retryBudget?: Millis;
  /** Which expansion: our in-process source, or Beam's Java KafkaIO for portable runners. Default "direct". */
  readonly target?: "direct" | "portable";
  /**
   * Portable only: KafkaIO commits the offsets of what it read, through a step Flink runs only with checkpoints
   * (it is @RequiresStableInput: without checkpointing the job is refused). Default false.
   */
  readonly commitOffsets?: boolean;
  /** host:port of the Java expansion service (portable only). Default 127.0.0.1:8096 (what npm run flink:up starts). */
  readonly expansionService?: string;
  /** Step name. Default "readFromKafka". */
  readonly name?: string;
}

export const KAFKA_READ_DEFAULTS = Object.freeze({
  from: "committed" as StartFrom,
  watermarkDelay: 10_000,
  maxFutureSkew: 3_600_000,
  idleTimeout: 1_000,
  maxBufferedRecords: 20_000,
  commitInterval: 5_000,
  clientId: "beam-ts-streaming",
});

/** The spec the direct runner's source receives (defaults applied). */
export function kafkaSourceSpec(options: ReadFromKafkaOptions): KafkaSourceSpec {
  return Object.freeze({
    bootstrapServers: Object.freeze([...(options.bootstrapServers ?? DEFAULT_BOOTSTRAP_SERVERS)]),
    topic: options.topic,
    groupId: options.groupId,
    from: options.from ?? KAFKA_READ_DEFAULTS.from,
    timestampField: options.timestampField ?? null,
    watermarkDelayMs: options.watermarkDelay ?? KAFKA_READ_DEFAULTS.watermarkDelay,
    maxFutureSkewMs: (options.maxFutureSkew ?? KAFKA_READ_DEFAULTS.maxFutureSkew) || null,
    idleTimeoutMs: options.idleTimeout ?? KAFKA_READ_DEFAULTS.idleTimeout,
    stopWhenIdleMs: options.stopWhenIdle ?? null,
    maxBufferedRecords: options.maxBufferedRecords ?? KAFKA_READ_DEFAULTS.maxBufferedRecords,
    commitIntervalMs: options.commitInterval ?? KAFKA_READ_DEFAULTS.commitInterval,
    clientId: options.clientId ?? KAFKA_READ_DEFAULTS.clientId,
    ...(options.groupWait === undefined ? {} : { groupWaitMs: options.groupWait }),
    ...(options.retryBudget === undefined ? {} : { retryBudgetMs: options.retryBudget }),
    ...(options.fetchMaxBytes === undefined ? {} : { fetchMaxBytes: options.fetchMaxBytes }),
  });
}

/** The consumer config Beam's Java KafkaIO gets on portable runners (see the switch point above). */
export function portableConsumerConfig(options: ReadFromKafkaOptions): Record<string, string> {
  const from = options.from ?? KAFKA_READ_DEFAULTS.from;
  return {
    "bootstrap.servers": (options.bootstrapServers ?? DEFAULT_BOOTSTRAP_SERVERS).join(","),
    "group.id": options.groupId,
    "auto.offset.reset": from === "latest" ? "latest" : "earliest",
    // The group's offsets move only when KafkaIO commits them after a checkpoint (commitOffsets), never by the
    // consumer's periodic auto-commit of what it fetched: a restart then resumes from what the job made durable.
    "enable.auto.commit": "false",
    // Committed data only, as the direct runner's source reads (kafkajs's default): records of aborted
    // transactions are not counted on either runner. (Kafka's Java default is read_uncommitted.)
    "isolation.level": "read_committed",
  };
}

export const DEFAULT_EXPANSION_SERVICE = "127.0.0.1:8096";

/** What root.apply accepts: a leaf expansion that writes its own proto. */
export type KafkaReadTransform = (root: Root, pipeline: Pipeline, proto: runnerApi.PTransform) => PCollection<KafkaRecord>;

/** The read for either target: the direct runner's leaf transform, or KafkaIO's expansion (root.applyAsync). */
export type KafkaSource = KafkaReadTransform | PortableKafkaRead;

export function readFromKafka(options: ReadFromKafkaOptions & { target: "portable" }): PortableKafkaRead;
export function readFromKafka(options: ReadFromKafkaOptions & { target?: "direct" }): KafkaReadTransform;
export function readFromKafka(options: ReadFromKafkaOptions): KafkaSource;
export function readFromKafka(options: ReadFromKafkaOptions): KafkaSource {
  if ((options.target ?? "direct") === "portable") {
    if (options.timestampField !== undefined) {
      throw new Error(
        "readFromKafka: on portable runners the event time is the Kafka record timestamp (KafkaIO's CreateTime " +
          "policy); drop --timestamp-field (the producer sets the record timestamp to the event time)",
      );
    }
    return portableKafkaRead(
      {
        consumerConfig: portableConsumerConfig(options),
        topics: [options.topic],
        timestampPolicy: "CreateTime",
        commitOffsetInFinalize: options.commitOffsets ?? false,
        // earliest ignores committed offsets, as on the direct runner: start at the first record (timestamp ≥ 0).
        ...((options.from ?? KAFKA_READ_DEFAULTS.from) === "earliest" ? { startReadTime: 0 } : {}),
      },
      options.expansionService ?? DEFAULT_EXPANSION_SERVICE,
      options.name ?? "readFromKafka",
    );
  }
  const payload = encodeKafkaSourceSpec(kafkaSourceSpec(options));
  const urn = KAFKA_SOURCE_URN;
  return withName(
    options.name ?? "readFromKafka",
    (_root: Root, pipeline: Pipeline, proto: runnerApi.PTransform): PCollection<KafkaRecord> => {
      proto.spec = { urn, payload };
      proto.environmentId = "";
      return pipeline.createPCollectionInternal<KafkaRecord>(
        new GeneralObjectCoder<KafkaRecord>(),
        undefined,
        runnerApi.IsBounded_Enum.UNBOUNDED,
      );
    },
  );
}
