/**
 * Jest global setup: makes sure a Kafka broker answers on 127.0.0.1:9092 (or STACK_KAFKA_PORT) and PostgreSQL at
 * PGURL (default postgres://postgres@127.0.0.1:5432/test) before any test. What already answers (`npm run
 * stack:up`, another test run, the machine's PostgreSQL, docker compose) is used as it is; otherwise the local
 * stack starts it, marked as started by a test run. Each test run holds a lease, and global_teardown stops what a
 * test run started when the last lease holder leaves.
 */
import * as os from "os";
import * as path from "path";
import { addLease } from "../../infra/stack/leases";
import { brokerUp } from "../../infra/stack/kafka_broker";
import { withLock } from "../../infra/stack/lock";
import { stackOptions, stackPaths } from "../../infra/stack/options";
import { postgresUp } from "../../infra/stack/postgres_server";

export default async function globalSetup(): Promise<void> {
  // Jobs the tests run (in process or as children, which inherit this) keep their runner checkpoints in a temp
  // folder, not in the checkout's output/state (each test has its own consumer group, so its own subfolder).
  process.env.SALES_STATE_DIR ??= path.join(os.tmpdir(), "sales-test-state");
  const o = stackOptions();
  const r = await withLock(stackPaths(o).lockFile, async () => {
    const up = await brokerUp(o, "auto", (line) => process.stdout.write(`\n[stack] ${line}`));
    const pg = await postgresUp({ url: o.pgUrl, stateDir: o.pgStateDir }, "auto", (line) => process.stdout.write(`\n[stack] ${line}`));
    if (up.status.state === "running" || pg.status.state === "running") addLease(o);
    return { up, pg };
  });
  if (r.up.started) process.stdout.write(`\n[stack] Kafka started for this test run in ${r.up.seconds.toFixed(1)} s\n`);
  if (r.pg.started) process.stdout.write(`\n[stack] PostgreSQL started for this test run in ${r.pg.seconds.toFixed(1)} s\n`);
}
