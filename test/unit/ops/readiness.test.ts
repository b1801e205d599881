/** /readyz's verdict: connection, sinks, and a watermark stuck while input flows (not one that is merely quiet). */
import { readiness } from "../../../ops/readiness";
import type { HistorySample } from "../../../ops/history";
import { T0, snapshotAt } from "./snapshot_fixture";

const sample = (at: number, elementsRead: number, watermark: number): HistorySample => ({ at, elementsRead, watermark, consumerLag: 0 });

describe("readiness", () => {
  test("ready when connected, sinks ready and the watermark moves with the input", () => {
    const history = [sample(T0 - 70_000, 10, T0 - 90_000), sample(T0 - 30_000, 50, T0 - 60_000)];
    expect(readiness(snapshotAt(T0), history, 60_000)).toEqual({ ready: true, reasons: [] });
  });

  test("not ready before the run starts, and once it finished or failed", () => {
    expect(readiness(undefined, [], 60_000)).toEqual({ ready: false, reasons: ["the pipeline is starting"] });
    expect(readiness(snapshotAt(T0, { state: "DONE" }), []).reasons).toEqual(["the pipeline is finished"]);
    expect(readiness(snapshotAt(T0, { state: "FAILED" }), []).reasons).toEqual(["the pipeline is failed"]);
  });

  test("not ready when Kafka is not connected or a sink says so, with its reason", () => {
    const base = snapshotAt(T0);
    const s = snapshotAt(T0, {
      sources: [{ ...base.sources[0], connected: false }],
      sinks: [
        { sink: "postgres", rowsWritten: 0, retries: 3, batchBuckets: [], batchCount: 0, batchSecondsSum: 0, ready: false, reason: "connection refused" },
      ],
    });
    expect(readiness(s, []).reasons).toEqual([
      "readFromKafka: not connected to Kafka (see the log for the client's error)",
      "sink postgres: connection refused",
    ]);
  });

  test("a watermark that did not move for the stall time while records were read is stuck", () => {
    const history = [sample(T0 - 90_000, 10, T0 - 30_000), sample(T0 - 61_000, 20, T0 - 30_000), sample(T0 - 10_000, 90, T0 - 30_000)];
    const verdict = readiness(snapshotAt(T0), history, 60_000);
    expect(verdict.ready).toBe(false);
    expect(verdict.reasons).toEqual([
      'the watermark has not moved for 61 s while 80 records were read: a partition holds it back (see "When the watermark stalls" in docs/operations.md)',
    ]);
  });

  test("a still watermark without input is idle, not stuck; a young run is not judged", () => {
    const quiet = [sample(T0 - 61_000, 100, T0 - 30_000)];
    expect(readiness(snapshotAt(T0), quiet, 60_000).ready).toBe(true);
    const young = [sample(T0 - 5_000, 0, -Infinity)];
    expect(readiness(snapshotAt(T0), young, 60_000).ready).toBe(true);
  });
});
