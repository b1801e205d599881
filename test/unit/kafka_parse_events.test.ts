import { DEAD_LETTER_RAW_LIMIT, excerptOf, routeRecord } from "../../sales/parse_sales_events";
import { VALID_EVENT } from "./valid_event";
import type { KafkaRecord } from "../../transforms/kafka";

const AT = Date.UTC(2026, 0, 1, 12, 0, 0);

function record(value: string | Buffer | null, offset = "7"): KafkaRecord {
  return {
    topic: "sales",
    partition: 2,
    offset,
    timestamp: AT,
    key: "user_1",
    value: value === null ? null : typeof value === "string" ? Buffer.from(value, "utf8") : value,
  };
}

const VALID = VALID_EVENT;

describe("parsing Kafka records into sales events or dead letters", () => {
  test("a valid record becomes its event", () => {
    expect(routeRecord(record(JSON.stringify(VALID)))).toEqual({ events: VALID });
  });

  test("invalid JSON becomes a dead letter with its coordinates, reason, raw bytes and excerpt", () => {
    const routed = routeRecord(record('{"event_id": "evt_1", '));
    expect(routed.events).toBeUndefined();
    expect(routed.deadLetters).toMatchObject({
      topic: "sales",
      partition: 2,
      offset: "7",
      key: "user_1",
      timestamp: AT,
      rawSize: 22,
      excerpt: '{"event_id": "evt_1", ',
    });
    expect(routed.deadLetters?.reason).toMatch(/^invalid JSON/);
    expect(Buffer.from(routed.deadLetters?.rawBase64 ?? "", "base64").toString("utf8")).toBe('{"event_id": "evt_1", ');
  });

  test("a schema violation names the field (parseSaleEvent's reason)", () => {
    const routed = routeRecord(record(JSON.stringify({ ...VALID, event_type: "teleport" })));
    expect(routed.deadLetters?.reason).toBe(
      'event_type: expected one of purchase, refund, view, add_to_cart, got "teleport"',
    );
  });

  test("a tombstone (no value) is a dead letter too", () => {
    expect(routeRecord(record(null)).deadLetters).toMatchObject({ reason: "record has no value (tombstone)", rawBase64: null, rawSize: 0 });
  });

  test("huge or binary values are kept safely: raw bytes truncated, excerpt printable and short", () => {
    const huge = Buffer.alloc(DEAD_LETTER_RAW_LIMIT * 3, 0x41);
    const dead = routeRecord(record(huge)).deadLetters;
    expect(dead?.rawSize).toBe(DEAD_LETTER_RAW_LIMIT * 3);
    expect(Buffer.from(dead?.rawBase64 ?? "", "base64").length).toBe(DEAD_LETTER_RAW_LIMIT);
    expect(dead?.excerpt.length).toBeLessThanOrEqual(160);
    expect(excerptOf(Buffer.from([0x00, 0x1b, 0x41, 0xff, 0x0a]))).toBe("\\u0000\\u001bA\uFFFD\\u000a");
  });
});
