package dev.claudepool.client;

import dev.claudepool.v1.GetTaskRequest;
import dev.claudepool.v1.GetTaskResponse;
import dev.claudepool.v1.PoolServiceGrpc;
import dev.claudepool.v1.RunStreamRequest;
import dev.claudepool.v1.RunStreamResponse;
import dev.claudepool.v1.Task;
import dev.claudepool.v1.TaskEvent;
import dev.claudepool.v1.WatchTaskRequest;
import dev.claudepool.v1.WatchTaskResponse;
import java.util.Iterator;

/**
 * One task's events ({@code RunStream} or {@code WatchTask}): state changes, text deltas in order,
 * then the {@code finished} event, after which the stream ends.
 *
 * <p>Every event is delivered exactly once, in {@code seq} order, even across breaks: a stream
 * that fails with {@code UNAVAILABLE} or ends early is reopened as {@code WatchTask(task_id,
 * after_seq = last delivered seq)}. A {@code RunStream} refused before its first event is resent
 * with the same {@code request_id}, so the task is created once. Closing the stream does not
 * cancel the task (unless the RunStream asked for {@code cancel_on_disconnect}).
 */
public final class TaskEventStream extends ServerStream<TaskEvent> {
  private final RunStreamRequest run;
  private String taskId;
  private long lastSeq;

  TaskEventStream(Calls calls, RunStreamRequest run, String taskId, long afterSeq) {
    super(calls);
    this.run = run;
    this.taskId = taskId;
    this.lastSeq = afterSeq;
    start();
  }

  /**
   * The task's id: known from the start for a watch, from the first event for a RunStream.
   *
   * @return the id, or null before a RunStream's first event
   */
  public String taskId() {
    return taskId;
  }

  /**
   * The {@code seq} of the last event delivered; pass it as {@code afterSeq} to {@link
   * PoolClient#watchTask(String, long)} to go on later from there.
   *
   * @return the seq, or the {@code afterSeq} the stream started from
   */
  public long lastSeq() {
    return lastSeq;
  }

  @Override
  Iterator<TaskEvent> openAttempt() {
    if (taskId == null) {
      return map(calls().openStream(PoolServiceGrpc.getRunStreamMethod(), run),
          RunStreamResponse::getEvent);
    }
    WatchTaskRequest watch =
        WatchTaskRequest.newBuilder().setTaskId(taskId).setAfterSeq(lastSeq).build();
    return map(calls().openStream(PoolServiceGrpc.getWatchTaskMethod(), watch),
        WatchTaskResponse::getEvent);
  }

  @Override
  boolean deliver(TaskEvent event) {
    if (taskId == null) {
      taskId = event.getTaskId();
    }
    if (event.getSeq() <= lastSeq) {
      return false;
    }
    lastSeq = event.getSeq();
    return true;
  }

  @Override
  boolean isLast(TaskEvent event) {
    return event.hasFinished();
  }

  /** Over when the task stopped producing output and nothing newer than the last seq exists. */
  @Override
  boolean overAtCleanEnd() {
    if (taskId == null) {
      return false;
    }
    GetTaskResponse got = calls().unary(PoolServiceGrpc.getGetTaskMethod(),
        GetTaskRequest.newBuilder().setTaskId(taskId).build());
    Task task = got.getTask();
    return PoolClient.isDone(task) && task.getLastSeq() <= lastSeq;
  }

  @Override
  String endedEarlyMessage() {
    return "the task's event stream ended before the finished event";
  }
}
