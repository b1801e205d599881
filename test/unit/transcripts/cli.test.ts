import { CliIo, USAGE, runCli } from "../../../tools/transcripts/cli";

const PASSING = [
  "name: passes",
  "window_fn: FixedWindows(10)",
  "transcript:",
  "  - input: [1]",
  "  - watermark: 10",
  "  - expect:",
  "      - {window: [0, 9], values: [1]}",
].join("\n");
const FAILING = PASSING.replace("values: [1]", "values: [2]").replace("passes", "fails");

function fakeIo(files: Record<string, string>): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    readFile: (f) => {
      if (!(f in files)) throw new Error(`ENOENT: no such file '${f}'`);
      return files[f];
    },
    listYaml: (f) => (f === "dir" ? Object.keys(files).filter((k) => k.startsWith("dir/")).sort() : undefined),
  };
}

describe("npm run transcript", () => {
  test("one PASS line per transcript, then the summary; exit 0", () => {
    const io = fakeIo({ "a.yaml": `${PASSING}\n---\n${PASSING.replace("passes", "passes too")}` });
    expect(runCli(["a.yaml"], io)).toBe(0);
    expect(io.stdout).toEqual(["PASS passes (a.yaml:1)", "PASS passes too (a.yaml:9)", "transcripts: 2 passed, 0 failed"]);
  });

  test("a failure prints its diff, the summary counts it, the exit code is non-zero", () => {
    const io = fakeIo({ "dir/a.yaml": PASSING, "dir/b.yaml": FAILING });
    expect(runCli(["dir"], io)).toBe(1);
    const text = io.stdout.join("\n");
    expect(io.stdout[0]).toBe("PASS passes (dir/a.yaml:1)");
    expect(io.stdout[1]).toBe("FAIL fails (dir/b.yaml:1)");
    expect(text).toContain("values: expected [2], actual [1]");
    expect(io.stdout[io.stdout.length - 1]).toBe("transcripts: 1 passed, 1 failed");
  });

  test("a file that cannot be parsed counts as a failure with the error's line", () => {
    const io = fakeIo({ "bad.yaml": "name: x\ntrigger_fn: Nope\ntranscript: []" });
    expect(runCli(["bad.yaml"], io)).toBe(1);
    expect(io.stdout.join("\n")).toContain("bad.yaml:2:13: trigger_fn: unknown trigger function 'Nope'");
    expect(io.stdout[io.stdout.length - 1]).toBe("transcripts: 0 passed, 1 failed");
  });

  test("--print prints each step's panes as JSON lines instead of checking", () => {
    const io = fakeIo({ "b.yaml": FAILING });
    expect(runCli(["--print", "b.yaml"], io)).toBe(0);
    expect(io.stdout[0]).toBe("# fails (b.yaml:1)");
    const pane = JSON.parse(io.stdout[1]);
    expect(pane).toEqual({
      line: 5,
      step: "watermark",
      pane: {
        key: "default",
        window: [0, 9],
        values: [1],
        timestamp: 9,
        early: false,
        late: false,
        final: true,
        first: true,
        index: 0,
        nonspeculative_index: 0,
      },
    });
    expect(io.stdout).toHaveLength(2);
  });

  test("an unknown flag is a one-line error with exit code 2", () => {
    const io = fakeIo({});
    expect(runCli(["--verbose", "a.yaml"], io)).toBe(2);
    expect(io.stderr).toEqual([`transcript: unknown option '--verbose' (${USAGE})`]);
    expect(USAGE).toMatch(/^usage: npm run transcript -- \[--print\] FILE\.yaml\|DIR … +\| +npm run transcript -- --runner=direct\|flink/);
    expect(io.stdout).toEqual([]);
  });

  test("no files is a usage error", () => {
    const io = fakeIo({});
    expect(runCli([], io)).toBe(2);
    expect(io.stderr[0]).toContain("no transcript files given");
  });
});
