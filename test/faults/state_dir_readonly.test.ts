/**
 * The state folder (--state-dir / SALES_STATE_DIR) read-only (issue 22, item 6): one line naming the folder and what
 * to do, a non-zero exit, before anything is read (it was one warning per commit, and each restart re-read the
 * open windows from Kafka). A read-only tmpfs, as root ignores permissions; elsewhere the case is not run (said).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createTopic, jsonRecord, produce, uniqueName } from "../integration/kafka_test_helpers";
import { dropSchema, uniqueSchema } from "../integration/postgres_test_helpers";
import { deadLetters, linesOf, startJob } from "./fault_helpers";

jest.setTimeout(60_000);

test("a read-only --state-dir: one line, exit 1, nothing written", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-state-ro-"));
  if (spawnSync("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", dir], { stdio: "ignore" }).status !== 0) {
    console.warn("state_dir_readonly: cannot mount a read-only tmpfs here (not root): the case was not run");
    return;
  }
  const topic = uniqueName("faults-state-ro");
  const schema = uniqueSchema("faults_state_ro");
  try {
    await createTopic(topic, 1);
    await produce(topic, [jsonRecord(0, Date.UTC(2026, 0, 1), { event_id: "e1", user_id: "u", product_id: "p", amount: 1, timestamp: "2026-01-01T00:00:00Z", event_type: "purchase" })]);
    const job = startJob([
      `--topic=${topic}`, `--group-id=${topic}`, "--stop-when-idle=1s", "--sinks=postgres", `--pg-schema=${schema}`, `--state-dir=${dir}`,
    ]);
    expect(await job.exited).toBe(1);
    const errors = linesOf(job, "pipeline: error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/cannot write runner checkpoints in .*faults-state-ro-.* \(EROFS\): make the folder writable, free space, or choose another --state-dir/);
    expect(await deadLetters(schema)).toBe(0);
  } finally {
    spawnSync("umount", [dir], { stdio: "ignore" });
    fs.rmSync(dir, { recursive: true, force: true });
    await dropSchema(schema);
  }
});
