import { formatEventTime } from "../../sales/sale_event";
import { RecordKind } from "./generator";

/** What a produce run did; printed at the end and returned to callers (tests, benchmarks). */
export interface ProduceSummary {
  readonly topic: string;
  readonly partitions: number;
  readonly topicCreated: boolean;
  readonly sent: number;
  /** Records per partition, index = partition id. */
  readonly perPartition: readonly number[];
  readonly byKind: Readonly<Record<RecordKind, number>>;
  readonly seconds: number;
  readonly ratePerSecond: number;
  readonly seed: number;
  /** Smallest and largest record timestamp (event time) sent; undefined when nothing was sent. */
  readonly minEventTime?: number;
  readonly maxEventTime?: number;
}

export function emptyKindCounts(): Record<RecordKind, number> {
  return { on_time: 0, out_of_order: 0, late: 0, malformed_json: 0, malformed_schema: 0 };
}

export function formatSummary(s: ProduceSummary): string {
  const malformed = s.byKind.malformed_json + s.byKind.malformed_schema;
  const lines = [
    `sent ${s.sent} records to ${s.topic} (${s.partitions} partitions${s.topicCreated ? ", created" : ""}) ` +
      `in ${s.seconds.toFixed(2)} s: ${Math.round(s.ratePerSecond)} records/s`,
    `  per partition: ${s.perPartition.map((n, p) => `${p}=${n}`).join(" ")}`,
    `  generated: on time ${s.byKind.on_time}, out of order ${s.byKind.out_of_order}, late ${s.byKind.late}, ` +
      `malformed ${malformed} (invalid JSON ${s.byKind.malformed_json}, schema violations ${s.byKind.malformed_schema})`,
    ...(s.byKind.late > 0
      ? [
          "  (a record generated late goes to the pipeline's late-data output only if it arrives after its window's end " +
            "+ allowed lateness; read earlier, e.g. from a backlog, it is counted in its window)",
        ]
      : []),
    `  seed ${s.seed}` +
      (s.minEventTime !== undefined && s.maxEventTime !== undefined
        ? `, event times ${formatEventTime(s.minEventTime)} .. ${formatEventTime(s.maxEventTime)}`
        : ""),
  ];
  return lines.join("\n");
}
