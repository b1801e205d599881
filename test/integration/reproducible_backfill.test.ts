/**
 * Reproducible backfills (issue 18, item 1): the same backlog, already in the topic, read three times from scratch
 * with different fetch sizes, buffer sizes and commit intervals gives the same tables: results (pane by pane),
 * late records (with the watermark they met), dead letters, and the same Parquet rows; and every valid event is in
 * exactly one place, against a count taken from the producer's generator.
 *
 * Fixed windows, sessions and sliding windows (two reads: cheaply); 3 and 8 partitions (keyed by user), 12,000 events 50 ms apart, 5 % out of order by up to 45 s (so that with a 10 s
 * watermark delay many records are near the lateness boundary: which of them are late depends on how the
 * partitions were interleaved), 1 % thirty minutes late, 1 % malformed.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createTopic, uniqueName } from "./kafka_test_helpers";
import { runProducer } from "./job_processes";
import { dropSchema, uniqueSchema } from "./postgres_test_helpers";
import { parseProduceArgs } from "../../pipelines/producer/options";
import { backfillArgs, disorderedEvents, expectEachEventOnce, expectSameOutputs, producedCounts, runToEnd, type RunTarget, type Windowing } from "./same_tables";

jest.setTimeout(4 * 60_000);

const PRODUCER_ARGS = [
  "--count=12000",
  "--seed=18",
  "--interval=50ms",
  "--users=300",
  "--products=5",
  ...disorderedEvents(0.05),
  // Not --rate=0: the producer then reorders its batches (issue 22), which makes over a thousand records late.
  "--rate=20000",
];

/** Three ways to read the same backlog: small and large fetches, buffers and commit intervals. */
const READS: readonly (readonly string[])[] = [
  ["--max-buffered=20000", "--commit-interval=5s"],
  ["--max-buffered=7", "--fetch-max-bytes=2000", "--commit-interval=0s"],
  ["--max-buffered=300", "--fetch-max-bytes=30000", "--commit-interval=1s"],
];

describe("a backfill gives the same tables however it is read", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "backfill-"));
  const schemas: string[] = [];
  const produced = producedCounts([parseProduceArgs(PRODUCER_ARGS).generator]);
  /** The same backlog on 3 and on 8 partitions. */
  const topics = new Map<number, string>();

  beforeAll(async () => {
    for (const partitions of [3, 8]) {
      const topic = uniqueName(`backfill-${partitions}`);
      await createTopic(topic, partitions);
      await runProducer(topic, PRODUCER_ARGS);
      topics.set(partitions, topic);
    }
  }, 60_000);

  afterAll(async () => {
    if (process.env.KEEP_TEST_SCHEMAS !== "1") for (const s of schemas) await dropSchema(s);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const cases: readonly { readonly name: string; readonly partitions: number; readonly windowing: Windowing; readonly reads?: number }[] = [
    { name: "fixed 1-minute windows", partitions: 3, windowing: { window: "fixed:1m", allowedLateness: "5s" } },
    { name: "30-second sessions", partitions: 3, windowing: { window: "session:30s", allowedLateness: "5s" } },
    { name: "fixed 1-minute windows", partitions: 8, windowing: { window: "fixed:1m", allowedLateness: "5s" } },
    // Cheaply: the two most different reads (a window holds an event three times: no each-event-once count).
    { name: "1-minute sliding windows every 20 s", partitions: 3, windowing: { window: "sliding:1m,20s", allowedLateness: "5s" }, reads: 2 },
  ];
  for (const { name, partitions, windowing, reads = READS.length } of cases) {
    const sliding = windowing.window.startsWith("sliding");
    test(`${name}: ${reads} reads of ${partitions} partitions, identical tables and datasets`, async () => {
      const topic = topics.get(partitions) ?? "";
      const targets: RunTarget[] = [];
      for (const [i, extra] of READS.slice(0, reads).entries()) {
        const label = `bf_${partitions}_${windowing.window.replace(/\W/g, "")}_${i}`;
        const target = { schema: uniqueSchema(label), parquetDir: path.join(tmp, label) };
        schemas.push(target.schema);
        targets.push(target);
        await runToEnd(backfillArgs(topic, uniqueName("backfill"), windowing, target, extra));
        if (!sliding) await expectEachEventOnce(target, produced);
      }
      const compared = { withPanes: true, overlapping: sliding };
      const sizes = await expectSameOutputs(targets[0], targets[1], compared);
      for (const other of targets.slice(2)) await expectSameOutputs(targets[0], other, compared);
      expect(sizes.results).toBeGreaterThan(20);
      expect(sizes.late).toBeGreaterThan(30);
      expect(sizes.deadLetters).toBe(produced.malformed);
      process.stdout.write(
        `[backfill] ${windowing.window}: ${produced.valid + produced.malformed} records on ${partitions} partitions read ${reads} ways; ` +
          `identical tables (${sizes.results} results, ${sizes.late} late, ${sizes.deadLetters} dead letters)\n`,
      );
    });
  }
});
