/**
 * The sales event: the record the producer writes to Kafka and the pipeline reads, parses and aggregates.
 *
 * Shape (from the original tutorial), one JSON object per Kafka record value, keyed by `user_id`:
 *
 * ```json
 * {"event_id":"evt_42","user_id":"user_7","product_id":"prod_3","amount":129.9,
 *  "timestamp":"2026-11-27T19:43:23.120Z","event_type":"purchase"}
 * ```
 *
 * Field rules (what `parseSaleEvent` accepts):
 * - `event_id`, `user_id`, `product_id`: identifiers — strings of 1 to 256 characters, without control characters
 *   (U+0000–U+001F, U+007F) and without unpaired surrogates (`"\ud800"` in JSON: not text, it cannot be stored as
 *   UTF-8; PostgreSQL refuses NUL in text). They become keys, file contents and database rows, where such values
 *   failed the write (NUL stopped the PostgreSQL sink) or merged distinct ids into one (an unpaired surrogate is
 *   written as U+FFFD).
 * - `amount`: a JSON number, finite, >= 0, at most `MAX_AMOUNT` (1,000,000.00) and with at most two decimals (whole
 *   cents; a numeric string such as "12.5" is rejected). Sums are kept exactly in integer cents (`amountCents`). The amount is always
 *   the money involved; `event_type` says what it means: a refund carries the positive refunded amount, a view or
 *   an add_to_cart usually carries 0 or the product price. `signedAmount` gives revenue (refunds negative).
 * - `timestamp`: ISO-8601 date-time with an explicit zone, `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`.
 *   Local times without a zone (Python's `datetime.now().isoformat()`) are rejected: they name no instant.
 *   Fractions beyond milliseconds are truncated (event time has millisecond resolution).
 * - `event_type`: one of `EVENT_TYPES` ("purchase", "refund", "view", "add_to_cart").
 * - Other fields are ignored (forward compatible producers may add fields).
 * - A key may appear once: `{"amount":1,"amount":1000}` is a dead letter (`duplicate key "amount"`), not the last
 *   value silently (JSON.parse's choice; other readers take the first).
 * - Identifiers are compared as Unicode text: they are normalised to NFC, so `café` written with a combining accent
 *   (NFD) and with `é` (NFC) is one product, one row (stored in NFC).
 * - The event time (the `timestamp` field, and the Kafka record timestamp when event time comes from it) must lie
 *   in 1970-01-01 .. 9998-12-31 UTC: Parquet's TIMESTAMP_MILLIS and the windows around it cannot hold other times,
 *   so such a record is a dead letter (`timestamp: 1969-12-31T23:59:00.000Z is outside ...`) before any sink.
 */

/** The event types a sales event may carry. */
// Functions here are serialized into pipeline protos (parse DoFns): they must not reference exported consts
// (CommonJS output reads them through `exports`) nor module-level object instances; hence this local copy.
const EVENT_TYPE_NAMES = "purchase, refund, view, add_to_cart";
export const EVENT_TYPES = ["purchase", "refund", "view", "add_to_cart"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface SaleEvent {
  readonly event_id: string;
  readonly user_id: string;
  readonly product_id: string;
  readonly amount: number;
  /** ISO-8601 with a zone, as written by the producer. */
  readonly timestamp: string;
  readonly event_type: EventType;
}

/** The largest amount an event may carry (the schema's bound; larger amounts are dead letters). */
export const MAX_AMOUNT = 1_000_000;

/**
 * An accepted amount in integer cents, exact: parseSaleEvent only accepts amounts with at most two decimals, and for
 * those the double nearest `amount * 100` rounds to the exact cent count. Sums of cents stay exact integers below
 * 2^53 cents (90 million events of MAX_AMOUNT in one window and key).
 */
export function amountCents(event: SaleEvent): number {
  return Math.round(event.amount * 100);
}

/** `cents` as a decimal string with two places, exact: 12345 → "123.45", -5 → "-0.05". */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const units = Math.floor(abs / 100);
  const rest = abs - units * 100;
  return `${sign}${units}.${rest < 10 ? "0" : ""}${rest}`;
}

