/**
 * TestStream: a scripted unbounded input for scenario tests. Emitted as Beam's standard
 * `beam:transform:teststream:v1` with a TestStreamPayload whose elements are JSON text in Beam's standard
 * `string_utf8` coder (a coder Java knows: Flink's TestStream decodes its payload in Java), followed by a `decode`
 * map that parses them (byte arrays survive as `{"$bytes": [...]}`). So a portable runner that knows TestStream
 * (Flink in streaming mode) runs the same scenario. On our direct runner it is a source on a virtual clock: no
 * sleeps, fully deterministic. Values must be JSON data (plus Uint8Array): no undefined array items, no NaN, no
 * bigint, no class instances.
 *
 *   root.apply(testStream<Sale>()
 *     .addElements({ value: sale(ALICE, 3), timestamp: minutes(1) })
 *     .advanceWatermarkTo(minutes(5))
 *     .advanceProcessingTime(seconds(30))
 *     .advanceWatermarkToInfinity())
 *
 * Times are milliseconds since the epoch. The stream ends after its last event (as if the watermark went to
 * +infinity); `advanceWatermarkToInfinity()` says so explicitly and returns the transform.
 */
import "apache-beam";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { StrUtf8Coder } from "apache-beam/coders/standard_coders";
import { withName } from "apache-beam/transforms/transform";
import type { Pipeline } from "apache-beam/internal/pipeline";
import type { PCollection, Root } from "apache-beam/pvalue";
import { TEST_STREAM_URN } from "../model/urns";

/** Beam's BoundedWindow.TIMESTAMP_MAX_VALUE in milliseconds: "advance the watermark to infinity". */
const TIMESTAMP_MAX_VALUE = BigInt("9223372036854775");

export interface TimestampedValue<T> {
  readonly value: T;
  /** Event time, ms since the epoch. */
  readonly timestamp: number;
}

type Event<T> =
  | { readonly kind: "elements"; readonly elements: readonly TimestampedValue<T>[] }
  | { readonly kind: "watermark"; readonly to: bigint }
  | { readonly kind: "processingTime"; readonly by: number };

export type TestStreamTransform<T> = (root: Root) => PCollection<T>;

/** JSON.stringify replacer: byte arrays (Uint8Array, Buffer) as {"$bytes": [b0, b1, ...]}. */
function bytesAsNumbers(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  return original instanceof Uint8Array ? { $bytes: Array.from(original) } : value;
}

/** JSON.parse reviver: {"$bytes": [...]} back to a Uint8Array (no Buffer: it runs in a serialized DoFn). */
function numbersAsBytes(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === "object" && Array.isArray((value as { $bytes?: unknown }).$bytes)) {
    return Uint8Array.from((value as { $bytes: number[] }).$bytes);
  }
  return value;
}

/** The element's JSON text (what the TestStream payload carries). */
export function toTestStreamText(value: unknown): string {
  const text = JSON.stringify(value, bytesAsNumbers);
  if (text === undefined) throw new Error(`testStream.addElements: ${String(value)} is not JSON data.`);
  return text;
}

function fromTestStreamText(text: string): unknown {
  return JSON.parse(text, numbersAsBytes);
}

export class TestStreamBuilder<T> {
  private lastWatermark = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly events: readonly Event<T>[] = [],
    private readonly name = "testStream",
  ) {}

  /** Adds elements with their event times (they may be behind the watermark: that is how late data is made). */
  addElements(...elements: TimestampedValue<T>[]): TestStreamBuilder<T> {
    for (const element of elements) {
      if (!Number.isFinite(element.timestamp)) {
        throw new Error(`testStream.addElements: timestamp ${element.timestamp} is not a finite number of ms.`);
      }
    }
    return this.next({ kind: "elements", elements });
  }

  /** Moves the watermark forward (it never moves back). */
  advanceWatermarkTo(timestamp: number): TestStreamBuilder<T> {
    if (!Number.isFinite(timestamp)) throw new Error("testStream.advanceWatermarkTo needs a finite time in ms.");
    if (timestamp < this.lastWatermark) {
      throw new Error(`testStream: the watermark cannot move back from ${this.lastWatermark} to ${timestamp}.`);
    }
    const next = this.next({ kind: "watermark", to: BigInt(Math.trunc(timestamp)) });
    next.lastWatermark = timestamp;
    return next;
  }

  /** Moves the (virtual) processing-time clock forward by `duration` ms. */
  advanceProcessingTime(duration: number): TestStreamBuilder<T> {
    if (!(duration > 0)) throw new Error("testStream.advanceProcessingTime needs a positive duration in ms.");
    return this.next({ kind: "processingTime", by: duration });
  }

  /** Ends the stream: the watermark goes to +infinity. Returns the transform to apply to the root. */
  advanceWatermarkToInfinity(): TestStreamTransform<T> {
    return this.next({ kind: "watermark", to: TIMESTAMP_MAX_VALUE }).build();
  }

  /** Names the step (unique per pipeline). */
  named(name: string): TestStreamBuilder<T> {
    const copy = new TestStreamBuilder<T>(this.events, name);
    copy.lastWatermark = this.lastWatermark;
    return copy;
  }

  /** The transform to apply to the root; the stream ends after the last event. */
  build(): TestStreamTransform<T> {
    const events = this.events;
    const primitive = withName("events", (_root: Root, pipeline: Pipeline, proto: runnerApi.PTransform): PCollection<string> => {
      const coder = new StrUtf8Coder();
      const coderId = pipeline.getCoderId(coder);
      const payload: runnerApi.TestStreamPayload = {
        coderId,
        events: events.map((event): runnerApi.TestStreamPayload_Event => {
          switch (event.kind) {
            case "elements":
              return {
                event: {
                  oneofKind: "elementEvent",
                  elementEvent: {
                    tag: "",
                    elements: event.elements.map((element) => ({
                      encodedElement: encodeUtf8Element(toTestStreamText(element.value)),
                      timestamp: BigInt(Math.trunc(element.timestamp)),
                    })),
                  },
                },
              };
            case "watermark":
              return { event: { oneofKind: "watermarkEvent", watermarkEvent: { tag: "", newWatermark: event.to } } };
            case "processingTime":
              return {
                event: {
                  oneofKind: "processingTimeEvent",
                  processingTimeEvent: { advanceDuration: BigInt(Math.trunc(event.by)) },
                },
              };
          }
        }),
      };
      proto.spec = { urn: TEST_STREAM_URN, payload: runnerApi.TestStreamPayload.toBinary(payload) };
      proto.environmentId = "";
      return pipeline.createPCollectionInternal<string>(coder, undefined, runnerApi.IsBounded_Enum.UNBOUNDED);
    });
    return withName(this.name, (root: Root): PCollection<T> =>
      root.apply(primitive).map(withName("decode", (text: string) => fromTestStreamText(text) as T)),
    );
  }

  private next(event: Event<T>): TestStreamBuilder<T> {
    const copy = new TestStreamBuilder<T>([...this.events, event], this.name);
    copy.lastWatermark = this.lastWatermark;
    return copy;
  }
}

/** Starts a TestStream script. */
export function testStream<T>(): TestStreamBuilder<T> {
  return new TestStreamBuilder<T>();
}

/** A TestStream element in the outer (whole-stream) context of string_utf8: the UTF-8 bytes, no length prefix. */
function encodeUtf8Element(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "utf8"));
}
