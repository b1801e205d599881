/**
 * The sink retry loop (transforms/sinks/backoff.ts) keeps its budget: it runs from the start of the first attempt
 * that failed, and an attempt that hangs (a connection to a server that went away) ends at the budget, not a
 * connection timeout later (--pg-retry-budget 10s ended the job 18.4 s after PostgreSQL stopped). Fake clock.
 */
import { RetryBudgetExhausted, withRetries, type RetryClock } from "../../transforms/sinks/backoff";

/** Time moves only by sleeps and by attempts that take time; a pending timer fires when time passes it. */
function fakeClock(): RetryClock & { advance(ms: number): Promise<void>; readonly t: number } {
  let t = 0;
  const timers: Array<{ at: number; fire: () => void }> = [];
  /** In 50 ms steps, firing what is due and letting promises run at each. */
  const advance = async (ms: number): Promise<void> => {
    for (let left = ms; left > 0; left -= 50) {
      t += Math.min(50, left);
      for (const timer of timers.splice(0)) {
        if (timer.at <= t) timer.fire();
        else timers.push(timer);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return {
    get t() {
      return t;
    },
    now: () => t,
    sleep: (ms) => advance(ms),
    timer(ms) {
      let fire: () => void = () => undefined;
      const expired = new Promise<void>((resolve) => (fire = resolve));
      const entry = { at: t + ms, fire };
      timers.push(entry);
      const cancel = (): void => {
        const at = timers.indexOf(entry);
        if (at >= 0) timers.splice(at, 1);
      };
      return { expired, cancel };
    },
    advance,
  };
}

const POLICY = { initialDelayMs: 250, maxDelayMs: 5_000, budgetMs: 10_000 };
const quiet = { onRetry: (): void => undefined };

test("an attempt that takes 5 s to fail counts against the budget from its start", async () => {
  const clock = fakeClock();
  const attempts: number[] = [];
  const failing = withRetries(
    async () => {
      attempts.push(clock.now());
      await clock.advance(5_000); // a connection timeout
      throw new Error("timeout exceeded when trying to connect");
    },
    () => true,
    POLICY,
    quiet,
    clock,
  );
  await expect(failing).rejects.toBeInstanceOf(RetryBudgetExhausted);
  expect(clock.t).toBeLessThanOrEqual(POLICY.budgetMs + 50);
  expect(attempts.length).toBeGreaterThanOrEqual(2);
});

test("an attempt that hangs ends at the budget", async () => {
  const clock = fakeClock();
  let calls = 0;
  const hanging = withRetries(
    () => {
      calls++;
      if (calls === 1) return Promise.reject(new Error("Connection terminated unexpectedly"));
      return new Promise<never>(() => undefined); // the server accepted the connection and never answered
    },
    () => true,
    POLICY,
    quiet,
    clock,
  );
  let settled = false;
  hanging.catch(() => undefined).finally(() => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  await clock.advance(9_000);
  expect(settled).toBe(false);
  await clock.advance(1_000);
  await expect(hanging).rejects.toThrow(/gave up after 2 attempts in 10\.[01] s/);
});

test("a budget of 0 tries once, unbounded", async () => {
  const clock = fakeClock();
  await expect(withRetries(async () => 7, () => true, { ...POLICY, budgetMs: 0 }, quiet, clock)).resolves.toBe(7);
});
