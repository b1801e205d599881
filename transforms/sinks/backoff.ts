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

/** The clock of withRetries: injectable for tests. `timer(ms).expired` resolves after `ms` unless cancelled. */
export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  timer(ms: number): { readonly expired: Promise<void>; cancel(): void };
}

class AttemptOverBudget extends Error {}

const NO_TIMER = { expired: new Promise<void>(() => undefined), cancel: (): void => undefined };

export const REAL_RETRY_CLOCK: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  timer(ms) {
    let handle: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      handle = setTimeout(resolve, ms);
    });
    return { expired, cancel: () => clearTimeout(handle) };
  },
};

/**
 * Calls `attempt` until it succeeds; retries errors that `transient` accepts with backoff within the budget;
 * any other error is thrown at once. The budget runs from the start of the first attempt that failed, and no
 * attempt runs past it (a connection attempt that hangs, a write to a server that went away while it ran): the
 * caller learns within the budget, not a connection timeout after it.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  transient: (error: unknown) => boolean,
  policy: RetryPolicy,
  events: RetryEvents,
  clock: RetryClock = REAL_RETRY_CLOCK,
): Promise<T> {
  let failures = 0;
  let failingSince: number | undefined;
  let lastError: unknown;
  for (;;) {
    const startedAt = clock.now();
    // Budget 0 (never retry): the attempt alone, unbounded.
    const timer = policy.budgetMs > 0 ? clock.timer(Math.max(0, (failingSince ?? startedAt) + policy.budgetMs - startedAt)) : NO_TIMER;
    const overBudget = timer.expired.then((): never => {
      throw new AttemptOverBudget();
    });
    try {
      return await Promise.race([attempt(), overBudget]);
    } catch (error) {
      const since = failingSince ?? startedAt;
      if (error instanceof AttemptOverBudget) {
        throw new RetryBudgetExhausted(failures + 1, clock.now() - since, lastError ?? new Error(`no answer within ${policy.budgetMs} ms`));
      }
      if (!transient(error)) throw error;
      lastError = error;
      failures += 1;
      failingSince = since;
      const elapsed = clock.now() - since;
      const delay = backoffDelay(policy, failures);
      if (elapsed + delay > policy.budgetMs) throw new RetryBudgetExhausted(failures, elapsed, error);
      events.onRetry(failures, delay, error);
      await clock.sleep(delay);
    } finally {
      timer.cancel();
    }
  }
}
