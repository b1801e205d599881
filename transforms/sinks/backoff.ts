/**
 * Bounded exponential backoff for a sink write: retry transient failures after 250 ms, 500 ms, 1 s, ... (at most
 * `maxDelayMs` apart) until `budgetMs` has passed since the first failure; then give up with the last error.
 * Pure policy (`delays`), plus a small loop around an async attempt.
 */

export interface RetryPolicy {
  /** The first wait. */
  readonly initialDelayMs: number;
  /** The longest wait between two attempts. */
  readonly maxDelayMs: number;
  /** Give up once this long has passed since the first failure (0: never retry). */
  readonly budgetMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ initialDelayMs: 250, maxDelayMs: 5_000, budgetMs: 60_000 });

/** The wait before retry number `attempt` (1-based): initial × 2^(attempt−1), capped. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
}

export interface RetryEvents {
  /** A transient failure; the next attempt follows after `delayMs`. */
  onRetry(attempt: number, delayMs: number, error: unknown): void;
}

/** The error thrown when the budget is spent (`lastError` is the last error). */
export class RetryBudgetExhausted extends Error {
  constructor(
    readonly attempts: number,
    readonly elapsedMs: number,
    readonly lastError: unknown,
  ) {
    super(`gave up after ${attempts} attempts in ${(elapsedMs / 1000).toFixed(1)} s`);
    this.name = "RetryBudgetExhausted";
  }
}

/**
 * Calls `attempt` until it succeeds; retries errors that `transient` accepts with backoff within the budget;
 * any other error is thrown at once. `sleep` and `now` are injectable for tests.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  transient: (error: unknown) => boolean,
  policy: RetryPolicy,
  events: RetryEvents,
  clock: { now(): number; sleep(ms: number): Promise<void> } = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  },
): Promise<T> {
  let failures = 0;
  let firstFailureAt = 0;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!transient(error)) throw error;
      failures += 1;
      if (failures === 1) firstFailureAt = clock.now();
      const elapsed = clock.now() - firstFailureAt;
      const delay = backoffDelay(policy, failures);
      if (elapsed + delay > policy.budgetMs) throw new RetryBudgetExhausted(failures, elapsed, error);
      events.onRetry(failures, delay, error);
      await clock.sleep(delay);
    }
  }
}
