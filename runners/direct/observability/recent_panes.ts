/** The last N panes a run emitted (for the status page): a fixed-size ring, oldest overwritten first. */
import type { RecentPane } from "../../../model/run_snapshot";
import type { Millis } from "../../../model/model";

/**
 * A pane as emitted: its key, value and window kept as they are and rendered as text only when listed (the ring
 * keeps the last 20 of the 100,000s a run emits: rendering each as it came cost ~1 % of bench:kafka's CPU).
 */
export interface EmittedPane extends Omit<RecentPane, "key" | "value" | "window"> {
  readonly key: unknown;
  readonly value: unknown;
  readonly window: { readonly start: Millis; readonly end: Millis };
}

function rendered(pane: EmittedPane): RecentPane {
  return {
    ...pane,
    key: typeof pane.key === "string" ? pane.key : valueText(pane.key),
    window: { start: pane.window.start, end: pane.window.end },
    value: valueText(pane.value),
  };
}

export class RecentPanes {
  private readonly ring: EmittedPane[] = [];
  private next = 0;

  constructor(private readonly capacity = 20) {}

  add(pane: EmittedPane): void {
    if (this.ring.length < this.capacity) this.ring.push(pane);
    else this.ring[this.next] = pane;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  list(): RecentPane[] {
    if (this.ring.length < this.capacity) return this.ring.map(rendered);
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)].map(rendered);
  }
}

/** A value as JSON text of at most `limit` characters (… when cut); never throws. */
export function valueText(value: unknown, limit = 200): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}
