package dev.claudepool.client;

import dev.claudepool.v1.TaskEvent;
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
 * A blocking, single-use stream of one task's events, ending after the {@code finished} event.
 *
 * <p>When the underlying gRPC stream fails with {@code UNAVAILABLE} or ends before the finished
 * event, it is reopened with {@code WatchTask(task_id, after_seq = last seen seq)}, so no event is
 * lost or repeated. Close it (try-with-resources) to drop the stream early; that cancels the RPC
 * but not the task.
 */
public final class TaskEventStream implements Iterator<TaskEvent>, Iterable<TaskEvent>, AutoCloseable {
  private final BiFunction<String, Long, Iterator<TaskEvent>> watch;
  private final int maxReconnects;
  private Context.CancellableContext context;
  private Iterator<TaskEvent> current;
  private String taskId;
  private long lastSeq;
  private boolean resumed;
  private int reconnects;
  private TaskEvent next;
  private boolean finished;
  private boolean closed;

  TaskEventStream(String taskId, long afterSeq, Supplier<Iterator<TaskEvent>> first,
      BiFunction<String, Long, Iterator<TaskEvent>> watch, int maxReconnects) {
    this.taskId = taskId;
    this.lastSeq = afterSeq;
    this.watch = watch;
    this.maxReconnects = maxReconnects;
    open(first);
  }

  /** The task's id (known once the first event arrived, or from the start for a watch). */
  public String taskId() {
    return taskId;
  }

  /** The {@code seq} of the last event returned; pass it to {@code watch} to resume later. */
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
          TaskEvent event = current.next();
          if (taskId == null || taskId.isEmpty()) {
            taskId = event.getTaskId();
          }
          if (resumed && event.getSeq() <= lastSeq) {
            continue; // already delivered before the reconnect
          }
          lastSeq = event.getSeq();
          reconnects = 0;
          finished = event.hasFinished();
          next = event;
          return true;
        }
        resume(null); // the stream ended before the finished event
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
  public TaskEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    TaskEvent event = next;
    next = null;
    if (finished) {
      context.cancel(null); // the server closes the stream after `finished`; nothing more to read
    }
    return event;
  }

  @Override
  public Iterator<TaskEvent> iterator() {
    return this;
  }

  /** This stream as a {@link Stream}; closing it closes this stream. */
  public Stream<TaskEvent> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED), false)
        .onClose(this::close);
  }

  /** Drops the stream (cancels the RPC). The task itself keeps running. */
  @Override
  public void close() {
    closed = true;
    context.cancel(null);
  }

  private void resume(StatusRuntimeException cause) {
    if (taskId == null || taskId.isEmpty() || reconnects >= maxReconnects) {
      if (cause != null) {
        throw PoolException.from(cause);
      }
      throw new PoolException(Status.Code.UNAVAILABLE,
          "event stream ended before the finished event", null, null, null);
    }
    reconnects++;
    try {
      Thread.sleep(Math.min(2000L, 100L << Math.min(reconnects - 1, 5)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new PoolException(Status.Code.CANCELLED, "interrupted while reconnecting", null, null, e);
    }
    String id = taskId;
    long after = lastSeq;
    resumed = true;
    open(() -> watch.apply(id, after));
  }

  private void open(Supplier<Iterator<TaskEvent>> opener) {
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
