package dev.claudepool.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.rpc.RetryInfo;
import dev.claudepool.v1.GetTaskRequest;
import dev.claudepool.v1.GetTaskResponse;
import dev.claudepool.v1.PoolServiceGrpc;
import dev.claudepool.v1.PoolServiceProto;
import dev.claudepool.v1.RunStreamRequest;
import dev.claudepool.v1.RunStreamResponse;
import dev.claudepool.v1.SubmitTaskRequest;
import dev.claudepool.v1.SubmitTaskResponse;
import dev.claudepool.v1.Task;
import dev.claudepool.v1.TaskEvent;
import dev.claudepool.v1.TaskFinished;
import dev.claudepool.v1.TaskSpec;
import dev.claudepool.v1.TextDelta;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The resend policy and the request_id rule (CONFORMANCE.md §1) against an in-process fake. */
@Timeout(30)
class RetryTest {
  /** SubmitTask answers with the next scripted error, then succeeds; records the request_ids. */
  private final List<String> requestIds = new CopyOnWriteArrayList<>();
  private final List<Supplier<StatusRuntimeException>> script = new CopyOnWriteArrayList<>();
  private final List<String> runStreamIds = new CopyOnWriteArrayList<>();
  private int getTaskCalls;

  private final FakeServer server = new FakeServer(new PoolServiceGrpc.PoolServiceImplBase() {
    @Override
    public void submitTask(SubmitTaskRequest req, StreamObserver<SubmitTaskResponse> out) {
      requestIds.add(req.getRequestId());
      if (!script.isEmpty()) {
        out.onError(script.remove(0).get());
        return;
      }
      out.onNext(SubmitTaskResponse.newBuilder()
          .setTask(Task.newBuilder().setId("task-1").setPrompt(req.getTask().getPrompt())).build());
      out.onCompleted();
    }

    @Override
    public void getTask(GetTaskRequest req, StreamObserver<GetTaskResponse> out) {
      getTaskCalls++;
      out.onError(Status.UNAVAILABLE.asRuntimeException());
    }

    /** The first attempt is refused before any event, the resend streams the task. */
    @Override
    public void runStream(RunStreamRequest req, StreamObserver<RunStreamResponse> out) {
      runStreamIds.add(req.getRequestId());
      if (runStreamIds.size() == 1) {
        out.onError(FakeServer.error(Status.Code.UNAVAILABLE, "INJECTED_FAULT"));
        return;
      }
      for (long seq = 1; seq <= 3; seq++) {
        TaskEvent.Builder e = TaskEvent.newBuilder().setTaskId("task-r").setSeq(seq);
        if (seq == 3) {
          e.setFinished(TaskFinished.newBuilder().setTask(Task.newBuilder().setId("task-r")));
        } else {
          e.setTextDelta(TextDelta.newBuilder().setText("t" + seq));
        }
        out.onNext(RunStreamResponse.newBuilder().setEvent(e).build());
      }
      out.onCompleted();
    }
  });

  @AfterEach
  void stop() {
    server.close();
  }

  private void refuse(int times, Status.Code code, String reason) {
    for (int i = 0; i < times; i++) {
      script.add(() -> FakeServer.error(code, reason));
    }
  }

  @Test
  void unavailableIsResentWithTheSameRequestId() {
    refuse(3, Status.Code.UNAVAILABLE, null);
    try (PoolClient pool = server.client().build()) {
      assertEquals("task-1", pool.submitTask("hi").getId());
    }
    assertEquals(4, requestIds.size());
    assertEquals(1, Set.copyOf(requestIds).size(), "one request_id for every attempt");
    UUID id = UUID.fromString(requestIds.get(0));
    assertEquals(4, id.version(), "a UUID v4");
  }

  @Test
  void everyCallGetsItsOwnRequestId() {
    try (PoolClient pool = server.client().build()) {
      pool.submitTask("a");
      pool.submitTask("b");
    }
    assertEquals(2, Set.copyOf(requestIds).size());
  }

  @Test
  void aCallersRequestIdIsKept() {
    refuse(1, Status.Code.UNAVAILABLE, null);
    try (PoolClient pool = server.client().build()) {
      pool.submitTask(SubmitTaskRequest.newBuilder().setRequestId("mine")
          .setTask(TaskSpec.newBuilder().setPrompt("p")).build());
    }
    assertEquals(List.of("mine", "mine"), requestIds);
  }

  @Test
  void fourAttemptsInAll() {
    refuse(10, Status.Code.UNAVAILABLE, null);
    try (PoolClient pool = server.client().build()) {
      PoolException e = assertThrows(PoolException.class, () -> pool.submitTask("p"));
      assertEquals(Status.Code.UNAVAILABLE, e.code());
    }
    assertEquals(4, requestIds.size());
  }

  @Test
  void readsAreResentToo() {
    try (PoolClient pool = server.client().build()) {
      assertThrows(PoolException.class, () -> pool.getTask("task-1"));
    }
    assertEquals(4, getTaskCalls);
  }

