/**
 * The pipeline command with operations on: `--metrics-port 0` serves metrics while it runs (the URL is in its
 * log), logs are JSON lines on stderr when stdout is not a terminal, stdout carries only the console sink's
 * lines, `--log-level` filters, and the password of --pg-url appears nowhere.
 */
import { spawn } from "child_process";
import * as path from "path";
import { produce, rawRecord } from "./kafka_test_helpers";
import { ALICE, APPLES, BOB, BREAD, freshTopic, sale, saleRecord, seconds, waitFor } from "./pipeline_test_helpers";
import { scrape, value } from "./ops_helpers";

jest.setTimeout(90_000);

const ROOT = path.resolve(__dirname, "../..");
const SECRET = "Sup3r-secret";

interface Child {
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

function pipeline(args: string[]): Child {
  const child = spawn(process.execPath, ["-r", "./tools/register.js", "pipelines/main.ts", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PGURL: "" },
  });
  const out: Child = { stdout: "", stderr: "", exit: Promise.resolve(null) };
  child.stdout.on("data", (c: Buffer) => (out.stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (out.stderr += c.toString()));
  out.exit = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  return out;
}

describe("npm run pipeline with operations on", () => {
  test("metrics over HTTP during the run, JSON logs on stderr, panes alone on stdout, no password anywhere", async () => {
    const { topic, groupId } = await freshTopic(2);
    await produce(topic, [
      saleRecord(0, sale(ALICE, APPLES, 10, seconds(10))),
      saleRecord(1, sale(BOB, BREAD, 4, seconds(20))),
      rawRecord(1, seconds(21), "{oops", "bob"),
      saleRecord(0, sale(ALICE, APPLES, 1, seconds(200))),
      saleRecord(1, sale(BOB, BREAD, 1, seconds(200))),
    ]);
    const run = pipeline([
      `--topic=${topic}`,
      `--group-id=${groupId}`,
      "--from=earliest",
      "--stop-when-idle=4s",
      "--metrics-port=0",
      `--pg-url=postgres://sales:${SECRET}@db.example:5432/sales`,
    ]);
    let url = "";
    await waitFor("the status page URL in the log", () => {
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/"/.exec(run.stderr);
      url = match?.[1] ?? "";
      return url !== "";
    });
    await waitFor("every record read, over /metrics", async () => {
      try {
        const m = await scrape(url);
        const read = [0, 1].map((p) => value(m, "pipeline_records_read_total", { topic, partition: String(p) }));
        return read[0] === 2 && read[1] === 3 && value(m, "pipeline_dead_letters_total", { reason: "invalid_json" }) === 1;
      } catch {
        return false; // partitions not assigned yet (no series), or the run just ended
      }
    });
    expect(await run.exit).toBe(0);

    const logs = run.stderr.trim().split("\n").map((l) => JSON.parse(l) as { level: number; msg: string; url?: string });
    // (a "progress" line every 10 s too, if the machine is slow enough for the run to last that long)
    expect(logs.map((l) => l.msg).filter((m) => m !== "progress")).toEqual([
      expect.stringMatching(/^pipeline: direct runner, topic /),
      expect.stringMatching(/^status page http:\/\/127\.0\.0\.1:\d+\/ \(metrics at http:\/\/127\.0\.0\.1:\d+\/metrics\)$/),
      expect.stringMatching(
        /^pipeline: done in [\d.]+ s on direct: 5 records read, 1 dead letters, 0 records to the late-data output \(droppedDueToLateness\)$/,
      ),
    ]);
    expect(run.stdout.trim().split("\n").sort()).toEqual([
      expect.stringMatching(/^\[DEAD LETTER\] +.*\/1@1: invalid JSON/),
      expect.stringMatching(/^\[ON_TIME final #0\] +2026-01-01 12:00:00–12:01:00Z +product apples +sum=10\.00 count=1/),
      expect.stringMatching(/^\[ON_TIME final #0\] +2026-01-01 12:00:00–12:01:00Z +product bread +sum=4\.00 count=1/),
      // --stop-when-idle ends the input: the last windows fire too.
      expect.stringMatching(/^\[ON_TIME final #0\] +2026-01-01 12:03:00–12:04:00Z +product apples +sum=1\.00 count=1/),
      expect.stringMatching(/^\[ON_TIME final #0\] +2026-01-01 12:03:00–12:04:00Z +product bread +sum=1\.00 count=1/),
    ]);
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });

  test("--log-level warn leaves out the info lines, debug adds the whole config (redacted); errors stay one line", async () => {
    const { topic, groupId } = await freshTopic(1);
    await produce(topic, [saleRecord(0, sale(ALICE, APPLES, 10, seconds(10)))]);
    const args = [`--topic=${topic}`, `--group-id=${groupId}`, "--from=earliest", "--stop-when-idle=2s"];
    const run = pipeline([...args, "--log-level=warn"]);
    expect(await run.exit).toBe(0);
    expect(run.stderr).toBe("");
    const debug = pipeline([...args, "--log-level=debug", "--from=latest", `--pg-url=postgres://sales:${SECRET}@db.example:5432/sales`]);
    expect(await debug.exit).toBe(0);
    const config = debug.stderr.split("\n").filter((l) => l.includes('"msg":"config"')).map((l) => JSON.parse(l) as { level: number; config: { pgUrl: string } });
    expect(config.map((c) => [c.level, c.config.pgUrl])).toEqual([[20, "postgres://sales:***@db.example:5432/sales"]]);
    expect(debug.stderr).not.toContain(SECRET);
    const bad = pipeline(["--log-level=loud"]);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr).toMatch(/^pipeline: error: .*--log-level.*\n$/);
  });
});
