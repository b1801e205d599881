/**
 * The pipeline process's operations endpoint (`--metrics-port`): one small HTTP server on 127.0.0.1 by default.
 *
 *   GET /metrics      Prometheus text format (ops/prometheus.ts)
 *   GET /healthz      200 while the process is alive
 *   GET /readyz       200 when ready, else 503; JSON body with the reasons (ops/readiness.ts)
 *   GET /             the live status page (ops/status_page/: static HTML, JS and CSS; no build step)
 *   GET /status.json  what the page polls: the run's snapshot, the last minutes of history, readiness
 *
 * It samples the run once a second for the history. It never writes to the run; figures are read on demand.
 */
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import type { RunSnapshot } from "../model/run_snapshot";
import { History, sampleOf } from "./history";
import { prometheusRegistry } from "./prometheus";
import { DEFAULT_STALL_AFTER_MS, readiness, type Readiness } from "./readiness";

export interface OpsServerOptions {
  /** 0: any free port. */
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The run's figures; undefined before the run started. */
  readonly snapshot: () => RunSnapshot | undefined;
  /** How long the watermark may stay put while records are read before /readyz fails. Default 60 s. */
  readonly stallAfterMs?: number;
  /** Sampling period of the history (ms). Default 1000. */
  readonly sampleEveryMs?: number;
}

export interface OpsServer {
  /** http://host:port */
  readonly url: string;
  readonly port: number;
  readonly history: History;
  readiness(): Readiness;
  /** Takes one history sample now (also done every sampleEveryMs). */
  sample(): void;
  close(): Promise<void>;
}

const ASSETS: Readonly<Record<string, string>> = {
  "/": "index.html",
  "/index.html": "index.html",
  "/status.js": "status.js",
  "/status.css": "status.css",
};
const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};
/** Scripts and styles only from this server: even a mistake in escaping could not run injected script. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:";

function loadAssets(): Map<string, string> {
  const dir = path.join(__dirname, "status_page");
  const files = new Map<string, string>();
  for (const file of new Set(Object.values(ASSETS))) files.set(file, fs.readFileSync(path.join(dir, file), "utf8"));
  return files;
}

/** JSON with ±Infinity as "+Inf" / "-Inf" (watermarks before the first event and after the end of input). */
export function statusJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "number" && !Number.isFinite(v) ? (Number.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf") : v,
  );
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const assets = loadAssets();
  const history = new History();
  const stallAfterMs = options.stallAfterMs ?? DEFAULT_STALL_AFTER_MS;
  const ready = (): Readiness => readiness(options.snapshot(), history.list(), stallAfterMs);
  const registry = prometheusRegistry(options.snapshot, { ready: () => ready().ready });
  const sample = (): void => {
    const s = options.snapshot();
    if (s !== undefined) history.add(sampleOf(s));
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, {
        "content-type": type,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        "content-security-policy": CSP,
      });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, "text/plain", "GET only\n");
    switch (url.pathname) {
      case "/metrics":
        return send(200, registry.contentType, await registry.metrics());
      case "/healthz":
        return send(200, "application/json", statusJson({ status: "alive", uptimeSeconds: Math.round(process.uptime()) }));
      case "/readyz": {
        const r = ready();
        return send(r.ready ? 200 : 503, "application/json", statusJson({ status: r.ready ? "ready" : "not ready", ...r }));
      }
      case "/status.json":
        return send(200, "application/json", statusJson({ snapshot: options.snapshot() ?? null, history: history.list(), readiness: ready() }));
    }
    const asset = ASSETS[url.pathname];
    if (asset !== undefined) return send(200, TYPES[path.extname(asset)], assets.get(asset) ?? "");
    send(404, "text/plain", "not found: try /, /metrics, /healthz, /readyz\n");
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  sample();
  const timer = setInterval(sample, options.sampleEveryMs ?? 1000);
  timer.unref();
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    history,
    readiness: ready,
    sample,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