  @Test
  void otherErrorsAreNotResent() {
    refuse(1, Status.Code.INTERNAL, null);
    refuse(1, Status.Code.DEADLINE_EXCEEDED, null);
    refuse(1, Status.Code.UNKNOWN, null);
    refuse(1, Status.Code.RESOURCE_EXHAUSTED, "BUDGET_EXHAUSTED");
    refuse(1, Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED"); // no RetryInfo: not resent
    List<Status.Code> codes = new ArrayList<>();
    try (PoolClient pool = server.client().build()) {
      for (int i = 0; i < 5; i++) {
        codes.add(assertThrows(PoolException.class, () -> pool.submitTask("p")).code());
      }
    }
    assertEquals(List.of(Status.Code.INTERNAL, Status.Code.DEADLINE_EXCEEDED, Status.Code.UNKNOWN,
        Status.Code.RESOURCE_EXHAUSTED, Status.Code.RESOURCE_EXHAUSTED), codes);
    assertEquals(5, requestIds.size(), "one attempt each");
  }

  @Test
  void rateLimitedIsResentAfterItsRetryDelay() {
    script.add(() -> FakeServer.error(Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED",
        RetryInfo.newBuilder().setRetryDelay(
            com.google.protobuf.Duration.newBuilder().setNanos(300_000_000)).build()));
    long start = System.nanoTime();
    try (PoolClient pool = server.client().build()) {
      pool.submitTask("p");
    }
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertEquals(2, requestIds.size());
    assertTrue(elapsedMs >= 300, "waited " + elapsedMs + " ms, RetryInfo said 300");
  }

  @Test
  void aResendNeverOutlivesTheDeadline() {
    refuse(10, Status.Code.UNAVAILABLE, null);
    long start = System.nanoTime();
    try (PoolClient pool = server.client().defaultDeadline(Duration.ofMillis(230)).build()) {
      assertThrows(PoolException.class, () -> pool.submitTask("p"));
    }
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    // Attempt 2 starts at 80-120 ms; the next backoff (160-240 ms) would end past 230 ms.
    assertEquals(2, requestIds.size());
    assertTrue(elapsedMs < 230, "gave up after " + elapsedMs + " ms");
  }

  @Test
  void retryRateLimitedPastTheDeadlineIsNotWaitedFor() {
    script.add(() -> FakeServer.error(Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED",
        RetryInfo.newBuilder().setRetryDelay(
            com.google.protobuf.Duration.newBuilder().setSeconds(5)).build()));
    try (PoolClient pool = server.client().build()) {
      PoolException e = assertThrows(PoolException.class,
          () -> pool.withDeadlineAfter(Duration.ofSeconds(1)).submitTask("p"));
      assertEquals(Duration.ofSeconds(5), e.retryDelay().orElseThrow());
    }
    assertEquals(1, requestIds.size());
  }

  @Test
  void noneTurnsResendsOff() {
    refuse(1, Status.Code.UNAVAILABLE, null);
    try (PoolClient pool = server.client().retryPolicy(RetryPolicy.none()).build()) {
      assertThrows(PoolException.class, () -> pool.submitTask("p"));
    }
    assertEquals(1, requestIds.size());
  }

  @Test
  void aStreamRefusedBeforeItsFirstEventIsResentWithTheSameRequestId() {
    List<TaskEvent> events = new ArrayList<>();
    try (PoolClient pool = server.client().build();
        TaskEventStream stream = pool.runStream("p")) {
      stream.forEach(events::add);
      assertEquals("task-r", stream.taskId());
    }
    assertEquals(List.of(1L, 2L, 3L), events.stream().map(TaskEvent::getSeq).toList());
    assertEquals(2, runStreamIds.size());
    assertEquals(runStreamIds.get(0), runStreamIds.get(1));
  }

  @Test
  void backoffIs100200400WithTwentyPercentJitterCappedAt2s() {
    RetryPolicy low = RetryPolicy.DEFAULT.withRandom(() -> 0.0);
    RetryPolicy high = RetryPolicy.DEFAULT.withRandom(() -> 0.999_999);
    assertEquals(List.of(80L, 160L, 320L),
        List.of(low.backoff(1).toMillis(), low.backoff(2).toMillis(), low.backoff(3).toMillis()));
    assertEquals(List.of(119L, 239L, 479L),
        List.of(high.backoff(1).toMillis(), high.backoff(2).toMillis(),
            high.backoff(3).toMillis()));
    assertEquals(2000L, high.backoff(6).toMillis(), "capped at 2 s");
    assertEquals(4, RetryPolicy.DEFAULT.maxAttempts());
  }

  @Test
  void theMutatingRpcsAreThoseOfTheContract() {
    Set<String> mutating = PoolServiceProto.getDescriptor().findServiceByName("PoolService")
        .getMethods().stream().filter(m -> RequestIds.isMutating(m.getInputType()))
        .map(MethodDescriptor::getName).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(List.of("Run", "RunStream", "SubmitTask", "CancelTask",
        "DeleteTask", "ClaimTask", "ApproveTask", "RejectTask", "DeleteSession", "FanOut",
        "FanOutStream", "SubmitChain", "FanOutChains", "CancelChain", "Auto", "ExecuteRoute",
        "SetContext", "DeleteContext", "SendMessage", "BroadcastMessage", "ReadMessages",
        "ScaleUp", "ScaleDown", "SetTargetSlots", "Drain")), mutating);
  }
}
