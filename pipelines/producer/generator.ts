import { EVENT_TYPES, EventType, formatEventTime, SaleEvent, serializeSaleEvent } from "../../sales/sale_event";
import { createPrng, Prng, randomInt } from "./prng";

/**
 * What to generate. A pure description: the same spec yields the same records, byte for byte, with or without
 * Kafka, so tests and benchmarks can regenerate exactly what `npm run produce` sent.
 */
export interface GeneratorSpec {
  readonly seed: number;
  readonly count: number;
  readonly users: number;
  readonly products: number;
  /** Event time of the first record (ms since the epoch). */
  readonly startTime: number;
  /** Event-time step between consecutive records before any shift. */
  readonly intervalMs: number;
  /** Fraction of records shifted back in event time by a random amount in (0, outOfOrderMaxMs]. */
  readonly outOfOrderFraction: number;
  readonly outOfOrderMaxMs: number;
  /** Fraction of records shifted back in event time by exactly lateDelayMs. */
  readonly lateFraction: number;
  readonly lateDelayMs: number;
  /** Fraction of records that are invalid JSON or violate the schema (parseSaleEvent rejects them). */
  readonly malformedFraction: number;
  /** The event types to draw from (weights: purchase 80, view 10, add_to_cart 5, refund 5). */
  readonly eventTypes: readonly EventType[];
}

export type RecordKind = "on_time" | "out_of_order" | "late" | "malformed_json" | "malformed_schema";

/** One Kafka record to send: keyed by user_id, its timestamp the event time. */
export interface GeneratedRecord {
  readonly index: number;
  readonly key: string;
  readonly value: string;
  /** The Kafka record timestamp: the event time (for malformed records, the event time it would have had). */
  readonly timestamp: number;
  readonly kind: RecordKind;
  /** The event, for records that parse (on_time, out_of_order, late). */
  readonly event?: SaleEvent;
}

export const DEFAULT_GENERATOR_SPEC: GeneratorSpec = Object.freeze({
  seed: 1,
  count: 1000,
  users: 100,
  products: 50,
  startTime: Date.UTC(2026, 0, 1),
  intervalMs: 10,
  outOfOrderFraction: 0,
  outOfOrderMaxMs: 5000,
  lateFraction: 0,
  lateDelayMs: 120_000,
  malformedFraction: 0,
  eventTypes: EVENT_TYPES,
});

const TYPE_WEIGHTS: Readonly<Record<EventType, number>> = { purchase: 80, view: 10, add_to_cart: 5, refund: 5 };

