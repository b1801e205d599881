/**
 * Jest global teardown: releases this run's lease and stops the broker only if a test run started it and no
 * other test run still holds a lease (a broker started with `npm run stack:up` is never stopped here).
 */
import { liveLeases, removeLease } from "../../infra/stack/leases";
import { brokerDown, brokerStatus } from "../../infra/stack/kafka_broker";
import { withLock } from "../../infra/stack/lock";
import { stackOptions, stackPaths } from "../../infra/stack/options";

export default async function globalTeardown(): Promise<void> {
  const o = stackOptions();
  await withLock(stackPaths(o).lockFile, async () => {
    removeLease(o);
    const status = await brokerStatus(o);
    if (status.state === "running" && status.owner === "auto" && liveLeases(o).length === 0) {
      const down = await brokerDown(o);
      process.stdout.write(`[stack] stopped the test run's Kafka (pid ${"pid" in down ? String(down.pid) : "?"}, ${down.stopped})\n`);
    }
  });
}
