/** Scraping the operations endpoint in tests: GET over real HTTP, and the Prometheus text format parsed. */
import * as http from "http";

export interface HttpAnswer {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

export function get(url: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    // A new connection per request (no keep-alive): a reused socket the server closed meanwhile would reset.
    http
      .get(url, { agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body }));
      })
      .on("error", reject);
  });
}

/** One series of a scrape: `name{a="x",b="y"}` → value. */
export type Scrape = ReadonlyMap<string, number>;

/** Parses Prometheus text format; the series key is the name and its labels sorted: `name{a="x",b="y"}`. */
export function parsePrometheus(text: string): Scrape {
  const series = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels = [...(match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .map((m) => `${m[1]}="${m[2]}"`)
      .sort();
    const value = match[3] === "+Inf" ? Infinity : match[3] === "-Inf" ? -Infinity : Number(match[3]);
    series.set(labels.length ? `${match[1]}{${labels.join(",")}}` : match[1], value);
  }
  return series;
}

/** The series of one metric whose labels include `labels`, keyed by the full series key. */
export function pick(scrape: Scrape, name: string, labels: Record<string, string> = {}): Map<string, number> {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const out = new Map<string, number>();
  for (const [key, value] of scrape) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (wanted.every((w) => key.includes(w))) out.set(key, value);
  }
  return out;
}

/** The single value of a series (throws if there is none or several). */
export function value(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  const found = pick(scrape, name, labels);
  if (found.size !== 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.size} series (${[...found.keys()].join(", ")})`);
  return [...found.values()][0];
}

export async function scrape(baseUrl: string): Promise<Scrape> {
  const answer = await get(`${baseUrl}/metrics`);
  if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}: ${answer.body}`);
  return parsePrometheus(answer.body);
}
