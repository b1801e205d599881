/** The closing line: the same three figures on every runner, an unknown one said so (with why), never left out. */
import { closingFields, closingLine } from "../../pipelines/run_summary";

const FIGURES = /^pipeline: done in [\d.]+ s on (\w+): (\d+|unknown) records read, (\d+|unknown) dead letters, (\d+|unknown) records (to the late-data output|too late for their windows) \(droppedDueToLateness/;

describe("closing line", () => {
  test("direct and flink print records read, dead letters and the late-data output's records", () => {
    const direct = closingLine({ runner: "direct", seconds: 12.34, recordsRead: 4000, deadLetters: 40, lateDataOutput: 27 });
    expect(direct).toBe("pipeline: done in 12.3 s on direct: 4000 records read, 40 dead letters, 27 records to the late-data output (droppedDueToLateness)");
    const flink = closingLine({
      runner: "flink",
      seconds: 30,
      recordsRead: 4000,
      deadLetters: undefined,
      lateDataOutput: 25,
      lateDataElsewhere: "Flink drops them: its late-data output is empty",
      unknownBecause: "dead letters: the SDK's worker reports no counters to this runner, see the dead-letter output",
      suffix: "; PostgreSQL: 100 result rows",
    });
    expect(flink).toBe(
      "pipeline: done in 30.0 s on flink: 4000 records read, unknown dead letters, 25 records too late for their windows " +
        "(droppedDueToLateness; Flink drops them: its late-data output is empty) [unknown: dead letters: the SDK's worker " +
        "reports no counters to this runner, see the dead-letter output]; PostgreSQL: 100 result rows",
    );
    expect([direct, flink].map((line) => FIGURES.exec(line)?.slice(1, 5))).toEqual([
      ["direct", "4000", "40", "27"],
      ["flink", "4000", "unknown", "25"],
    ]);
  });

  test("the JSON log line carries the figures as numbers, null when unknown", () => {
    expect(closingFields({ runner: "flink", seconds: 1.26, recordsRead: undefined, deadLetters: 2, lateDataOutput: 0 })).toEqual({
      runner: "flink",
      seconds: 1.3,
      recordsRead: null,
      deadLetters: 2,
      droppedDueToLateness: 0,
    });
  });
});
