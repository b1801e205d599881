/**
 * The one seam between this project and a Kafka client library.
 *
 * Everything the product needs from Kafka — a consumer group member that fetches in batches, pauses and resumes
 * partitions (backpressure), seeks, and commits offsets with metadata; an admin for topic creation and offset
 * look-ups; a batching producer for tests and benchmarks — is declared here as small interfaces, and implemented
 * on kafkajs 2.2. Only this module (and the direct runner's Kafka source, through these interfaces) knows the
 * client: replacing kafkajs (for example by @platformatic/kafka) means re-implementing `createKafkaClient`.
 *
 * Failures surface as `KafkaClientError`s that say whether retrying can help and what to do.
 */
import * as net from "net";
import * as kafkajs from "kafkajs";
import { registerKafkaCodecs } from "./kafka_codecs";
import { BrokerContact, type BrokerHealth } from "./kafka_outage";
import { HostPortError, parseHostPort, type HostPort } from "../../lib/host_port";

export type { BrokerHealth } from "./kafka_outage";

/** Where the brokers are. */
export interface KafkaConnection {
  /** host:port pairs, e.g. ["127.0.0.1:9092"]. */
  readonly bootstrapServers: readonly string[];
  readonly clientId?: string;
  /** Milliseconds to wait for a TCP connection to a broker (default 3000). */
  readonly connectionTimeoutMs?: number;
  /**
   * How long the brokers may stay unreachable (a restart, a coordinator move, a leader election) before the
   * consumer gives up with a BrokerOutageError and commits stop being retried (default 60 s, --kafka-retry-budget).
   */
  readonly retryBudgetMs?: number;
}

export const DEFAULT_KAFKA_RETRY_BUDGET_MS = 60_000;

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/**
 * A record as fetched (the client's own message objects are passed through, not copied: this is the hot path).
 * Offsets are int64 in Kafka, hence decimal strings; so is the timestamp.
 */
export interface FetchedRecord {
  readonly offset: string;
  /** The record timestamp (CreateTime as set by the producer, or LogAppendTime): ms since the epoch, as text. */
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

export interface FetchedBatch {
  readonly topic: string;
  readonly partition: number;
  /** The partition's log end offset when fetched (the offset the next produced record will get). */
  readonly highWatermark: string;
  readonly records: readonly FetchedRecord[];
  /**
   * The offset after everything this fetch covered: past the last record, and past the transaction markers and
   * aborted records that follow it (never delivered as records). A fetch of only those has no records and still
   * moves this on, so a transactional topic's position reaches its end.
   */
  readonly nextOffset: string;
}

export interface OffsetCommit {
  readonly topic: string;
  readonly partition: number;
  /** The offset of the next record to read after a restart. */
  readonly offset: string;
  /** Free text stored with the offset by the broker (limit: offset.metadata.max.bytes, 4096 by default). */
  readonly metadata: string | null;
}

export interface CommittedOffset {
  readonly partition: number;
  /** null when the group has no committed offset for this partition. */
  readonly offset: string | null;
  readonly metadata: string | null;
}

export interface PartitionOffsets {
  readonly partition: number;
  /** The earliest offset still in the log. */
  readonly low: string;
  /** The log end offset. */
  readonly high: string;
}

export interface ConsumerOptions {
  readonly groupId: string;
  /** Where a partition without a committed offset starts: earliest (default) or latest. */
  readonly fallbackToEarliest?: boolean;
  readonly sessionTimeoutMs?: number;
  /** The longest the broker holds a fetch request open when no data is available, and how long a consumer
   * whose partitions are all paused sleeps before looking again (default 100 ms). */
  readonly maxWaitMs?: number;
  readonly maxBytesPerPartition?: number;
  readonly maxBytes?: number;
  /** How old the consumer's topic metadata may get: a partition added to the topic is seen within it (default 5 s). */
  readonly metadataMaxAgeMs?: number;
}

export interface ConsumerHandlers {
  /** Called for each fetched batch, in order per partition. Keep it quick: pause partitions instead of waiting. */
  onBatch(batch: FetchedBatch): Promise<void> | void;
  /**
   * Called after every (re)join of the group with this member's partitions, before their batches arrive. `member`
   * says whether this member leads the group (the coordinator keeps the longest-standing member as leader).
   */
  onAssignment?(partitions: readonly TopicPartition[], member: GroupMembership): void;
  /**
   * Called once when the client gives up: a non-retriable error, or the brokers unreachable for longer than the
   * retry budget (a BrokerOutageError). Transient failures before that are retried by the seam itself.
   */
  onFailure?(error: KafkaClientError): void;
}

export interface GroupMembership {
  readonly memberId: string;
  readonly isLeader: boolean;
}

/** A live member of a consumer group, as the group coordinator describes it. */
export interface GroupMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly clientHost: string;
}

