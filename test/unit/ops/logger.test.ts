/** Structured logs: JSON or readable lines, the level honoured, and no password ever written. */
import { createLogger, prettyLine } from "../../../ops/logger";
import { redactText, redactValue } from "../../../lib/redaction";

const SECRET = "s3cret-Pw!";
const URL_WITH_PASSWORD = `postgres://sales:${SECRET}@db.internal:5432/sales`;

function capture(): { lines: string[]; destination: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

describe("logs", () => {
  test("JSON lines with level, time, message and fields; passwords in URLs, pairs and secret keys are masked", () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: "info", pretty: false, destination });
    log.info({ config: { pgUrl: URL_WITH_PASSWORD, topic: "sales" }, password: SECRET }, `connecting to ${URL_WITH_PASSWORD}`);
    log.warn({ dsn: `host=db user=sales password=${SECRET} dbname=x` }, "retrying");
    log.error(new Error(`connect failed for ${URL_WITH_PASSWORD}`), "sink failed");
    expect(lines).toHaveLength(3);
    const all = lines.join("");
    expect(all).not.toContain(SECRET);
    const first = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(first).toMatchObject({
      level: 30,
      msg: "connecting to postgres://sales:***@db.internal:5432/sales",
      config: { pgUrl: "postgres://sales:***@db.internal:5432/sales", topic: "sales" },
      password: "***",
    });
    expect(typeof first.time).toBe("number");
    expect(JSON.parse(lines[1])).toMatchObject({ level: 40, dsn: "host=db user=sales password=*** dbname=x" });
    expect(all).toContain("postgres://sales:***@db.internal:5432/sales");
  });

  test("--log-level: lines below it are not written", () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: "warn", pretty: false, destination });
    log.info("hidden");
    log.debug("hidden");
    log.warn("shown");
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(["shown"]);
  });

  test("readable form on a terminal: time, level, message, fields; still redacted", () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: "info", pretty: true, destination });
    log.info({ url: "http://127.0.0.1:9464/", pgUrl: URL_WITH_PASSWORD }, "status page");
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO  status page {2}url=http:\/\/127\.0\.0\.1:9464\/ pgUrl=postgres:\/\/sales:\*\*\*@db\.internal:5432\/sales\n$/,
    );
    expect(prettyLine("not json")).toBe("not json\n");
    log.info({ recordsRead: 600, runner: "direct", seconds: 5.2 }, "done in 5.2 s on direct: 600 records read");
    expect(lines[1]).toMatch(/ INFO  done in 5\.2 s on direct: 600 records read\n$/);
  });

  test("--log-format: auto is readable when the destination is a terminal and JSON when it is not", () => {
    const shapes = (format: "auto" | "pretty" | "json", isTTY: boolean): string => {
      const lines: string[] = [];
      createLogger({ level: "info", format, destination: { isTTY, write: (l: string) => void lines.push(l) } }).info("hello");
      return lines[0].startsWith("{") ? "json" : /^\d\d:\d\d:\d\d\.\d{3} INFO  hello\n$/.test(lines[0]) ? "pretty" : lines[0];
    };
    expect([shapes("auto", true), shapes("auto", false), shapes("json", true), shapes("pretty", false)]).toEqual(["pretty", "json", "json", "pretty"]);
  });

  test("redaction leaves URLs without a password alone", () => {
    expect(redactText("postgres://postgres@127.0.0.1:5432/test")).toBe("postgres://postgres@127.0.0.1:5432/test");
    expect(redactText("kafka at 127.0.0.1:9092")).toBe("kafka at 127.0.0.1:9092");
    expect(redactValue({ token: "abc", nested: [{ apiSecret: "x" }], n: 1 })).toEqual({ token: "***", nested: [{ apiSecret: "***" }], n: 1 });
  });
});
