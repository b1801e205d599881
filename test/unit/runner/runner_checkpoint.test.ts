/**
 * Runner checkpoints around the grouped steps (runners/direct/checkpoint): what is captured, when a checkpoint is
 * refused (a step holds elements back, a value cannot be restored) or not restored (the job changed), and the
 * checkpoint files (durable write, read, pruning of older ones).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GroupingOperator } from "../../../runners/direct/operators/grouping_operator";
import type { StepOperator } from "../../../runners/direct/operators/operator";
import { InFlight } from "../../../runners/direct/in_flight";
import { Metrics } from "../../../runners/direct/metrics";
import { RecentPanes } from "../../../runners/direct/observability/recent_panes";
import { virtualClock } from "../../../runners/direct/clock";
import { runnerCheckpoints, stepFingerprint } from "../../../runners/direct/checkpoint/runner_checkpoint";
import {
  checkpointFolder,
  checkpointId,
  pruneCheckpoints,
  readCheckpoint,
  writeCheckpoint,
} from "../../../runners/direct/checkpoint/checkpoint_files";
import { NO_FIRING, WATERMARK_DONE, type Aggregator, type Millis, type Pane, type Window, type WindowingSpec } from "../../../model/model";
import { assignWindows } from "../../../model/window_fns";

const SESSIONS: WindowingSpec = {
  windowFn: { kind: "sessions", gap: 30_000 },
  trigger: { kind: "default" },
  accumulation: "ACCUMULATING",
  allowedLateness: 0,
  timestampCombiner: "END_OF_WINDOW",
  closingBehavior: "FIRE_ALWAYS",
  onTimeBehavior: "FIRE_IF_NON_EMPTY",
};

const sum: Aggregator<number, number, number> = {
  create: () => 0,
  add: (a, v) => a + v,
  merge: (as) => as.reduce((x, y) => x + y, 0),
  extract: (a) => a,
};

interface Emitted {
  readonly value: unknown;
  readonly window: Window;
  readonly pane: Pane;
}

/** Keeps the values as they are (a GroupByKey's list). */
const list: Aggregator<unknown, unknown[], unknown[]> = {
  create: () => [],
  add: (a, v) => [...a, v],
  merge: (as) => as.flat(),
  extract: (a) => a,
};

function operator(out: Emitted[], aggregator: Aggregator<unknown, unknown, unknown> = sum as Aggregator<unknown, unknown, unknown>): GroupingOperator {
  const services = { inFlight: new InFlight(10, () => undefined), metrics: new Metrics(), clock: virtualClock(0), recentPanes: new RecentPanes() };
  const results = { receive: (value: unknown, _t: Millis, windows: readonly Window[], pane: Pane) => void out.push({ value, window: windows[0], pane }) };
  return new GroupingOperator("sum per key", SESSIONS, aggregator, results, undefined, services);
}

function add(op: GroupingOperator, key: string, at: Millis, cents: number): void {
  op.receive({ key, value: cents }, at, assignWindows(SESSIONS.windowFn, at), NO_FIRING);
}

const fingerprint = stepFingerprint("windowedCombine", SESSIONS, new Uint8Array([1, 2, 3]));
const holdingNothing: StepOperator[] = [];

