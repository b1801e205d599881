/** The sinks' metrics API: one process-wide registry, exact counts, buckets by upper bound. */
import { SINK_BATCH_BUCKETS, sinkMetrics } from "../../../transforms/sinks/sink_metrics";

describe("sinkMetrics", () => {
  afterEach(() => sinkMetrics().reset());

  test("rows, retries, batch durations and readiness per sink", () => {
    const m = sinkMetrics();
    m.rowsWritten("postgres", 100);
    m.rowsWritten("postgres", 20);
    m.retry("postgres");
    m.observeBatch("postgres", 0.004);
    m.observeBatch("postgres", 0.005); // on a bound: that bucket (le is inclusive)
    m.observeBatch("postgres", 60);
    m.setReady("parquet", false, "cannot write to /data: permission denied");
    const [pg, parquet] = m.snapshot();
    expect(pg).toMatchObject({ sink: "postgres", rowsWritten: 120, retries: 1, batchCount: 3, ready: true });
    expect(pg.batchSecondsSum).toBeCloseTo(60.009, 9);
    expect(pg.batchBuckets[SINK_BATCH_BUCKETS.indexOf(0.005)]).toBe(2);
    expect(pg.batchBuckets[SINK_BATCH_BUCKETS.length]).toBe(1);
    expect(parquet).toMatchObject({ sink: "parquet", ready: false, reason: "cannot write to /data: permission denied" });
    m.setReady("parquet", true);
    expect(m.snapshot()[1]).toMatchObject({ ready: true, reason: undefined });
  });

  test("every copy of the module reaches the same registry (DoFns are serialized and deserialized)", () => {
    sinkMetrics().rowsWritten("console", 1);
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const again = require("../../../transforms/sinks/sink_metrics") as typeof import("../../../transforms/sinks/sink_metrics");
      again.sinkMetrics().rowsWritten("console", 2);
    });
    expect(sinkMetrics().snapshot()).toMatchObject([{ sink: "console", rowsWritten: 3 }]);
  });

  test("negative row counts are a programming error", () => {
    expect(() => sinkMetrics().rowsWritten("postgres", -1)).toThrow("rows must be ≥ 0");
  });
});
