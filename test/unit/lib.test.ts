/** lib/: the one grammar for durations and for host:port, and the durable-file helpers. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describeDuration, DurationError, parseDuration } from "../../lib/durations";
import { hostPort, HostPortError, parseHostPort } from "../../lib/host_port";
import { ensureDirectory, writeFileDurably } from "../../lib/durable_files";
import { parseOptions } from "../../pipelines/options";
import { parseProduceArgs } from "../../pipelines/producer/options";

describe("durations: one grammar", () => {
  test.each([
    ["0", 0],
    ["1500", 1500],
    ["250ms", 250],
    ["30s", 30_000],
    ["2m", 120_000],
    ["1h", 3_600_000],
    ["1.5s", 1500],
    ["1.5h", 5_400_000],
    [" 10s ", 10_000],
    [".5s", 500],
    ["2.", 2],
  ])("%j → %d ms", (text, ms) => {
    expect(parseDuration(text, "--x")).toBe(ms);
  });

  test.each(["", "ten", "10 s", "2 weeks", "1d", "-5s", "1.2.3s", "s", "."])("%j is one clear error", (text) => {
    expect(() => parseDuration(text, "--x")).toThrow(DurationError);
    expect(() => parseDuration(text, "--x")).toThrow(
      `invalid --x "${text}": expected a duration such as 500ms, 30s, 2m or 1h (a bare number is milliseconds)`,
    );
  });

  test("the pipeline and the producer accept the same spellings", () => {
    for (const [text, ms] of [["1500", 1500], ["10s", 10_000], ["250ms", 250], ["1.5m", 90_000]] as const) {
      expect(parseOptions(["--watermark-delay", text]).watermarkDelay).toBe(ms);
      expect(parseProduceArgs(["--late-delay", text], { now: 0, randomSeed: 1 }).generator.lateDelayMs).toBe(ms);
    }
  });

  test("described for messages", () => {
    expect(describeDuration(90_000)).toBe("1.5 min");
    expect(describeDuration(2 * 86_400_000)).toBe("2.0 d");
  });
});

describe("host:port: one grammar", () => {
  test.each([
    ["127.0.0.1:8099", "127.0.0.1", 8099],
    ["localhost:9092", "localhost", 9092],
    [" kafka-1.example:1 ", "kafka-1.example", 1],
    ["[::1]:8081", "::1", 8081],
    ["[fe80::1%eth0]:65535", "fe80::1%eth0", 65535],
  ])("%j", (text, host, port) => {
    expect(parseHostPort(text)).toEqual({ host, port });
  });

  test.each(["localhost", "h:0", "h:65536", "h:99999", "::1:9092", ":9092", "h:", "a b:1", "h:80x", "[::1]"])(
    "%j is not host:port",
    (text) => {
      expect(parseHostPort(text)).toBeUndefined();
      expect(() => hostPort(text, "--job-endpoint")).toThrow(HostPortError);
      expect(() => hostPort(text, "--job-endpoint")).toThrow(/^invalid --job-endpoint ".*": expected host:port \(e\.g\. 127\.0\.0\.1:8099; an IPv6 address in brackets, \[::1\]:8099\)$/);
    },
  );

  test("the pipeline's options use it, with an OptionsError in the same words", () => {
    expect(() => parseOptions(["--flink-master", "h:0"])).toThrow(/^invalid --flink-master "h:0": expected host:port/);
    expect(() => parseOptions(["--bootstrap-servers", "a:9092,::1:9092"])).toThrow(/^invalid --bootstrap-servers "a:9092,::1:9092": expected host:port/);
    expect(parseOptions(["--bootstrap-servers", "a:9092, [::1]:9093"]).bootstrapServers).toEqual(["a:9092", "[::1]:9093"]);
  });
});

describe("durable files", () => {
  test("ensureDirectory creates the missing levels and names the real cause when it cannot", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "lib-durable-"));
    try {
      const dir = path.join(root, "a", "b", "c");
      await ensureDirectory(dir);
      await ensureDirectory(dir);
      await writeFileDurably(path.join(dir, "f"), Buffer.from("x"));
      expect(fs.readFileSync(path.join(dir, "f"), "utf8")).toBe("x");
      await expect(ensureDirectory(path.join(dir, "f", "g"))).rejects.toMatchObject({ code: "ENOTDIR" });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
