/**
 * Secrets out of logs: the password of any URL (`postgres://user:secret@host` → `postgres://user:***@host`),
 * `password=...` pairs of connection strings, and values under keys that name a secret. Applied to every log line.
 * `redactPgUrl` is the one form a PostgreSQL URL takes in a log line, an error or a metric (the sink, the stack,
 * the job's closing lines).
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@/\s]*)@/gi;
const PASSWORD_PAIR = /\b(password|passwd|pwd)=([^\s;&]+)/gi;
const SECRET_KEY = /pass(word|wd)?|secret|token|credential/i;

export const REDACTED = "***";

export function redactText(text: string): string {
  return text.replace(URL_CREDENTIALS, `$1:${REDACTED}@`).replace(PASSWORD_PAIR, `$1=${REDACTED}`);
}

/** A copy of `value` with every string redacted and every secret-named key's value replaced. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactText(value);
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value instanceof Error) return { type: value.name, message: redactText(value.message) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v != null ? REDACTED : redactValue(v, depth + 1);
  return out;
}

/** The URL with its password replaced by "***" (the user, host, port and database stay: they help debugging). */
export function redactPgUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    for (const name of [...parsed.searchParams.keys()]) {
      if (/pass/i.test(name)) parsed.searchParams.set(name, "***");
    }
    return parsed.toString();
  } catch {
    // Not a URL (a keyword/value connection string?): hide every password=... and anything between : and @.
    return url.replace(/(password\s*=\s*)\S+/gi, "$1***").replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
  }
}
