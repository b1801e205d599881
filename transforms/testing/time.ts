/** Named times for scenario tests: event times are offsets from BEGINNING, in milliseconds. */
export { seconds, minutes, hours } from "../windowing";

export const BEGINNING = 0;
