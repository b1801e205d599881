import { parseSaleEvent } from "../../sales/sale_event";
import {
  DEFAULT_GENERATOR_SPEC,
  generateSaleRecords,
  GeneratorSpec,
  unitPrice,
} from "../../pipelines/producer/generator";
import { parseProduceArgs, ProduceUsageError } from "../../pipelines/producer/options";
import { partitionFor } from "../../pipelines/producer/partitioner";
import { createPrng } from "../../pipelines/producer/prng";
import { emptyKindCounts, formatSummary } from "../../pipelines/producer/summary";

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const FIXED = { now: NOW, randomSeed: 4242 };
const BEGINNING = Date.UTC(2026, 0, 1);

function spec(overrides: Partial<GeneratorSpec>): GeneratorSpec {
  return { ...DEFAULT_GENERATOR_SPEC, startTime: BEGINNING, ...overrides };
}

function usageError(argv: string[]): string {
  try {
    parseProduceArgs(argv, FIXED);
  } catch (e) {
    expect(e).toBeInstanceOf(ProduceUsageError);
    return (e as Error).message;
  }
  throw new Error(`expected ${argv.join(" ")} to be rejected`);
}

describe("produce options", () => {
  test("defaults: sales_events on 127.0.0.1:9092, 3 partitions, as fast as possible, start now, random seed", () => {
    const o = parseProduceArgs([], FIXED);
    expect(o.topic).toBe("sales_events");
    expect(o.bootstrapServers).toEqual(["127.0.0.1:9092"]);
    expect(o.partitions).toBe(3);
    expect(o.rate).toBe(0);
    expect(o.acks).toBe("all");
    expect(o.verbose).toBe(false);
    expect(o.generator.startTime).toBe(NOW);
    expect(o.generator.seed).toBe(4242);
    expect(o.generator.intervalMs).toBe(10);
    expect(o.generator.users).toBe(100);
    expect(o.generator.products).toBe(50);
  });

  test("the README's command line", () => {
    const o = parseProduceArgs(
      ["--topic", "orders", "--count", "500", "--rate", "250", "--late-fraction", "0.1", "--late-delay", "90s",
        "--malformed-fraction", "0.05", "--seed", "7", "--start-time", "2026-01-01T00:00:00Z", "--partitions", "6",
        "--bootstrap-servers", "a:9092, b:9092", "--event-types", "purchase,refund", "--acks", "leader"],
      FIXED,
    );
    expect(o.topic).toBe("orders");
    expect(o.rate).toBe(250);
    expect(o.partitions).toBe(6);
    expect(o.acks).toBe("leader");
    expect(o.bootstrapServers).toEqual(["a:9092", "b:9092"]);
    expect(o.generator).toMatchObject({
      count: 500,
      seed: 7,
      startTime: BEGINNING,
      intervalMs: 4, // one record per 1/rate seconds of event time
      lateFraction: 0.1,
      lateDelayMs: 90_000,
      malformedFraction: 0.05,
      eventTypes: ["purchase", "refund"],
    });
  });

  test("an unknown flag is one line listing the valid options", () => {
    const msg = usageError(["--cont", "5"]);
    expect(msg).toMatch(/^Unknown argument: cont \(valid options: --topic, --count, /);
    expect(msg).not.toContain("\n");
  });

  test("an invalid choice is one line", () => {
    const msg = usageError(["--acks", "maybe"]);
    expect(msg).toContain('Given: "maybe", Choices: "all", "leader", "none"');
    expect(msg).not.toContain("\n");
  });

  test.each([
    [["--late-fraction", "1.5"], "late fraction must be a fraction between 0 and 1, got 1.5"],
    [["--late-fraction", "0.6", "--malformed-fraction", "0.6"], "fractions must add up to at most 1"],
    [["--count", "-1"], "--count must be an integer >= 0, got -1"],
    [["--partitions", "0"], "--partitions must be a positive integer, got 0"],
    [["--rate", "-5"], "--rate must be a number >= 0, got -5"],
    [["--start-time", "yesterday"], '--start-time: expected YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM), got "yesterday"'],
    [["--late-delay", "2 weeks"], 'invalid --late-delay "2 weeks": expected a duration such as 500ms, 30s, 2m or 1h'],
    [["--event-types", "purchase,steal"], 'unknown event type "steal" (choose from purchase, refund, view, add_to_cart)'],
  ])("rejects %j", (argv, expected) => {
    expect(usageError(argv)).toContain(expected);
  });
});


describe("seeded PRNG", () => {
  test("the same seed gives the same sequence, another seed another", () => {
    const a = createPrng(99);
    const b = createPrng(99);
    const c = createPrng(100);
    const seqA = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(seqA);
  });

  test("values lie in [0, 1) and spread over the range", () => {
    const rnd = createPrng(1);
    const values = Array.from({ length: 10_000 }, () => rnd());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });
});

describe("generator", () => {
  test("is reproducible: the same spec gives the same records, another seed different ones", () => {
    const a = generateSaleRecords(spec({ seed: 5, count: 200, malformedFraction: 0.1, lateFraction: 0.1 }));
    const b = generateSaleRecords(spec({ seed: 5, count: 200, malformedFraction: 0.1, lateFraction: 0.1 }));
    const c = generateSaleRecords(spec({ seed: 6, count: 200, malformedFraction: 0.1, lateFraction: 0.1 }));
    expect(b).toEqual(a);
    expect(c.map((r) => r.value)).not.toEqual(a.map((r) => r.value));
  });

  test("on-time records: keyed by user_id, timestamp = event time = start + index × interval", () => {
    const records = generateSaleRecords(spec({ count: 50, intervalMs: 1000, users: 7, products: 3 }));
    records.forEach((r, i) => {
      expect(r.kind).toBe("on_time");
      const parsed = parseSaleEvent(r.value);
      if (!parsed.ok) throw new Error(parsed.reason);
      expect(parsed.event).toEqual(r.event);
      expect(r.key).toBe(parsed.event.user_id);
      expect(r.timestamp).toBe(BEGINNING + i * 1000);
      expect(parsed.eventTime).toBe(r.timestamp);
      expect(parsed.event.event_id).toBe(`evt_1_${i}`);
    });
    expect(new Set(records.map((r) => r.key)).size).toBeLessThanOrEqual(7);
    expect(new Set(records.map((r) => r.event?.product_id)).size).toBeLessThanOrEqual(3);
  });

  test("amounts: views 0, others a multiple of the product's unit price", () => {
    for (const r of generateSaleRecords(spec({ count: 300 }))) {
      const e = r.event;
      if (e === undefined) continue;
      if (e.event_type === "view") expect(e.amount).toBe(0);
      else {
        const qty = e.amount / unitPrice(Number(e.product_id.slice("prod_".length)));
        expect([1, 2, 3].some((q) => Math.abs(qty - q) < 1e-6)).toBe(true);
      }
    }
  });

  test("late records are shifted back by exactly the late delay", () => {
    const records = generateSaleRecords(spec({ count: 1000, lateFraction: 0.2, lateDelayMs: 120_000, intervalMs: 10 }));
    const late = records.filter((r) => r.kind === "late");
    expect(late.length).toBeGreaterThan(150);
    expect(late.length).toBeLessThan(250);
    for (const r of late) expect(r.timestamp).toBe(BEGINNING + r.index * 10 - 120_000);
  });

  test("out-of-order records are shifted back by (0, max]", () => {
    const records = generateSaleRecords(spec({ count: 1000, outOfOrderFraction: 0.3, outOfOrderMaxMs: 5000 }));
    const ooo = records.filter((r) => r.kind === "out_of_order");
    expect(ooo.length).toBeGreaterThan(240);
    for (const r of ooo) {
      const shift = BEGINNING + r.index * 10 - r.timestamp;
      expect(shift).toBeGreaterThan(0);
      expect(shift).toBeLessThanOrEqual(5000);
    }
  });

  test("malformed records are rejected by parseSaleEvent, both kinds occur, the rest parse", () => {
    const records = generateSaleRecords(spec({ count: 2000, malformedFraction: 0.25 }));
    const kinds = emptyKindCounts();
    for (const r of records) {
      kinds[r.kind]++;
      const parsed = parseSaleEvent(r.value);
      const malformed = r.kind === "malformed_json" || r.kind === "malformed_schema";
      expect(parsed.ok).toBe(!malformed);
      if (!parsed.ok && r.kind === "malformed_json") expect(parsed.reason).toMatch(/^invalid JSON/);
      if (!parsed.ok && r.kind === "malformed_schema") expect(parsed.reason).not.toMatch(/^invalid JSON/);
      expect(r.event === undefined).toBe(malformed);
    }
    const malformed = kinds.malformed_json + kinds.malformed_schema;
    expect(malformed).toBeGreaterThan(400);
    expect(malformed).toBeLessThan(600);
    expect(kinds.malformed_json).toBeGreaterThan(150);
    expect(kinds.malformed_schema).toBeGreaterThan(150);
  });

  test("event types: only those asked for", () => {
    const types = new Set(
      generateSaleRecords(spec({ count: 500, eventTypes: ["refund", "view"] })).map((r) => r.event?.event_type),
    );
    expect([...types].sort()).toEqual(["refund", "view"]);
  });

  test("count 0 generates nothing", () => {
    expect(generateSaleRecords(spec({ count: 0 }))).toEqual([]);
  });
});

describe("partitioner", () => {
  // murmur2 values from Apache Kafka's UtilsTest.testMurmur2 (what the Java client computes for these keys).
  test.each([
    ["21", -973932308],
    ["foobar", -790332482],
    ["a-little-bit-long-string", -985981536],
    ["a-little-bit-longer-string", -1486304829],
    ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
    ["abc", 479470107],
  ])("places %s where Kafka's Java partitioner does", (key, murmur2) => {
    for (const n of [1, 3, 7, 12, 1000]) expect(partitionFor(key, n)).toBe((murmur2 & 0x7fffffff) % n);
  });

  test("is stable and within range", () => {
    for (let i = 0; i < 200; i++) {
      const p = partitionFor(`user_${i}`, 7);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(7);
      expect(partitionFor(`user_${i}`, 7)).toBe(p);
    }
  });
});

describe("summary", () => {
  test("names counts per partition, kinds and the seed", () => {
    const text = formatSummary({
      topic: "t",
      partitions: 2,
      topicCreated: true,
      sent: 10,
      perPartition: [4, 6],
      byKind: { on_time: 6, out_of_order: 1, late: 1, malformed_json: 1, malformed_schema: 1 },
      seconds: 2,
      ratePerSecond: 5,
      seed: 9,
      minEventTime: BEGINNING,
      maxEventTime: BEGINNING + 1000,
    });
    expect(text).toContain("sent 10 records to t (2 partitions, created) in 2.00 s: 5 records/s");
    expect(text).toContain("per partition: 0=4 1=6");
    expect(text).toContain("generated: on time 6, out of order 1, late 1, malformed 2 (invalid JSON 1, schema violations 1)");
    expect(text).toContain("a record generated late goes to the pipeline's late-data output only if it arrives after its window's end");
    expect(text).toContain("seed 9, event times 2026-01-01T00:00:00.000Z .. 2026-01-01T00:00:01.000Z");
  });
});