describe("runner checkpoints", () => {
  test("an open session captured and restored into a new operator continues: the final pane counts every element", () => {
    const before: Emitted[] = [];
    const first = operator(before);
    add(first, "alice", 0, 1);
    add(first, "alice", 20_000, 2);
    first.advanceInputWatermark(40_000); // the own windows of both elements are behind it; the session is not
    const captured = runnerCheckpoints("/unused", { grouped: [{ name: "sum per key", op: first, fingerprint }], others: holdingNothing }).capture();
    if (!("json" in captured)) throw new Error(captured.reason);

    const after: Emitted[] = [];
    const second = operator(after);
    const checkpoints = runnerCheckpoints("/unused", { grouped: [{ name: "sum per key", op: second, fingerprint }], others: holdingNothing });
    expect(checkpoints.restore(captured.json)).toBeUndefined();
    expect(second.observe().inputWatermark).toBe(40_000);
    add(second, "alice", 45_000, 4);
    second.advanceInputWatermark(WATERMARK_DONE);
    expect(after.map((e) => [e.value, e.window.start, e.window.end, e.pane.isLast])).toEqual([[{ key: "alice", value: 7 }, 0, 75_000, true]]);
    expect(before).toEqual([]);
  });

  test("not restored when the job changed (another windowing or combine, a step renamed), with the reason", () => {
    const first = operator([]);
    add(first, "alice", 0, 1);
    const captured = runnerCheckpoints("/unused", { grouped: [{ name: "sum per key", op: first, fingerprint }], others: holdingNothing }).capture();
    if (!("json" in captured)) throw new Error(captured.reason);
    const other = stepFingerprint("windowedCombine", { ...SESSIONS, allowedLateness: 60_000 }, new Uint8Array([1, 2, 3]));
    expect(other).not.toBe(fingerprint);
    const changed = runnerCheckpoints("/unused", { grouped: [{ name: "sum per key", op: operator([]), fingerprint: other }], others: holdingNothing });
    expect(changed.restore(captured.json)).toBe("the windowing or combine of sum per key changed");
    const renamed = runnerCheckpoints("/unused", { grouped: [{ name: "total", op: operator([]), fingerprint }], others: holdingNothing });
    expect(renamed.restore(captured.json)).toMatch(/grouped steps changed \(checkpoint: sum per key; now: total\)/);
    expect(renamed.restore("{not json")).toBe("it is not valid JSON");
    // Valid JSON of the right version and fingerprint, but not a state: nothing restored, the reason given.
    const fresh = operator([]);
    const damaged = runnerCheckpoints("/unused", { grouped: [{ name: "sum per key", op: fresh, fingerprint }], others: holdingNothing });
    const text = JSON.stringify({ v: 1, steps: { "sum per key": { f: fingerprint, s: { iw: 5, w: [["alice", "x"]] } } } });
    expect(damaged.restore(text)).toMatch(/^it is damaged \(/);
    expect(fresh.liveStateCount()).toBe(0);
  });

  test("refused while a step holds elements back, or when a state value cannot be restored as it was", () => {
    const op = operator([]);
    add(op, "alice", 0, 1);
    const waiting: StepOperator = { receive: () => undefined, hold: () => 5, finishBundle: () => undefined } as unknown as StepOperator;
    const held = runnerCheckpoints("/unused", { grouped: [{ name: "sum per key", op, fingerprint }], others: [waiting] }).capture();
    expect(held).toEqual({ reason: "a step holds elements back (waiting for a side input)" });

    class Cents {
      constructor(readonly n: number) {}
    }
    const odd = operator([], list as Aggregator<unknown, unknown, unknown>);
    odd.receive({ key: "alice", value: new Cents(1) }, 0, assignWindows(SESSIONS.windowFn, 0), NO_FIRING);
    const refused = runnerCheckpoints("/unused", {
      grouped: [{ name: "sum per key", op: odd, fingerprint }],
      others: holdingNothing,
    }).capture();
    expect("reason" in refused && refused.reason).toMatch(/is a Cents, which a checkpoint cannot restore/);
  });

  test("files: written whole under the group's folder, read back by id, older ones pruned after a commit", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "checkpoints-"));
    try {
      const folder = checkpointFolder(dir, "group/with slash", "topic");
      expect(path.relative(dir, folder)).toBe(path.join("group%2Fwith%20slash", "topic"));
      const ids = [checkpointId(0), checkpointId(1), checkpointId(2)];
      expect([...ids].sort()).toEqual(ids);
      for (const id of ids) await writeCheckpoint(folder, id, `{"id":"${id}"}`);
      fs.writeFileSync(path.join(folder, `checkpoint-${ids[0]}.json.tmp`), "partial");
      expect(await readCheckpoint(folder, ids[1])).toBe(`{"id":"${ids[1]}"}`);
      expect(await readCheckpoint(folder, "nope")).toBeUndefined();
      await pruneCheckpoints(folder, ids[1]);
      expect(fs.readdirSync(folder).sort()).toEqual([`checkpoint-${ids[1]}.json`, `checkpoint-${ids[2]}.json`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