export interface KafkaConsumer {
  /** Connects, joins the group subscribed to `topics`, and starts fetching into `handlers.onBatch`. */
  start(topics: readonly string[], handlers: ConsumerHandlers): Promise<void>;
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /** Moves the fetch position (only while started, e.g. from onAssignment). */
  seek(partition: TopicPartition, offset: string): void;
  /** Commits offsets (with metadata) for this group. Fails retriably while the group is rebalancing. */
  commit(offsets: readonly OffsetCommit[]): Promise<void>;
  /** Leaves the group and disconnects, within a few seconds even when the broker is gone. Safe to call twice. */
  stop(): Promise<void>;
  /** Whether the brokers answer, and how many outages this consumer went through (readiness, metrics). */
  health(): BrokerHealth;
}

/** How a topic is created beyond its partition count (defaults: replication 1, the broker's topic configs). */
export interface TopicOptions {
  readonly replicationFactor?: number;
  /** Topic-level configs, e.g. { "cleanup.policy": "compact" }. */
  readonly config?: Readonly<Record<string, string>>;
}

export interface KafkaAdmin {
  /** Creates the topic if it does not exist; true when it was created. */
  createTopic(topic: string, partitions: number, options?: TopicOptions): Promise<boolean>;
  /** The brokers of the cluster (how many replicas a topic can have). */
  brokerCount(): Promise<number>;
  /** The values of the named topic-level configs of an existing topic (absent: the broker does not say). */
  topicConfig(topic: string, names: readonly string[]): Promise<Record<string, string>>;
  listTopics(): Promise<string[]>;
  deleteTopic(topic: string): Promise<void>;
  topicOffsets(topic: string): Promise<PartitionOffsets[]>;
  committedOffsets(groupId: string, topic: string): Promise<CommittedOffset[]>;
  /** The group's live members (empty when nobody is in it). */
  groupMembers(groupId: string): Promise<GroupMember[]>;
  close(): Promise<void>;
}

export interface ProducedRecord {
  readonly key: string | Buffer | null;
  readonly value: string | Buffer | null;
  /** The record timestamp in ms (CreateTime). */
  readonly timestamp?: number;
  /** An explicit partition; otherwise the key decides (murmur2, as the Java client). */
  readonly partition?: number;
}

export interface KafkaProducer {
  /** Sends all records (in one request per partition leader) and waits for the acknowledgement of all replicas. */
  send(topic: string, records: readonly ProducedRecord[]): Promise<void>;
  close(): Promise<void>;
}

export interface KafkaClient {
  readonly connection: KafkaConnection;
  consumer(options: ConsumerOptions): KafkaConsumer;
  admin(): Promise<KafkaAdmin>;
  producer(): Promise<KafkaProducer>;
}

/** Every failure of the Kafka seam. `retriable` says whether trying again (later) can help. */
export class KafkaClientError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "KafkaClientError";
  }
}

/**
 * The brokers stayed unreachable (or the group without a coordinator) for longer than the retry budget. Not
 * retriable any more: the run ends, and a rerun resumes from its last commit once the broker is back.
 */
