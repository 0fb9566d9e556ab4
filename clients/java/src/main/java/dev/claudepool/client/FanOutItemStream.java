package dev.claudepool.client;

import dev.claudepool.v1.FanOutItem;
import dev.claudepool.v1.FanOutStreamRequest;
import dev.claudepool.v1.FanOutStreamResponse;
import dev.claudepool.v1.PoolServiceGrpc;
import java.util.Iterator;

/**
 * The items of a {@code FanOutStream}, each as soon as its task finishes (completion order; {@code
 * item.getIndex()} is its position in the request). The stream ends after one item per task.
 *
 * <p>A stream refused before its first item is resent with the same {@code request_id}, so the
 * tasks are created once. One that breaks later cannot be resumed (items carry no {@code seq}):
 * it throws, and the tasks go on; find them with {@link PoolClient#listTasks}.
 */
public final class FanOutItemStream extends ServerStream<FanOutItem> {
  private final FanOutStreamRequest request;
  private int delivered;

  FanOutItemStream(Calls calls, FanOutStreamRequest request) {
    super(calls);
    this.request = request;
    start();
  }

  @Override
  Iterator<FanOutItem> openAttempt() {
    return map(calls().openStream(PoolServiceGrpc.getFanOutStreamMethod(), request),
        FanOutStreamResponse::getItem);
  }

  @Override
  boolean deliver(FanOutItem item) {
    delivered++;
    return true;
  }

  @Override
  boolean isLast(FanOutItem item) {
    return delivered >= request.getTasksCount();
  }

  @Override
  boolean canReopen() {
    return delivered == 0;
  }

  @Override
  boolean overAtCleanEnd() {
    return true;
  }

  @Override
  String endedEarlyMessage() {
    return "the fan-out stream ended early";
  }
}
