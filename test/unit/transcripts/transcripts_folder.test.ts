/** Every transcript of the project's transcripts/ folder, run through the real grouping reducer. */
import * as fs from "fs";
import * as path from "path";
import { parseTranscriptFile } from "../../../tools/transcripts/transcript_parser";
import { runTranscript } from "../../../tools/transcripts/transcript_runner";
import { Transcript } from "../../../tools/transcripts/transcript";

const folder = path.join(__dirname, "../../../transcripts");
const files = fs
  .readdirSync(folder)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

const transcripts: Transcript[] = files.flatMap((f) =>
  parseTranscriptFile(path.join("transcripts", f), fs.readFileSync(path.join(folder, f), "utf8")),
);

test("the transcripts folder holds transcripts of every window and trigger kind", () => {
  const windowKinds = new Set<string>();
  const triggerKinds = new Set<string>();
  const visit = (t: unknown): void => {
    if (typeof t !== "object" || t === null) return;
    const kind = (t as { kind?: unknown }).kind;
    if (typeof kind === "string") triggerKinds.add(kind);
    for (const v of Object.values(t)) {
      if (Array.isArray(v)) v.forEach(visit);
      else visit(v);
    }
  };
  for (const t of transcripts) {
    if (!("windowFn" in t.windowing)) continue;
    windowKinds.add(t.windowing.windowFn.kind);
    visit(t.windowing.trigger);
  }
  expect([...windowKinds].sort()).toEqual(["fixed", "global", "sessions", "sliding"]);
  for (const kind of ["default", "never", "always", "afterWatermark", "afterProcessingTime", "afterCount", "repeatedly", "afterEach", "afterAny", "afterAll", "orFinally"]) {
    expect(triggerKinds).toContain(kind);
  }
});

describe.each(files)("%s", (file) => {
  const inFile = transcripts.filter((t) => t.file === path.join("transcripts", file));
  test.each(inFile.map((t) => [t.name, t] as const))("%s", (_name, transcript) => {
    const result = runTranscript(transcript);
    // The failure text is the runner's diff; showing it here makes a failing test say why.
    expect(result.failure).toBeUndefined();
    expect(result.passed).toBe(true);
  });
});
