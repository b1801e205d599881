/**
 * A late sale: an event that arrived after its window could no longer be updated, as the late-data output carries
 * it (model/late_record.ts): the event, its key, its event time, the windows it missed and the watermark then.
 */
import type { LateRecord } from "../model/late_record";
import type { SaleEvent } from "./sale_event";

/** An event that arrived after its window could no longer be updated. */
export type LateSale = LateRecord<string, SaleEvent>;
