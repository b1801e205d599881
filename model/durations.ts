/** Durations are plain numbers of milliseconds; `seconds(5)`, `minutes(1)` and `hours(1)` say what they mean. */
import type { Millis } from "./model";

export const millis = (n: number): Millis => n;
export const seconds = (n: number): Millis => n * 1000;
export const minutes = (n: number): Millis => n * 60_000;
export const hours = (n: number): Millis => n * 3_600_000;
