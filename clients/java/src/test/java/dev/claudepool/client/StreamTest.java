package dev.claudepool.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.claudepool.v1.ChainProgress;
import dev.claudepool.v1.ChainStatus;
import dev.claudepool.v1.FanOutItem;
import dev.claudepool.v1.FanOutStreamRequest;
import dev.claudepool.v1.FanOutStreamResponse;
import dev.claudepool.v1.GetChainProgressRequest;
import dev.claudepool.v1.GetChainProgressResponse;
import dev.claudepool.v1.PoolServiceGrpc;
import dev.claudepool.v1.RunStreamRequest;
import dev.claudepool.v1.RunStreamResponse;
import dev.claudepool.v1.Task;
import dev.claudepool.v1.TaskEvent;
import dev.claudepool.v1.TaskFinished;
import dev.claudepool.v1.TextDelta;
import dev.claudepool.v1.WatchChainRequest;
import dev.claudepool.v1.WatchChainResponse;
import dev.claudepool.v1.WatchTaskRequest;
import dev.claudepool.v1.WatchTaskResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Resumable streams: a break reopens from the last seq, nothing lost or repeated. */
@Timeout(30)
class StreamTest {
  private final List<Long> watchAfterSeqs = new CopyOnWriteArrayList<>();
  private final List<Long> watchChainAfterSeqs = new CopyOnWriteArrayList<>();
  private final List<String> fanOutIds = new CopyOnWriteArrayList<>();

  private static TaskEvent event(String taskId, long seq, long last) {
    TaskEvent.Builder e = TaskEvent.newBuilder().setTaskId(taskId).setSeq(seq);
    if (seq == last) {
      e.setFinished(TaskFinished.newBuilder().setTask(Task.newBuilder().setId(taskId)));
    } else {
      e.setTextDelta(TextDelta.newBuilder().setText("d" + seq));
    }
    return e.build();
  }

