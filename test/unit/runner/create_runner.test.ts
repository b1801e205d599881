/** createRunner: the direct runner now, a clear error for runners that are not built yet. */
import { createRunner } from "../../../runners";
import { DirectStreamingRunner } from "../../../runners/direct/runner";

test("direct is our streaming direct runner", () => {
  expect(createRunner({ runner: "direct" })).toBeInstanceOf(DirectStreamingRunner);
});

test.each(["flink", "dataflow"] as const)("%s says it is not built yet and what to use instead", (runner) => {
  expect(() => createRunner({ runner })).toThrow(new RegExp(`${runner} runner is not built yet.*--runner=direct`));
});

test("an unknown runner lists the valid choices", () => {
  expect(() => createRunner({ runner: "spark" as unknown as "direct" })).toThrow(/direct, flink, dataflow/);
});
