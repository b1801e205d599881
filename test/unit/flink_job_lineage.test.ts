/**
 * runners/flink/job_lineage.ts against a stand-in for Flink's REST API (the few calls it makes): which earlier job
 * of a consumer group a new run refuses, cancels or resumes from. The real cluster case (the submitting process
 * killed, the next run resumes) is in test/integration/flink/kafka_on_flink.test.ts.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { spawnSync } from "child_process";
import * as os from "os";
import { jobNameFor, startPointFor, submitterOf } from "../../runners/flink/job_lineage";

interface FakeJob {
  jid: string;
  name: string;
  state: string;
  "start-time": number;
  checkpoint?: string;
}

/** Serves /jobs/overview, /jobs/<id>, /jobs/<id>/checkpoints and PATCH /jobs/<id>?mode=cancel over `jobs`. */
async function fakeFlink(jobs: FakeJob[]): Promise<{ url: string; cancelled: string[]; close: () => Promise<void> }> {
  const cancelled: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const reply = (body: unknown): void => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/jobs/overview") return reply({ jobs: jobs.map(({ checkpoint: _c, ...j }) => j) });
    const m = /^\/jobs\/([^/]+)(\/checkpoints)?$/.exec(url.pathname);
    const job = jobs.find((j) => j.jid === m?.[1]);
    if (m === null || job === undefined) {
      res.writeHead(404);
      return res.end();
    }
    if (req.method === "PATCH") {
      cancelled.push(job.jid);
      job.state = "CANCELED";
      res.writeHead(202);
      return res.end("{}");
    }
    if (m[2] !== undefined) {
      return reply({
        counts: { completed: job.checkpoint ? 3 : 0, failed: 0, restored: 0 },
        latest: { completed: job.checkpoint ? { external_path: job.checkpoint } : null, restored: null },
      });
    }
    return reply({ state: job.state });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, cancelled, close: () => new Promise((r) => server.close(() => r())) };
}

/** A pid no process has (a child that already exited). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

const GROUP = "sales aggregation/ü";
const lines: string[] = [];
const log = (line: string): void => void lines.push(line);
beforeEach(() => (lines.length = 0));

test("a job name records the group (any characters), the submitting process and the host; other names are not the group's", () => {
  const name = jobNameFor(GROUP, { loopback: true, now: 1234, pid: 42, host: "box-1.local" });
  expect(submitterOf(name, GROUP)).toEqual({ pid: 42, startedAt: 1234, host: "box-1.local" });
  expect(submitterOf(jobNameFor(GROUP, { loopback: false, now: 1, host: "h" }), GROUP)?.pid).toBe(0);
  expect(submitterOf(name, "sales aggregation/u")).toBeUndefined();
  expect(submitterOf("beam-ts-1796-42-1", GROUP)).toBeUndefined();
});

test("the group's last job failed: the new run resumes from its last checkpoint, unless told otherwise", async () => {
  const flink = await fakeFlink([
    { jid: "old", name: jobNameFor(GROUP, { loopback: true, now: 1, pid: 7, host: "h" }), state: "CANCELED", "start-time": 1, checkpoint: "file:/cp/old/chk-9" },
    { jid: "new", name: jobNameFor(GROUP, { loopback: true, now: 2, pid: 8, host: "h" }), state: "FAILED", "start-time": 2, checkpoint: "file:/cp/new/chk-4" },
    { jid: "other", name: jobNameFor("another group", { loopback: true, now: 3, pid: 9, host: "h" }), state: "FAILED", "start-time": 3, checkpoint: "file:/x" },
  ]);
  try {
    expect(await startPointFor(flink.url, GROUP, null, log)).toMatchObject({ kind: "restore", path: "file:/cp/new/chk-4" });
    expect(await startPointFor(flink.url, GROUP, "none", log)).toEqual({ kind: "fresh" });
    expect(await startPointFor(flink.url, GROUP, "file:/sp/1", log)).toEqual({ kind: "restore", path: "file:/sp/1", reason: "--restore-from" });
  } finally {
    await flink.close();
  }
});

test("a job stopped on purpose (CANCELED, FINISHED) or none at all: the new run starts from the committed offsets", async () => {
  for (const state of ["CANCELED", "FINISHED"]) {
    const flink = await fakeFlink([{ jid: "j", name: jobNameFor(GROUP, { loopback: true, now: 1, pid: 7, host: "h" }), state, "start-time": 1, checkpoint: "file:/cp/j/chk-2" }]);
    try {
      expect(await startPointFor(flink.url, GROUP, null, log)).toEqual({ kind: "fresh" });
    } finally {
      await flink.close();
    }
  }
  const empty = await fakeFlink([]);
  try {
    expect(await startPointFor(empty.url, GROUP, null, log)).toEqual({ kind: "fresh" });
  } finally {
    await empty.close();
  }
});

test("a failed job without a completed checkpoint: from the committed offsets, said in one line", async () => {
  const flink = await fakeFlink([{ jid: "j", name: jobNameFor(GROUP, { loopback: true, now: 1, pid: 7, host: "h" }), state: "FAILED", "start-time": 1 }]);
  try {
    expect(await startPointFor(flink.url, GROUP, null, log)).toEqual({ kind: "fresh" });
    expect(lines).toEqual([expect.stringMatching(/ended FAILED without a completed checkpoint: starting from the committed offsets/)]);
  } finally {
    await flink.close();
  }
});

test("a running job whose LOOPBACK submitter on this host is gone is cancelled, and the new run resumes from it", async () => {
  const host = os.hostname();
  const flink = await fakeFlink([{ jid: "orphan", name: jobNameFor(GROUP, { loopback: true, now: 1, pid: deadPid(), host }), state: "RESTARTING", "start-time": 1, checkpoint: "file:/cp/orphan/chk-7" }]);
  try {
    expect(await startPointFor(flink.url, GROUP, null, log)).toMatchObject({ kind: "restore", path: "file:/cp/orphan/chk-7" });
    expect(flink.cancelled).toEqual(["orphan"]);
    expect(lines.join("\n")).toMatch(/cancelling the job orphan .* submitting process \d+ is gone/);
  } finally {
    await flink.close();
  }
});

test("a running job whose submitter may be alive (this process, another host, a worker pool) refuses the new run", async () => {
  const host = os.hostname();
  const cases = [
    jobNameFor(GROUP, { loopback: true, now: 1, pid: process.pid, host }),
    jobNameFor(GROUP, { loopback: true, now: 1, pid: deadPid(), host: "another-host" }),
    jobNameFor(GROUP, { loopback: false, now: 1, host }),
  ];
  for (const name of cases) {
    const flink = await fakeFlink([{ jid: "live", name, state: "RUNNING", "start-time": 1, checkpoint: "file:/cp/live/chk-1" }]);
    try {
      await expect(startPointFor(flink.url, GROUP, null, log)).rejects.toThrow(/^the Flink job live of consumer group .* is RUNNING .* one job per group/);
      await expect(startPointFor(flink.url, GROUP, "none", log)).rejects.toThrow(/one job per group/);
      expect(flink.cancelled).toEqual([]);
    } finally {
      await flink.close();
    }
  }
});

test("no Flink at the address: one line that says how to start it", async () => {
  const closed = await fakeFlink([]);
  await closed.close();
  await expect(startPointFor(closed.url, GROUP, null, log)).rejects.toThrow(/^Flink's REST API does not answer at http:\/\/127\.0\.0\.1:\d+ \(.*\): start the local Flink stack with `npm run flink:up`/);
});
