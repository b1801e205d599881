/**
 * Issue 8, finding 6: pointing at a port that is not a Kafka broker gives the one-line error within seconds, and
 * the Kafka client prints nothing of its own unless KAFKA_CLIENT_LOG=1.
 */
import * as net from "net";
import { NotKafkaError, BrokerUnreachableError, probeBrokers } from "../../io/kafka/kafka_client";
import { BOOTSTRAP } from "./kafka_test_helpers";
import { startCli } from "./cli_helpers";

jest.setTimeout(60_000);

/** A TCP server on a free port that answers with `reply` (or nothing) to whatever it receives. */
async function server(reply: string | null): Promise<{ address: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("data", () => {
      if (reply !== null) socket.end(reply);
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

describe("a wrong address", () => {
  test("a server that answers something else, or nothing, is 'not a Kafka broker' within the probe timeout", async () => {
    for (const reply of ["HTTP/1.1 400 Bad Request\r\n\r\n", null]) {
      const s = await server(reply);
      try {
        const started = Date.now();
        await expect(probeBrokers({ bootstrapServers: [s.address], connectionTimeoutMs: 1000 })).rejects.toThrow(NotKafkaError);
        expect(Date.now() - started).toBeLessThan(10_000); // 1 s deadline; the kafkajs path took 16-31 s
      } finally {
        await s.close();
      }
    }
  });

  test("a closed port is 'no Kafka broker'; the real broker passes", async () => {
    const s = await server(null);
    const closed = s.address;
    await s.close();
    await expect(probeBrokers({ bootstrapServers: [closed] })).rejects.toThrow(BrokerUnreachableError);
    await expect(probeBrokers({ bootstrapServers: BOOTSTRAP })).resolves.toBeUndefined();
  });

  test("the pipeline pointed at PostgreSQL's port exits 1 with one error line and no client log lines", async () => {
    const job = startCli(["--bootstrap-servers=127.0.0.1:5432", "--topic=sales_events", "--stop-when-idle=1s"]);
    expect(await job.exited).toBe(1);
    const lines = job.stderr().trim().split("\n");
    expect(lines).toHaveLength(2); // the "pipeline: direct runner, ..." line and the error
    expect(lines[1]).toBe(
      "pipeline: error: 127.0.0.1:5432 is not a Kafka broker (it accepts connections but does not answer Kafka's " +
        "ApiVersions request): check --bootstrap-servers",
    );
    expect(job.stdout).toEqual([]);
  });
});
