import {
  EVENT_TYPES,
  formatEventTime,
  parseIsoTimestamp,
  parseSaleEvent,
  SaleEvent,
  serializeSaleEvent,
  signedAmount,
} from "../../sales/sale_event";

const VALID: SaleEvent = {
  event_id: "evt_1",
  user_id: "user_7",
  product_id: "prod_3",
  amount: 129.9,
  timestamp: "2026-11-27T19:43:23.120Z",
  event_type: "purchase",
};

function withField(field: string, value: unknown): string {
  return JSON.stringify({ ...VALID, [field]: value });
}

function without(field: keyof SaleEvent): string {
  const copy: Record<string, unknown> = { ...VALID };
  delete copy[field];
  return JSON.stringify(copy);
}

function reasonOf(raw: string | Uint8Array): string {
  const r = parseSaleEvent(raw);
  if (r.ok) throw new Error(`expected a failure for ${String(raw)}`);
  return r.reason;
}

describe("parseSaleEvent: valid events", () => {
  test("parses the tutorial shape and returns the event time in ms", () => {
    const r = parseSaleEvent(JSON.stringify(VALID));
    expect(r).toEqual({ ok: true, event: VALID, eventTime: Date.UTC(2026, 10, 27, 19, 43, 23, 120) });
  });

  test("accepts bytes (Kafka record values) as well as strings", () => {
    const r = parseSaleEvent(Buffer.from(serializeSaleEvent(VALID), "utf8"));
    expect(r.ok && r.event).toEqual(VALID);
  });

  test("accepts every documented event type", () => {
    for (const t of EVENT_TYPES) {
      const r = parseSaleEvent(withField("event_type", t));
      expect(r.ok && r.event.event_type).toBe(t);
    }
  });

  test("ignores unknown extra fields and keeps only the schema's fields", () => {
    const r = parseSaleEvent(JSON.stringify({ ...VALID, campaign: "black-friday" }));
    expect(r.ok && r.event).toEqual(VALID);
  });

  test("accepts an amount of zero (views)", () => {
    const r = parseSaleEvent(JSON.stringify({ ...VALID, amount: 0, event_type: "view" }));
    expect(r.ok && r.event.amount).toBe(0);
  });
});

