/**
 * Jest global teardown: releases this run's lease and stops the broker and the PostgreSQL server only if a test
 * run started them and no other test run still holds a lease (what `npm run stack:up` started, and the machine's
 * own PostgreSQL, are never stopped here).
 */
import { liveLeases, removeLease } from "../../infra/stack/leases";
import { brokerDown, brokerStatus } from "../../infra/stack/kafka_broker";
import { withLock } from "../../infra/stack/lock";
import { stackOptions, stackPaths } from "../../infra/stack/options";
import { postgresDown, postgresStatus } from "../../infra/stack/postgres_server";

export default async function globalTeardown(): Promise<void> {
  const o = stackOptions();
  await withLock(stackPaths(o).lockFile, async () => {
    removeLease(o);
    const last = liveLeases(o).length === 0;
    const status = await brokerStatus(o);
    if (status.state === "running" && status.owner === "auto" && last) {
      const down = await brokerDown(o);
      process.stdout.write(`[stack] stopped the test run's Kafka (pid ${String(down.pid)}, ${down.stopped})\n`);
    }
    const pgServer = { url: o.pgUrl, stateDir: o.pgStateDir };
    const pg = await postgresStatus(pgServer);
    if (pg.state === "running" && pg.owner === "auto" && last) {
      const down = await postgresDown(pgServer);
      process.stdout.write(`[stack] stopped the test run's PostgreSQL (pid ${String(down.pid)})\n`);
    }
  });
}
