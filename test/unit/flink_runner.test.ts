/** The Flink runner's pure parts: metrics from Flink's accumulator JSON, one-line root causes (host:port: test/unit/lib.test.ts). */
import { countersFromAccumulators, decodeVarint } from "../../runners/flink/accumulators";
import { deepestCause } from "../../lib/flink_rest";

function monitoringInfo(name: string, value: number, transform: string) {
  const bytes: number[] = [];
  let v = value;
  do {
    bytes.push((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    v = Math.floor(v / 128);
  } while (v > 0);
  return {
    urn: "beam:metric:user:sum_int64:v1",
    type: "beam:metrics:sum_int64:v1",
    payload: Buffer.from(bytes).toString("base64"),
    labels: { NAMESPACE: "org.apache.beam.runners.core.LateDataDroppingDoFnRunner", NAME: name, PTRANSFORM: transform },
  };
}

test("Beam's varint payloads decode, also past 2^31", () => {
  expect(decodeVarint(Uint8Array.from([1]))).toBe(1);
  expect(decodeVarint(Uint8Array.from([0xac, 0x02]))).toBe(300);
  expect(decodeVarint(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x10]))).toBe(2 ** 32);
});

test("counters are summed by name over steps; element counts and other URNs are ignored", () => {
  const value = JSON.stringify({
    metrics: {
      attempted: [
        monitoringInfo("droppedDueToLateness", 3, "a/groupByKey"),
        monitoringInfo("droppedDueToLateness", 300, "b/groupByKey"),
        { urn: "beam:metric:element_count:v1", payload: "Cg==", labels: { PCOLLECTION: "pc_1" } },
      ],
    },
  });
  expect(countersFromAccumulators({ "user-task-accumulators": [{ name: "__metricscontainers", value }] })).toEqual({
    droppedDueToLateness: 303,
  });
  // Not published yet (Flink serves it a moment after the job ends): undefined, so the caller waits.
  expect(countersFromAccumulators({ "user-task-accumulators": [] })).toBeUndefined();
});

test("a Java stack trace becomes its deepest cause in one line, without the package", () => {
  const trace = [
    "org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy",
    "\tat org.apache.flink.runtime.executiongraph.failover.flip1.ExecutionFailureHandler.handleFailure(X.java:138)",
    "Caused by: java.util.concurrent.ExecutionException: java.lang.RuntimeException: Error received from SDK harness",
    "\tat java.base/java.util.concurrent.CompletableFuture.reportGet(CompletableFuture.java:396)",
    "Caused by: java.lang.RuntimeException: Error received from SDK harness for instruction 3: Error: boom",
  ].join("\n");
  expect(deepestCause(trace)).toBe("RuntimeException: Error received from SDK harness for instruction 3: Error: boom");
  expect(deepestCause("java.lang.OutOfMemoryError: Metaspace")).toBe("OutOfMemoryError: Metaspace");
});

