import { harness, listOf, sec, spec } from "./harness";

const ALICE = "alice";
const BOB = "bob";
const sessions10s = { kind: "sessions", gap: sec(10) } as const;

describe("session windows with the default trigger", () => {
  test("overlapping proto-windows of one key merge into one session; other keys stay apart", () => {
    const h = harness(spec(sessions10s), listOf);
    h.add(ALICE, sec(1));
    h.add(BOB, sec(5));
    h.add(ALICE, sec(8));
    h.add(ALICE, sec(30));
    expect(h.grouping.liveStateCount()).toBe(3);
    h.watermark(sec(100));
    expect(h.take()).toEqual([
      { key: BOB, window: [sec(5), sec(15)], value: [sec(5)], timestamp: sec(15) - 1, pane: "ON_TIME first last #0/0" },
      { key: ALICE, window: [sec(1), sec(18)], value: [sec(1), sec(8)], timestamp: sec(18) - 1, pane: "ON_TIME first last #0/0" },
      { key: ALICE, window: [sec(30), sec(40)], value: [sec(30)], timestamp: sec(40) - 1, pane: "ON_TIME first last #0/0" },
    ]);
    expect(h.grouping.liveStateCount()).toBe(0);
  });

  test("an element bridging two sessions merges them into one", () => {
    const h = harness(spec(sessions10s), listOf);
    h.add(ALICE, sec(0));
    h.add(ALICE, sec(15));
    expect(h.grouping.liveStateCount()).toBe(2);
    h.add(ALICE, sec(8));
    expect(h.grouping.liveStateCount()).toBe(1);
    h.watermark(sec(100));
    expect(h.take().map((f) => [f.window, f.value])).toEqual([[[0, sec(25)], [0, sec(8), sec(15)]]]);
  });

  test("touching proto-windows [0,10) and [10,20) do not merge (Beam's intervals are half-open)", () => {
    const h = harness(spec(sessions10s), listOf);
    h.add(ALICE, sec(0));
    h.add(ALICE, sec(10));
    expect(h.grouping.liveStateCount()).toBe(2);
  });
});
