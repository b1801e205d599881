/**
 * Sources come from one list (BUILT_IN_SOURCES) plus what a runner is handed (`DirectRunnerOptions.sources`):
 * importing a source's module registers nothing, and one runner's sources are not another's.
 */
import { BUILT_IN_SOURCES, sourceTable } from "../../../runners/direct/sources/registry";
import { directRunner } from "../../../runners/direct/runner";
import { KAFKA_SOURCE_URN } from "../../../model/kafka_source_spec";
import { TEST_STREAM_URN } from "../../../model/urns";
import { paneCapture } from "../../../transforms";
import { SCRIPTED_SOURCE, scriptedSource } from "../../scenarios/scripted_source";

test("the built-in sources are TestStream and the Kafka source, in one list", () => {
  expect(BUILT_IN_SOURCES.map((s) => s.urn)).toEqual([TEST_STREAM_URN, KAFKA_SOURCE_URN]);
  expect(Object.isFrozen(BUILT_IN_SOURCES)).toBe(true);
});

test("a source passed in joins the built-in ones; one with a built-in URN replaces it for that runner only", () => {
  const replacement = { urn: KAFKA_SOURCE_URN, factory: SCRIPTED_SOURCE.factory };
  const table = sourceTable([SCRIPTED_SOURCE, replacement]);
  expect([...table.keys()]).toEqual([TEST_STREAM_URN, KAFKA_SOURCE_URN, SCRIPTED_SOURCE.urn]);
  expect(table.get(KAFKA_SOURCE_URN)).toBe(SCRIPTED_SOURCE.factory);
  expect(sourceTable().get(KAFKA_SOURCE_URN)).toBe(BUILT_IN_SOURCES[1].factory);
});

test("a runner runs a source it was handed, and another runner (not handed it) refuses it in one line", async () => {
  const source = scriptedSource<number>([{ value: 7, timestamp: 1 }], 10, true);
  const seen = paneCapture<number>("seen");
  await directRunner({ sources: [SCRIPTED_SOURCE], stopWhenIdleMs: 100 }).run((root) => {
    root.apply(source.transform).apply(seen.capture());
  });
  expect(seen.elements().map((e) => e.value)).toEqual([7]);
  await expect(
    directRunner().run((root) => {
      root.apply(scriptedSource<number>([], 0, true).transform);
    }),
  ).rejects.toThrow(/beam-ts:test:scripted:v1.*pass this source in DirectRunnerOptions\.sources/s);
});