export class BrokerOutageError extends KafkaClientError {
  constructor(
    readonly bootstrapServers: readonly string[],
    readonly outageMs: number,
    readonly budgetMs: number,
    lastError: string,
  ) {
    super(
      `Kafka at ${bootstrapServers.join(",")} unreachable for ${(outageMs / 1000).toFixed(1)} s, longer than ` +
        `--kafka-retry-budget ${(budgetMs / 1000).toFixed(0)} s (last error: ${lastError}): start the broker (npm run ` +
        "stack:up) or raise --kafka-retry-budget, then run the job again: it resumes from its last commit",
      false,
    );
    this.name = "BrokerOutageError";
  }
}

/** No broker answered at the bootstrap servers. Retriable: start the broker and try again. */
export class BrokerUnreachableError extends KafkaClientError {
  constructor(
    readonly bootstrapServers: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      `no Kafka broker at ${bootstrapServers.join(",")}: start it with \`npm run stack:up\` or pass --bootstrap-servers`,
      true,
      options,
    );
    this.name = "BrokerUnreachableError";
  }
}

export const DEFAULT_BOOTSTRAP_SERVERS: readonly string[] = Object.freeze(["127.0.0.1:9092"]);

/** Something answers at the bootstrap servers, but not in Kafka's protocol. Not retriable: fix the address. */
export class NotKafkaError extends KafkaClientError {
  constructor(readonly bootstrapServers: readonly string[]) {
    super(
      `${bootstrapServers.join(",")} is not a Kafka broker (it accepts connections but does not answer Kafka's ` +
        "ApiVersions request): check --bootstrap-servers",
      false,
    );
    this.name = "NotKafkaError";
  }
}

type ProbeResult = "kafka" | "unreachable" | "not-kafka";

/** Kafka's ApiVersions v0 request (api key 18), the first request every client sends. */
function apiVersionsRequest(correlationId: number): Buffer {
  const clientId = Buffer.from("probe");
  const request = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
  request.writeInt32BE(request.length - 4, 0);
  request.writeInt16BE(18, 4);
  request.writeInt16BE(0, 6);
  request.writeInt32BE(correlationId, 8);
  request.writeInt16BE(clientId.length, 12);
  clientId.copy(request, 14);
  return request;
}

/** Connects to one server and asks it ApiVersions: a Kafka broker answers with our correlation id. */
function probeOne(server: string, timeoutMs: number): Promise<ProbeResult> {
  const { host, port } = splitHostPort(server);
  return new Promise<ProbeResult>((resolve) => {
    const correlationId = 0x6b61666b; // "kafk"
    const socket = net.connect({ host, port });
    let connected = false;
    let received = Buffer.alloc(0);
    const done = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    // One deadline for connecting, and another for the answer once connected.
    let timer = setTimeout(() => done("unreachable"), timeoutMs);
    socket.once("connect", () => {
      connected = true;
      clearTimeout(timer);
      timer = setTimeout(() => done("not-kafka"), timeoutMs);
      socket.write(apiVersionsRequest(correlationId));
    });
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 8) return;
      const size = received.readInt32BE(0);
      done(size >= 6 && size < 1 << 20 && received.readInt32BE(4) === correlationId ? "kafka" : "not-kafka");
    });
    socket.once("error", () => done(connected ? "not-kafka" : "unreachable"));
    socket.once("close", () => done(connected ? "not-kafka" : "unreachable"));
  });
}

/**
 * Asks each bootstrap server for its API versions (one Kafka request, bounded by the connection timeout): resolves
 * when one answers as a Kafka broker; else throws BrokerUnreachableError (nothing listens) or NotKafkaError
 * (something else listens there, e.g. PostgreSQL or an HTTP server), within seconds either way.
 */
export async function probeBrokers(connection: KafkaConnection): Promise<void> {
  const timeout = connection.connectionTimeoutMs ?? 3000;
  const results = await Promise.all(connection.bootstrapServers.map((server) => probeOne(server, timeout)));
  if (results.includes("kafka")) return;
  if (results.includes("not-kafka")) throw new NotKafkaError(connection.bootstrapServers);
  throw new BrokerUnreachableError(connection.bootstrapServers);
}

function splitHostPort(server: string): HostPort {
  const parsed = parseHostPort(server);
  if (parsed === undefined) throw new KafkaClientError(new HostPortError(server, "bootstrap server").message, false);
  return parsed;
}

