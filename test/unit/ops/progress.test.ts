/** The terminal status line and the periodic progress figures. */
import { PassThrough } from "stream";
import { progressFigures, startProgress, statusLine } from "../../../ops/progress";
import { progressBar } from "../../../ops/progress_bar";
import { createLogger } from "../../../ops/logger";
import { T0, snapshotAt } from "./snapshot_fixture";

describe("progress", () => {
  test("figures: events/s between two snapshots, watermark and its lag, consumer lag, windows, late, dropped, dead letters", () => {
    const before = snapshotAt(T0 - 2000, { elementsRead: 40 });
    const now = snapshotAt(T0);
    const f = progressFigures(now, before);
    expect(f).toEqual({
      eventsPerSecond: 30,
      recordsRead: 100,
      watermark: T0 - 30_000,
      watermarkLagSeconds: 30,
      watermarkAheadSeconds: 0,
      consumerLag: 20,
      openWindows: 7,
      latePanes: 2,
      lateDataOutput: 4,
      deadLetters: 3,
    });
    expect(statusLine(f)).toBe(
      "30 ev/s · read 100 · watermark 11:59:30Z (lag 30 s) · consumer lag 20 · open windows 7 · late panes 2 · late-data output 4 · dead letters 3",
    );
    expect(statusLine(progressFigures(snapshotAt(T0, { sources: [] }), undefined))).toMatch(/^0 ev\/s · read 100 · watermark — ·/);
  });

  test("a watermark ahead of the wall clock (event times in the future) is said so, never a negative lag", () => {
    const now = snapshotAt(T0);
    const ahead = { ...now, at: now.sources[0].watermark - 301_000 };
    const f = progressFigures(ahead, undefined);
    expect([f.watermarkLagSeconds, f.watermarkAheadSeconds]).toEqual([0, 301]);
    expect(statusLine(f)).toContain("watermark 11:59:30Z (301 s ahead of the clock) ·");
  });

  test("on a terminal: the line is redrawn in place and cleared before other output, then restored", () => {
    const terminal = new PassThrough() as unknown as NodeJS.WriteStream;
    const printer = new PassThrough() as unknown as NodeJS.WriteStream;
    let written = "";
    (terminal as unknown as PassThrough).on("data", (c: Buffer) => (written += c.toString()));
    const originalWrite = printer.write;
    const progress = startProgress({
      snapshot: () => snapshotAt(T0),
      interactive: true,
      logger: createLogger({ level: "silent" }),
      terminal,
      printer,
    });
    printer.write("[ON_TIME] a pane\n");
    progress.stop();
    expect(written.startsWith("0 ev/s · read 100")).toBe(true);
    // cleared before the pane line, redrawn after it, cleared at the end
    expect(written.split("\r\x1b[2K").length - 1).toBe(2);
    expect(printer.write).toBe(originalWrite);
  });
});

describe("progress off a terminal", () => {
  test("a `progress` log line with the figures every logEveryMs", () => {
    jest.useFakeTimers();
    const lines: string[] = [];
    let read = 100;
    const progress = startProgress({
      snapshot: () => snapshotAt(T0 + (read - 100) * 10, { elementsRead: read }),
      interactive: false,
      logger: createLogger({ level: "info", pretty: false, destination: { write: (l: string) => void lines.push(l) } }),
      logEveryMs: 10_000,
    });
    try {
      read = 200; // 100 more records over 1 s of snapshot time
      jest.advanceTimersByTime(9_999);
      expect(lines).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
        expect.objectContaining({ msg: "progress", eventsPerSecond: 100, recordsRead: 200, consumerLag: 20, deadLetters: 3 }),
      ]);
    } finally {
      progress.stop();
      jest.useRealTimers();
    }
  });
});

describe("progress bar (npm run produce on a terminal)", () => {
  test("done/total, percent, rate and ETA", () => {
    expect(progressBar(1600, 4000, 8000, 10)).toBe("[████░░░░░░]  1,600/4,000  40%  200/s  ETA 12s");
    expect(progressBar(0, 4000, 0, 4)).toBe("[░░░░]  0/4,000  0%  0/s  ETA —");
    expect(progressBar(100, 100_000, 1000, 4)).toBe("[░░░░]  100/100,000  0%  100/s  ETA 16m39s");
    expect(progressBar(4000, 4000, 20_000, 4)).toBe("[████]  4,000/4,000  100%  200/s  ETA 0s");
  });
});
