/** createRunner: the direct runner, the Flink runner, and a one-line error naming what Dataflow lacks. */
import { createRunner } from "../../../runners";
import { DirectStreamingRunner } from "../../../runners/direct/runner";
import { FlinkRunner } from "../../../runners/flink/runner";
import { dataflowRunner, missingForDataflow } from "../../../runners/dataflow";

test("direct is our streaming direct runner", () => {
  expect(createRunner({ runner: "direct" })).toBeInstanceOf(DirectStreamingRunner);
});

test("flink is the Flink runner (it connects when a pipeline is submitted)", () => {
  expect(createRunner({ runner: "flink", jobEndpoint: "127.0.0.1:8099" })).toBeInstanceOf(FlinkRunner);
});

test("flink with no job server listening: one line naming npm run flink:up", async () => {
  const runner = createRunner({ runner: "flink", jobEndpoint: "127.0.0.1:1" });
  await expect(runner.run((root) => root)).rejects.toThrow(/^no Beam job server answers on 127\.0\.0\.1:1: .*npm run flink:up/);
});

test("flink rejects a job endpoint that is not host:port", async () => {
  await expect(createRunner({ runner: "flink", jobEndpoint: "localhost" }).run((root) => root)).rejects.toThrow(
    /^invalid --job-endpoint "localhost": expected host:port/,
  );
});

test("dataflow without Python's apache-beam, credentials or options: one line naming each", () => {
  const bare = { pythonBeam: false, credentials: false };
  expect(() => dataflowRunner({}, bare)).toThrow(
    /^the dataflow runner needs Python's apache-beam .*, Google Cloud credentials .*, --project, --region, --temp-location gs:\/\/…; see docs\/runners\.md/,
  );
  expect(missingForDataflow({ project: "p", region: "europe-west1", tempLocation: "/tmp/x" }, { pythonBeam: true, credentials: true })).toEqual([
    "a gs:// --temp-location (got /tmp/x)",
  ]);
  expect(missingForDataflow({ project: "p", region: "r", tempLocation: "gs://b/t" }, { pythonBeam: true, credentials: true })).toEqual([]);
});

test("dataflow through createRunner on this machine says what is missing", () => {
  expect(() => createRunner({ runner: "dataflow" })).toThrow(/^the dataflow runner needs .*--project/);
});

test("an unknown runner lists the valid choices", () => {
  expect(() => createRunner({ runner: "spark" as unknown as "direct" })).toThrow(/direct, flink, dataflow/);
});
