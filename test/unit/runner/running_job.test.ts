/** RunningJob (runners/running_job.ts): the direct job through startJob, and the snapshot of a job seen from outside. */
import * as beam from "apache-beam";
import { startJob } from "../../../runners";
import { outsideSnapshot } from "../../../runners/outside_snapshot";
import type { SinkSnapshot } from "../../../model/run_snapshot";
import { SCRIPTED_SOURCE, scriptedSource } from "../../scenarios/scripted_source";
import { minutes } from "../../../transforms";

test("startJob on direct: the snapshot runs, the result carries records read and counters, the state ends DONE", async () => {
  const values = [1, 2, 3].map((n) => ({ value: n, timestamp: minutes(n) }));
  const source = scriptedSource<number>(values, minutes(11), false);
  const job = await startJob({ runner: "direct", sources: [SCRIPTED_SOURCE], stopWhenIdleMs: 50 }, (root) => {
    root.apply(source.transform).map(beam.withName("double", (n: number) => 2 * n));
  });
  expect(job.runner).toBe("direct");
  expect(["RUNNING", "DONE"]).toContain(job.snapshot()?.state);
  const result = await job.result;
  expect(result.recordsRead).toBe(3);
  expect(result.lateOutputs).toBeUndefined();
  expect(typeof result.counters).toBe("object");
  expect(job.snapshot()?.state).toBe("DONE");
  expect(job.snapshot()?.steps.length).toBeGreaterThan(1);
});

test("startJob on direct: a failing step rejects the result, and the snapshot says FAILED", async () => {
  const source = scriptedSource<number>([{ value: 1, timestamp: minutes(1) }], minutes(11), false);
  const job = await startJob({ runner: "direct", sources: [SCRIPTED_SOURCE], stopWhenIdleMs: 50 }, (root) => {
    root.apply(source.transform).map(
      beam.withName("boom", (n: number): number => {
        throw new Error(`no ${n}`);
      }),
    );
  });
  await expect(job.result).rejects.toThrow(/no 1/);
  expect(job.snapshot()?.state).toBe("FAILED");
});

test("outside a job: state, elements_read and sinks; counters asked at most once per refresh period, never twice at once", async () => {
  let asked = 0;
  let answer: (c: Record<string, number>) => void = () => undefined;
  const sink: SinkSnapshot = { sink: "postgres", rowsWritten: 4, retries: 0, batchBuckets: [], batchCount: 1, batchSecondsSum: 0, ready: true, reason: undefined };
  let state: "RUNNING" | "DONE" = "RUNNING";
  const snapshot = outsideSnapshot({
    state: () => state,
    counters: () => {
      asked++;
      return new Promise((resolve) => (answer = resolve));
    },
    sinkFigures: () => [sink],
    refreshMs: 50,
  });
  const first = snapshot();
  expect(first).toMatchObject({ state: "RUNNING", elementsRead: 0, counters: {}, steps: [], sources: [], grouped: [], recentPanes: [], sinks: [sink] });
  snapshot();
  expect(asked).toBe(1); // within the period, and the first answer is still out
  answer({ elements_read: 42, droppedDueToLateness: 3 });
  await new Promise((r) => setTimeout(r, 60));
  state = "DONE";
  const later = snapshot();
  expect(later).toMatchObject({ state: "DONE", elementsRead: 42, counters: { droppedDueToLateness: 3 } });
  expect(asked).toBe(2);
});
