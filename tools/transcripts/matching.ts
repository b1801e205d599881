/**
 * Matching expectations against observed outputs. Expectations are partial (absent attributes are not
 * compared); `values` of a `list` pane are a multiset. The matching is a maximum bipartite matching, so a
 * loose expectation never steals the output a stricter one needs. What is left unmatched on either side is
 * described with the attributes that differ from the closest counterpart.
 */
import { ExpectedLate, ExpectedPane, Scalar, WindowBounds } from "./transcript";
import { ObservedLate, ObservedPane, sortedValues } from "./observed";

export interface Matching<E, A> {
  /** Expected items no output matched. */
  readonly unmatchedExpected: readonly E[];
  /** Outputs no expectation matched. */
  readonly unmatchedActual: readonly A[];
}

/** The attribute names where `actual` differs from `expected` (empty when it matches). */
export type Differ<E, A> = (expected: E, actual: A) => string[];

export function match<E, A>(expected: readonly E[], actual: readonly A[], differ: Differ<E, A>): Matching<E, A> {
  const fits = expected.map((e) => actual.map((a) => differ(e, a).length === 0));
  const ownerOf: (number | undefined)[] = actual.map(() => undefined);
  const augment = (e: number, seen: boolean[]): boolean => {
    for (let a = 0; a < actual.length; a++) {
      if (!fits[e][a] || seen[a]) continue;
      seen[a] = true;
      const owner = ownerOf[a];
      if (owner === undefined || augment(owner, seen)) {
        ownerOf[a] = e;
        return true;
      }
    }
    return false;
  };
  const matched = expected.map((_, e) => augment(e, actual.map(() => false)));
  return {
    unmatchedExpected: expected.filter((_, e) => !matched[e]),
    unmatchedActual: actual.filter((_, a) => ownerOf[a] === undefined),
  };
}

function sameWindow(a: WindowBounds, b: WindowBounds): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

function sameScalar(a: Scalar | undefined, b: Scalar | undefined): boolean {
  return a === b;
}

function sameNumber(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function sameValues(expected: readonly Scalar[] | number, actual: readonly Scalar[] | number): boolean {
  if (typeof expected === "number" || typeof actual === "number") {
    return typeof expected === "number" && typeof actual === "number" && sameNumber(expected, actual);
  }
  if (expected.length !== actual.length) return false;
  const a = sortedValues(actual);
  return sortedValues(expected).every((v, i) => v === a[i]);
}

export const paneDiffer: Differ<ExpectedPane, ObservedPane> = (e, a) => {
  const diffs: string[] = [];
  if (e.key !== undefined && !sameScalar(e.key, a.key)) diffs.push("key");
  if (e.window !== undefined && !sameWindow(e.window, a.window)) diffs.push("window");
  if (e.values !== undefined && !sameValues(e.values, a.values)) diffs.push("values");
  for (const k of ["timestamp", "index", "nonspeculative_index", "early", "late", "final", "first"] as const) {
    if (e[k] !== undefined && e[k] !== a[k]) diffs.push(k);
  }
  return diffs;
};

export const lateDiffer: Differ<ExpectedLate, ObservedLate> = (e, a) => {
  const diffs: string[] = [];
  if (e.key !== undefined && !sameScalar(e.key, a.key)) diffs.push("key");
  if (e.value !== undefined && !sameScalar(e.value, a.value)) diffs.push("value");
  if (e.timestamp !== undefined && e.timestamp !== a.timestamp) diffs.push("timestamp");
  if (e.window !== undefined && !a.windows.some((w) => sameWindow(w, e.window as WindowBounds))) diffs.push("window");
  if (e.reason !== undefined && e.reason !== a.reason) diffs.push("reason");
  return diffs;
};

/** The candidate differing in the fewest attributes, with those attributes; undefined if there are none. */
export function closest<E, A>(expected: E, candidates: readonly A[], differ: Differ<E, A>): { actual: A; diffs: string[] } | undefined {
  let best: { actual: A; diffs: string[] } | undefined;
  for (const actual of candidates) {
    const diffs = differ(expected, actual);
    if (best === undefined || diffs.length < best.diffs.length) best = { actual, diffs };
  }
  return best;
}
