/**
 * A progress bar for a known amount of work (`npm run produce` on a terminal), redrawn in place:
 *
 *   [██████████░░░░░░░░░░░░░░]  1,600/4,000  40%  200/s  ETA 12s
 */
export function progressBar(done: number, total: number, elapsedMs: number, width = 24): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * width);
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 ? Math.ceil((total - done) / rate) : undefined;
  const n = (x: number): string => Math.round(x).toLocaleString("en-US");
  return (
    `[${"█".repeat(filled)}${"░".repeat(width - filled)}]  ${n(done)}/${n(total)}  ${Math.floor(fraction * 100)}%  ` +
    `${n(rate)}/s  ETA ${eta === undefined ? "—" : formatSeconds(eta)}`
  );
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** Draws the bar on a terminal stream at most every `everyMs`; `finish()` ends the line. */
export function terminalProgressBar(stream: NodeJS.WriteStream, total: number, everyMs = 100): {
  update(done: number): void;
  finish(done: number): void;
} {
  const started = Date.now();
  let last = 0;
  const draw = (done: number): void => void stream.write(`\r\x1b[2K${progressBar(done, total, Date.now() - started)}`);
  return {
    update(done) {
      const now = Date.now();
      if (now - last < everyMs) return;
      last = now;
      draw(done);
    },
    finish(done) {
      draw(done);
      stream.write("\n");
    },
  };
}
