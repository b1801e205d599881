/** A hand-written run snapshot for the ops unit tests. */
import type { RunSnapshot } from "../../../model/run_snapshot";

export const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);

export function snapshotAt(at: number, overrides: Partial<RunSnapshot> = {}): RunSnapshot {
  return {
    at,
    state: "RUNNING",
    elementsRead: 100,
    counters: { deadLetters: 3, "deadLetters.invalid_json": 2, "deadLetters.missing_field": 1, droppedDueToLateness: 4 },
    steps: [
      { index: 0, name: "readFromKafka", kind: "source", inputs: [], elements: 100 },
      { index: 1, name: "parse", kind: "pardo", inputs: [0], elements: 100 },
      { index: 2, name: "combine", kind: "windowedCombine", inputs: [1], elements: 97 },
    ],
    sources: [
      {
        step: "readFromKafka",
        watermark: T0 - 30_000,
        connected: true,
        outages: 0,
        partitions: [
          { topic: "t", partition: 0, recordsRead: 60, watermark: T0 - 30_000, idle: false, logEndOffset: 80, position: 60, committedOffset: 40 },
          { topic: "t", partition: 1, recordsRead: 40, watermark: T0 - 20_000, idle: true, logEndOffset: 40, position: 40, committedOffset: undefined },
        ],
      },
    ],
    grouped: [
      {
        step: "combine",
        inputWatermark: T0 - 30_000,
        outputWatermark: T0 - 30_000,
        openWindows: 7,
        panes: { EARLY: 1, ON_TIME: 5, LATE: 2, UNKNOWN: 0 },
        lateElements: 2,
        droppedDueToLateness: 4,
      },
    ],
    recentPanes: [],
    sinks: [],
    ...overrides,
  };
}
