// The resend policy of clients/CONFORMANCE.md §1: only UNAVAILABLE (and RATE_LIMITED with a
// RetryInfo) is resent, 4 attempts in all, 100/200/400 ms ±20 % apart, never past the deadline.
// Resending is safe because every mutating request carries a request_id the server deduplicates.
import { Code, ErrorReason, PoolError, abortError, toPoolError } from "./errors.js";

/** How calls are resent. The defaults are the policy every claude-pool client follows. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 4; 1 turns resending off). */
  maxAttempts: number;
  /** Wait before the first resend (default 100 ms); each later wait doubles it. */
  initialBackoffMs: number;
  /** Longest wait between attempts (default 2000 ms). */
  maxBackoffMs: number;
  /** Random spread of each wait, as a fraction (default 0.2: ±20 %). */
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 4,
  initialBackoffMs: 100,
  maxBackoffMs: 2000,
  jitter: 0.2,
});

/**
 * The wait before resending a call whose attempt number `attempt` (1-based) failed with `error`,
 * or undefined when it must not be resent: the error is not retryable, or the attempts are spent.
 */
export function retryDelayMs(
  error: PoolError,
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  if (error.code === Code.Unavailable) {
    const base = policy.initialBackoffMs * 2 ** (attempt - 1);
    const spread = 1 + policy.jitter * (2 * random() - 1);
    return Math.min(base * spread, policy.maxBackoffMs);
  }
  if (
    error.code === Code.ResourceExhausted &&
    error.reason === ErrorReason.RATE_LIMITED &&
    error.retryDelayMs !== undefined
  ) {
    return error.retryDelayMs;
  }
  return undefined;
}

/** An absolute point in time a call (all its attempts and waits) must end by. */
export class Deadline {
  private constructor(readonly at: number | undefined) {}

  /** `timeoutMs` from now; no deadline when undefined. */
  static after(timeoutMs: number | undefined): Deadline {
    return new Deadline(timeoutMs === undefined ? undefined : Date.now() + timeoutMs);
  }

  /** Milliseconds left (at least 0), or undefined without a deadline. */
  remainingMs(): number | undefined {
    return this.at === undefined ? undefined : Math.max(0, this.at - Date.now());
  }

  /** True when waiting `ms` would still leave time for another attempt. */
  allows(ms: number): boolean {
    return this.at === undefined || Date.now() + ms < this.at;
  }
}

/** What one retried operation needs besides the operation itself. */
export interface RetryContext {
  policy: RetryPolicy;
  deadline: Deadline;
  signal?: AbortSignal | undefined;
}

/**
 * Runs `attempt` until it succeeds or fails in a way the policy does not resend, and throws that
 * failure as a PoolError. `attempt` receives its 1-based number; it must resend the same request.
 */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, ctx: RetryContext): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const error = toPoolError(err, ctx.signal);
      const wait = retryDelayMs(error, n, ctx.policy);
      if (wait === undefined || !ctx.deadline.allows(wait)) throw error;
      await sleep(wait, ctx.signal);
    }
  }
}

/** Waits `ms`, or rejects with CANCELLED as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