/** The average of `count` amounts summing to `sumCents`, rounded once to the cent (half up), in exact integers. */
export function averageCents(sumCents: number, count: number): number {
  if (count === 0) return 0;
  let q = Math.floor(sumCents / count);
  let r = sumCents - q * count; // exact: both are safe integers
  // The division is a double: near 2^53 its floor can be one off; correct it with the exact remainder.
  while (r < 0) (q--, (r += count));
  while (r >= count) (q++, (r -= count));
  return 2 * r >= count ? q + 1 : q;
}

export type ParseResult =
  | { readonly ok: true; readonly event: SaleEvent; readonly eventTime: number }
  | { readonly ok: false; readonly reason: string };


/** Validates one raw record value; the reason of a failure names the field and what was wrong with it. */
export function parseSaleEvent(raw: string | Uint8Array): ParseResult {
  let text: string;
  try {
    text = typeof raw === "string" ? raw : new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    return fail("invalid UTF-8: the value is not valid UTF-8 text");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return fail(`invalid JSON: ${message.length > 120 ? `${message.slice(0, 119)}…` : message} in ${describe(text)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail(`expected a JSON object, got ${describe(value)}`);
  }
  const o = value as Record<string, unknown>;

  const eventId = o.event_id;
  if (typeof eventId !== "string") return fieldFail("event_id", "a non-empty string", eventId);
  const eventIdProblem = identifierProblem(eventId);
  if (eventIdProblem !== undefined) return fieldFail("event_id", eventIdProblem, eventId);
  const userId = o.user_id;
  if (typeof userId !== "string") return fieldFail("user_id", "a non-empty string", userId);
  const userIdProblem = identifierProblem(userId);
  if (userIdProblem !== undefined) return fieldFail("user_id", userIdProblem, userId);
  const productId = o.product_id;
  if (typeof productId !== "string") return fieldFail("product_id", "a non-empty string", productId);
  const productIdProblem = identifierProblem(productId);
  if (productIdProblem !== undefined) return fieldFail("product_id", productIdProblem, productId);
  const amount = o.amount;
  if (typeof amount !== "number" || !Number.isFinite(amount)) return fieldFail("amount", "a finite number", amount);
  if (amount < 0) return fieldFail("amount", "a number >= 0 (refunds carry a positive amount)", amount);
  if (amount > 1_000_000) return fieldFail("amount", "at most 1000000 (MAX_AMOUNT)", amount);
  if (Math.round(amount * 100) / 100 !== amount) return fieldFail("amount", "whole cents (at most two decimals)", amount);
  const timestamp = o.timestamp;
  if (typeof timestamp !== "string") return fieldFail("timestamp", "an ISO-8601 string", timestamp);
  const eventTime = parseIsoTimestamp(timestamp);
  if (typeof eventTime === "string") return fail(`timestamp: ${eventTime}, got ${describe(timestamp)}`);
  const timeProblem = storableTimeProblem(eventTime);
  if (timeProblem !== undefined) return fail(`timestamp: ${timeProblem}`);
  const eventType = o.event_type;
  if (!isEventType(eventType)) return fieldFail("event_type", `one of ${EVENT_TYPE_NAMES}`, eventType);
  const duplicate = duplicateKey(text, Object.keys(o).length);
  if (duplicate !== undefined) return fail(`duplicate key ${JSON.stringify(duplicate).slice(0, 80)}: a key may appear once in an event`);

  return {
    ok: true,
    event: {
      event_id: nfc(eventId),
      user_id: nfc(userId),
      product_id: nfc(productId),
      amount,
      timestamp,
      event_type: eventType,
    },
    eventTime,
  };
}

/**
 * Why an event time cannot be stored (Parquet TIMESTAMP_MILLIS: 1970 up to 9999; a margin of a year for the window
 * around it), or undefined. Not exported: parse DoFns serialize it.
 */
function storableTimeProblem(ms: number): string | undefined {
  // Date.UTC(9999, 0, 1)
  if (ms >= 0 && ms < 253370764800000) return undefined;
  const shown = Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
  return `${shown} is outside 1970-01-01 .. 9998-12-31 UTC, the times the sinks can store (Parquet TIMESTAMP_MILLIS)`;
}

/** Why a record timestamp used as event time cannot be stored, or undefined (parse_sales_events.ts). */
export function recordTimeProblem(ms: number): string | undefined {
  return storableTimeProblem(ms);
}

/** The identifier in NFC; ASCII and Latin text below U+0300 is NFC already (the common case costs one scan). */
function nfc(id: string): string {
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) >= 0x300) return id.normalize("NFC");
  return id;
}

/**
 * A key that appears twice in the top-level object, or undefined. `distinctKeys` is the number of keys JSON.parse
 * gave the object (one per name, the last value wins), so a key repeats exactly when the text's top-level object
 * has more members than that: one pass over the text counts them (`topLevelMembers`). Only then is the text scanned
 * again, to name the key, and the rule is the one documented above: a repeated event field is refused; a repeated
 * other key (ignored fields) only when the text writes keys with escapes or names an event field twice.
 */
function duplicateKey(text: string, distinctKeys: number): string | undefined {
  if (distinctKeys === 0 || topLevelMembers(text) === distinctKeys) return undefined;
  const fields = ["event_id", "user_id", "product_id", "amount", "timestamp", "event_type"];
  let suspect = text.indexOf("\\u") >= 0;
  for (let f = 0; f < fields.length && !suspect; f++) {
    const quoted = `"${fields[f]}"`;
    suspect = text.indexOf(quoted) !== text.lastIndexOf(quoted);
  }
  return suspect ? firstRepeatedKey(text) : undefined;
}

/**
 * The number of members of the top-level object in `text`, which must be valid JSON holding a non-empty object
 * (JSON.parse accepted it): its commas outside strings at depth 1, plus one. One pass: a string is skipped with
 * indexOf to its closing quote (one preceded by an even number of backslashes), so what a string holds (brackets,
 * commas, quotes written \") never counts, nor do the members of nested objects and arrays.
 */
function topLevelMembers(text: string): number {
  let depth = 0;
  let commas = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // '"': find the closing quote
      let j = text.indexOf('"', i + 1);
      for (;;) {
        let backslashes = 0;
        while (text.charCodeAt(j - 1 - backslashes) === 92) backslashes++;
        if ((backslashes & 1) === 0) break;
        j = text.indexOf('"', j + 1);
      }
      if (j < 0) return -1; // not valid JSON: never equal to a key count
      i = j;
    } else if (c === 123 || c === 91) depth++; // { [
    else if (c === 125 || c === 93) depth--; // } ]
    else if (c === 44 && depth === 1) commas++; // ,
  }
  return commas + 1;
}

/** The number of members of the top-level object in `text` (valid JSON holding a non-empty object): duplicateKey's one pass. */
export function topLevelMemberCount(text: string): number {
  return topLevelMembers(text);
}

/** The first key of the top-level object in `text` (valid JSON) that repeats an earlier one, decoded, or undefined. */
function firstRepeatedKey(text: string): string | undefined {
  // The keys of the outermost object: a string at depth 1 followed by ':'.
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const token = text.slice(i, j + 1);
      i = j;
      if (depth !== 1) continue;
      let k = i + 1;
      while (k < text.length && /\s/.test(text[k])) k++;
      if (text[k] !== ":") continue;
      const key = JSON.parse(token) as string;
      if (seen.has(key)) return key;
      seen.add(key);
    }
  }
  return undefined;
}

/**
 * Why `value` is not an identifier (what was expected), or undefined when it is one: a string of 1 to 256
 * characters (UTF-16 code units), no control character (U+0000–U+001F, U+007F), no unpaired surrogate.
 */
function identifierProblem(value: string): string | undefined {
  if (value.length === 0) return "a non-empty string";
  if (value.length > 256) return `a string of at most 256 characters (this one has ${value.length})`;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return `a string without control characters (U+${c.toString(16).toUpperCase().padStart(4, "0")} at position ${i})`;
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < value.length ? value.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || next < 0xdc00 || next > 0xdfff) return `a string without unpaired surrogates (U+${c.toString(16).toUpperCase()} at position ${i})`;
      i++;
    }
  }
  return undefined;
}

export function isEventType(value: unknown): value is EventType {
  return value === "purchase" || value === "refund" || value === "view" || value === "add_to_cart";
}

/** Revenue contribution of an event: purchases count positive, refunds negative, views and carts zero. */
export function signedAmount(event: SaleEvent): number {
  if (event.event_type === "purchase") return event.amount;
  if (event.event_type === "refund") return -event.amount;
  return 0;
}

/** The canonical way to write an event time: UTC with milliseconds, e.g. 2026-11-27T19:43:23.120Z. */
export function formatEventTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Serializes an event the way the producer writes it (field order as in the schema). */
export function serializeSaleEvent(event: SaleEvent): string {
  return JSON.stringify({
    event_id: event.event_id,
    user_id: event.user_id,
    product_id: event.product_id,
    amount: event.amount,
    timestamp: event.timestamp,
    event_type: event.event_type,
  });
}

const C0 = 48; // "0"
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` to epoch milliseconds with char-code checks (no regex,
 * no Date.parse leniency: Date.parse accepts 2026-02-30 and zone-less local times). Returns a reason on failure.
 */
export function parseIsoTimestamp(s: string): number | string {
  const n = s.length;
  if (n < 20) return "expected YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)";
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (
    year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 ||
    s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 ||
    s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58
  ) {
    return "expected YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)";
  }
  if (year < 1000) return `year ${year} out of range`;
  if (month < 1 || month > 12) return `month ${month} out of range`;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const dim = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > dim) return `day ${day} out of range for month ${month}`;
  if (hour > 23 || minute > 59 || second > 59) return "time of day out of range";

  let i = 19;
  let millis = 0;
  if (s.charCodeAt(i) === 46) {
    // "." fraction: keep the first three digits, require at least one, truncate the rest.
    i++;
    const fracStart = i;
    let scale = 100;
    while (i < n) {
      const d = s.charCodeAt(i) - C0;
      if (d < 0 || d > 9) break;
      if (scale >= 1) {
        millis += d * scale;
        scale /= 10;
      }
      i++;
    }
    if (i === fracStart) return "empty fraction of a second";
  }
  if (i >= n) return "missing time zone (append Z or ±HH:MM)";
  const zone = s.charCodeAt(i);
  let offsetMinutes = 0;
  if (zone === 90) {
    // "Z"
    i++;
  } else if (zone === 43 || zone === 45) {
    // "+" or "-"
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || om < 0 || s.charCodeAt(i + 3) !== 58 || oh > 23 || om > 59) {
      return "time zone offset must be ±HH:MM";
    }
    offsetMinutes = (zone === 43 ? 1 : -1) * (oh * 60 + om);
    i += 6;
  } else {
    return "missing time zone (append Z or ±HH:MM)";
  }
  if (i !== n) return "unexpected characters after the time zone";
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

/** The decimal value of `len` ASCII digits at `at`, or -1 if any is not a digit (or out of bounds). */
function digits(s: string, at: number, len: number): number {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const d = s.charCodeAt(i) - C0; // NaN out of bounds: fails both comparisons below
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

function fail(reason: string): ParseResult {
  return { ok: false, reason: printableReason(reason) };
}

function fieldFail(field: string, expected: string, got: unknown): ParseResult {
  return fail(got === undefined ? `${field}: missing (expected ${expected})` : `${field}: expected ${expected}, got ${describe(got)}`);
}

/**
 * A reason on one printable line of at most 300 characters: control characters (NUL, newlines, ...) escaped,
 * whatever the offending value or the JSON parser's message held.
 */
function printableReason(reason: string): string {
  // eslint-disable-next-line no-control-regex
  const line = reason.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/**
 * A short, printable rendering of an offending value, bounded in time and depth whatever the value holds (a
 * 10,000-deep array makes JSON.stringify and String() overflow the stack; a 1 MB string is cut first).
 */
function describe(value: unknown): string {
  const text = preview(value, 0);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function preview(value: unknown, depth: number): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 64 ? value.slice(0, 64) : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "undefined") return String(value);
  if (typeof value !== "object") return typeof value;
  if (Array.isArray(value)) {
    if (depth >= 2) return value.length === 0 ? "[]" : "[...]";
    const items = value.slice(0, 4).map((v: unknown) => preview(v, depth + 1));
    return `[${items.join(",")}${value.length > 4 ? ",..." : ""}]`;
  }
  const keys = Object.keys(value);
  if (depth >= 2) return keys.length === 0 ? "{}" : "{...}";
  const o = value as Record<string, unknown>;
  const items = keys.slice(0, 4).map((k) => `${JSON.stringify(k.length > 32 ? k.slice(0, 32) : k)}:${preview(o[k], depth + 1)}`);
  return `{${items.join(",")}${keys.length > 4 ? ",..." : ""}}`;
}
