import yargs from "yargs";
import { EVENT_TYPES, EventType, isEventType, parseIsoTimestamp } from "../../sales/sale_event";
import { parseDuration } from "../../lib/durations";
import { GeneratorSpec, validateGeneratorSpec } from "./generator";

export type Acks = "all" | "leader" | "none";

/** Everything `npm run produce` does, decided once from the command line. */
export interface ProduceOptions {
  readonly topic: string;
  readonly bootstrapServers: readonly string[];
  /** Partitions of the topic when the producer creates it (an existing topic keeps its own). */
  readonly partitions: number;
  /** Events per second; 0 sends as fast as the broker takes them. */
  readonly rate: number;
  readonly batchSize: number;
  readonly acks: Acks;
  readonly verbose: boolean;
  readonly generator: GeneratorSpec;
}

/** A command-line mistake: one line saying what was wrong and what is accepted. */
export class ProduceUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProduceUsageError";
  }
}

const OPTION_NAMES = [
  "topic", "count", "rate", "bootstrap-servers", "partitions", "users", "products", "start-time", "interval",
  "out-of-order-fraction", "out-of-order-max-delay", "late-fraction", "late-delay", "malformed-fraction",
  "event-types", "seed", "batch-size", "acks", "verbose",
];

/**
 * Parses `npm run produce -- ...` arguments (strict: an unknown flag is an error listing the valid ones).
 * `now` and `randomSeed` are injected so defaults are testable.
 */
export function parseProduceArgs(
  argv: readonly string[],
  defaults: { readonly now: number; readonly randomSeed: number } = {
    now: Date.now(),
    randomSeed: Math.floor(Math.random() * 2 ** 31),
  },
): ProduceOptions {
  const args = produceParser(argv).parseSync();
  try {
    const rate = nonNegative("--rate", args.rate);
    const startTime = args["start-time"] === undefined ? defaults.now : isoTime("--start-time", args["start-time"]);
    const intervalMs =
      args.interval === undefined ? (rate > 0 ? 1000 / rate : 10) : parseDuration(args.interval, "--interval");
    const generator: GeneratorSpec = {
      seed: args.seed === undefined ? defaults.randomSeed : integer("--seed", args.seed),
      count: integer("--count", args.count),
      users: positiveInt("--users", args.users),
      products: positiveInt("--products", args.products),
      startTime,
      intervalMs,
      outOfOrderFraction: args["out-of-order-fraction"],
      outOfOrderMaxMs: parseDuration(args["out-of-order-max-delay"], "--out-of-order-max-delay"),
      lateFraction: args["late-fraction"],
      lateDelayMs: parseDuration(args["late-delay"], "--late-delay"),
      malformedFraction: args["malformed-fraction"],
      eventTypes: eventTypes(args["event-types"]),
    };
    validateGeneratorSpec(generator);
    return Object.freeze({
      topic: nonEmpty("--topic", args.topic),
      bootstrapServers: args["bootstrap-servers"].split(",").map((s) => s.trim()).filter((s) => s.length > 0),
      partitions: positiveInt("--partitions", args.partitions),
      rate,
      batchSize: positiveInt("--batch-size", args["batch-size"]),
      acks: args.acks,
      verbose: args.verbose,
      generator: Object.freeze(generator),
    });
  } catch (e) {
    if (e instanceof ProduceUsageError) throw e;
    throw new ProduceUsageError(e instanceof Error ? e.message : String(e));
  }
}

function integer(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new ProduceUsageError(`${name} must be an integer >= 0, got ${v}`);
  return v;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new ProduceUsageError(`${name} must be a positive integer, got ${v}`);
  return v;
}

function nonNegative(name: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0)) throw new ProduceUsageError(`${name} must be a number >= 0, got ${v}`);
  return v;
}

function nonEmpty(name: string, v: string): string {
  if (v.trim() === "") throw new ProduceUsageError(`${name} must not be empty`);
  return v;
}

function isoTime(name: string, text: string): number {
  const t = parseIsoTimestamp(text);
  if (typeof t === "string") throw new ProduceUsageError(`${name}: ${t}, got "${text}" (e.g. 2026-01-01T00:00:00Z)`);
  return t;
}

function eventTypes(text: string): EventType[] {
  const out: EventType[] = [];
  for (const part of text.split(",")) {
    const t = part.trim();
    if (!isEventType(t)) {
      throw new ProduceUsageError(`--event-types: unknown event type "${t}" (choose from ${EVENT_TYPES.join(", ")})`);
    }
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** True when the arguments ask for the usage text instead of a run. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes("--help") || argv.includes("-h");
}

/** The usage text with every option and its default. */
export function produceHelp(): Promise<string> {
  return produceParser([]).getHelp();
}

function produceParser(argv: readonly string[]) {
  return yargs([...argv])
    .scriptName("npm run produce --")
    .usage("$0 --topic sales_events --count N --rate R [options]")
    .option("topic", { type: "string", default: "sales_events", describe: "Kafka topic" })
    .option("count", { type: "number", default: 1000, describe: "number of records to send" })
    .option("rate", { type: "number", default: 0, describe: "records per second (0 = as fast as possible)" })
    .option("bootstrap-servers", { type: "string", default: "127.0.0.1:9092", describe: "comma-separated host:port list" })
    .option("partitions", { type: "number", default: 3, describe: "partitions when creating the topic" })
    .option("users", { type: "number", default: 100, describe: "distinct user_id values (the record key)" })
    .option("products", { type: "number", default: 50, describe: "distinct product_id values" })
    .option("start-time", { type: "string", describe: "event time of the first record, ISO-8601 (default: now)" })
    .option("interval", { type: "string", describe: "event-time step between records (default: 1s/rate, or 10ms at rate 0)" })
    .option("out-of-order-fraction", { type: "number", default: 0, describe: "fraction shifted back by up to --out-of-order-max-delay" })
    .option("out-of-order-max-delay", { type: "string", default: "5s", describe: "largest out-of-order shift" })
    .option("late-fraction", { type: "number", default: 0, describe: "fraction shifted back by exactly --late-delay" })
    .option("late-delay", { type: "string", default: "2m", describe: "how far late records are shifted back" })
    .option("malformed-fraction", { type: "number", default: 0, describe: "fraction of invalid JSON / schema-violating records" })
    .option("event-types", { type: "string", default: EVENT_TYPES.join(","), describe: "comma-separated event types to draw" })
    .option("seed", { type: "number", describe: "PRNG seed; same seed + --start-time = same records (default: random, printed)" })
    .option("batch-size", { type: "number", default: 1000, describe: "records per produce request (kafkajs groups a request in O(n²): keep it near 1000)" })
    .option("acks", { choices: ["all", "leader", "none"] as const, default: "all" as Acks, describe: "required acknowledgements" })
    .option("verbose", { type: "boolean", default: false, describe: "kafkajs logs at INFO" })
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      const what = (err ? err.message : msg).replace(/\s*\n\s*/g, " ");
      throw new ProduceUsageError(
        `${what} (valid options: ${OPTION_NAMES.map((n) => `--${n}`).join(", ")})`,
      );
    })
    .help(false)
    .version(false)
    .wrap(110);
}
