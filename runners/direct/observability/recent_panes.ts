/** The last N panes a run emitted (for the status page): a fixed-size ring, oldest overwritten first. */
import type { RecentPane } from "../../../model/run_snapshot";

export class RecentPanes {
  private readonly ring: RecentPane[] = [];
  private next = 0;

  constructor(private readonly capacity = 20) {}

  add(pane: RecentPane): void {
    if (this.ring.length < this.capacity) this.ring.push(pane);
    else this.ring[this.next] = pane;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  list(): RecentPane[] {
    if (this.ring.length < this.capacity) return [...this.ring];
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
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
