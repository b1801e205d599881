import { formatLate } from "../../sales/console_lines";

describe("late-data lines", () => {
  const late = {
    key: "prod_1",
    value: { event_id: "evt_1" },
    timestamp: Date.UTC(2026, 10, 27, 12, 0, 15, 120),
    windows: [{ start: Date.UTC(2026, 10, 27, 12, 0), end: Date.UTC(2026, 10, 27, 12, 1) }],
  };

  test("the watermark's date is printed when it is another day than the event's", () => {
    expect(formatLate({ ...late, watermark: Date.UTC(2099, 11, 31, 23, 59, 50) })).toBe(
      "[LATE DATA]         prod_1 evt_1 at 12:00:15.120Z missed 12:00:00–12:01:00Z (watermark 2099-12-31 23:59:50Z)",
    );
  });

  test("and only the time of day on the same day", () => {
    expect(formatLate({ ...late, watermark: Date.UTC(2026, 10, 27, 12, 3, 10) })).toBe(
      "[LATE DATA]         prod_1 evt_1 at 12:00:15.120Z missed 12:00:00–12:01:00Z (watermark 12:03:10Z)",
    );
  });
});