/** Translates whatever the client library threw into a KafkaClientError with a useful message. */
export function toKafkaClientError(error: unknown, connection: KafkaConnection, doing: string): KafkaClientError {
  if (error instanceof KafkaClientError) return error;
  if (isUnreachable(error)) return new BrokerUnreachableError(connection.bootstrapServers, { cause: error });
  const retriable =
    error instanceof kafkajs.KafkaJSError ? error.retriable || isRebalanceError(error) : false;
  const message = error instanceof Error ? error.message : String(error);
  return new KafkaClientError(`Kafka ${doing} failed: ${message}`, retriable, { cause: error });
}

/** Errors of a group that is rebalancing: a commit fails now and succeeds after the rejoin. */
function isRebalanceError(error: Error): boolean {
  const type = (error as { type?: unknown }).type;
  return (
    type === "REBALANCE_IN_PROGRESS" ||
    type === "ILLEGAL_GENERATION" ||
    type === "UNKNOWN_MEMBER_ID" ||
    type === "NOT_COORDINATOR_FOR_GROUP" ||
    type === "COORDINATOR_NOT_AVAILABLE"
  );
}

/** Error types a broker restart, a coordinator move or a leader election cause: they pass once the cluster is back. */
const OUTAGE_TYPES = new Set([
  "COORDINATOR_NOT_AVAILABLE", "GROUP_COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR", "NOT_COORDINATOR_FOR_GROUP",
  "COORDINATOR_LOAD_IN_PROGRESS", "GROUP_LOAD_IN_PROGRESS", "LEADER_NOT_AVAILABLE", "NOT_LEADER_FOR_PARTITION",
  "NOT_LEADER_OR_FOLLOWER", "REQUEST_TIMED_OUT", "NETWORK_EXCEPTION", "UNKNOWN_TOPIC_OR_PARTITION",
  "REBALANCE_IN_PROGRESS", "ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID",
]);
const OUTAGE_NAMES = new Set([
  "KafkaJSGroupCoordinatorNotFound", "KafkaJSNumberOfRetriesExceeded", "KafkaJSRequestTimeoutError",
  "KafkaJSConnectionClosedError", "KafkaJSLockTimeout", "KafkaJSStaleTopicMetadataAssignment",
]);

/**
 * Whether a broker outage explains the error (retrying within the budget can help): anything the client calls
 * retriable, no connection, or one of the errors of a restarting cluster — anywhere in its chain of causes.
 */
