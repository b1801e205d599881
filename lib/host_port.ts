/**
 * host:port, one grammar for every address (the pipeline's options, the Flink runner's endpoints, Kafka's
 * bootstrap servers): a host name or IPv4 address (no colon, no whitespace) or an IPv6 address in brackets, a
 * colon, and a port from 1 to 65535. The host comes back without brackets, ready for a socket.
 */

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const HOST_PORT = /^(?:\[([^\]\s]+)\]|([^\s:[\]]+)):(\d{1,5})$/;

export const HOST_PORT_FORMS = "host:port (e.g. 127.0.0.1:8099; an IPv6 address in brackets, [::1]:8099)";

export class HostPortError extends Error {
  constructor(text: string, what: string) {
    super(`invalid ${what} "${text}": expected ${HOST_PORT_FORMS}`);
    this.name = "HostPortError";
  }
}

/** The parts of "host:port" (surrounding whitespace ignored), or undefined when it is not one. */
export function parseHostPort(text: string): HostPort | undefined {
  const m = HOST_PORT.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? m[2], port };
}

/** The parts of "host:port", or a HostPortError naming `what` (the flag or setting it came from). */
export function hostPort(text: string, what: string): HostPort {
  const parsed = parseHostPort(text);
  if (parsed === undefined) throw new HostPortError(text, what);
  return parsed;
}
