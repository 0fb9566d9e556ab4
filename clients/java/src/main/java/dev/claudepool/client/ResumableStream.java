package dev.claudepool.client;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A blocking, single-use server stream of {@code seq}-numbered items that resumes by itself: when
 * the underlying gRPC stream fails with {@code UNAVAILABLE} or ends before the last item, it is
 * reopened from the last seen {@code seq}, so no item is lost or repeated. Close it
 * (try-with-resources) to drop the stream early; that cancels the RPC, not the work behind it.
 *
 * <p>The two kinds are {@link TaskEventStream} (a task's events) and {@link ChainProgressStream}
 * (a chain's progress snapshots).
 *
 * @param <T> the item type
 */
public abstract class ResumableStream<T> implements Iterator<T>, Iterable<T>, AutoCloseable {
  private final BiFunction<String, Long, Iterator<T>> reopen;
  private final int maxReconnects;
  private Context.CancellableContext context;
  private Iterator<T> current;
  private String id;
  private long lastSeq;
  private boolean resumed;
  private int reconnects;
  private T next;
  private boolean finished;
  private boolean closed;

  ResumableStream(String id, long afterSeq, Supplier<Iterator<T>> first,
      BiFunction<String, Long, Iterator<T>> reopen, int maxReconnects) {
    this.id = id;
    this.lastSeq = afterSeq;
    this.reopen = reopen;
    this.maxReconnects = maxReconnects;
    open(first);
  }

  /** The {@code seq} of an item. */
  abstract long seqOf(T item);

  /** The id of the task or chain an item belongs to. */
  abstract String idOf(T item);

  /** True for the last item of the stream (the server closes the stream after it). */
  abstract boolean isLast(T item);

  /**
   * Called when the server ended the stream cleanly before the last item. True means there is
   * nothing more to read (the stream ends); false means the stream is reopened.
   */
  boolean overAfterCleanEnd(String id, long lastSeq) {
    return false;
  }

  /** The message of the error thrown when the stream cannot be resumed. */
  abstract String endedEarlyMessage();

  /** The id of the task or chain (known once the first item arrived, or from the start). */
  String id() {
    return id;
  }

  /** The {@code seq} of the last item returned; pass it as {@code afterSeq} to resume later. */
  public long lastSeq() {
    return lastSeq;
  }

  @Override
  public boolean hasNext() {
    if (next != null) {
      return true;
    }
    if (finished || closed) {
      return false;
    }
    while (true) {
      try {
        if (current.hasNext()) {
          T item = current.next();
          if (id == null || id.isEmpty()) {
            id = idOf(item);
          }
          if (resumed && seqOf(item) <= lastSeq) {
            continue; // already delivered before the reconnect
          }
          lastSeq = seqOf(item);
          reconnects = 0;
          finished = isLast(item);
          next = item;
          return true;
        }
        if (id != null && !id.isEmpty() && overAfterCleanEnd(id, lastSeq)) {
          finished = true;
          context.cancel(null);
          return false;
        }
        resume(null); // the stream ended before the last item
      } catch (StatusRuntimeException e) {
        if (closed) {
          return false;
        }
        if (Status.fromThrowable(e).getCode() != Status.Code.UNAVAILABLE) {
          throw PoolException.from(e);
        }
        resume(e);
      }
    }
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    T item = next;
    next = null;
    if (finished) {
      context.cancel(null); // the server closes the stream after the last item; nothing more to read
    }
    return item;
  }

  @Override
  public Iterator<T> iterator() {
    return this;
  }

  /** This stream as a {@link Stream}; closing it closes this stream. */
  public Stream<T> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED), false)
        .onClose(this::close);
  }

  /** Drops the stream (cancels the RPC). The task or chain itself keeps running. */
  @Override
  public void close() {
    closed = true;
    context.cancel(null);
  }

  private void resume(StatusRuntimeException cause) {
    if (id == null || id.isEmpty() || reconnects >= maxReconnects) {
      if (cause != null) {
        throw PoolException.from(cause);
      }
      throw new PoolException(Status.Code.UNAVAILABLE, endedEarlyMessage(), null, null, null);
    }
    reconnects++;
    try {
      Thread.sleep(Math.min(2000L, 100L << Math.min(reconnects - 1, 5)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new PoolException(Status.Code.CANCELLED, "interrupted while reconnecting", null, null, e);
    }
    String resumeId = id;
    long after = lastSeq;
    resumed = true;
    open(() -> reopen.apply(resumeId, after));
  }

  private void open(Supplier<Iterator<T>> opener) {
    if (context != null) {
      context.cancel(null);
    }
    // A blocking server-streaming call is bound to the context current when it starts; cancelling
    // that context is how a blocking iterator is dropped.
    context = Context.current().withCancellation();
    Context previous = context.attach();
    try {
      current = opener.get();
    } catch (StatusRuntimeException e) {
      throw PoolException.from(e);
    } finally {
      context.detach(previous);
    }
  }
}