export function isOutageError(error: unknown): boolean {
  if (error instanceof BrokerOutageError) return false;
  if (error instanceof BrokerUnreachableError || isUnreachable(error)) return true;
  if (error instanceof KafkaClientError) return error.retriable || isOutageError(error.cause);
  // A commit between a crash and the consumer's restart.
  if (isNotRunning(error)) return true;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const type = (e as { type?: unknown }).type;
    if ((e as { retriable?: unknown }).retriable === true) return true;
    if (OUTAGE_NAMES.has(e.name) || (typeof type === "string" && OUTAGE_TYPES.has(type))) return true;
    e = (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return false;
}

/** kafkajs's error for a call that needs its consumer group while the consumer is not running (after a crash). */
function isNotRunning(error: unknown): boolean {
  return error instanceof Error && /consumer#run must be called first/.test(error.message);
}

function isUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (
      e instanceof kafkajs.KafkaJSConnectionError ||
      e instanceof kafkajs.KafkaJSBrokerNotFound ||
      e.name === "KafkaJSNoBrokerAvailableError" ||
      /ECONNREFUSED|EHOSTUNREACH|ENOTFOUND/.test(e.message)
    ) {
      return true;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * A quiet logger: the client's own lines (errors and warnings, one line each, on stderr) appear only with
 * KAFKA_CLIENT_LOG=1. Without it the client says nothing: its failures surface as KafkaClientErrors, one line each.
 */
function logCreator(contact: BrokerContact): kafkajs.logCreator {
  return () => (entry) => {
    if (entry.level > kafkajs.logLevel.WARN) return;
    const { message, error } = entry.log;
    // A connection that failed is the first sign of a broker going away (the consumer crashes only later).
    if (entry.level === kafkajs.logLevel.ERROR && /^(Connection|BrokerPool)$/.test(entry.namespace)) {
      contact.trouble(String(error ?? message));
    }
    if (process.env.KAFKA_CLIENT_LOG !== "1") return;
    process.stderr.write(`kafka ${entry.namespace}: ${message}${error ? ` (${error})` : ""}\n`);
  };
}

/** The offset after `offset` (int64 as decimal text). */
function offsetAfter(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

/** The kafkajs implementation of the seam. */
export function createKafkaClient(connection: KafkaConnection): KafkaClient {
  // Batches compressed with Snappy, LZ4 or Zstandard (kafkajs reads only gzip by itself).
  registerKafkaCodecs();
  const contact = new BrokerContact(connection.retryBudgetMs ?? DEFAULT_KAFKA_RETRY_BUDGET_MS);
  const kafka = new kafkajs.Kafka({
    clientId: connection.clientId ?? "beam-ts-streaming",
    brokers: [...connection.bootstrapServers],
    connectionTimeout: connection.connectionTimeoutMs ?? 3000,
    logLevel: kafkajs.logLevel.WARN,
    logCreator: logCreator(contact),
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5000 },
  });

  return {
    connection,
    consumer: (options) => createConsumer(kafka, connection, contact, options),
    admin: async () => {
      const admin = kafka.admin();
      admin.on(admin.events.REQUEST_TIMEOUT, (event) => contact.trouble(`request to broker ${event.payload.broker} timed out`));
      await watched(contact, connection, "admin connect", admin.connect());
      return wrapAdmin(admin, connection, contact);
    },
    producer: async () => {
      // Few, short retries: a send that fails is the caller's to retry (the state topic's checkpoint skips that
      // commit and the next one tries again); kafkajs' default of minutes would hold a commit, and the end of a run
      // past its retry budget, for that long.
      const producer = kafka.producer({
        createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
        retry: { initialRetryTime: 100, retries: 3, maxRetryTime: 1000 },
      });
      producer.on(producer.events.REQUEST_TIMEOUT, (event) => contact.trouble(`request to broker ${event.payload.broker} timed out`));
      await watched(contact, connection, "producer connect", producer.connect());
      return {
        async send(topic, records) {
          const messages: kafkajs.Message[] = records.map((r) => ({
            key: r.key,
            value: r.value,
            ...(r.timestamp === undefined ? {} : { timestamp: String(r.timestamp) }),
            ...(r.partition === undefined ? {} : { partition: r.partition }),
          }));
          await watched(contact, connection, `send to ${topic}`, producer.send({ topic, messages, acks: -1 }));
        },
        close: () => producer.disconnect(),
      };
    },
  };
}

function wrapAdmin(admin: kafkajs.Admin, connection: KafkaConnection, contact: BrokerContact): KafkaAdmin {
  // kafkajs retries most requests itself; a fresh broker still answers group look-ups with "coordinator not
  // available / loading" for a few seconds, so retriable failures get a few more tries here.
  const call = async <T>(doing: string, f: () => Promise<T>): Promise<T> => {
    const deadline = Date.now() + 15_000;
    for (let attempt = 0; ; attempt++) {
      try {
        // The client's own retries of one request take up to ~20 s: an outage past the budget ends the wait.
        const answer = await withinBudget(contact, connection, f());
        contact.alive();
        return answer;
      } catch (e) {
        if (e instanceof BrokerOutageError) throw e;
        const error = toKafkaClientError(e, connection, doing);
        if (isOutageError(error)) contact.trouble(error.message);
        if (contact.exhausted()) throw outageError(contact, connection);
        if (!error.retriable || error instanceof BrokerUnreachableError || Date.now() > deadline) throw error;
        const backoffMs = Math.min(200 * 2 ** attempt, 2000);
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    }
  };
  return {
    createTopic: (topic, partitions, options) =>
      call(`create topic ${topic}`, async () => {
        const existing = await admin.listTopics();
        if (existing.includes(topic)) return false;
        const configEntries = Object.entries(options?.config ?? {}).map(([name, value]) => ({ name, value }));
        return admin.createTopics({
          topics: [{ topic, numPartitions: partitions, replicationFactor: options?.replicationFactor ?? 1, configEntries }],
          waitForLeaders: true,
        });
      }),
    brokerCount: () => call("describe cluster", async () => (await admin.describeCluster()).brokers.length),
    topicConfig: (topic, names) =>
      call(`configs of ${topic}`, async () => {
        const described = await admin.describeConfigs({
          resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: [...names] }],
          includeSynonyms: false,
        });
        const out: Record<string, string> = {};
        for (const entry of described.resources[0]?.configEntries ?? []) out[entry.configName] = entry.configValue;
        return out;
      }),
    listTopics: () => call("list topics", () => admin.listTopics()),
    deleteTopic: (topic) => call(`delete topic ${topic}`, () => admin.deleteTopics({ topics: [topic] })),
    topicOffsets: (topic) =>
      call(`offsets of ${topic}`, async () =>
        (await admin.fetchTopicOffsets(topic))
          .map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
          .sort((a, b) => a.partition - b.partition),
      ),
    committedOffsets: (groupId, topic) =>
      call(`committed offsets of ${groupId}`, async () => {
        const byTopic = await admin.fetchOffsets({ groupId, topics: [topic] });
        const partitions = byTopic.find((t) => t.topic === topic)?.partitions ?? [];
        return partitions
          .map((p) => ({
            partition: p.partition,
            offset: BigInt(p.offset) >= 0n ? p.offset : null,
            metadata: p.metadata === "" ? null : p.metadata,
          }))
          .sort((a, b) => a.partition - b.partition);
      }),
    groupMembers: (groupId) =>
      call(`members of group ${groupId}`, async () => {
        const { groups } = await admin.describeGroups([groupId]);
        const members = groups.find((g) => g.groupId === groupId)?.members ?? [];
        return members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost }));
      }),
    close: () => admin.disconnect(),
  };
}

