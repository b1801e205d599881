/**
 * One record never stops the job (issue 22, item 4): what a sink cannot store is a dead letter at the parse step,
 * before any sink — event times before 1970 or after 9998 (Parquet TIMESTAMP_MILLIS), from the event's own field or
 * from the Kafka record timestamp when that is the event time — and two decisions: a duplicate JSON key is refused,
 * identifiers are normalised to NFC (café in NFC and NFD is one product).
 */
import { routeRecord } from "../../sales/parse_sales_events";
import { parseSaleEvent, topLevelMemberCount } from "../../sales/sale_event";
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

  // The check counts the top-level members in one pass and compares with JSON.parse's distinct keys: these texts
  // aim at what such a pass can get wrong (escapes, whitespace, nesting, string contents, backslashes before quotes).
  const EVENT_BODY = JSON.stringify(VALID_EVENT).slice(1, -1); // the six fields, without the braces
  const AMOUNT_TWICE = 'duplicate key "amount": a key may appear once in an event';
  test("the one pass counts the top-level members, whatever strings and nested values hold", () => {
    const members = [
      '"a\\\\":"x\\\\"', // key and value ending in an escaped backslash
      '"q":"\\",\\",\\""', // escaped quotes around commas
      '"n":{"a":[1,2,{"b":","}],"c":"]"}',
      '"e":[]',
      '"f":{}',
      '"g":"\\\\\\"}"', // a backslash, then an escaped quote, then a brace
      '"\\u0061mount":1',
      '"s" :\n[ "," , "{" , "[" ]',
      '"z":"\\\\\\\\"',
      '"t":true',
    ];
    for (let n = 1; n <= members.length; n++) {
      for (const sep of [",", " ,\n\t"]) {
        const text = `{${members.slice(0, n).join(sep)}}`;
        expect([n, Object.keys(JSON.parse(text) as object).length, topLevelMemberCount(text)]).toEqual([n, n, n]);
        const reversed = `{ ${members.slice(0, n).reverse().join(sep)} }`;
        expect(topLevelMemberCount(reversed)).toBe(n);
      }
    }
  });

  test.each([
    ["a key written with escapes", `{${EVENT_BODY},"\\u0061m\\u006Funt":7}`],
    ["whitespace before and after the colon", `{ ${EVENT_BODY} ,\n\t"amount" \r\n : 7 }`],
    ["after a string ending in an escaped backslash", `{"note":"x\\\\",${EVENT_BODY},"amount":7}`],
    ["after a string holding escaped quotes, commas and brackets", `{"note":"\\",\\"amount\\":{[",${EVENT_BODY},"amount":7}`],
    ["after nested objects and arrays with commas", `{"m":{"a":[1,{"b":2,"c":[3,4]}],"d":{}},"e":[],${EVENT_BODY},"amount":7}`],
    ["given first, then repeated after a nested object", `{"amount":7,"m":{"amount":1},${EVENT_BODY}}`],
  ])("a repeated top-level key is refused: %s", (_, text) => {
    expect(reasonOf(text)).toBe(AMOUNT_TWICE);
  });

  test.each([
    ["repeated inside a nested object", `{${EVENT_BODY},"m":{"amount":1,"amount":2}}`],
    ["repeated inside an array of objects", `{${EVENT_BODY},"list":[{"amount":1},{"amount":2}],"more":["amount","amount"]}`],
    ["only inside string values", `{${EVENT_BODY},"note":"\\"amount\\":1,\\"amount\\":2","n2":"amount"}`],
    ["strings holding commas, brackets and backslashes", `{${EVENT_BODY},"a":"x,y,{z}","b":"\\\\","c":"\\\\\\"]]]","d":","}`],
    ["an escaped key that differs from every event field", `{${EVENT_BODY},"\\u0061mount_due":1}`],
  ])("a key that is not a repeated top-level key is no duplicate: %s", (_, text) => {
    expect(JSON.parse(text)).toBeInstanceOf(Object); // valid JSON, so only the duplicate check can refuse it
    expect(reasonOf(text)).toBeUndefined();
  });

  test("a repeated other key is refused when the text writes keys with escapes (the rule, as before)", () => {
    const twice = `{${EVENT_BODY},"note":1,"note":2}`;
    expect(reasonOf(twice)).toBeUndefined();
    expect(reasonOf(twice.replace('"note":2', '"no\\u0074e":2'))).toBe('duplicate key "note": a key may appear once in an event');
  });

  test("identifiers are normalised to NFC: café (NFD) and café (NFC) are one product", () => {
    const nfd = parseSaleEvent(JSON.stringify({ ...VALID_EVENT, product_id: "cafe\u0301", user_id: "Ame\u0301lie" }));
    const nfc = parseSaleEvent(JSON.stringify({ ...VALID_EVENT, product_id: "caf\u00e9", user_id: "Am\u00e9lie" }));
    expect(nfd.ok && nfc.ok && [nfd.event.product_id, nfd.event.user_id]).toEqual(["caf\u00e9", "Am\u00e9lie"]);
    expect(nfc.ok && nfc.event.product_id).toBe("caf\u00e9");
  });
});