describe("parseSaleEvent: per-field reasons", () => {
  test("invalid JSON names the problem", () => {
    expect(reasonOf('{"event_id": "evt_1",')).toMatch(/^invalid JSON: /);
  });

  test("a JSON value that is not an object", () => {
    expect(reasonOf("[1,2]")).toBe("expected a JSON object, got [1,2]");
    expect(reasonOf("null")).toBe("expected a JSON object, got null");
    expect(reasonOf('"evt"')).toBe('expected a JSON object, got "evt"');
  });

  test("a non-numeric amount", () => {
    expect(reasonOf(withField("amount", "abc"))).toBe('amount: expected a finite number, got "abc"');
  });

  test("a numeric string amount is still a string", () => {
    expect(reasonOf(withField("amount", "12.5"))).toBe('amount: expected a finite number, got "12.5"');
  });

  test("a negative amount", () => {
    expect(reasonOf(withField("amount", -3))).toBe(
      "amount: expected a number >= 0 (refunds carry a positive amount), got -3",
    );
  });

  test("missing fields say which one", () => {
    for (const f of ["event_id", "user_id", "product_id", "amount", "timestamp", "event_type"] as const) {
      expect(reasonOf(without(f))).toMatch(new RegExp(`^${f}: missing`));
    }
  });

  test("empty ids are rejected", () => {
    expect(reasonOf(withField("user_id", ""))).toBe('user_id: expected a non-empty string, got ""');
    expect(reasonOf(withField("product_id", 7))).toBe("product_id: expected a non-empty string, got 7");
  });

  test("ids with NUL or other control characters, unpaired surrogates or over 256 characters are rejected", () => {
    expect(reasonOf(withField("product_id", "bad\u0000nul"))).toBe(
      'product_id: expected a string without control characters (U+0000 at position 3), got "bad\\u0000nul"',
    );
    expect(reasonOf(withField("user_id", "tab\there"))).toMatch(/^user_id: expected a string without control characters \(U\+0009 at position 3\)/);
    expect(reasonOf(withField("event_id", "del\u007f"))).toMatch(/^event_id: expected a string without control characters \(U\+007F/);
    expect(reasonOf(withField("product_id", "\ud800lonely"))).toMatch(/^product_id: expected a string without unpaired surrogates \(U\+D800 at position 0\)/);
    expect(reasonOf(withField("product_id", "end\udbff"))).toMatch(/unpaired surrogates \(U\+DBFF at position 3\)/);
    expect(reasonOf(withField("product_id", "\udc00x"))).toMatch(/unpaired surrogates \(U\+DC00 at position 0\)/);
    expect(reasonOf(withField("product_id", "x".repeat(257)))).toMatch(/^product_id: expected a string of at most 256 characters \(this one has 257\)/);
    // Still ids: 256 characters, emoji (surrogate pairs), other scripts, spaces and punctuation, U+0080 and above.
    for (const id of ["x".repeat(256), "🍎 apple", "مرحبا", "naïve café", "a/b\\c \"q\"", "\u0085\u00a0"]) {
      const parsed = parseSaleEvent(withField("product_id", id));
      expect(parsed.ok && parsed.event.product_id).toBe(id);
    }
  });

  test("an unknown event type lists the valid ones", () => {
    expect(reasonOf(withField("event_type", "steal"))).toBe(
      'event_type: expected one of purchase, refund, view, add_to_cart, got "steal"',
    );
  });

  test("a timestamp that is not a string", () => {
    expect(reasonOf(withField("timestamp", 1795808603000))).toBe(
      "timestamp: expected an ISO-8601 string, got 1795808603000",
    );
  });

  test("a local time without a zone is rejected (it names no instant)", () => {
    expect(reasonOf(withField("timestamp", "2026-11-27T19:43:23.123456"))).toBe(
      'timestamp: missing time zone (append Z or ±HH:MM), got "2026-11-27T19:43:23.123456"',
    );
  });

  test("an impossible calendar date is rejected (Date.parse would roll it over)", () => {
    expect(reasonOf(withField("timestamp", "2026-02-30T10:00:00Z"))).toBe(
      'timestamp: day 30 out of range for month 2, got "2026-02-30T10:00:00Z"',
    );
  });

  test("long offending values are shortened", () => {
    const reason = reasonOf(withField("event_type", "x".repeat(500)));
    expect(reason).toBe(`event_type: expected one of purchase, refund, view, add_to_cart, got "${"x".repeat(56)}...`);
  });
});

describe("parseIsoTimestamp", () => {
  test("UTC with milliseconds", () => {
    expect(parseIsoTimestamp("2026-11-27T19:43:23.120Z")).toBe(Date.UTC(2026, 10, 27, 19, 43, 23, 120));
  });

  test("no fraction, short fraction and microseconds (truncated to ms)", () => {
    const base = Date.UTC(2026, 10, 27, 19, 43, 23);
    expect(parseIsoTimestamp("2026-11-27T19:43:23Z")).toBe(base);
    expect(parseIsoTimestamp("2026-11-27T19:43:23.5Z")).toBe(base + 500);
    expect(parseIsoTimestamp("2026-11-27T19:43:23.123987Z")).toBe(base + 123);
  });

  test("positive and negative offsets", () => {
    const utc = Date.UTC(2026, 10, 27, 19, 43, 23);
    expect(parseIsoTimestamp("2026-11-27T21:43:23+02:00")).toBe(utc);
    expect(parseIsoTimestamp("2026-11-27T16:13:23-03:30")).toBe(utc);
  });

  test("leap days", () => {
    expect(parseIsoTimestamp("2028-02-29T00:00:00Z")).toBe(Date.UTC(2028, 1, 29));
    expect(parseIsoTimestamp("2100-02-29T00:00:00Z")).toBe("day 29 out of range for month 2");
  });

  test("agrees with Date.parse on canonical toISOString output", () => {
    for (const ms of [0, 1, 999, 1795808603120, 951782400000, 4102444799999]) {
      expect(parseIsoTimestamp(new Date(ms).toISOString())).toBe(ms);
    }
  });

  test.each([
    ["2026-11-27 19:43:23Z", "expected YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)"],
    ["2026-11-27", "expected YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)"],
    ["2026-13-27T19:43:23Z", "month 13 out of range"],
    ["2026-11-27T24:00:00Z", "time of day out of range"],
    ["2026-11-27T19:43:23.Z", "empty fraction of a second"],
    ["2026-11-27T19:43:23+0200", "time zone offset must be ±HH:MM"],
    ["2026-11-27T19:43:23Zjunk", "unexpected characters after the time zone"],
    ["2026-11-27T19:43:23X", "missing time zone (append Z or ±HH:MM)"],
  ])("rejects %s", (input, reason) => {
    expect(parseIsoTimestamp(input)).toBe(reason);
  });
});

describe("helpers", () => {
  test("signedAmount: purchases positive, refunds negative, others zero", () => {
    expect(signedAmount(VALID)).toBe(129.9);
    expect(signedAmount({ ...VALID, event_type: "refund" })).toBe(-129.9);
    expect(signedAmount({ ...VALID, event_type: "view" })).toBe(0);
    expect(signedAmount({ ...VALID, event_type: "add_to_cart" })).toBe(0);
  });

  test("serialize → parse round-trips, formatEventTime is what the parser reads back", () => {
    const t = 1795808603120;
    const e: SaleEvent = { ...VALID, timestamp: formatEventTime(t) };
    const r = parseSaleEvent(serializeSaleEvent(e));
    expect(r.ok && r.eventTime).toBe(t);
    expect(r.ok && r.event).toEqual(e);
  });
});