/**
 * One request of the producer or an admin connect on the client's one outage clock: a failure a broker outage
 * explains starts (or continues) the outage, an answer ends it, and past the budget the request ends at once with a
 * BrokerOutageError, whatever the client's own retries still had in mind (a state-topic write held a failed run's end
 * ~15 s past its budget that way: the producer's metadata and connection retries outlast any budget of seconds).
 */
async function watched<T>(contact: BrokerContact, connection: KafkaConnection, doing: string, request: Promise<T>): Promise<T> {
  try {
    const answer = await withinBudget(contact, connection, request);
    contact.alive();
    return answer;
  } catch (e) {
    if (e instanceof BrokerOutageError) throw e;
    const error = toKafkaClientError(e, connection, doing);
    if (!isOutageError(error)) throw error;
    contact.trouble(error.message);
    if (contact.exhausted()) throw outageError(contact, connection);
    throw error;
  }
}

/** The outage the contact is in, as the error that ends the run. */
function outageError(contact: BrokerContact, connection: KafkaConnection): BrokerOutageError {
  return new BrokerOutageError(connection.bootstrapServers, contact.outageMs(), contact.budgetMs, contact.health().lastError ?? "none");
}

/** `request`, or a BrokerOutageError as soon as the current outage outlasts the retry budget. */
function withinBudget<T>(contact: BrokerContact, connection: KafkaConnection, request: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const exhausted = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (contact.exhausted()) reject(outageError(contact, connection));
    }, WATCHDOG_MS);
    timer.unref();
  });
  return Promise.race([request, exhausted]).finally(() => clearInterval(timer));
}

/** How often a consumer looks at its outage clock, and how long stop() waits for the client to leave the group. */
const WATCHDOG_MS = 250;
const STOP_TIMEOUT_MS = 3_000;
const OUTAGE_STOP_TIMEOUT_MS = 500;

