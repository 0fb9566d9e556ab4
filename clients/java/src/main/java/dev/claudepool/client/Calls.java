package dev.claudepool.client;

import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * How one call is made, the single core under every wrapper method: the {@code request_id} is
 * filled once, the deadline is chosen, and a refused attempt is resent as {@link RetryPolicy}
 * allows, never past the deadline. Streams share the deadline and the resend rule (see {@link
 * ServerStream}).
 *
 * <p>Immutable; {@link #withDeadline} makes the view used by {@link PoolClient#withDeadline}.
 */
final class Calls {
  private final Channel pool;
  private final Channel health;
  private final RetryPolicy policy;
  private final Duration defaultDeadline;
  private final Deadline fixedDeadline;

  Calls(Channel pool, Channel health, RetryPolicy policy, Duration defaultDeadline,
      Deadline fixedDeadline) {
    this.pool = pool;
    this.health = health;
    this.policy = policy;
    this.defaultDeadline = defaultDeadline;
    this.fixedDeadline = fixedDeadline;
  }

  Calls withDeadline(Deadline deadline) {
    return new Calls(pool, health, policy, defaultDeadline, deadline);
  }

  /** The channel PoolService calls go over (token and interceptors attached). */
  Channel channel() {
    return pool;
  }

  /** A unary PoolService call under the default deadline (or the view's). */
  <Q extends Message, R> R unary(MethodDescriptor<Q, R> method, Q request) {
    return unary(pool, method, request, null);
  }

  /**
   * A unary PoolService call that brings its own deadline ({@code WaitTask} waits as long as its
   * timeout says); the view's deadline still wins.
   */
  <Q extends Message, R> R unary(MethodDescriptor<Q, R> method, Q request, Duration own) {
    return unary(pool, method, request, own);
  }

  /** A unary call to the health service: same retries, no token. */
  <Q extends Message, R> R health(MethodDescriptor<Q, R> method, Q request) {
    return unary(health, method, request, null);
  }

  private <Q extends Message, R> R unary(Channel channel, MethodDescriptor<Q, R> method,
      Q request, Duration own) {
    Q sent = RequestIds.ensure(request);
    Deadline deadline = fixedDeadline != null ? fixedDeadline
        : own != null ? after(own)
        : defaultDeadline != null ? after(defaultDeadline) : null;
    CallOptions options = deadline == null ? CallOptions.DEFAULT
        : CallOptions.DEFAULT.withDeadline(deadline);
    for (int attempt = 1; ; attempt++) {
      try {
        return ClientCalls.blockingUnaryCall(channel, method, options, sent);
      } catch (StatusRuntimeException e) {
        pauseBeforeResend(attempt, PoolException.from(e), deadline);
      }
    }
  }

  /**
   * Starts a server stream bound to the current {@code io.grpc.Context} (cancel it to drop the
   * stream). The request must already carry its {@code request_id}: every reopen sends the same.
   */
  <Q extends Message, R> Iterator<R> openStream(MethodDescriptor<Q, R> method, Q request) {
    CallOptions options = fixedDeadline == null ? CallOptions.DEFAULT
        : CallOptions.DEFAULT.withDeadline(fixedDeadline);
    return ClientCalls.blockingServerStreamingCall(pool, method, options, request);
  }

  /** The deadline of streams: only the view's; streams have no default deadline. */
  Deadline streamDeadline() {
    return fixedDeadline;
  }

  /**
   * Returns after the wait before the next attempt, or throws {@code error} when the call must not
   * be resent: the policy says no, or the resend would start past the deadline.
   */
  void pauseBeforeResend(int attempt, PoolException error, Deadline deadline) {
    Optional<Duration> delay = policy.delayAfter(attempt, error);
    if (delay.isEmpty()) {
      throw error;
    }
    if (deadline != null && deadline.timeRemaining(TimeUnit.NANOSECONDS) <= delay.get().toNanos()) {
      throw error;
    }
    try {
      Thread.sleep(delay.get().toMillis(), delay.get().toNanosPart() % 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PoolException.local(Status.Code.CANCELLED, "interrupted before a resend", e);
    }
  }

  private static Deadline after(Duration d) {
    return Deadline.after(d.toNanos(), TimeUnit.NANOSECONDS);
  }
}
