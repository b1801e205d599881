/**
 * Issue 8, finding 1 and 5: no record value can stop the job. A seeded generator feeds the parser and the
 * dead-letter path thousands of hostile values; each must end as an event or as a dead letter with a one-line
 * reason, and nothing may throw.
 */
import { routeRecord } from "../../sales/parse_sales_events";
import { VALID_EVENT } from "./valid_event";
import { parseSaleEvent } from "../../sales/sale_event";
import type { KafkaRecord } from "../../transforms/kafka";
import { createPrng, randomInt, type Prng } from "../../pipelines/producer/prng";

const AT = Date.UTC(2026, 0, 1, 12, 0, 0);
const FIELDS = ["event_id", "user_id", "product_id", "amount", "timestamp", "event_type"] as const;
const VALID = VALID_EVENT;

function record(value: Buffer | null, offset: number): KafkaRecord {
  return { topic: "hostile", partition: 0, offset: String(offset), timestamp: AT, key: null, value };
}

function deepArray(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

function deepObject(depth: number): string {
  return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
}

/** The JSON text of a value of every type, hostile ones included. */
function anyJson(rnd: Prng): string {
  switch (randomInt(rnd, 14)) {
    case 0: return "null";
    case 1: return "true";
    case 2: return randomInt(rnd, 2) === 0 ? "1e308" : "-0.001";
    case 3: return '""';
    case 4: return JSON.stringify("x".repeat(randomInt(rnd, 200_000)));
    case 5: return '"\\u0000\\ufeff\\ud800"';
    case 6: return "[]";
    case 7: return "{}";
    case 8: return deepArray(50 + randomInt(rnd, 5000));
    case 9: return deepObject(50 + randomInt(rnd, 5000));
    case 10: return "12.345";
    case 11: return '"2100-01-01T00:00:00Z"';
    case 12: return String(Number.MAX_SAFE_INTEGER);
    default: return '{"toString":"nope","valueOf":[1]}';
  }
}

/** A valid event whose `field` holds the JSON text `json`. */
function withField(field: string, json: string): string {
  return JSON.stringify({ ...VALID, [field]: "@@@" }).replace('"@@@"', json);
}

function randomBytes(rnd: Prng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = randomInt(rnd, 256);
  return b;
}

/** One hostile record value (bytes), of the kinds the issue lists. */
function hostileValue(rnd: Prng): Buffer {
  switch (randomInt(rnd, 10)) {
    case 0: // deep nesting, the poison pill of the issue, as the whole value
      return Buffer.from(randomInt(rnd, 2) === 0 ? deepArray(1 + randomInt(rnd, 20_000)) : deepObject(1 + randomInt(rnd, 20_000)));
    case 1: // every JSON type at every field
      return Buffer.from(withField(FIELDS[randomInt(rnd, FIELDS.length)], anyJson(rnd)));
    case 2: // random bytes (mostly invalid UTF-8)
      return randomBytes(rnd, randomInt(rnd, 512));
    case 3: { // a valid event with invalid UTF-8 inside a string
      const text = JSON.stringify({ ...VALID, product_id: "sku-@@" });
      const b = Buffer.from(text);
      const at = b.indexOf("@@");
      b[at] = 0xff;
      b[at + 1] = 0xfe;
      return b;
    }
    case 4: // a byte order mark in front of a valid event
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(VALID))]);
    case 5: // NUL bytes, raw and escaped
      return Buffer.from(randomInt(rnd, 2) === 0 ? `\u0000${JSON.stringify(VALID)}` : JSON.stringify({ ...VALID, user_id: "\u0000" }));
    case 6: // a huge string (1 MB, the broker's default limit)
      return Buffer.from(JSON.stringify({ ...VALID, event_id: "e".repeat(1_000_000) }));
    case 7: // a truncated valid event
      return Buffer.from(JSON.stringify(VALID).slice(0, randomInt(rnd, 80)));
    case 8: // a JSON value that is not an object
      return Buffer.from(anyJson(rnd));
    default: // deep nesting inside a field
      return Buffer.from(withField("amount", deepArray(1 + randomInt(rnd, 10_000))));
  }
}

describe("hostile record values", () => {
  test("the 10,000-deep array of the issue is a dead letter, not a stack overflow", () => {
    for (const text of [deepArray(10_000), deepArray(5_000), deepObject(10_000)]) {
      const routed = routeRecord(record(Buffer.from(text), 1));
      expect(routed.events).toBeUndefined();
      expect(routed.deadLetters?.reason).toMatch(/^(expected a JSON object, got |event_id: missing)/);
    }
    const inField = withField("amount", deepArray(10_000));
    expect(routeRecord(record(Buffer.from(inField), 2)).deadLetters?.reason).toMatch(/^amount: expected a finite number/);
  });

  test("invalid UTF-8 is a dead letter: sku-\\xff\\xfe does not become sku-��", () => {
    const b = Buffer.from(JSON.stringify({ ...VALID, product_id: "sku-@@" }));
    const at = b.indexOf("@@");
    b[at] = 0xff;
    b[at + 1] = 0xfe;
    const routed = routeRecord(record(b, 3));
    expect(routed.events).toBeUndefined();
    expect(routed.deadLetters?.reason).toBe("invalid UTF-8: the value is not valid UTF-8 text");
    expect(parseSaleEvent(new Uint8Array(b))).toEqual({ ok: false, reason: "invalid UTF-8: the value is not valid UTF-8 text" });
    // A real U+FFFD, correctly encoded, is text like any other.
    const replacement = routeRecord(record(Buffer.from(JSON.stringify({ ...VALID, product_id: "sku-\ufffd" })), 4));
    expect(replacement.events?.product_id).toBe("sku-\ufffd");
  });

  test("a byte order mark is a dead letter that says so", () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(VALID))]);
    expect(routeRecord(record(bom, 5)).deadLetters?.reason).toMatch(/byte order mark/);
  });

  test("3,000 generated hostile values each end as an event or a dead letter with a one-line reason", () => {
    const rnd = createPrng(8);
    let events = 0;
    let deadLetters = 0;
    for (let i = 0; i < 3000; i++) {
      const value = hostileValue(rnd);
      const offset = i;
      let routed: ReturnType<typeof routeRecord> | undefined;
      expect(() => (routed = routeRecord(record(value, offset)))).not.toThrow();
      if (routed?.events !== undefined) {
        events++;
        expect(routed.deadLetters).toBeUndefined();
        continue;
      }
      deadLetters++;
      const dl = routed?.deadLetters;
      expect(dl).toBeDefined();
      if (dl === undefined) continue;
      expect(dl.reason.length).toBeGreaterThan(0);
      expect(dl.reason.length).toBeLessThanOrEqual(300);
      expect(dl.reason).not.toMatch(/[\u0000-\u001f]/);
      expect(dl.excerpt).not.toMatch(/[\u0000-\u001f]/);
      expect(dl.offset).toBe(String(i));
      expect(dl.rawSize).toBe(value.byteLength);
    }
    expect(deadLetters).toBeGreaterThan(2500);
    expect(events).toBeGreaterThan(0); // e.g. escaped NUL in user_id, or a harmless extra type at a valid spot
  });
});