  private static ChainProgress chain(String id, long seq) {
    ChainProgress.Builder p = ChainProgress.newBuilder().setChainId(id).setSeq(seq).setStatus(
        seq == 1 ? ChainStatus.CHAIN_STATUS_PENDING
            : seq == 2 ? ChainStatus.CHAIN_STATUS_RUNNING : ChainStatus.CHAIN_STATUS_COMPLETED);
    if (seq == 3) {
      p.setEndTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1));
    }
    return p.build();
  }

  private final FakeServer server = new FakeServer(new PoolServiceGrpc.PoolServiceImplBase() {
    /** Events 1-4 (4 = finished); the first stream fails UNAVAILABLE after seq 2. */
    @Override
    public void watchTask(WatchTaskRequest req, StreamObserver<WatchTaskResponse> out) {
      watchAfterSeqs.add(req.getAfterSeq());
      for (long seq = req.getAfterSeq() + 1; seq <= 4; seq++) {
        if (watchAfterSeqs.size() == 1 && seq == 3) {
          out.onError(Status.UNAVAILABLE.withDescription("connection recycled").asException());
          return;
        }
        out.onNext(WatchTaskResponse.newBuilder().setEvent(event(req.getTaskId(), seq, 4)).build());
      }
      out.onCompleted();
    }

    /** RunStream sends seq 1-2 of task-run and breaks; the rest comes from WatchTask. */
    @Override
    public void runStream(RunStreamRequest req, StreamObserver<RunStreamResponse> out) {
      watchAfterSeqs.add(-1L);
      for (long seq = 1; seq <= 2; seq++) {
        out.onNext(RunStreamResponse.newBuilder().setEvent(event("task-run", seq, 4)).build());
      }
      out.onError(Status.UNAVAILABLE.asException());
    }

    /** Snapshots seq 1 PENDING, 2 RUNNING, 3 COMPLETED; the first stream fails after seq 2. */
    @Override
    public void watchChain(WatchChainRequest req, StreamObserver<WatchChainResponse> out) {
      watchChainAfterSeqs.add(req.getAfterSeq());
      for (long seq = req.getAfterSeq() + 1; seq <= 3; seq++) {
        if (watchChainAfterSeqs.size() == 1 && seq == 3) {
          out.onError(Status.UNAVAILABLE.withDescription("connection recycled").asException());
          return;
        }
        out.onNext(WatchChainResponse.newBuilder().setChain(chain(req.getChainId(), seq)).build());
      }
      out.onCompleted();
    }

    @Override
    public void getChainProgress(GetChainProgressRequest req,
        StreamObserver<GetChainProgressResponse> out) {
      out.onNext(GetChainProgressResponse.newBuilder().setChain(chain(req.getChainId(), 3)).build());
      out.onCompleted();
    }

    /** The first attempt is refused; the second sends one item and then breaks. */
    @Override
    public void fanOutStream(FanOutStreamRequest req, StreamObserver<FanOutStreamResponse> out) {
      fanOutIds.add(req.getRequestId());
      if (fanOutIds.size() == 1) {
        out.onError(Status.UNAVAILABLE.asException());
        return;
      }
      out.onNext(FanOutStreamResponse.newBuilder()
          .setItem(FanOutItem.newBuilder().setIndex(1)).build());
      out.onError(Status.UNAVAILABLE.asException());
    }
  });

  private final PoolClient pool = server.client().build();

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void watchTaskResumesFromTheLastSeqAfterUnavailable() {
    List<TaskEvent> events = new ArrayList<>();
    try (TaskEventStream stream = pool.watchTask("task-1", 0)) {
      stream.forEach(events::add);
      assertEquals(4L, stream.lastSeq());
    }
    assertEquals(List.of(1L, 2L, 3L, 4L), events.stream().map(TaskEvent::getSeq).toList());
    assertEquals(List.of(0L, 2L), watchAfterSeqs);
  }

  @Test
  void runStreamResumesWithWatchTaskOnceItKnowsTheTask() {
    List<Long> seqs;
    try (TaskEventStream stream = pool.runStream("p")) {
      seqs = stream.stream().map(TaskEvent::getSeq).toList();
      assertEquals("task-run", stream.taskId());
    }
    assertEquals(List.of(1L, 2L, 3L, 4L), seqs);
    assertEquals(List.of(-1L, 2L), watchAfterSeqs, "RunStream once, then WatchTask after seq 2");
  }

  @Test
  void watchChainResumesAndEndsAtTheTerminalSnapshot() {
    List<ChainProgress> snapshots = new ArrayList<>();
    try (ChainProgressStream stream = pool.watchChain("chain-1", 0)) {
      stream.forEach(snapshots::add);
      assertEquals(3L, stream.lastSeq());
    }
    assertEquals(List.of(1L, 2L, 3L), snapshots.stream().map(ChainProgress::getSeq).toList());
    assertEquals(List.of(0L, 2L), watchChainAfterSeqs);
  }

  @Test
  void watchChainFromTheFinalSeqEndsEmpty() {
    try (ChainProgressStream stream = pool.watchChain("chain-1", 3)) {
      assertFalse(stream.hasNext());
    }
    assertEquals(List.of(3L), watchChainAfterSeqs);
  }

  @Test
  void fanOutStreamIsResentBeforeItsFirstItemButNotAfter() {
    List<FanOutItem> items = new ArrayList<>();
    try (FanOutItemStream stream = pool.fanOutStream("a", "b")) {
      PoolException e = assertThrows(PoolException.class, () -> stream.forEach(items::add));
      assertEquals(Status.Code.UNAVAILABLE, e.code());
      assertFalse(stream.hasNext(), "a stream that failed for good stays ended");
    }
    assertEquals(1, items.size());
    assertEquals(2, fanOutIds.size());
    assertEquals(fanOutIds.get(0), fanOutIds.get(1), "the resend carries the same request_id");
  }
}
