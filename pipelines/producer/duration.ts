/**
 * Durations on the command line: a number of milliseconds ("1500") or a number with a unit
 * ("250ms", "30s", "2m", "1h"). Returns milliseconds, or throws an error that shows the accepted forms.
 */
const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string, what: string): number {
  const t = text.trim();
  let i = 0;
  while (i < t.length && ((t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) || t[i] === ".")) i++;
  const amount = Number(t.slice(0, i));
  const unit = t.slice(i) === "" ? "ms" : t.slice(i);
  const scale = UNITS[unit];
  if (i === 0 || !Number.isFinite(amount) || scale === undefined) {
    throw new Error(`${what}: expected a duration such as 500ms, 30s, 2m or 1h, got "${text}"`);
  }
  return Math.round(amount * scale);
}
