/**
 * PAssert-style assertions over captured panes:
 *
 *   assertPanes(sums).inOnTimePane(window(BEGINNING, minutes(1))).containsInAnyOrder({ key: ALICE, value: 5 });
 *   assertPanes(sums).inFinalPane(w).containsInAnyOrder(...);
 *   assertPanes(sums).inLatePanes(w).containsInAnyOrder(...);
 *   assertPanes(sums).inWindow(w).satisfies((values) => ...);
 *   assertPanes(late).containsInAnyOrder(...);
 *
 * A failing assertion throws an Error whose message lists what was expected, what was found, what is missing
 * and what is unexpected (every captured element with its window and pane), so jest prints a readable diff.
 */
import type { CapturedElement, CapturedWindow } from "./captured";
import type { PaneCapture } from "./capture";

/** A window [start, end) in ms. */
export function window(start: number, end: number): CapturedWindow {
  if (!(end > start)) throw new Error(`window(${start}, ${end}): end must be after start.`);
  return { start, end };
}

/** Deterministic JSON (object keys sorted) for comparing values structurally. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    return v;
  });
}

function describeWindow(w: CapturedWindow): string {
  return w.global ? "GlobalWindow" : `[${w.start}, ${w.end})`;
}

function describe<T>(element: CapturedElement<T>): string {
  const p = element.pane;
  const flags = [p.isFirst ? "first" : "", p.isLast ? "last" : ""].filter(Boolean).join(",");
  return (
    `${canonical(element.value)}  @${element.timestamp} in ${describeWindow(element.window)} ` +
    `pane ${p.timing}#${p.index}${flags ? ` (${flags})` : ""} nonSpeculativeIndex=${p.nonSpeculativeIndex}`
  );
}

function sameWindow(a: CapturedWindow, b: CapturedWindow): boolean {
  return a.start === b.start && a.end === b.end;
}

export class PaneAssert<T> {
  constructor(
    private readonly all: readonly CapturedElement<T>[],
    private readonly selected: readonly CapturedElement<T>[],
    private readonly scope: string,
  ) {}

  private narrow(scope: string, keep: (e: CapturedElement<T>) => boolean): PaneAssert<T> {
    return new PaneAssert(this.all, this.selected.filter(keep), `${this.scope} ${scope}`.trim());
  }

  /** Every pane of window W. */
  inWindow(w: CapturedWindow): PaneAssert<T> {
    return this.narrow(`in window ${describeWindow(w)}`, (e) => sameWindow(e.window, w));
  }

  /** The ON_TIME pane of W (fails if there is more than one). */
  inOnTimePane(w: CapturedWindow): PaneAssert<T> {
    const narrowed = this.narrow(`in the on-time pane of ${describeWindow(w)}`, (e) => sameWindow(e.window, w) && e.pane.timing === "ON_TIME");
    narrowed.atMostOnePanePerKey();
    return narrowed;
  }

  /** The final pane (isLast) of W. */
  inFinalPane(w: CapturedWindow): PaneAssert<T> {
    return this.narrow(`in the final pane of ${describeWindow(w)}`, (e) => sameWindow(e.window, w) && e.pane.isLast);
  }

  /** The EARLY panes of W. */
  inEarlyPanes(w: CapturedWindow): PaneAssert<T> {
    return this.narrow(`in early panes of ${describeWindow(w)}`, (e) => sameWindow(e.window, w) && e.pane.timing === "EARLY");
  }

  /** The LATE panes of W. */
  inLatePanes(w: CapturedWindow): PaneAssert<T> {
    return this.narrow(`in late panes of ${describeWindow(w)}`, (e) => sameWindow(e.window, w) && e.pane.timing === "LATE");
  }

  /** Only elements whose value satisfies `keep` (e.g. one key). */
  where(description: string, keep: (value: T) => boolean): PaneAssert<T> {
    return this.narrow(`where ${description}`, (e) => keep(e.value));
  }

  /** The selected values are exactly `expected`, in any order (a multiset comparison). */
  containsInAnyOrder(...expected: T[]): PaneAssert<T> {
    const remaining = this.selected.map((e) => canonical(e.value));
    const missing: string[] = [];
    for (const value of expected) {
      const key = canonical(value);
      const at = remaining.indexOf(key);
      if (at === -1) missing.push(key);
      else remaining.splice(at, 1);
    }
    if (missing.length > 0 || remaining.length > 0) {
      this.fail(
        `expected exactly ${expected.length} element(s) in any order`,
        [
          "expected:",
          ...expected.map((v) => `  ${canonical(v)}`),
          "missing:",
          ...(missing.length ? missing.map((m) => `  - ${m}`) : ["  (none)"]),
          "unexpected:",
          ...(remaining.length ? remaining.map((m) => `  + ${m}`) : ["  (none)"]),
        ],
      );
    }
    return this;
  }

  isEmpty(): PaneAssert<T> {
    if (this.selected.length > 0) this.fail("expected no elements", []);
    return this;
  }

  /** Runs a custom check on the selected elements; a thrown error or `false` fails with the capture listed. */
  satisfies(description: string, check: (elements: readonly CapturedElement<T>[]) => boolean | void): PaneAssert<T> {
    let ok: boolean | void;
    try {
      ok = check(this.selected);
    } catch (error) {
      this.fail(`expected ${description}: ${(error as Error).message}`, []);
    }
    if (ok === false) this.fail(`expected ${description}`, []);
    return this;
  }

  /** The selected elements, for custom expectations. */
  elements(): readonly CapturedElement<T>[] {
    return this.selected;
  }

  private atMostOnePanePerKey(): void {
    // Only {key, value} elements name their key; other values may legitimately share a window's on-time pane.
    const seen = new Map<string, number>();
    for (const element of this.selected) {
      const value = element.value as unknown;
      if (!(value && typeof value === "object" && "key" in value)) continue;
      const key = canonical((value as { key: unknown }).key);
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    for (const [key, count] of seen) {
      if (count > 1) this.fail(`expected at most one on-time pane per key, found ${count} for key ${key}`, []);
    }
  }

  private fail(what: string, details: string[]): never {
    const lines = [
      `Pane assertion failed ${this.scope ? `(${this.scope})` : ""}: ${what}.`,
      ...details,
      `selected (${this.selected.length}):`,
      ...(this.selected.length ? this.selected.map((e) => `  ${describe(e)}`) : ["  (none)"]),
      `everything captured (${this.all.length}):`,
      ...(this.all.length ? this.all.map((e) => `  ${describe(e)}`) : ["  (none)"]),
    ];
    throw new Error(lines.join("\n"));
  }
}

/** Starts an assertion over a capture (or a list of captured elements). */
export function assertPanes<T>(source: PaneCapture<T> | readonly CapturedElement<T>[]): PaneAssert<T> {
  const elements = Array.isArray(source) ? (source as readonly CapturedElement<T>[]) : (source as PaneCapture<T>).elements();
  return new PaneAssert(elements, elements, "");
}
