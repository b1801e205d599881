/**
 * Progress while the pipeline runs. On an interactive terminal: one status line on stderr, redrawn in place every
 * second (cleared before anything else is printed, so the console sink's lines stay intact). Otherwise: a
 * `progress` log line with the same figures every `logEveryMs`.
 *
 *   1,204 ev/s · read 48,113 · watermark 12:31:50Z (lag 9 s) · consumer lag 2,301 · open windows 25 · late panes 12 · late-data output 3 · dead letters 41
 *
 * A watermark ahead of the wall clock (event times in the future) shows as "(301 s ahead of the clock)", never as a
 * negative lag.
 */
import type { RunSnapshot } from "../model/run_snapshot";
import type { Logger } from "./logger";
import { deadLetters, droppedElements, latePanes, openWindows, sourceWatermark, totalConsumerLag, watermarkLag } from "./run_figures";

export interface ProgressFigures {
  readonly eventsPerSecond: number;
  readonly recordsRead: number;
  /** ms since the epoch, or null when not a time yet (or after the end of input). */
  readonly watermark: number | null;
  /** Wall clock − watermark, ≥ 0 (0 when the watermark is ahead); null when the watermark is not a time. */
  readonly watermarkLagSeconds: number | null;
  /** Watermark − wall clock when the watermark is ahead of the clock (event times in the future), else 0. */
  readonly watermarkAheadSeconds: number;
  readonly consumerLag: number;
  readonly openWindows: number;
  readonly latePanes: number;
  /** Records in the late-data output (droppedDueToLateness). */
  readonly lateDataOutput: number;
  readonly deadLetters: number;
}

export function progressFigures(now: RunSnapshot, before: RunSnapshot | undefined): ProgressFigures {
  const wm = sourceWatermark(now);
  const finite = Number.isFinite(wm);
  const lag = watermarkLag(now.at, wm);
  const dt = before === undefined ? 0 : now.at - before.at;
  return {
    eventsPerSecond: before === undefined || dt <= 0 ? 0 : Math.round(((now.elementsRead - before.elementsRead) * 1000) / dt),
    recordsRead: now.elementsRead,
    watermark: finite ? wm : null,
    watermarkLagSeconds: lag === null ? null : lag.lag,
    watermarkAheadSeconds: lag === null ? 0 : lag.ahead,
    consumerLag: totalConsumerLag(now),
    openWindows: openWindows(now),
    latePanes: latePanes(now),
    lateDataOutput: droppedElements(now),
    deadLetters: deadLetters(now),
  };
}

const n = (x: number): string => x.toLocaleString("en-US");

export function statusLine(f: ProgressFigures): string {
  const lag = f.watermarkAheadSeconds > 0 ? `${n(f.watermarkAheadSeconds)} s ahead of the clock` : `lag ${n(f.watermarkLagSeconds ?? 0)} s`;
  const wm = f.watermark === null ? "—" : `${new Date(f.watermark).toISOString().slice(11, 19)}Z (${lag})`;
  return (
    `${n(f.eventsPerSecond)} ev/s · read ${n(f.recordsRead)} · watermark ${wm} · consumer lag ${n(f.consumerLag)} · ` +
    `open windows ${n(f.openWindows)} · late panes ${n(f.latePanes)} · late-data output ${n(f.lateDataOutput)} · ` +
    `dead letters ${n(f.deadLetters)}`
  );
}

export interface ProgressOptions {
  readonly snapshot: () => RunSnapshot | undefined;
  /** Redraw a status line (a terminal), or log periodically. */
  readonly interactive: boolean;
  readonly logger: Logger;
  /** Where the status line goes (default stderr), and the stream whose writes must clear it first (stdout). */
  readonly terminal?: NodeJS.WriteStream;
  readonly printer?: NodeJS.WriteStream;
  /** Period of the log line when not interactive. Default 10 s. */
  readonly logEveryMs?: number;
}

export interface Progress {
  stop(): void;
}

export function startProgress(options: ProgressOptions): Progress {
  let before: RunSnapshot | undefined;
  const figures = (): ProgressFigures | undefined => {
    const now = options.snapshot();
    if (now === undefined) return undefined;
    const f = progressFigures(now, before);
    before = now;
    return f;
  };
  if (!options.interactive) {
    figures(); // the reference for the first line's events/s
    const timer = setInterval(() => {
      const f = figures();
      if (f) options.logger.info(f, "progress");
    }, options.logEveryMs ?? 10_000);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }
  const terminal = options.terminal ?? process.stderr;
  const printer = options.printer ?? process.stdout;
  let line = "";
  const writeTerminal = terminal.write.bind(terminal) as (text: string) => boolean;
  const clear = (): void => {
    if (line !== "") writeTerminal("\r\x1b[2K");
  };
  // Anything else printed on stdout (panes) or stderr (logs) first clears the status line, redrawn right after.
  const restore: Array<() => void> = [];
  for (const stream of printer === terminal ? [terminal] : [printer, terminal]) {
    const original = stream.write;
    const bound = original.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((...args: unknown[]): boolean => {
      clear();
      const ok = bound(...args);
      if (line !== "") writeTerminal(line);
      return ok;
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = original;
    });
  }
  const draw = (): void => {
    const f = figures();
    if (f === undefined) return;
    clear();
    const width = terminal.columns ?? 120;
    line = statusLine(f).slice(0, Math.max(20, width - 1));
    writeTerminal(line);
  };
  draw();
  const timer = setInterval(draw, 1000);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      clear();
      line = "";
      for (const undo of restore) undo();
    },
  };
}
