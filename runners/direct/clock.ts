/** Processing time for the direct runner: the wall clock, or a virtual clock that TestStream moves. */
import type { Millis } from "../../model/model";

export interface Clock {
  now(): Millis;
  readonly virtual: boolean;
}

export function realClock(): Clock {
  return { now: () => Date.now(), virtual: false };
}

export interface VirtualClock extends Clock {
  /** Moves the clock to `time` (never backwards). */
  advanceTo(time: Millis): void;
}

/** Starts at `start` (default 0) and only moves when told to: no sleeps, deterministic. */
export function virtualClock(start: Millis = 0): VirtualClock {
  let current = start;
  return {
    virtual: true,
    now: () => current,
    advanceTo(time: Millis): void {
      if (time > current) current = time;
    },
  };
}
