package dev.claudepool.client;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A blocking, single-use server stream that reopens itself when it breaks.
 *
 * <p>Iterate it (it is an {@link Iterator} and an {@link Iterable}) or turn it into a {@link
 * Stream}; close it (try-with-resources) to drop it early, which cancels the RPC but not the work
 * behind it. A failed stream throws {@link PoolException} from {@link #hasNext()}.
 *
 * <p>When the stream fails with {@code UNAVAILABLE} (or {@code RATE_LIMITED} with a delay), or
 * ends before its last item, it is reopened the way the subclass says: a task watch from the last
 * {@code seq} it delivered, a chain watch likewise, a {@code RunStream} or {@code FanOutStream}
 * that broke before its first item by resending the same request (same {@code request_id}). Each
 * break gets the attempts and backoff of the client's {@link RetryPolicy} (4 attempts in all by
 * default), counted afresh once an item arrives, and never past the call's deadline.
 *
 * @param <T> the item type
 */
public abstract class ServerStream<T> implements Iterator<T>, Iterable<T>, AutoCloseable {
  private final Calls calls;
  private Context.CancellableContext context;
  private Iterator<T> current;
  private T next;
  private boolean finished;
  private boolean closed;
  private int attempt = 1;

  ServerStream(Calls calls) {
    this.calls = calls;
  }

  /**
   * Opens the RPC for the next attempt, from what has been delivered so far: the first call, a
   * resend or a resume. Only called when {@link #canReopen()} allowed it (or for the first).
   */
  abstract Iterator<T> openAttempt();

  /** Records an item; false when it was delivered already (a resume repeated it) and is skipped. */
  abstract boolean deliver(T item);

  /** True for the stream's last item (the server closes the stream after it). */
  abstract boolean isLast(T item);

  /** True when a broken stream can be reopened without losing or repeating anything. */
  boolean canReopen() {
    return true;
  }

  /**
   * The server ended the stream cleanly before the last item: true when there is nothing more to
   * read (the stream ends), false to treat the end as a break and reopen.
   */
  abstract boolean overAtCleanEnd();

  /** The message of the error raised when a stream that ended early cannot be reopened. */
  abstract String endedEarlyMessage();

  /** The client's call core: subclasses open their RPCs through it. */
  final Calls calls() {
    return calls;
  }

  /** Opens the first attempt; subclasses call it last in their constructor. */
  final void start() {
    open();
  }

  @Override
  public boolean hasNext() {
    if (next != null) {
      return true;
    }
    while (!finished && !closed) {
      try {
        if (current.hasNext()) {
          T item = current.next();
          if (!deliver(item)) {
            continue;
          }
          attempt = 1;
          finished = isLast(item);
          next = item;
          return true;
        }
        if (overAtCleanEnd()) {
          finished = true;
          context.cancel(null);
          return false;
        }
        reopenAfter(PoolException.local(Status.Code.UNAVAILABLE, endedEarlyMessage(), null));
      } catch (StatusRuntimeException e) {
        if (closed) {
          return false;
        }
        reopenAfter(PoolException.from(e));
      }
    }
    return false;
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    T item = next;
    next = null;
    if (finished) {
      context.cancel(null); // the server closes the stream after the last item: nothing to read
    }
    return item;
  }

  @Override
  public Iterator<T> iterator() {
    return this;
  }

  /**
   * This stream as a sequential {@link Stream}; closing that closes this stream.
   *
   * @return the stream
   */
  public Stream<T> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED),
        false).onClose(this::close);
  }

  /** Drops the stream (cancels the RPC). The task, chain or fan-out itself goes on. */
  @Override
  public void close() {
    closed = true;
    context.cancel(null);
  }

  private void reopenAfter(PoolException error) {
    try {
      if (!canReopen()) {
        throw error;
      }
      calls.pauseBeforeResend(attempt, error, calls.streamDeadline());
    } catch (PoolException e) {
      finished = true; // failed for good: later hasNext() calls answer false
      context.cancel(null);
      throw e;
    }
    attempt++;
    open();
  }

  private void open() {
    if (context != null) {
      context.cancel(null);
    }
    // A blocking server-streaming call is bound to the context current when it starts; cancelling
    // that context is how a blocking iterator is dropped.
    context = Context.current().withCancellation();
    Context previous = context.attach();
    try {
      current = openAttempt();
    } catch (StatusRuntimeException e) {
      throw PoolException.from(e);
    } finally {
      context.detach(previous);
    }
  }

  /** Maps a response iterator to its payload. */
  static <A, B> Iterator<B> map(Iterator<A> responses, Function<A, B> payload) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return responses.hasNext();
      }

      @Override
      public B next() {
        return payload.apply(responses.next());
      }
    };
  }
}
