/**
 * Work that a DoFn returned as a promise. The runner bounds how much may be in flight (sources stop being read
 * when the bound is reached: backpressure), and remembers the first failure so the pipeline fails with it.
 */
export class InFlight {
  private count = 0;
  private failure: { error: unknown } | undefined;
  private waiters: Array<{ below: number; resolve: () => void }> = [];

  constructor(
    readonly limit: number,
    private readonly onSettled: () => void,
  ) {}

  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.limit;
  }

  /** The first error any tracked promise rejected with. */
  get error(): { error: unknown } | undefined {
    return this.failure;
  }

  /** Tracks a promise; `then` runs after it settles successfully, before the slot is released. */
  track(promise: Promise<unknown>, then?: () => void): void {
    this.count += 1;
    promise.then(
      () => {
        try {
          then?.();
        } catch (error) {
          this.fail(error);
        }
        this.release();
      },
      (error: unknown) => {
        this.fail(error);
        this.release();
      },
    );
  }

  fail(error: unknown): void {
    if (!this.failure) this.failure = { error };
    this.onSettled();
    // Wake everyone so the pipeline notices the failure.
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  /** Resolves when fewer than `below` promises are in flight (or something failed). */
  waitBelow(below: number): Promise<void> {
    if (this.count < below || this.failure) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ below, resolve }));
  }

  waitIdle(): Promise<void> {
    return this.waitBelow(1);
  }

  private release(): void {
    this.count -= 1;
    if (this.waiters.length > 0) {
      const still: typeof this.waiters = [];
      for (const waiter of this.waiters) {
        if (this.count < waiter.below) waiter.resolve();
        else still.push(waiter);
      }
      this.waiters = still;
    }
    this.onSettled();
  }
}
