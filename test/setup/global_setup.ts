/**
 * Jest global setup: makes sure a Kafka broker answers on 127.0.0.1:9092 (or STACK_KAFKA_PORT) before any test.
 * A broker already running (`npm run stack:up`, another test run, docker compose) is used as it is; otherwise the
 * local stack starts one, marked as started by a test run. Each test run holds a lease on the broker, and
 * global_teardown stops a test-started broker when the last lease holder leaves.
 */
import { addLease } from "../../infra/stack/leases";
import { brokerUp } from "../../infra/stack/kafka_broker";
import { withLock } from "../../infra/stack/lock";
import { stackOptions, stackPaths } from "../../infra/stack/options";

export default async function globalSetup(): Promise<void> {
  const o = stackOptions();
  const r = await withLock(stackPaths(o).lockFile, async () => {
    const up = await brokerUp(o, "auto", (line) => process.stdout.write(`\n[stack] ${line}`));
    if (up.status.state === "running") addLease(o);
    return up;
  });
  if (r.started) process.stdout.write(`\n[stack] Kafka started for this test run in ${r.seconds.toFixed(1)} s\n`);
}