function createConsumer(
  kafka: kafkajs.Kafka,
  connection: KafkaConnection,
  contact: BrokerContact,
  options: ConsumerOptions,
): KafkaConsumer {
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    maxWaitTimeInMs: options.maxWaitMs ?? 100,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
    maxBytes: options.maxBytes ?? 32 * 1024 * 1024,
    allowAutoTopicCreation: false,
    // Partitions added to a subscribed topic are seen (and the group rebalances onto them) within this.
    metadataMaxAge: options.metadataMaxAgeMs ?? 5_000,
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5000 },
  });
  const group = `consumer (group ${options.groupId})`;
  let started = false;
  let stopped = false;
  let failed = false;
  let watchdog: NodeJS.Timeout | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let restarts = 0;
  /** Offset commits the client really sent (its COMMIT_OFFSETS event): see commit(). */
  let commitsSent = 0;
  let handlers: ConsumerHandlers | undefined;
  // Rejects when the consumer gives up: a commit waiting on the client's own retries ends then, not after them.
  let rejectGaveUp: (error: KafkaClientError) => void = () => undefined;
  const gaveUp = new Promise<never>((_, reject) => (rejectGaveUp = reject));
  gaveUp.catch(() => undefined);
  const byTopic = (partitions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] => {
    const grouped = new Map<string, number[]>();
    for (const p of partitions) {
      const list = grouped.get(p.topic) ?? [];
      list.push(p.partition);
      grouped.set(p.topic, list);
    }
    return [...grouped].map(([topic, list]) => ({ topic, partitions: list }));
  };
  /** Gives up, once: the handler learns why, and nothing is retried any more. */
  const fail = (error: KafkaClientError): void => {
    if (failed || stopped) return;
    failed = true;
    clearInterval(watchdog);
    clearTimeout(restartTimer);
    rejectGaveUp(error);
    handlers?.onFailure?.(error);
  };
  /**
   * A pause, resume or seek between a crash and the consumer's restart finds no consumer group in kafkajs (its
   * stop() dropped it): it throws "Consumer group was not initialized" synchronously, which ended the run from the
   * source's loop (a flake of the broker-outage restart: the stall re-seek or a drained queue's resume landed in
   * that window). Nothing is lost by skipping it: the rejoin calls onAssignment, which seeks each partition to where
   * it was and pauses the ones still paused (a new consumer group starts with none paused).
   */
  const whileRunning = (action: () => void): void => {
    try {
      action();
    } catch (e) {
      if (!isNotRunning(e)) throw e;
    }
  };
  const outage = (): BrokerOutageError => outageError(contact, connection);
  const run = (): Promise<void> =>
    consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      // Batches of different partitions are handed over without waiting for each other (kafkajs keeps each
      // partition's batches in order); handlers are quick, so the next fetch starts sooner.
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        contact.alive();
        await handlers?.onBatch({
          topic: batch.topic,
          partition: batch.partition,
          highWatermark: batch.highWatermark,
          records: batch.messages,
          nextOffset: offsetAfter(batch.lastOffset()),
        });
      },
    });
  /**
   * After a crash kafkajs does not restart from (e.g. "Failed to find group coordinator" while a restarted broker
   * loads its groups): connect and run again, with backoff, while the outage is within the budget. The rejoin
   * calls onAssignment again, which puts the positions and pauses back.
   */
  const restart = (): void => {
    const delay = Math.min(250 * 2 ** restarts++, 2_000);
    restartTimer = setTimeout(() => {
      if (stopped || failed) return;
      consumer
        .connect()
        .then(() => run())
        .catch((e: unknown) => {
          const error = toKafkaClientError(e, connection, group);
          if (!isOutageError(error)) return fail(error);
          contact.trouble(error.message);
          restart();
        });
    }, delay);
  };

  return {
    async start(topics, given) {
      handlers = given;
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [...topics], fromBeginning: options.fallbackToEarliest ?? true });
      } catch (e) {
        throw toKafkaClientError(e, connection, `consumer start (group ${options.groupId})`);
      }
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        contact.alive();
        restarts = 0;
        const assignment = event.payload.memberAssignment;
        const partitions: TopicPartition[] = [];
        for (const topic of Object.keys(assignment)) {
          for (const partition of assignment[topic] ?? []) partitions.push({ topic, partition });
        }
        given.onAssignment?.(partitions, { memberId: event.payload.memberId, isLeader: event.payload.isLeader });
      });
      consumer.on(consumer.events.HEARTBEAT, () => contact.alive());
      consumer.on(consumer.events.COMMIT_OFFSETS, () => commitsSent++);
      consumer.on(consumer.events.REQUEST_TIMEOUT, (event) => contact.trouble(`request to broker ${event.payload.broker} timed out`));
      // A fetch whose records were all transaction markers or aborted records is not given to eachBatch: kafkajs
      // moves past it and says so only in this event (batchSize 0).
      consumer.on(consumer.events.START_BATCH_PROCESS, (event) => {
        const b = event.payload;
        if (b.batchSize !== 0) return;
        contact.alive();
        void given.onBatch({
          topic: b.topic, partition: b.partition, highWatermark: b.highWatermark, records: [], nextOffset: offsetAfter(b.lastOffset),
        });
      });
      consumer.on(consumer.events.CRASH, (event) => {
        if (stopped) return;
        const error = toKafkaClientError(event.payload.error, connection, group);
        // A broker outage is retried (kafkajs restarts by itself when it calls the error retriable, we do when it
        // does not) until the budget is spent; anything else is a failure now.
        if (!isOutageError(error)) return fail(error);
        contact.trouble(error.message);
        if (!event.payload.restart) restart();
      });
      watchdog = setInterval(() => {
        contact.health(); // counts an outage once it has lasted long enough to notice
        if (contact.exhausted()) fail(outage());
      }, WATCHDOG_MS);
      watchdog.unref();
      started = true; // the group is joined inside run(): onAssignment may pause and seek
      await run();
    },
    pause(partitions) {
      if (started && !stopped && partitions.length > 0) whileRunning(() => consumer.pause(byTopic(partitions)));
    },
    resume(partitions) {
      if (started && !stopped && partitions.length > 0) whileRunning(() => consumer.resume(byTopic(partitions)));
    },
    seek(partition, offset) {
      if (!stopped) whileRunning(() => consumer.seek({ topic: partition.topic, partition: partition.partition, offset }));
    },
    async commit(offsets) {
      if (offsets.length === 0) return;
      // Retried through a broker outage or a rebalance, until the outage outlasts the budget (or, with the broker
      // answering, until the budget has passed since the first failure).
      const firstFailureAt = Date.now();
      for (let attempt = 0; ; attempt++) {
        try {
          const sentBefore = commitsSent;
          await Promise.race([
            consumer.commitOffsets(
              offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata })),
            ),
            gaveUp,
          ]);
          // kafkajs resolves a commit without sending it while its consumer is not running (between a crash and
          // the restart, e.g. during a broker outage): the broker still holds the previous commit. Taking that
          // for done would let the caller delete what the previous commit names (its runner checkpoint).
          if (commitsSent === sentBefore) throw new KafkaClientError("the consumer is not running (restarting after a crash)", true);
          contact.alive();
          return;
        } catch (e) {
          if (e instanceof BrokerOutageError) throw e;
          const error = toKafkaClientError(e, connection, `offset commit (group ${options.groupId})`);
          if (!isOutageError(error) || stopped) throw error;
          contact.trouble(error.message);
          if (failed || contact.exhausted()) throw outage();
          if (Date.now() - firstFailureAt > contact.budgetMs) {
            throw new KafkaClientError(`${error.message} (retried for ${(contact.budgetMs / 1000).toFixed(0)} s)`, false, { cause: e });
          }
          const backoffMs = Math.min(100 * 2 ** attempt, 2_000);
          await new Promise((resolve) => setTimeout(resolve, backoffMs));
        }
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(watchdog);
      clearTimeout(restartTimer);
      // Leaving the group needs the coordinator: with the broker gone, do not wait for it (the session times out).
      const waitMs = contact.outageMs() > 0 ? OUTAGE_STOP_TIMEOUT_MS : STOP_TIMEOUT_MS;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        consumer.disconnect().catch(() => undefined),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs))),
      ]);
      clearTimeout(timer);
    },
    health: () => contact.health(),
  };
}
