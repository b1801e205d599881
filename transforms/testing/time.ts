/** Named times for scenario tests: event times are offsets from BEGINNING, in milliseconds. */
export const BEGINNING = 0;

export function seconds(n: number): number {
  return n * 1000;
}

export function minutes(n: number): number {
  return n * 60_000;
}

export function hours(n: number): number {
  return n * 3_600_000;
}
