/**
 * Beam's TestStream (beam:transform:teststream:v1 with a TestStreamPayload) as a source on a virtual clock: each
 * event is one batch; element events add records, watermark events move the watermark, processing-time events
 * move the runner's virtual clock. After the last event the stream has ended (watermark +Infinity).
 */
import "apache-beam"; // load the SDK in its own order first: its worker modules import each other circularly
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { PipelineContext } from "apache-beam/internal/pipeline";
import { decodeFromBase64 } from "apache-beam/worker/operators";
import { TIMESTAMP_MAX, WATERMARK_DONE, WATERMARK_START, type Millis } from "../../../model/model";
import type { SourceBatch, SourceFactoryContext, SourceRecord, UnboundedSource } from "./source";

/** Beam writes "advance to infinity" as BoundedWindow.TIMESTAMP_MAX_VALUE. */
function toWatermark(millis: Millis): Millis {
  return millis >= TIMESTAMP_MAX ? WATERMARK_DONE : millis;
}

export function testStreamSource(payloadBytes: Uint8Array, context: SourceFactoryContext): UnboundedSource<unknown> {
  const payload = runnerApi.TestStreamPayload.fromBinary(payloadBytes);
  const coder = new PipelineContext(context.components, "").getCoder(payload.coderId);
  let next = 0;
  let watermark = WATERMARK_START;
  let processingTime = 0;
  return {
    bounded: true,
    drivesProcessingTime: true,
    async open(sourceContext): Promise<void> {
      processingTime = sourceContext.now();
    },
    async read(): Promise<SourceBatch<unknown>> {
      // (No shorthand properties for captured mutable variables: the closure transform mis-compiles them.)
      const now: Millis = processingTime;
      if (next >= payload.events.length) return { records: [], watermark: WATERMARK_DONE, processingTime: now };
      const event = payload.events[next++].event;
      const records: SourceRecord<unknown>[] = [];
      switch (event.oneofKind) {
        case "elementEvent":
          for (const element of event.elementEvent.elements) {
            const value = decodeFromBase64(Buffer.from(element.encodedElement).toString("base64"), coder);
            records.push({ value, timestamp: Number(element.timestamp) });
          }
          break;
        case "watermarkEvent":
          watermark = Math.max(watermark, toWatermark(Number(event.watermarkEvent.newWatermark)));
          break;
        case "processingTimeEvent":
          processingTime += Number(event.processingTimeEvent.advanceDuration);
          break;
        default:
          break;
      }
      const ended = next >= payload.events.length;
      const after: Millis = processingTime;
      return { records, watermark: ended ? WATERMARK_DONE : watermark, processingTime: after };
    },
    async close(): Promise<void> {},
  };
}