/** Throws with the field and the accepted range when a spec cannot be generated. */
export function validateGeneratorSpec(spec: GeneratorSpec): void {
  const positiveInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer, got ${v}`);
  };
  const fraction = (name: string, v: number) => {
    if (!(v >= 0 && v <= 1)) throw new Error(`${name} must be a fraction between 0 and 1, got ${v}`);
  };
  if (!Number.isInteger(spec.count) || spec.count < 0) throw new Error(`count must be an integer >= 0, got ${spec.count}`);
  positiveInt("users", spec.users);
  positiveInt("products", spec.products);
  if (!Number.isFinite(spec.startTime)) throw new Error(`start time must be a finite time in ms, got ${spec.startTime}`);
  if (!(spec.intervalMs >= 0)) throw new Error(`interval must be >= 0 ms, got ${spec.intervalMs}`);
  if (!(spec.outOfOrderMaxMs > 0)) throw new Error(`out-of-order max delay must be > 0 ms, got ${spec.outOfOrderMaxMs}`);
  if (!(spec.lateDelayMs > 0)) throw new Error(`late delay must be > 0 ms, got ${spec.lateDelayMs}`);
  fraction("out-of-order fraction", spec.outOfOrderFraction);
  fraction("late fraction", spec.lateFraction);
  fraction("malformed fraction", spec.malformedFraction);
  const total = spec.outOfOrderFraction + spec.lateFraction + spec.malformedFraction;
  if (total > 1) throw new Error(`out-of-order + late + malformed fractions must add up to at most 1, got ${total}`);
  if (spec.eventTypes.length === 0) throw new Error(`give at least one event type (${EVENT_TYPES.join(", ")})`);
}

/** The records of `spec`, lazily, in sending order. */
export function* saleRecords(spec: GeneratorSpec): Generator<GeneratedRecord> {
  validateGeneratorSpec(spec);
  const rnd = createPrng(spec.seed);
  const pickType = typePicker(spec.eventTypes);
  for (let index = 0; index < spec.count; index++) {
    const nominal = spec.startTime + Math.floor(index * spec.intervalMs);
    const userId = `user_${randomInt(rnd, spec.users)}`;
    const product = randomInt(rnd, spec.products);
    const eventType = pickType(rnd());
    const quantity = 1 + randomInt(rnd, 3);
    const u = rnd();
    const shift = rnd();
    let kind: RecordKind;
    let eventTime = nominal;
    if (u < spec.malformedFraction) {
      kind = shift < 0.5 ? "malformed_json" : "malformed_schema";
    } else if (u < spec.malformedFraction + spec.lateFraction) {
      kind = "late";
      eventTime = nominal - spec.lateDelayMs;
    } else if (u < spec.malformedFraction + spec.lateFraction + spec.outOfOrderFraction) {
      kind = "out_of_order";
      eventTime = nominal - Math.max(1, Math.ceil(shift * spec.outOfOrderMaxMs));
    } else {
      kind = "on_time";
    }
    const event: SaleEvent = {
      event_id: `evt_${spec.seed}_${index}`,
      user_id: userId,
      product_id: `prod_${product}`,
      amount: eventType === "view" ? 0 : Math.round(unitPrice(product) * quantity * 100) / 100,
      timestamp: formatEventTime(eventTime),
      event_type: eventType,
    };
    if (kind === "malformed_json") {
      yield { index, key: userId, value: invalidJson(event, rnd), timestamp: eventTime, kind };
    } else if (kind === "malformed_schema") {
      yield { index, key: userId, value: schemaViolation(event, rnd), timestamp: eventTime, kind };
    } else {
      yield { index, key: userId, value: serializeSaleEvent(event), timestamp: eventTime, kind, event };
    }
  }
}

/** All records of `spec` in an array (for tests and benchmarks; prefer `saleRecords` for large counts). */
export function generateSaleRecords(spec: GeneratorSpec): GeneratedRecord[] {
  return Array.from(saleRecords(spec));
}

/** A product's list price, fixed per product id: 5.00 .. 499.99. */
export function unitPrice(product: number): number {
  return 5 + ((product * 7919) % 49500) / 100;
}

function typePicker(types: readonly EventType[]): (u: number) => EventType {
  const total = types.reduce((sum, t) => sum + TYPE_WEIGHTS[t], 0);
  return (u) => {
    let acc = 0;
    const target = u * total;
    for (const t of types) {
      acc += TYPE_WEIGHTS[t];
      if (target < acc) return t;
    }
    return types[types.length - 1];
  };
}

/** Truncated JSON (as a crashed writer leaves it) or a CSV line (as a misconfigured one writes it). */
function invalidJson(event: SaleEvent, rnd: Prng): string {
  if (rnd() < 0.5) {
    const json = serializeSaleEvent(event);
    return json.slice(0, 1 + randomInt(rnd, json.length - 1));
  }
  return `${event.event_id},${event.user_id},${event.product_id},${event.amount},${event.timestamp},${event.event_type}`;
}

/** Valid JSON that breaks one rule of the schema. */
function schemaViolation(event: SaleEvent, rnd: Prng): string {
  const o: Record<string, unknown> = { ...event };
  switch (randomInt(rnd, 5)) {
    case 0:
      o.amount = "abc";
      break;
    case 1:
      delete o.user_id;
      break;
    case 2:
      o.timestamp = "27/11/2026 19:43";
      break;
    case 3:
      o.event_type = "teleport";
      break;
    default:
      o.amount = -Math.abs(event.amount) - 1;
      break;
  }
  return JSON.stringify(o);
}
