/**
 * The client seam's outage clock (transforms/kafka_outage.ts) and which errors a broker outage explains
 * (transforms/kafka_client.ts isOutageError): the budget runs from the first sign of trouble after the last sign
 * of life, a blip is not an outage, and "Failed to find group coordinator" (what kafkajs throws while a restarted
 * broker loads its groups, and does not restart from) is waited through like a refused connection.
 */
import * as kafkajs from "kafkajs";
import { BrokerContact } from "../../transforms/kafka_outage";
import { BrokerOutageError, BrokerUnreachableError, KafkaClientError, isOutageError } from "../../transforms/kafka_client";

describe("BrokerContact", () => {
  let now = 0;
  const contact = (): BrokerContact => new BrokerContact(10_000, () => now, 1_000);
  beforeEach(() => (now = 0));

  test("an outage counts once it lasted a second, ends with the next sign of life, and is counted once", () => {
    const c = contact();
    c.trouble("connect ECONNREFUSED");
    now = 500;
    expect(c.health()).toMatchObject({ connected: true, outages: 0, outageMs: 500 });
    now = 1_500;
    expect(c.health()).toMatchObject({ connected: false, outages: 1, lastError: "connect ECONNREFUSED" });
    c.trouble("again"); // more trouble does not move the start
    now = 3_000;
    expect(c.health()).toMatchObject({ connected: false, outages: 1, outageMs: 3_000 });
    c.alive();
    expect(c.health()).toMatchObject({ connected: true, outages: 1, outageMs: 0 });
  });

  test("the budget is spent only by one continuous outage", () => {
    const c = contact();
    c.trouble("down");
    now = 9_000;
    c.alive();
    now = 12_000;
    c.trouble("down again");
    now = 22_000;
    expect(c.exhausted()).toBe(false);
    now = 22_001;
    expect(c.exhausted()).toBe(true);
  });

  test("a blip shorter than a second is no outage", () => {
    const c = contact();
    c.trouble("rebalance");
    now = 900;
    c.alive();
    now = 5_000;
    expect(c.health()).toMatchObject({ connected: true, outages: 0 });
  });
});

describe("isOutageError", () => {
  test("a restarting cluster's errors are waited through", () => {
    expect(isOutageError(new (kafkajs.KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error)("Failed to find group coordinator"))).toBe(true);
    expect(isOutageError(new kafkajs.KafkaJSConnectionError("Connection error: connect ECONNREFUSED 127.0.0.1:1"))).toBe(true);
    expect(isOutageError(new BrokerUnreachableError(["127.0.0.1:1"]))).toBe(true);
    const wrapped = new KafkaClientError("Kafka consumer failed: x", false, {
      cause: new kafkajs.KafkaJSNonRetriableError(new kafkajs.KafkaJSConnectionError("Connection error: connect ECONNREFUSED")),
    });
    expect(isOutageError(wrapped)).toBe(true);
  });

  test("a spent budget and errors that retrying cannot fix are not", () => {
    expect(isOutageError(new BrokerOutageError(["127.0.0.1:1"], 61_000, 60_000, "x"))).toBe(false);
    expect(isOutageError(new KafkaClientError('topic "x" does not exist', false))).toBe(false);
    expect(isOutageError(new kafkajs.KafkaJSNonRetriableError("Invalid partition metadata"))).toBe(false);
  });

  test("the outage error is one line naming the flag and what to do", () => {
    const message = new BrokerOutageError(["127.0.0.1:19092"], 10_200, 10_000, "connect ECONNREFUSED").message;
    expect(message).toBe(
      "Kafka at 127.0.0.1:19092 unreachable for 10.2 s, longer than --kafka-retry-budget 10 s (last error: connect " +
        "ECONNREFUSED): start the broker (npm run stack:up) or raise --kafka-retry-budget, then run the job again: it " +
        "resumes from its last commit",
    );
  });
});
