/** Impulse: one empty byte array at the minimum timestamp in the global window, then the end of input. */
import { TIMESTAMP_MIN, WATERMARK_DONE } from "../../../model/model";
import type { SourceBatch, UnboundedSource } from "./source";

export function impulseSource(): UnboundedSource<Uint8Array> {
  let emitted = false;
  return {
    bounded: true,
    async open(): Promise<void> {},
    async read(): Promise<SourceBatch<Uint8Array>> {
      if (emitted) return { records: [], watermark: WATERMARK_DONE };
      emitted = true;
      return { records: [{ value: new Uint8Array(), timestamp: TIMESTAMP_MIN }], watermark: WATERMARK_DONE };
    },
    async close(): Promise<void> {},
  };
}
