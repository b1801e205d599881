import { Admin, CompressionTypes, Kafka, KafkaJSError, logLevel, Message, Partitioners, Producer } from "kafkajs";
import { GeneratedRecord } from "./generator";
import { Acks, ProduceOptions } from "./options";
import { partitionFor } from "./partitioner";
import { emptyKindCounts, ProduceSummary } from "./summary";

/** A produce failure; `retriable` says whether running again may help (e.g. the broker was still starting). */
export class ProduceError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = "ProduceError";
  }
}

const ACKS: Readonly<Record<Acks, number>> = { all: -1, leader: 1, none: 0 };
/** Produce requests in flight at once when sending as fast as possible. */
const MAX_IN_FLIGHT = 4;
/**
 * Bytes of keys and values per produce request. Kafka rejects a partition's record batch above message.max.bytes
 * (1 MiB by default), so requests are cut well below it whatever --batch-size says.
 */
const MAX_REQUEST_BYTES = 768 * 1024;

/**
 * Sends `records` to the options' topic (creating it with `partitions` partitions if missing), in batches,
 * paced to `rate` records/s when rate > 0. Partitions are assigned with Kafka's default murmur2 partitioner on
 * the key, so counts per partition are exact. Resolves with the summary once every batch is acknowledged.
 */
export async function produceToKafka(
  options: ProduceOptions,
  records: Iterable<GeneratedRecord>,
  onProgress?: (sent: number) => void,
): Promise<ProduceSummary> {
  const kafka = new Kafka({
    clientId: "sales-producer",
    brokers: [...options.bootstrapServers],
    logLevel: options.verbose ? logLevel.INFO : logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 5 },
  });
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  try {
    await admin.connect();
    const topic = await ensureTopic(admin, options.topic, options.partitions);
    await producer.connect();
    return await sendAll(producer, options, topic, records, onProgress);
  } catch (e) {
    throw explain(e, options);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

async function ensureTopic(admin: Admin, topic: string, partitions: number): Promise<{ partitions: number; created: boolean }> {
  const existing = await admin.listTopics();
  let created = false;
  if (!existing.includes(topic)) {
    created = await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
  }
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const count = metadata.topics[0]?.partitions.length ?? 0;
  if (count === 0) throw new ProduceError(`topic ${topic} has no partitions after creation; retry`, true);
  return { partitions: count, created };
}

async function sendAll(
  producer: Producer,
  options: ProduceOptions,
  topic: { partitions: number; created: boolean },
  records: Iterable<GeneratedRecord>,
  onProgress: ((sent: number) => void) | undefined,
): Promise<ProduceSummary> {
  const perPartition = new Array<number>(topic.partitions).fill(0);
  const byKind = emptyKindCounts();
  let minEventTime = Number.POSITIVE_INFINITY;
  let maxEventTime = Number.NEGATIVE_INFINITY;
  const rate = options.rate;
  // Paced runs send ~20 small batches a second instead of one large batch every few seconds.
  const batchSize = rate > 0 ? Math.max(1, Math.min(options.batchSize, Math.ceil(rate / 20))) : options.batchSize;
  const maxInFlight = rate > 0 ? 1 : MAX_IN_FLIGHT;
  const inFlight: Promise<unknown>[] = [];
  // Each partition's requests go one after the other: two requests in flight for one partition can reach the
  // broker in either order (the client looks up leaders asynchronously before each), which reordered batches at
  // --rate 0. Requests of different partitions still overlap (up to MAX_IN_FLIGHT).
  const tails: Promise<unknown>[] = new Array<Promise<unknown>>(topic.partitions).fill(Promise.resolve());
  const acks = ACKS[options.acks];
  const t0 = Date.now();
  // Mutable state lives in an object, not in `let`s captured by a closure: the closure transform boxes such
  // variables and then misses them in shorthand properties ({ sent } would return the box).
  const state = { sent: 0, batch: [] as Message[], bytes: 0 };

  const flush = async () => {
    if (state.batch.length === 0) return;
    const messages = state.batch;
    state.batch = [];
    state.bytes = 0;
    const byPartition = new Map<number, Message[]>();
    for (const m of messages) {
      const list = byPartition.get(m.partition ?? 0);
      if (list === undefined) byPartition.set(m.partition ?? 0, [m]);
      else list.push(m);
    }
    for (const [partition, ofPartition] of byPartition) {
      if (inFlight.length >= maxInFlight) await inFlight.shift();
      const sending = tails[partition].then(() =>
        producer.sendBatch({ topicMessages: [{ topic: options.topic, messages: ofPartition }], acks, compression: CompressionTypes.None }),
      );
      sending.catch(() => undefined); // rejected before it is awaited: not an unhandled rejection; awaited below
      tails[partition] = sending;
      inFlight.push(sending);
    }
    state.sent += messages.length;
    onProgress?.(state.sent);
    if (rate > 0) {
      const wait = t0 + (state.sent / rate) * 1000 - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };

  for (const r of records) {
    const partition = partitionFor(r.key, topic.partitions);
    perPartition[partition]++;
    byKind[r.kind]++;
    if (r.timestamp < minEventTime) minEventTime = r.timestamp;
    if (r.timestamp > maxEventTime) maxEventTime = r.timestamp;
    state.batch.push({ key: r.key, value: r.value, timestamp: String(r.timestamp), partition });
    state.bytes += r.key.length + r.value.length + 32;
    if (state.batch.length >= batchSize || state.bytes >= MAX_REQUEST_BYTES) await flush();
  }
  await flush();
  await Promise.all(inFlight);
  const seconds = (Date.now() - t0) / 1000;
  return {
    topic: options.topic,
    partitions: topic.partitions,
    topicCreated: topic.created,
    sent: state.sent,
    perPartition,
    byKind,
    seconds,
    ratePerSecond: seconds > 0 ? state.sent / seconds : state.sent,
    seed: options.generator.seed,
    ...(state.sent > 0 ? { minEventTime: minEventTime, maxEventTime: maxEventTime } : {}),
  };
}

function explain(e: unknown, options: ProduceOptions): Error {
  if (e instanceof ProduceError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const retriable = e instanceof KafkaJSError ? e.retriable : false;
  const where = options.bootstrapServers.join(",");
  if (/ECONNREFUSED|Connection error|connect ETIMEDOUT|KafkaJSNumberOfRetriesExceeded/i.test(message)) {
    return new ProduceError(`cannot reach Kafka at ${where} (${message}): start it with npm run stack:up`, true);
  }
  if (/larger than the max message size/i.test(message)) {
    return new ProduceError(
      `a produce request exceeded the broker's message.max.bytes (${message}): lower --batch-size (now ${options.batchSize})`,
      false,
    );
  }
  return new ProduceError(`producing to ${options.topic} at ${where} failed: ${message}`, retriable);
}
