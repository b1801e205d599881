import { createWatermarkPolicy, type WatermarkPolicy } from "../../runners/direct/sources/kafka_watermarks";
import { WATERMARK_DONE, WATERMARK_START } from "../../model/model";

const BEGINNING = Date.UTC(2026, 10, 27, 12, 0, 0);
const seconds = (n: number): number => BEGINNING + n * 1000;
const minutes = (n: number): number => seconds(n * 60);
const DELAY = 10_000;
const IDLE = 5_000;
/** Processing time, separate from event time: the wall clock of the consumer. */
const WALL = 1_000_000;
const wall = (s: number): number => WALL + s * 1000;

const P0 = "sales:0";
const P1 = "sales:1";
const P2 = "sales:2";

function policyWith(...partitions: string[]): WatermarkPolicy {
  const policy = createWatermarkPolicy({ watermarkDelay: DELAY, idleTimeout: IDLE });
  for (const p of partitions) policy.assign(p, wall(0));
  return policy;
}

describe("kafka watermark policy", () => {
  test("before any record the watermark is unknown (−∞)", () => {
    const policy = policyWith(P0);
    expect(policy.current(wall(1))).toBe(WATERMARK_START);
  });

  test("partition watermark is the newest event time minus the delay; out-of-order records do not lower it", () => {
    const policy = policyWith(P0);
    policy.observe(P0, minutes(1), wall(1));
    expect(policy.current(wall(1))).toBe(minutes(1) - DELAY);
    policy.observe(P0, seconds(20), wall(2));
    expect(policy.partitionWatermark(P0)).toBe(minutes(1) - DELAY);
    expect(policy.current(wall(2))).toBe(minutes(1) - DELAY);
  });

  test("the source watermark is the minimum over the assigned partitions", () => {
    const policy = policyWith(P0, P1);
    policy.observe(P0, minutes(5), wall(1));
    expect(policy.current(wall(1))).toBe(WATERMARK_START);
    policy.observe(P1, minutes(2), wall(1));
    expect(policy.current(wall(1))).toBe(minutes(2) - DELAY);
  });

  test("a silent partition holds the watermark until the idle timeout, then stops holding it", () => {
    const policy = policyWith(P0, P1);
    policy.observe(P0, minutes(1), wall(1));
    policy.observe(P1, seconds(30), wall(1));
    policy.observe(P0, minutes(3), wall(4));
    expect(policy.current(wall(4))).toBe(seconds(30) - DELAY);
    expect(policy.isIdle(P1, wall(5))).toBe(false);
    expect(policy.isIdle(P1, wall(6))).toBe(true);
    expect(policy.current(wall(6))).toBe(minutes(3) - DELAY);
  });

  test("a partition that never receives data stops holding the watermark after the idle timeout", () => {
    const policy = policyWith(P0, P1);
    policy.observe(P0, minutes(2), wall(1));
    expect(policy.current(wall(4))).toBe(WATERMARK_START);
    policy.observe(P0, minutes(2), wall(5));
    expect(policy.current(wall(5))).toBe(minutes(2) - DELAY);
  });

  test("an idle partition rejoins when data arrives, without moving the watermark backwards", () => {
    const policy = policyWith(P0, P1);
    policy.observe(P0, minutes(1), wall(0));
    policy.observe(P1, seconds(30), wall(0));
    policy.observe(P0, minutes(4), wall(6));
    expect(policy.current(wall(6))).toBe(minutes(4) - DELAY);
    policy.observe(P1, minutes(2), wall(7));
    expect(policy.isIdle(P1, wall(7))).toBe(false);
    expect(policy.current(wall(7))).toBe(minutes(4) - DELAY);
    policy.observe(P0, minutes(6), wall(8));
    expect(policy.current(wall(8))).toBe(minutes(4) - DELAY);
    policy.observe(P1, minutes(5), wall(9));
    expect(policy.current(wall(9))).toBe(minutes(5) - DELAY);
  });

  test("records buffered but not yet handed on keep a partition active without moving its watermark", () => {
    const policy = policyWith(P0, P1);
    policy.observe(P0, minutes(3), wall(0));
    policy.observe(P1, minutes(1), wall(0));
    policy.touch(P1, wall(4));
    expect(policy.isIdle(P1, wall(8))).toBe(false);
    expect(policy.current(wall(8))).toBe(minutes(1) - DELAY);
    expect(policy.quietFor(wall(8))).toBe(4000);
  });

  test("a partition paused by backpressure is never idle; resuming restarts its idle clock", () => {
    const policy = policyWith(P0, P1);
    policy.observe(P0, minutes(3), wall(0));
    policy.observe(P1, minutes(1), wall(0));
    policy.setFetching(P1, false, wall(1));
    expect(policy.isIdle(P1, wall(20))).toBe(false);
    expect(policy.current(wall(20))).toBe(minutes(1) - DELAY);
    policy.setFetching(P1, true, wall(20));
    expect(policy.isIdle(P1, wall(24))).toBe(false);
    expect(policy.isIdle(P1, wall(25))).toBe(true);
  });

  test("when every partition is idle the watermark is the most advanced partition's, whatever fell silent first", () => {
    const first = policyWith(P0, P1);
    first.observe(P0, minutes(3), wall(0));
    first.observe(P1, minutes(1), wall(0));
    expect(first.current(wall(10))).toBe(minutes(3) - DELAY);

    const second = policyWith(P0, P1);
    second.observe(P0, minutes(3), wall(0));
    second.observe(P1, minutes(1), wall(3));
    expect(second.current(wall(6))).toBe(minutes(1) - DELAY);
    expect(second.current(wall(9))).toBe(minutes(3) - DELAY);
  });

  test("a rebalance that revokes the slowest partition advances the watermark; a new one never lowers it", () => {
    const policy = policyWith(P0, P1);
    policy.observe(P0, minutes(3), wall(0));
    policy.observe(P1, minutes(1), wall(0));
    expect(policy.current(wall(1))).toBe(minutes(1) - DELAY);
    policy.revoke(P1);
    expect(policy.current(wall(1))).toBe(minutes(3) - DELAY);
    policy.assign(P2, wall(2));
    expect(policy.current(wall(2))).toBe(minutes(3) - DELAY);
    policy.observe(P0, minutes(8), wall(3));
    expect(policy.current(wall(3))).toBe(minutes(3) - DELAY);
    policy.observe(P2, minutes(7), wall(3));
    expect(policy.current(wall(3))).toBe(minutes(7) - DELAY);
  });

  test("reassigning a partition it already has keeps its watermark", () => {
    const policy = policyWith(P0);
    policy.observe(P0, minutes(3), wall(0));
    policy.assign(P0, wall(1));
    expect(policy.partitionWatermark(P0)).toBe(minutes(3) - DELAY);
  });

  test("restored watermarks: the floor and each partition's watermark survive a restart", () => {
    const policy = createWatermarkPolicy({ watermarkDelay: DELAY, idleTimeout: IDLE, initialWatermark: minutes(2) });
    expect(policy.current(wall(0))).toBe(minutes(2));
    policy.assign(P0, wall(0), minutes(4));
    policy.assign(P1, wall(0), minutes(2));
    expect(policy.current(wall(0))).toBe(minutes(2));
    policy.observe(P1, minutes(6), wall(1));
    expect(policy.current(wall(1))).toBe(minutes(4));
    policy.observe(P0, seconds(30), wall(1));
    expect(policy.partitionWatermark(P0)).toBe(minutes(4));
  });

  test("end of input moves the watermark to +∞ for good", () => {
    const policy = policyWith(P0);
    policy.observe(P0, minutes(1), wall(0));
    policy.finish();
    expect(policy.current(wall(1))).toBe(WATERMARK_DONE);
    policy.observe(P0, minutes(9), wall(2));
    expect(policy.current(wall(2))).toBe(WATERMARK_DONE);
  });

  test("quietFor measures the silence since the last record on any partition", () => {
    const policy = policyWith(P0, P1);
    expect(policy.quietFor(wall(3))).toBe(3000);
    policy.observe(P1, minutes(1), wall(4));
    expect(policy.quietFor(wall(10))).toBe(6000);
  });

  test("invalid knobs are rejected with the reason", () => {
    expect(() => createWatermarkPolicy({ watermarkDelay: -1, idleTimeout: IDLE })).toThrow(/watermark delay/);
    expect(() => createWatermarkPolicy({ watermarkDelay: DELAY, idleTimeout: 0 })).toThrow(/idle timeout/);
  });
});
