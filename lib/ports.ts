import * as net from "net";

/** True when something accepts TCP connections on host:port. */
export function isPortOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** A TCP port nothing listens on right now (the OS picks it). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `n` distinct ports nothing listens on right now (freePort can answer the same port twice in a row). */
export async function freePorts(n: number, host = "127.0.0.1"): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) {
    const port = await freePort(host);
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}
