/**
 * One record never stops the job (issue 22, item 4): what a sink cannot store is a dead letter at the parse step,
 * before any sink — event times before 1970 or after 9998 (Parquet TIMESTAMP_MILLIS), from the event's own field or
 * from the Kafka record timestamp when that is the event time — and two decisions: a duplicate JSON key is refused,
 * identifiers are normalised to NFC (café in NFC and NFD is one product).
 */
import { routeRecord } from "../../sales/parse_sales_events";
import { parseSaleEvent } from "../../sales/sale_event";
import { VALID_EVENT } from "./valid_event";
import type { KafkaRecord } from "../../transforms/kafka";

const AT = Date.UTC(2026, 0, 1, 12, 0, 0);

function record(value: string, timestamp = AT): KafkaRecord {
  return { topic: "sales", partition: 0, offset: "3", timestamp, key: "k", value: Buffer.from(value, "utf8") };
}

const reasonOf = (value: string, timestamp = AT, recordTime = true): string | undefined =>
  routeRecord(record(value, timestamp), recordTime).deadLetters?.reason;

describe("event times the sinks can store", () => {
  test.each([
    ["1969-12-31T23:59:00.000Z", "timestamp: 1969-12-31T23:59:00.000Z is outside 1970-01-01 .. 9998-12-31 UTC"],
    ["9999-06-01T00:00:00.000Z", "timestamp: 9999-06-01T00:00:00.000Z is outside 1970-01-01 .. 9998-12-31 UTC"],
  ])("an event timestamp of %s is a dead letter", (timestamp, reason) => {
    expect(reasonOf(JSON.stringify({ ...VALID_EVENT, timestamp }))).toContain(reason);
  });

  test("a Kafka record timestamp before 1970 is a dead letter when it is the event time, and only then", () => {
    const value = JSON.stringify(VALID_EVENT);
    expect(reasonOf(value, -60_000)).toMatch(/^record timestamp \(the event time\): 1969-12-31T23:59:00\.000Z is outside/);
    expect(reasonOf(value, -60_000, false)).toBeUndefined(); // --timestamp-field: the record timestamp is not used
    expect(reasonOf(value, Date.UTC(1970, 0, 1))).toBeUndefined();
  });
});

describe("duplicate keys and Unicode-equivalent ids", () => {
  test("a key given twice is refused, whichever value comes last", () => {
    const twice = '{"event_id":"e1","user_id":"u","product_id":"p","amount":1,"amount":1000,"timestamp":"2026-01-01T00:00:00Z","event_type":"purchase"}';
    expect(reasonOf(twice)).toBe('duplicate key "amount": a key may appear once in an event');
    const escaped = twice.replace('"amount":1000', '"\\u0061mount":1000');
    expect(reasonOf(escaped)).toBe('duplicate key "amount": a key may appear once in an event');
    const unknownTwice = JSON.stringify(VALID_EVENT).replace("{", '{"note":1,"note":2,');
    expect(reasonOf(unknownTwice)).toBeUndefined(); // only looked for when an event field may repeat, as documented
  });

  test("a value that looks like a key is no duplicate", () => {
    expect(reasonOf(JSON.stringify({ ...VALID_EVENT, note: "amount", other: { amount: 2 } }))).toBeUndefined();
  });

  test("identifiers are normalised to NFC: café (NFD) and café (NFC) are one product", () => {
    const nfd = parseSaleEvent(JSON.stringify({ ...VALID_EVENT, product_id: "cafe\u0301", user_id: "Ame\u0301lie" }));
    const nfc = parseSaleEvent(JSON.stringify({ ...VALID_EVENT, product_id: "caf\u00e9", user_id: "Am\u00e9lie" }));
    expect(nfd.ok && nfc.ok && [nfd.event.product_id, nfd.event.user_id]).toEqual(["caf\u00e9", "Am\u00e9lie"]);
    expect(nfc.ok && nfc.event.product_id).toBe("caf\u00e9");
  });
});
