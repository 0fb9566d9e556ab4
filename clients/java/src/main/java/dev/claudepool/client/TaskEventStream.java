package dev.claudepool.client;

import dev.claudepool.v1.TaskEvent;
import java.util.Iterator;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * A blocking, single-use stream of one task's events, ending after the {@code finished} event.
 *
 * <p>When the underlying gRPC stream fails with {@code UNAVAILABLE} or ends before the finished
 * event, it is reopened with {@code WatchTask(task_id, after_seq = last seen seq)}, so no event is
 * lost or repeated. Close it (try-with-resources) to drop the stream early; that cancels the RPC
 * but not the task.
 */
public final class TaskEventStream extends ResumableStream<TaskEvent> {
  TaskEventStream(String taskId, long afterSeq, Supplier<Iterator<TaskEvent>> first,
      BiFunction<String, Long, Iterator<TaskEvent>> watch, int maxReconnects) {
    super(taskId, afterSeq, first, watch, maxReconnects);
  }

  /** The task's id (known once the first event arrived, or from the start for a watch). */
  public String taskId() {
    return id();
  }

  @Override
  long seqOf(TaskEvent event) {
    return event.getSeq();
  }

  @Override
  String idOf(TaskEvent event) {
    return event.getTaskId();
  }

  @Override
  boolean isLast(TaskEvent event) {
    return event.hasFinished();
  }

  @Override
  String endedEarlyMessage() {
    return "event stream ended before the finished event";
  }
}
