/**
 * Every event in exactly one place across runs (issue 18, item 3): a run that ends at the end of its input
 * (--stop-when-idle) drains and finalises every window; a later run of the same group gets records whose event times
 * overlap the first run's. The windows the first run closed cannot take them (their final rows are written, and the
 * PostgreSQL sink never overwrites a final row): they go to the late table with the reason CLOSED_BY_EARLIER_RUN,
 * never into a second "final" pane and never nowhere. Counted against the producer's generator.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createTopic, uniqueName } from "./kafka_test_helpers";
import { runProducer } from "./job_processes";
import { dropSchema, query, uniqueSchema } from "./postgres_test_helpers";
import { TABLES } from "../../sales/postgres_tables";
import { parseProduceArgs } from "../../pipelines/producer/options";
import { backfillArgs, expectEachEventOnce, producedCounts, runToEnd, type Windowing } from "./same_tables";

jest.setTimeout(3 * 60_000);

const COMMON = ["--count=2000", "--interval=50ms", "--users=200", "--products=5", "--malformed-fraction=0.01", "--rate=20000"];
const FIRST = [...COMMON, "--seed=1", "--start-time=2026-01-01T00:00:00Z"];
/** Event times 30 s to 130 s after the first batch's start: inside windows the first run closed, and after them. */
const SECOND = [...COMMON, "--seed=2", "--start-time=2026-01-01T00:00:30Z"];

describe("a rerun after a run that drained at the end of its input", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rerun-"));
  const schemas: string[] = [];
  afterAll(async () => {
    if (process.env.KEEP_TEST_SCHEMAS !== "1") for (const s of schemas) await dropSchema(s);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const cases: readonly Windowing[] = [
    { window: "fixed:1m", allowedLateness: "5s" },
    { window: "session:30s", allowedLateness: "5s" },
  ];
  for (const windowing of cases) {
    test(`${windowing.window}: records for windows the first run closed are late, with the reason; each event once`, async () => {
      const topic = uniqueName("rerun");
      await createTopic(topic, 3);
      const label = `rr_${windowing.window.replace(/\W/g, "")}`;
      const target = { schema: uniqueSchema(label), parquetDir: path.join(tmp, label) };
      schemas.push(target.schema);
      const group = uniqueName("rerun");
      await runProducer(topic, FIRST);
      await runToEnd(backfillArgs(topic, group, windowing, target));
      await runProducer(topic, SECOND);
      await runToEnd(backfillArgs(topic, group, windowing, target));

      await expectEachEventOnce(target, producedCounts([FIRST, SECOND].map((a) => parseProduceArgs(a).generator)));
      const reasons = await query<{ reason: string; n: number }>(
        `SELECT reason, count(*)::int AS n FROM "${target.schema}".${TABLES.late} GROUP BY reason ORDER BY reason`,
      );
      const closedByEarlierRun = reasons.find((r) => r.reason === "CLOSED_BY_EARLIER_RUN")?.n ?? 0;
      expect(closedByEarlierRun).toBeGreaterThan(10);
      expect(await query(`SELECT count(*)::int AS n FROM "${target.schema}".${TABLES.results} WHERE NOT final`)).toEqual([{ n: 0 }]);
      process.stdout.write(`[rerun] ${windowing.window}: late rows by reason ${JSON.stringify(reasons)}\n`);
    });
  }
});
