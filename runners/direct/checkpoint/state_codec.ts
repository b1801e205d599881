/**
 * Runner state as JSON: keys, values and accumulators of grouped steps are arbitrary JavaScript values, so a
 * checkpoint encodes them with tags for what JSON cannot hold (undefined, NaN, ±Infinity, -0, bigint, Uint8Array,
 * Date) and refuses what it cannot restore faithfully (class instances, Maps, functions): such a state is not
 * checkpointed, and a restart rebuilds it from Kafka instead (docs/guarantees.md §3).
 */

/** A value the codec cannot restore as it was; the message names where it is and what it is. */
export class NotCheckpointable extends Error {}

/** Thrown inside the walk (no message yet: paths are only built when something is refused). */
class Refused {
  readonly path: string[] = [];
  constructor(readonly what: string) {}
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TAG = "$";

function describeType(value: object): string {
  const proto: unknown = Object.getPrototypeOf(value);
  const ctor = (proto as { constructor?: { name?: string } } | null)?.constructor?.name;
  return ctor ?? "an object without a prototype";
}

/** Encodes a value for JSON; throws NotCheckpointable for values it cannot restore as they were. */
export function encodeState(value: unknown, where = "state"): Json {
  try {
    return encode(value);
  } catch (error) {
    if (error instanceof Refused) {
      throw new NotCheckpointable(`${where}${error.path.reverse().join("")} is a ${error.what}, which a checkpoint cannot restore`);
    }
    throw error;
  }
}

function encode(value: unknown): Json {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { [TAG + "n"]: Object.is(value, -0) ? "-0" : String(value) };
    case "undefined":
      return { [TAG + "u"]: 1 };
    case "bigint":
      return { [TAG + "b"]: value.toString() };
    case "object": {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const out: Json[] = new Array<Json>(value.length);
        for (let i = 0; i < value.length; i++) {
          try {
            out[i] = encode(value[i]);
          } catch (error) {
            if (error instanceof Refused) error.path.push(`[${i}]`);
            throw error;
          }
        }
        return out;
      }
      if (value instanceof Uint8Array && value.constructor === Uint8Array) {
        return { [TAG + "y"]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
      }
      if (value instanceof Date) return { [TAG + "d"]: value.getTime() };
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new Refused(describeType(value));
      const out: { [key: string]: Json } = {};
      let tagged = false;
      for (const k in value) {
        if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
        if (k.startsWith(TAG)) tagged = true;
        try {
          out[k] = encode((value as Record<string, unknown>)[k]);
        } catch (error) {
          if (error instanceof Refused) error.path.push(`.${k}`);
          throw error;
        }
      }
      return tagged ? { [TAG + "o"]: out } : out;
    }
    default:
      throw new Refused(typeof value);
  }
}

/** The inverse of encodeState. */
export function decodeState(json: unknown): unknown {
  if (json === null || typeof json !== "object") return json;
  if (Array.isArray(json)) return json.map(decodeState);
  const o = json as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0].startsWith(TAG)) {
    const v = o[keys[0]];
    switch (keys[0]) {
      case TAG + "n":
        return v === "-0" ? -0 : Number(v);
      case TAG + "u":
        return undefined;
      case TAG + "b":
        return BigInt(String(v));
      case TAG + "y":
        return new Uint8Array(Buffer.from(String(v), "base64"));
      case TAG + "d":
        return new Date(Number(v));
      case TAG + "o":
        return decodeObject(v as Record<string, unknown>);
    }
  }
  return decodeObject(o);
}

function decodeObject(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = decodeState(v);
  return out;
}
