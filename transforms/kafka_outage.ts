/**
 * Broker outages, as the Kafka client seam sees them: the client reports each sign of life (a heartbeat, a group
 * join, a fetched batch, a commit or admin request that worked) and each sign of trouble (a connection error, a
 * crash of the consumer, a request that failed retriably). An outage starts at the first sign of trouble after the
 * last sign of life and ends with the next sign of life. It counts as one (readiness, the outage metric) once it has
 * lasted `noticeAfterMs`; past the retry budget the run gives up (BrokerOutageError). Pure: the clock is passed in.
 */

export interface BrokerHealth {
  /** False while an outage has lasted `noticeAfterMs` or more (and until the next sign of life). */
  readonly connected: boolean;
  /** Outages that lasted `noticeAfterMs` or more since the client was created. */
  readonly outages: number;
  /** Milliseconds the current outage has lasted (0 when there is none). */
  readonly outageMs: number;
  /** The last error of the current (or last) outage. */
  readonly lastError: string | undefined;
}

/** A sign of trouble shorter than this is a blip (a rebalance, a reconnect): not an outage for readiness. */
export const OUTAGE_NOTICE_MS = 1_000;

export class BrokerContact {
  private downSince: number | undefined;
  private counted = false;
  private outageCount = 0;
  private lastError: string | undefined;

  constructor(
    readonly budgetMs: number,
    private readonly now: () => number = Date.now,
    private readonly noticeAfterMs: number = OUTAGE_NOTICE_MS,
  ) {}

  /** The broker answered. */
  alive(): void {
    this.downSince = undefined;
    this.counted = false;
  }

  /** Something failed in a way a broker outage explains. */
  trouble(error: string): void {
    this.lastError = error;
    if (this.downSince === undefined) this.downSince = this.now();
  }

  /** The current outage's length (0: none). */
  outageMs(): number {
    return this.downSince === undefined ? 0 : this.now() - this.downSince;
  }

  /** True once the current outage has outlasted the retry budget. */
  exhausted(): boolean {
    return this.downSince !== undefined && this.outageMs() > this.budgetMs;
  }

  health(): BrokerHealth {
    const outageMs = this.outageMs();
    const noticed = this.downSince !== undefined && outageMs >= this.noticeAfterMs;
    if (noticed && !this.counted) {
      this.counted = true;
      this.outageCount++;
    }
    return { connected: !noticed, outages: this.outageCount, outageMs, lastError: this.lastError };
  }
}
