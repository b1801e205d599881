/**
 * Structured logs (pino) on stderr, so that stdout carries only the console sink's panes, late data and dead
 * letters. A readable line when stderr is a terminal; JSON lines when it is redirected or piped (for a log
 * collector), or with `--log-format json` (`--log-format pretty` forces the readable form):
 *
 *   12:01:07.412 INFO  metrics, health and status page  url=http://127.0.0.1:9464
 *
 * Every line goes through lib/redaction.ts: URLs lose their passwords, secret-named fields are masked.
 */
import pino, { type Logger } from "pino";
import { redactText, redactValue } from "../lib/redaction";

export type { Logger };

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
export const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
export type LogFormat = "auto" | "pretty" | "json";
export const LOG_FORMATS: readonly LogFormat[] = ["auto", "pretty", "json"];

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Readable lines instead of JSON. Default: from `format`. */
  readonly pretty?: boolean;
  /** auto (default): readable when the destination is a terminal (stderr's isTTY), JSON otherwise. */
  readonly format?: LogFormat;
  /** Where lines go. Default: stderr. */
  readonly destination?: { write(line: string): unknown; readonly isTTY?: boolean };
  readonly name?: string;
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };

/** A JSON log line as a readable one: time, level, message, then the other fields as key=value. */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith("\n") ? json : json + "\n";
  }
  const { time, level, msg, pid: _pid, hostname: _hostname, name: _name, ...rest } = entry;
  const when = typeof time === "number" ? new Date(time).toISOString().slice(11, 23) : "";
  const message = String(msg ?? "");
  // Fields the message already says (the closing line's figures, the status page's URL) are not repeated.
  const fields = Object.entries(rest)
    .filter(([, v]) => !((typeof v === "string" || typeof v === "number") && message.includes(String(v))))
    .map(([k, v]) => `${k}=${typeof v === "string" ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
    .join(" ");
  const label = (LEVEL_NAMES[Number(level)] ?? String(level)).padEnd(5);
  return `${when} ${label} ${message}${fields ? "  " + fields : ""}\n`;
}

export function createLogger(options: LoggerOptions): Logger {
  const out = options.destination ?? process.stderr;
  const format = options.format ?? "auto";
  const pretty = options.pretty ?? (format === "auto" ? out.isTTY === true : format === "pretty");
  const stream = { write: (line: string): void => void out.write(pretty ? prettyLine(line) : line) };
  return pino(
    {
      name: options.name ?? "pipeline",
      level: options.level,
      base: { pid: process.pid },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((a) => (typeof a === "string" ? redactText(a) : redactValue(a))) as typeof args;
          method.apply(this, redacted);
        },
      },
      formatters: { log: (object) => redactValue(object) as Record<string, unknown> },
    },
    stream,
  );
}
