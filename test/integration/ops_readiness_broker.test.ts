/**
 * /readyz follows the broker connection: on a private broker (its own ports and state dir, as stack.test.ts does,
 * since the shared one must stay up), ready while it answers, not ready — "not connected to Kafka" — once it is
 * stopped, ready again after it is back.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createKafkaClient } from "../../io/kafka/kafka_client";
import { freePorts } from "../../lib/ports";
import { ALICE, APPLES, sale, saleRecord, seconds, startPipeline, waitFor, type PipelineRun } from "./pipeline_test_helpers";
import { uniqueName } from "./kafka_test_helpers";
import { get } from "./ops_helpers";
import { startOpsServer, type OpsServer } from "../../ops/server";

jest.setTimeout(4 * 60_000);

const REPO = path.resolve(__dirname, "..", "..");

function stack(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["-r", "./tools/register.js", "infra/stack.ts", ...args], {
    cwd: REPO,
    encoding: "utf8",
    timeout: 2 * 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function readiness(url: string): Promise<{ status: number; reasons: string[] }> {
  const answer = await get(`${url}/readyz`);
  return { status: answer.status, reasons: (JSON.parse(answer.body) as { reasons: string[] }).reasons };
}

describe("readiness and the broker connection", () => {
  let dir: string;
  let flags: string[];
  let run: PipelineRun | undefined;
  let ops: OpsServer | undefined;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ops-readiness-"));
    const [kafkaPort, controllerPort] = await freePorts(2);
    flags = ["--kafka-port", String(kafkaPort), "--controller-port", String(controllerPort), "--state-dir", dir];
  });

  afterAll(async () => {
    await run?.result.stop().catch(() => undefined);
    await ops?.close();
    stack(["down", ...flags]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("ready while the broker answers, not ready with the reason once it stops, ready again when it is back", async () => {
    const up = stack(["up", ...flags]);
    expect([up.status, up.stderr]).toEqual([0, ""]);
    const bootstrap = `127.0.0.1:${flags[1]}`;
    const topic = uniqueName("readiness");
    const client = createKafkaClient({ bootstrapServers: [bootstrap], clientId: "readiness-test" });
    const admin = await client.admin();
    try {
      await admin.createTopic(topic, 1);
    } finally {
      await admin.close();
    }
    const producer = await client.producer();
    try {
      await producer.send(topic, [saleRecord(0, sale(ALICE, APPLES, 1, seconds(1)))]);
    } finally {
      await producer.close();
    }
    run = await startPipeline(
      { window: { kind: "fixed", size: 60_000, offset: 0 }, key: "product", trigger: {}, allowedLateness: 0 },
      { topic, groupId: uniqueName("group"), bootstrapServers: [bootstrap] },
    );
    const pipeline = run;
    ops = await startOpsServer({ port: 0, snapshot: () => pipeline.result.snapshot() });
    const url = ops.url;
    await waitFor("ready", async () => (await readiness(url)).status === 200 && pipeline.result.snapshot().elementsRead === 1);

    const down = stack(["down", ...flags]);
    expect(down.status).toBe(0);
    await waitFor("not ready after the broker stopped", async () => (await readiness(url)).status === 503, 60_000);
    expect((await readiness(url)).reasons).toEqual(["readFromKafka: not connected to Kafka (see the log for the client's error)"]);
    expect((await get(`${url}/healthz`)).status).toBe(200); // alive all the same

    const again = stack(["up", ...flags]);
    expect(again.status).toBe(0);
    await waitFor("ready again once the broker is back", async () => (await readiness(url)).status === 200, 90_000);
    // And reading again (the client's own restart has completed before the pipeline is stopped).
    const again2 = await client.producer();
    try {
      await again2.send(topic, [saleRecord(0, sale(ALICE, APPLES, 2, seconds(2)))]);
    } finally {
      await again2.close();
    }
    await waitFor("the record produced after the restart", () => pipeline.result.snapshot().elementsRead === 2, 60_000);
    await pipeline.result.stop();
  });
});
