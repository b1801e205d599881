/**
 * Async DoFns (sinks): a process() that returns a promise is awaited with ordering per key and a bound on the
 * work in flight (sources pause: backpressure); what it resolves to flows on.
 */
import * as beam from "apache-beam";
import { assertPanes, asyncParDo, directRunner, paneCapture, seconds, testStream } from "../../transforms";
import { SCRIPTED_SOURCE, eventLog, scriptedSource } from "./scripted_source";

interface Job {
  readonly key: string;
  readonly value: number;
}

interface Log {
  running: number;
  maxRunning: number;
  done: string[];
}

function freshLog(name: string): Log {
  const log: Log = { running: 0, maxRunning: 0, done: [] };
  (globalThis as unknown as Record<string, Log>)[name] = log;
  return log;
}

/** A sink-like DoFn: waits `delay(value)` ms, logs completion, emits the value doubled. */
function slowSink(logName: string, delayFor: (value: number) => number) {
  return beam.withName(`slowSink(${logName})`, {
    process: async function write(job: Job): Promise<Job[]> {
      const log = (Function("return globalThis")() as Record<string, Log>)[logName];
      log.running += 1;
      log.maxRunning = Math.max(log.maxRunning, log.running);
      await new Promise((resolve) => setTimeout(resolve, delayFor(job.value)));
      log.running -= 1;
      log.done.push(`${job.key}:${job.value}`);
      return [{ key: job.key, value: job.value * 2 }];
    },
  });
}

test("per-key order: a later element of a key waits for the earlier one, even when it would finish first", async () => {
  const log = freshLog("asyncOrderLog");
  const out = paneCapture<Job>("doubled");
  await directRunner().run((root) => {
    root
      .apply(
        testStream<Job>()
          .addElements(
            ...[1, 2, 3, 4].flatMap((i) => [
              { value: { key: "alice", value: i }, timestamp: seconds(i) },
              { value: { key: "bob", value: i }, timestamp: seconds(i) },
            ]),
          )
          .advanceWatermarkToInfinity(),
      )
      .apply(asyncParDo(slowSink("asyncOrderLog", (v) => 40 - v * 10)))
      .apply(out.capture());
  });
  const order = (key: string) => log.done.filter((d) => d.startsWith(key + ":"));
  expect(order("alice")).toEqual(["alice:1", "alice:2", "alice:3", "alice:4"]);
  expect(order("bob")).toEqual(["bob:1", "bob:2", "bob:3", "bob:4"]);
  // Two keys run concurrently.
  expect(log.maxRunning).toBe(2);
  assertPanes(out).containsInAnyOrder(
    ...[1, 2, 3, 4].flatMap((i) => [
      { key: "alice", value: i * 2 },
      { key: "bob", value: i * 2 },
    ]),
  );
});

test("backpressure: no more than maxInFlight async calls run at once, and every element is processed", async () => {
  const log = freshLog("asyncBoundLog");
  const out = paneCapture<Job>("doubled");
  await directRunner({ maxInFlight: 4 }).run((root) => {
    root
      .apply(
        testStream<Job>()
          .addElements(...Array.from({ length: 40 }, (_, i) => ({ value: { key: `k${i}`, value: i }, timestamp: seconds(i) })))
          .advanceWatermarkToInfinity(),
      )
      .apply(asyncParDo(slowSink("asyncBoundLog", () => 5)))
      .apply(out.capture());
  });
  expect(log.maxRunning).toBe(4);
  expect(log.done).toHaveLength(40);
  expect(out.elements()).toHaveLength(40);
});

test("a rejected promise fails the pipeline with its error", async () => {
  const failing = beam.withName("failingSink", {
    process: async function write(job: Job): Promise<void> {
      if (job.value === 3) throw new Error(`sink rejected ${job.key}`);
    },
  });
  await expect(
    directRunner().run((root) => {
      root
        .apply(
          testStream<Job>()
            .addElements(...[1, 2, 3].map((i) => ({ value: { key: `k${i}`, value: i }, timestamp: seconds(i) })))
            .advanceWatermarkToInfinity(),
        )
        .apply(asyncParDo(failing));
    }),
  ).rejects.toThrow("sink rejected k3");
});

test("a buffering sink: finishBundle's async write completes before the source hears the data is durable", async () => {
  eventLog.length = 0;
  const source = scriptedSource<Job>(
    [1, 2, 3].map((i) => ({ value: { key: `k${i}`, value: i }, timestamp: seconds(i) })),
    seconds(10),
    false,
  );
  await directRunner({ sources: [SCRIPTED_SOURCE], stopWhenIdleMs: 100, durableIntervalMs: 0 }).run((root) => {
    root.apply(source.transform).apply(
      asyncParDo<Job, never, { buffer: { rows: number[] } }>(
        {
          process: function buffer(job: Job, context: { buffer: { rows: number[] } }): void {
            context.buffer.rows.push(job.value);
          },
          finishBundle: async function flush(context: { buffer: { rows: number[] } }): Promise<void> {
            const rows = context.buffer.rows.splice(0);
            if (rows.length === 0) return;
            await new Promise((resolve) => setTimeout(resolve, 30));
            const log = (Function("return globalThis")() as { __scenarioEventLog: string[] }).__scenarioEventLog;
            log.push(`write:${rows.join(",")}`);
          },
        },
        { buffer: { rows: [] } },
      ),
    );
  });
  const firstWrite = eventLog.indexOf("write:1,2,3");
  const firstDurable = eventLog.findIndex((e) => e.startsWith("durable:"));
  expect(firstWrite).toBeGreaterThanOrEqual(0);
  expect(firstDurable).toBeGreaterThan(firstWrite);
});
