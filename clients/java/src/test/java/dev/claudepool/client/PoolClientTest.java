package dev.claudepool.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import dev.claudepool.v1.ChainProgress;
import dev.claudepool.v1.ChainStatus;
import dev.claudepool.v1.GetChainProgressRequest;
import dev.claudepool.v1.GetChainProgressResponse;
import dev.claudepool.v1.GetTaskRequest;
import dev.claudepool.v1.GetTaskResponse;
import dev.claudepool.v1.PoolServiceGrpc;
import dev.claudepool.v1.Task;
import dev.claudepool.v1.TaskEvent;
import dev.claudepool.v1.TaskFinished;
import dev.claudepool.v1.TextDelta;
import dev.claudepool.v1.WatchChainRequest;
import dev.claudepool.v1.WatchChainResponse;
import dev.claudepool.v1.WatchTaskRequest;
import dev.claudepool.v1.WatchTaskResponse;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Offline tests of the wrapper (auth header, resume, error details) against an in-process fake. */
@Timeout(30)
class PoolClientTest {
  private final List<String> authHeaders = new CopyOnWriteArrayList<>();
  private final List<Long> watchAfterSeqs = new CopyOnWriteArrayList<>();
  private final List<Long> watchChainAfterSeqs = new CopyOnWriteArrayList<>();
  private Server server;
  private PoolClient pool;

  /** WatchTask: the first stream sends seq 1-2 then fails UNAVAILABLE; a resume sends the rest. */
  private final class Fake extends PoolServiceGrpc.PoolServiceImplBase {
    @Override
    public void watchTask(WatchTaskRequest req, StreamObserver<WatchTaskResponse> out) {
      watchAfterSeqs.add(req.getAfterSeq());
      for (long seq = req.getAfterSeq() + 1; seq <= 4; seq++) {
        if (watchAfterSeqs.size() == 1 && seq == 3) {
          out.onError(Status.UNAVAILABLE.withDescription("connection recycled").asException());
          return;
        }
        TaskEvent.Builder e = TaskEvent.newBuilder().setTaskId(req.getTaskId()).setSeq(seq);
        if (seq == 4) {
          e.setFinished(TaskFinished.newBuilder().setTask(Task.newBuilder().setId(req.getTaskId())));
        } else {
          e.setTextDelta(TextDelta.newBuilder().setText("d" + seq));
        }
        out.onNext(WatchTaskResponse.newBuilder().setEvent(e).build());
      }
      out.onCompleted();
    }

    /** WatchChain: seq 1 PENDING, 2 RUNNING, 3 COMPLETED; the first stream fails after seq 2. */
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

    @Override
    public void getTask(GetTaskRequest req, StreamObserver<GetTaskResponse> out) {
      com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
          .setCode(Code.NOT_FOUND_VALUE).setMessage("no task " + req.getTaskId())
          .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("TASK_NOT_FOUND")
              .setDomain("claude-pool.dev").putMetadata("task_id", req.getTaskId()).build()))
          .addDetails(Any.pack(BadRequest.newBuilder().addFieldViolations(
              BadRequest.FieldViolation.newBuilder().setField("task_id")).build()))
          .build();
      out.onError(StatusProto.toStatusRuntimeException(status));
    }
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

  @BeforeEach
  void start() throws IOException {
    ServerInterceptor recordAuth = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        authHeaders.add(String.valueOf(headers.get(PoolClient.AUTHORIZATION)));
        return next.startCall(call, headers);
      }
    };
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(new Fake(), recordAuth)).build().start();
    pool = PoolClient.builder(InProcessChannelBuilder.forName(name).directExecutor().build())
        .token("secret").build();
  }

  @AfterEach
  void stop() {
    pool.close();
    server.shutdownNow();
  }

  @Test
  void watchResumesFromLastSeqAfterUnavailable() {
    List<TaskEvent> events = new ArrayList<>();
    try (TaskEventStream stream = pool.watch("task-1", 0)) {
      stream.forEach(events::add);
    }
    assertEquals(List.of(1L, 2L, 3L, 4L), events.stream().map(TaskEvent::getSeq).toList());
    assertEquals(List.of(0L, 2L), watchAfterSeqs);
    assertEquals(List.of("Bearer secret", "Bearer secret"), authHeaders);
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
      assertEquals(false, stream.hasNext());
    }
    assertEquals(List.of(3L), watchChainAfterSeqs);
  }

  @Test
  void errorDetailsAreDecoded() {
    PoolException e = assertThrows(PoolException.class, () -> pool.get("task-x"));
    assertEquals(Status.Code.NOT_FOUND, e.code());
    assertEquals("TASK_NOT_FOUND", e.reason());
    assertEquals("claude-pool.dev", e.domain());
    assertEquals("task-x", e.metadata().get("task_id"));
    assertEquals("task_id", e.fieldViolations().get(0).getField());
  }
}
