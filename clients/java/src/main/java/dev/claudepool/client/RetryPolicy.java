package dev.claudepool.client;

import dev.claudepool.v1.ErrorReason;
import io.grpc.Status;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * When a failed call is sent again (clients/CONFORMANCE.md §1, "Retries").
 *
 * <p>Only what is safe is resent: {@code UNAVAILABLE} (the server did not act, or a resend of a
 * mutating call carries the same {@code request_id} and so cannot act twice), and {@code
 * RESOURCE_EXHAUSTED} with reason {@code RATE_LIMITED} and a {@code RetryInfo}, after the delay
 * it names. Nothing else: not {@code INTERNAL}, {@code DEADLINE_EXCEEDED}, {@code UNKNOWN} or a
 * budget or quota refusal. The default allows 4 attempts in all with backoffs of 100, 200 and 400
 * ms, each with ±20% jitter and capped at 2 s. The caller never waits past the call's deadline:
 * a resend that would start after it is not made.
 */
public final class RetryPolicy {
  /** The policy of clients/CONFORMANCE.md: 4 attempts, 100 ms doubling, ±20%, at most 2 s. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(2), 0.2, null);

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double jitter;
  private final DoubleSupplier random;

  private RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double jitter,
      DoubleSupplier random) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
    if (jitter < 0 || jitter >= 1) {
      throw new IllegalArgumentException("jitter must be in [0, 1)");
    }
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.jitter = jitter;
    this.random = random;
  }

  /**
   * A custom policy: the n-th backoff is {@code initialBackoff * 2^(n-1)}, randomised by ±{@code
   * jitter} and capped at {@code maxBackoff}.
   *
   * @param maxAttempts attempts in all, including the first (1 disables resends)
   * @param initialBackoff the wait after the first failed attempt
   * @param maxBackoff the longest wait between two attempts
   * @param jitter the relative randomisation, e.g. 0.2 for ±20%
   * @return the policy
   */
  public static RetryPolicy of(int maxAttempts, Duration initialBackoff, Duration maxBackoff,
      double jitter) {
    return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, jitter, null);
  }

  /**
   * A policy that never resends.
   *
   * @return the policy
   */
  public static RetryPolicy none() {
    return of(1, Duration.ZERO, Duration.ZERO, 0);
  }

  /** The same policy drawing its jitter from {@code random} (values in [0, 1)); for tests. */
  RetryPolicy withRandom(DoubleSupplier random) {
    return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, jitter, random);
  }

  /**
   * Attempts in all, including the first.
   *
   * @return the number of attempts
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * The wait after the {@code attempt}-th failed attempt, before the next: {@code initialBackoff *
   * 2^(attempt-1)} with jitter, capped at {@code maxBackoff}.
   *
   * @param attempt the number of the attempt that failed, from 1
   * @return the wait
   */
  public Duration backoff(int attempt) {
    long base = initialBackoff.toNanos() << Math.min(Math.max(attempt - 1, 0), 20);
    double r = random != null ? random.getAsDouble() : ThreadLocalRandom.current().nextDouble();
    long jittered = (long) (base * (1 + jitter * (2 * r - 1)));
    return Duration.ofNanos(Math.min(jittered, maxBackoff.toNanos()));
  }

  /**
   * Whether to resend after the {@code attempt}-th attempt failed with {@code error}, and after
   * what wait. The deadline is the caller's to check.
   *
   * @param attempt the number of the attempt that failed, from 1
   * @param error how it failed
   * @return the wait before the next attempt, or empty when the call must not be resent
   */
  public Optional<Duration> delayAfter(int attempt, PoolException error) {
    if (attempt >= maxAttempts) {
      return Optional.empty();
    }
    if (error.code() == Status.Code.UNAVAILABLE) {
      return Optional.of(backoff(attempt));
    }
    if (error.code() == Status.Code.RESOURCE_EXHAUSTED
        && error.errorReason() == ErrorReason.ERROR_REASON_RATE_LIMITED) {
      return error.retryDelay();
    }
    return Optional.empty();
  }
}
