/**
 * A broker restarted with its log folder wiped (issue 22, item 6), on a private broker of this file: the topic and
 * the group's offsets are gone, while the sinks (PostgreSQL and Parquet) record that the group committed. The next
 * run must not silently re-read the re-created topic from its start into the same tables: one line, exit 1, nothing
 * written; `--on-lost-offsets reread` re-reads on purpose, with one warning line. The same holds when the wipe comes
 * right after a run's first commit (the run killed mid-input, its one commit recorded in the sinks).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { uniqueName } from "../integration/kafka_test_helpers";
import { dropSchema, query, uniqueSchema } from "../integration/postgres_test_helpers";
import { parquetProgressFile } from "../../sales/source_progress";
import { accounted, linesOf, privateBroker, produce, sleep, startJob, type PrivateBroker } from "./fault_helpers";

jest.setTimeout(5 * 60_000);

let broker: PrivateBroker;
const topic = uniqueName("faults-wiped");
const group = uniqueName("faults-wiped-group");
const schema = uniqueSchema("faults_wiped");
const parquetDir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-wiped-"));

beforeAll(async () => {
  broker = await privateBroker("faults-wiped");
  broker.up();
}, 3 * 60_000);

afterAll(async () => {
  broker?.remove();
  await dropSchema(schema);
  fs.rmSync(parquetDir, { recursive: true, force: true });
}, 2 * 60_000);

const args = (extra: readonly string[] = []): string[] => [
  `--bootstrap-servers=${broker.bootstrap}`, `--topic=${topic}`, `--group-id=${group}`, "--window=fixed:1m", "--commit-interval=0s",
  "--stop-when-idle=2s", "--sinks=postgres,parquet", `--pg-schema=${schema}`, `--parquet-dir=${parquetDir}`, "--state-dir=off", ...extra,
];

/** The offsets the sinks' PostgreSQL table records for `group` on `topic` (none before its first commit). */
async function recordedOffsets(inSchema: string, ofGroup: string, ofTopic: string): Promise<{ partition: number; offset: string }[]> {
  try {
    return await query(`SELECT partition, "offset" FROM "${inSchema}".sales_source_progress WHERE group_id = $1 AND topic = $2`, [ofGroup, ofTopic]);
  } catch {
    return []; // the table is not there yet
  }
}

test("offsets wiped with the broker's log folder: one line, exit 1, nothing re-read; reread on purpose re-reads", async () => {
  await produce(broker.bootstrap, topic, 3_000, 41, "2026-01-01T00:00:00Z");
  const first = startJob(args());
  expect([await first.exited, linesOf(first, "pipeline: error")]).toEqual([0, []]);
  expect(await accounted(schema)).toEqual({ total: 3_000, notFinal: 0 });
  // The sinks recorded the group's last commit.
  expect(await query(`SELECT partition, "offset" FROM "${schema}".sales_source_progress WHERE group_id = $1 AND topic = $2`, [group, topic])).toEqual([
    { partition: 0, offset: "3000" },
  ]);
  expect(JSON.parse(fs.readFileSync(parquetProgressFile(parquetDir, group, topic), "utf8"))).toMatchObject({ offsets: { "0": 3000 } });

  broker.remove(); // stopped, its log folder deleted
  broker.up();
  await produce(broker.bootstrap, topic, 3_000, 42, "2026-01-01T00:00:00Z"); // the topic again, other records at the same offsets
  const second = startJob(args());
  expect(await second.exited).toBe(1);
  expect(linesOf(second, "pipeline: error")).toEqual([
    expect.stringMatching(
      /^pipeline: error: the broker has lost the committed offsets of group \S+ on topic \S+ \(partition 0: none, the sinks say 3000; recorded in the PostgreSQL table \S+\.sales_source_progress\): .* pass --on-lost-offsets reread to re-read anyway$/,
    ),
  ]);
  expect(await accounted(schema)).toEqual({ total: 3_000, notFinal: 0 }); // nothing written

  const reread = startJob(args(["--on-lost-offsets=reread"]));
  expect([await reread.exited, linesOf(reread, "pipeline: error")]).toEqual([0, []]);
  expect(linesOf(reread, "pipeline: warning: the broker has lost the committed offsets")).toHaveLength(1);
  expect(reread.stderr()).toMatch(/re-reading the topic from its start \(--on-lost-offsets reread\)/);
});

test("wiped right after a run's first commit: the rerun refuses in one line, nothing re-read into the tables", async () => {
  const liveTopic = uniqueName("faults-wiped-first");
  const liveGroup = uniqueName("faults-wiped-first-group");
  const liveSchema = uniqueSchema("faults_wiped_first");
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-wiped-state-"));
  const liveArgs = [
    `--bootstrap-servers=${broker.bootstrap}`, `--topic=${liveTopic}`, `--group-id=${liveGroup}`, "--window=fixed:1m",
    "--commit-interval=1s", "--stop-when-idle=30s", "--sinks=postgres", `--pg-schema=${liveSchema}`, `--state-dir=${stateDir}`,
  ];
  try {
    // A backlog, then a producer still writing (about 4 s of input) while the job reads: killed at its first commit.
    await produce(broker.bootstrap, liveTopic, 2_000, 43, "2026-01-01T00:00:00Z");
    const producing = produce(broker.bootstrap, liveTopic, 6_000, 44, "2026-01-01T01:00:00Z", 1_500);
    const first = startJob(liveArgs);
    let recorded: { partition: number; offset: string }[] = [];
    while (recorded.length === 0) {
      if (first.child.exitCode !== null) throw new Error(`the job ended before its first commit:\n${first.stderr()}`);
      recorded = await recordedOffsets(liveSchema, liveGroup, liveTopic);
      if (recorded.length === 0) await sleep(20);
    }
    first.killGroup();
    await first.exited;
    await producing;
    const firstCommit = Number(recorded[0].offset);
    expect(firstCommit).toBeGreaterThan(0);
    expect(firstCommit).toBeLessThan(8_000); // killed mid-input, not at its end
    expect(linesOf(first, "pipeline: error")).toEqual([]);
    const before = await accounted(liveSchema);

    broker.remove();
    broker.up();
    await produce(broker.bootstrap, liveTopic, 8_000, 45, "2026-01-01T00:00:00Z"); // other records at the same offsets
    const rerun = startJob(liveArgs);
    expect(await rerun.exited).toBe(1);
    expect(linesOf(rerun, "pipeline: error")).toEqual([
      expect.stringMatching(
        new RegExp(`^pipeline: error: the broker has lost the committed offsets of group ${liveGroup} on topic ${liveTopic} \\(partition 0: none, the sinks say ${firstCommit}; .* pass --on-lost-offsets reread to re-read anyway$`),
      ),
    ]);
    expect(await accounted(liveSchema)).toEqual(before); // nothing re-read into the same tables
    expect(await recordedOffsets(liveSchema, liveGroup, liveTopic)).toEqual(recorded);
  } finally {
    await dropSchema(liveSchema);
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});
