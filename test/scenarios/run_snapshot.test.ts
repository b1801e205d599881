/**
 * What a run reports about itself (result.snapshot()), on TestStream: panes by timing, elements late within the
 * allowed lateness, droppable elements, per-step element counts, open windows and the most recent panes.
 */
import { fixedWindows, minutes, testStream } from "../../transforms";
import { BAGEL, CROISSANT, ESPRESSO, runSalesScenario, sale, type Sale } from "./support";

describe("run snapshot", () => {
  test("exact pane, late and dropped counts for a scripted stream", async () => {
    const out = await runSalesScenario(
      testStream<Sale>()
        .addElements(sale(ESPRESSO, 3, minutes(1)), sale(ESPRESSO, 4, minutes(3)), sale(CROISSANT, 2, minutes(9)))
        .advanceWatermarkTo(minutes(11)) // [0, 10) on time for both products
        .addElements(sale(ESPRESSO, 5, minutes(2))) // late, within 5 minutes of lateness: a LATE pane
        .advanceWatermarkTo(minutes(20)) // [0, 10) expires at 15 min
        .addElements(sale(ESPRESSO, 1, minutes(4)), sale(BAGEL, 1, minutes(25))) // droppable; on time
        .advanceWatermarkToInfinity(),
      fixedWindows(minutes(10)),
      { allowedLateness: minutes(5), accumulation: "ACCUMULATING" },
    );
    const [grouped] = out.snapshot.grouped;
    expect(grouped.panes).toEqual({ EARLY: 0, ON_TIME: 3, LATE: 1, UNKNOWN: 0 });
    expect(grouped.lateElements).toBe(1);
    expect(grouped.droppedDueToLateness).toBe(1);
    expect(out.counters.droppedDueToLateness).toBe(1);
    expect(grouped.openWindows).toBe(0);
    expect(grouped.inputWatermark).toBe(Infinity);
    expect(out.snapshot.state).toBe("DONE");

    // Every step's received elements: 6 sales in; the grouped step got all 6, its results 4 panes.
    const byName = new Map(out.snapshot.steps.map((s) => [s.name, s.elements]));
    expect([...byName]).toEqual([
      ["testStream", 6],
      ["WindowInto(fixedWindows(600000ms))/AssignWindows", 6],
      ["windowedCombine/map(keyAndValue)", 6],
      ["windowedCombine/combinePerKeyAndWindow", 6],
      ["capture(results)/parDo([object Object])", 4], // 4 panes
      ["capture(late)/parDo([object Object])", 1], // the dropped sale
    ]);
    expect(out.snapshot.steps[0].kind).toBe("source");
    for (const step of out.snapshot.steps.slice(1)) expect(step.inputs.length).toBeGreaterThan(0);

    expect(out.snapshot.recentPanes.map((p) => [p.key, p.timing, p.index, p.isLast, p.value])).toEqual([
      [ESPRESSO, "ON_TIME", 0, false, "7"],
      [CROISSANT, "ON_TIME", 0, false, "2"],
      [ESPRESSO, "LATE", 1, false, "12"],
      [BAGEL, "ON_TIME", 0, true, "1"],
    ]);
  });
});
