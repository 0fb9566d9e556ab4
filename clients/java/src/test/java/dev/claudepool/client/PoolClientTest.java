package dev.claudepool.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.claudepool.v1.ClaimTaskRequest;
import dev.claudepool.v1.ClaimTaskResponse;
import dev.claudepool.v1.GetStatusRequest;
import dev.claudepool.v1.GetStatusResponse;
import dev.claudepool.v1.GetTaskRequest;
import dev.claudepool.v1.GetTaskResponse;
import dev.claudepool.v1.PoolServiceGrpc;
import dev.claudepool.v1.PoolStatus;
import dev.claudepool.v1.Task;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Connection options: token, interceptors, own channel, deadlines, response shapes. */
@Timeout(30)
class PoolClientTest {
  private static final Metadata.Key<String> TRACE =
      Metadata.Key.of("x-trace", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> METHOD =
      Metadata.Key.of("x-test-method", Metadata.ASCII_STRING_MARSHALLER);
  private final List<Long> deadlinesMs = new CopyOnWriteArrayList<>();
  private final HealthStatusManager health = new HealthStatusManager();

  private final FakeServer server = new FakeServer(new PoolServiceGrpc.PoolServiceImplBase() {
    @Override
    public void getStatus(GetStatusRequest req, StreamObserver<GetStatusResponse> out) {
      io.grpc.Deadline d = io.grpc.Context.current().getDeadline();
      deadlinesMs.add(d == null ? -1 : d.timeRemaining(java.util.concurrent.TimeUnit.MILLISECONDS));
      out.onNext(GetStatusResponse.newBuilder()
          .setStatus(PoolStatus.newBuilder().setTotalSlots(2)).build());
      out.onCompleted();
    }

    @Override
    public void getTask(GetTaskRequest req, StreamObserver<GetTaskResponse> out) {
      out.onError(FakeServer.error(Status.Code.NOT_FOUND, "TASK_NOT_FOUND"));
    }

    @Override
    public void claimTask(ClaimTaskRequest req, StreamObserver<ClaimTaskResponse> out) {
      out.onNext(ClaimTaskResponse.getDefaultInstance());
      out.onCompleted();
    }
  }, health.getHealthService());

  @AfterEach
  void stop() {
    server.close();
  }

  private static ClientInterceptor tracing(String value) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
          CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            headers.put(TRACE, value);
            super.start(listener, headers);
          }
        };
      }
    };
  }

  @Test
  void theTokenGoesOnPoolCallsButNotOnHealthChecks() {
    try (PoolClient pool = server.client().token("secret").intercept(tracing("t-1")).build()) {
      assertEquals(HealthCheckResponse.ServingStatus.SERVING, pool.health());
      assertEquals(2, pool.getStatus().getTotalSlots());
    }
    Metadata healthCall = server.headers.get(0);
    Metadata statusCall = server.headers.get(1);
    assertEquals("grpc.health.v1.Health/Check", healthCall.get(METHOD));
    assertNull(healthCall.get(PoolClientBuilder.AUTHORIZATION));
    assertEquals("t-1", healthCall.get(TRACE), "interceptors see health checks too");
    assertEquals("Bearer secret", statusCall.get(PoolClientBuilder.AUTHORIZATION));
    assertEquals("t-1", statusCall.get(TRACE));
  }

  @Test
  void aChannelOfYourOwnStaysOpenAfterClose() {
    new PoolClient(server.channel).close();
    assertFalse(server.channel.isShutdown());
    try (PoolClient pool = new PoolClient(server.channel)) {
      assertEquals(2, pool.getStatus().getTotalSlots());
    }
  }

  @Test
  void transportOptionsBelongToYourOwnChannel() {
    assertThrows(IllegalStateException.class, () -> server.client().plaintext().build());
    assertThrows(IllegalStateException.class,
        () -> server.client().keepAlive(Duration.ofSeconds(30), Duration.ofSeconds(5)).build());
    assertThrows(IllegalStateException.class, () -> PoolClient.builder("127.0.0.1:1").plaintext()
        .clientCertificate(Path.of("c.pem"), Path.of("k.pem")).build());
  }

  @Test
  void theDefaultDeadlineAppliesToUnaryCallsAndAViewOverridesIt() {
    try (PoolClient pool = server.client().defaultDeadline(Duration.ofSeconds(20)).build()) {
      pool.getStatus();
      pool.withDeadlineAfter(Duration.ofSeconds(5)).getStatus();
    }
    try (PoolClient pool = server.client().build()) {
      pool.getStatus();
    }
    assertTrue(deadlinesMs.get(0) > 15_000 && deadlinesMs.get(0) <= 20_000, deadlinesMs.toString());
    assertTrue(deadlinesMs.get(1) > 1_000 && deadlinesMs.get(1) <= 5_000, deadlinesMs.toString());
    assertEquals(-1L, deadlinesMs.get(2), "no deadline unless one is set");
  }

  @Test
  void errorsAreTypedAndEmptyRepliesAreOptional() {
    try (PoolClient pool = server.client().build()) {
      PoolException e = assertThrows(PoolException.class, () -> pool.getTask("task-x"));
      assertEquals(Status.Code.NOT_FOUND, e.code());
      assertEquals(dev.claudepool.v1.ErrorReason.ERROR_REASON_TASK_NOT_FOUND, e.errorReason());
      assertTrue(pool.claimTask("slot-1").isEmpty());
    }
  }

  @Test
  void specsSetWhatTheySay() {
    assertEquals("task-a", Specs.continuing("task-a", "p").getContinueFrom());
    assertEquals("task-b", Specs.forking("task-b", "p").getForkFrom());
    assertTrue(Specs.task("p").setReviewRequired(true).build().getReviewRequired());
    assertEquals("{previous_output}", Specs.step("s", "{previous_output}").getPrompt());
    Task unused = Task.getDefaultInstance();
    assertFalse(PoolClient.isDone(unused));
  }
}
