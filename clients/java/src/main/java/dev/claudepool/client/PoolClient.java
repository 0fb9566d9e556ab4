package dev.claudepool.client;

import dev.claudepool.v1.CancelChainRequest;
import dev.claudepool.v1.CancelTaskRequest;
import dev.claudepool.v1.ChainOptions;
import dev.claudepool.v1.ChainProgress;
import dev.claudepool.v1.ChainStatus;
import dev.claudepool.v1.ChainStep;
import dev.claudepool.v1.FanOutItem;
import dev.claudepool.v1.FanOutRequest;
import dev.claudepool.v1.GetChainProgressRequest;
import dev.claudepool.v1.GetStatusRequest;
import dev.claudepool.v1.GetTaskRequest;
import dev.claudepool.v1.PoolServiceGrpc;
import dev.claudepool.v1.PoolStatus;
import dev.claudepool.v1.RunRequest;
import dev.claudepool.v1.RunResponse;
import dev.claudepool.v1.RunStreamRequest;
import dev.claudepool.v1.SubmitChainRequest;
import dev.claudepool.v1.SubmitTaskRequest;
import dev.claudepool.v1.Task;
import dev.claudepool.v1.TaskEvent;
import dev.claudepool.v1.TaskSpec;
import dev.claudepool.v1.TaskState;
import dev.claudepool.v1.WaitTaskRequest;
import dev.claudepool.v1.WatchChainRequest;
import dev.claudepool.v1.WatchTaskRequest;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A small client for claude-pool's {@code PoolService}.
 *
 * <pre>{@code
 * try (PoolClient pool = PoolClient.connect("127.0.0.1:50051", token)) {
 *   Task task = pool.run("Summarise README.md");
 *   try (TaskEventStream events = pool.stream("Write a haiku")) {
 *     for (TaskEvent e : events) {
 *       if (e.hasTextDelta()) System.out.print(e.getTextDelta().getText());
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>Every failed call throws {@link PoolException}. The full API is reachable through {@link
 * #blockingStub()} and {@link #asyncStub()} (token and deadline already applied; their errors are
 * raw {@code StatusRuntimeException}s, convert them with {@link PoolException#from}).
 */
public final class PoolClient implements AutoCloseable {
  /** Key of the auth header sent on every call. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static final Duration MAX_WAIT = Duration.ofMinutes(10);

  private final ManagedChannel channel;
  private final PoolServiceGrpc.PoolServiceBlockingStub blocking;
  private final PoolServiceGrpc.PoolServiceStub async;
  private final HealthGrpc.HealthBlockingStub health;
  private final Duration callTimeout;
  private final int maxReconnects;

  private PoolClient(Builder b) {
    this.channel = b.channel != null ? b.channel : Grpc.newChannelBuilder(b.address,
            b.tls ? TlsChannelCredentials.create() : InsecureChannelCredentials.create())
        .build();
    List<ClientInterceptor> interceptors = new ArrayList<>();
    if (b.token != null && !b.token.isEmpty()) {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, "Bearer " + b.token);
      interceptors.add(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    this.blocking = PoolServiceGrpc.newBlockingStub(channel).withInterceptors(
        interceptors.toArray(ClientInterceptor[]::new));
    this.async = PoolServiceGrpc.newStub(channel).withInterceptors(
        interceptors.toArray(ClientInterceptor[]::new));
    this.health = HealthGrpc.newBlockingStub(channel);
    this.callTimeout = b.callTimeout;
    this.maxReconnects = b.maxReconnects;
  }

  /** Connects without a token, plaintext. */
  public static PoolClient connect(String address) {
    return builder(address).build();
  }

  /** Connects with a bearer token (may be null), plaintext. */
  public static PoolClient connect(String address, String token) {
    return builder(address).token(token).build();
  }

  /** Starts a builder for {@code host:port} (or any gRPC target string). */
  public static Builder builder(String address) {
    return new Builder(address);
  }

  /** Starts a builder over a channel you built; {@link #close} shuts it down. */
  public static Builder builder(ManagedChannel channel) {
    Builder b = new Builder(null);
    b.channel = channel;
    return b;
  }

  /** Options for {@link PoolClient}. */
  public static final class Builder {
    private final String address;
    private ManagedChannel channel;
    private String token;
    private boolean tls;
    private Duration callTimeout;
    private int maxReconnects = 10;

    private Builder(String address) {
      this.address = address;
    }

    /** Sends {@code authorization: Bearer <token>} on every call. */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /** Uses TLS with the system trust store (off by default). */
    public Builder tls(boolean tls) {
      this.tls = tls;
      return this;
    }

    /** Deadline for each unary call (none by default). Streams are not bounded by it. */
    public Builder callTimeout(Duration callTimeout) {
      this.callTimeout = callTimeout;
      return this;
    }

    /** How often a broken event stream is reopened in a row before giving up (default 10). */
    public Builder maxReconnects(int maxReconnects) {
      this.maxReconnects = maxReconnects;
      return this;
    }

    public PoolClient build() {
      return new PoolClient(this);
    }
  }

  // ---- health and status ----

  /** {@code grpc.health.v1.Health/Check} for the whole server (service {@code ""}). */
  public HealthCheckResponse.ServingStatus health() {
    return call(() -> withTimeout(health)
        .check(HealthCheckRequest.newBuilder().setService("").build()).getStatus());
  }

  /** Counts of slots and tasks, spend and budget. */
  public PoolStatus status() {
    return call(() -> unary().getStatus(GetStatusRequest.getDefaultInstance()).getStatus());
  }

  // ---- tasks ----

  /** Runs a prompt and waits for the finished task (a failed run is a FAILED task, not an error). */
  public Task run(String prompt) {
    return run(spec(prompt));
  }

  /** Runs a task and waits for it to finish. */
  public Task run(TaskSpec spec) {
    return call(() -> unary().run(RunRequest.newBuilder().setTask(spec).build()).getTask());
  }

  /** Like {@link #run(TaskSpec)}, without blocking. The future fails with a PoolException. */
  public CompletableFuture<Task> runAsync(TaskSpec spec) {
    CompletableFuture<Task> future = new CompletableFuture<>();
    withTimeout(async).run(RunRequest.newBuilder().setTask(spec).build(),
        new Adapter<RunResponse, Task>(RunResponse::getTask, new StreamObserver<>() {
          @Override public void onNext(Task task) {
            future.complete(task);
          }

          @Override public void onError(Throwable t) {
            future.completeExceptionally(t);
          }

          @Override public void onCompleted() {}
        }));
    return future;
  }

  /** Runs a prompt and streams its events (state changes, text deltas, then finished). */
  public TaskEventStream stream(String prompt) {
    return stream(spec(prompt));
  }

  /**
   * Runs a task and streams its events. If the stream breaks after the first event it is resumed
   * with WatchTask from the last seen seq. Closing the stream does not cancel the task.
   */
  public TaskEventStream stream(TaskSpec spec) {
    RunStreamRequest request = RunStreamRequest.newBuilder().setTask(spec).build();
    return new TaskEventStream(null, 0,
        () -> map(blocking.runStream(request), r -> r.getEvent()),
        this::openWatch, maxReconnects);
  }

  /** Like {@link #stream(TaskSpec)} with callbacks; no resume. Close the result to drop it. */
  public Subscription streamAsync(TaskSpec spec, StreamObserver<TaskEvent> observer) {
    RunStreamRequest request = RunStreamRequest.newBuilder().setTask(spec).build();
    return inContext(() -> async.runStream(request, new Adapter<>(r -> r.getEvent(), observer)));
  }

  /** Queues a prompt and returns the task at once (state PENDING). */
  public Task submit(String prompt) {
    return submit(spec(prompt));
  }

  /** Queues a task and returns it at once. */
  public Task submit(TaskSpec spec) {
    return call(() -> unary().submitTask(
        SubmitTaskRequest.newBuilder().setTask(spec).build()).getTask());
  }

  /** Returns a task. */
  public Task get(String taskId) {
    return call(() -> unary().getTask(
        GetTaskRequest.newBuilder().setTaskId(taskId).build()).getTask());
  }

  /**
   * WaitTask: waits up to {@code timeout} (at most 10 minutes) until the task is terminal or
   * PENDING_REVIEW, and returns it as it stands then (check {@link #isDone}). Named {@code
   * waitTask} because {@code Object.wait} is taken.
   */
  public Task waitTask(String taskId, Duration timeout) {
    WaitTaskRequest request = WaitTaskRequest.newBuilder().setTaskId(taskId)
        .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(timeout.getSeconds())
            .setNanos(timeout.getNano()))
        .build();
    long deadlineMs = timeout.plusSeconds(10).toMillis();
    return call(() -> blocking.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
        .waitTask(request).getTask());
  }

  /** Waits as long as it takes until the task is terminal or PENDING_REVIEW. */
  public Task waitTask(String taskId) {
    while (true) {
      Task task = waitTask(taskId, MAX_WAIT);
      if (isDone(task)) {
        return task;
      }
    }
  }

  /** Streams a task's events from the start. See {@link #watch(String, long)}. */
  public TaskEventStream watch(String taskId) {
    return watch(taskId, 0);
  }

  /**
   * Streams a task's events with {@code seq > afterSeq}, ending after {@code finished}. On
   * UNAVAILABLE or a dropped stream it resumes from the last seen seq by itself.
   */
  public TaskEventStream watch(String taskId, long afterSeq) {
    return new TaskEventStream(taskId, afterSeq, () -> openWatch(taskId, afterSeq),
        this::openWatch, maxReconnects);
  }

  /** Like {@link #watch(String, long)} with callbacks; no resume. Close the result to drop it. */
  public Subscription watchAsync(String taskId, long afterSeq, StreamObserver<TaskEvent> observer) {
    WatchTaskRequest request =
        WatchTaskRequest.newBuilder().setTaskId(taskId).setAfterSeq(afterSeq).build();
    return inContext(() -> async.watchTask(request, new Adapter<>(r -> r.getEvent(), observer)));
  }

  /** Cancels a task; returns it (CANCELLED). A terminal task gives FAILED_PRECONDITION. */
  public Task cancel(String taskId) {
    return call(() -> unary().cancelTask(
        CancelTaskRequest.newBuilder().setTaskId(taskId).build()).getTask());
  }

  /** True when the task stopped producing output: terminal or waiting for review. */
  public static boolean isDone(Task task) {
    TaskState s = task.getState();
    return s == TaskState.TASK_STATE_COMPLETED || s == TaskState.TASK_STATE_FAILED
        || s == TaskState.TASK_STATE_CANCELLED || s == TaskState.TASK_STATE_PENDING_REVIEW;
  }

  // ---- fan-out ----

  /** Runs prompts concurrently and waits for all; see {@link #fanOut(Collection)}. */
  public List<FanOutItem> fanOut(String... prompts) {
    return fanOut(Arrays.stream(prompts).map(PoolClient::spec).toList());
  }

  /**
   * FanOut: runs the tasks concurrently, waits until every one has finished, and returns one item
   * per task in input order ({@code item.getIndex()} is the position). Each item has its own
   * outcome: the finished task (check its state), or, when it could not be submitted, a non-zero
   * {@code error_code} with {@code error_message}. The call's deadline (the builder's {@code
   * callTimeout}) covers the whole fan-out.
   */
  public List<FanOutItem> fanOut(Collection<TaskSpec> specs) {
    FanOutRequest request = FanOutRequest.newBuilder().addAllTasks(specs).build();
    List<FanOutItem> items = new ArrayList<>(call(() -> unary().fanOut(request).getItemsList()));
    items.sort(Comparator.comparingInt(FanOutItem::getIndex)); // already in order; make sure
    return items;
  }

  // ---- chains ----

  /** A chain step; {@code {previous_output}} in the prompt is the previous step's output. */
  public static ChainStep step(String name, String prompt) {
    return ChainStep.newBuilder().setName(name).setPrompt(prompt).build();
  }

  /** Submits a chain with default options; see {@link #submitChain(List, ChainOptions)}. */
  public ChainProgress submitChain(List<ChainStep> steps) {
    return submitChain(steps, null);
  }

  /**
   * SubmitChain: queues a chain of dependent steps and returns its initial progress at once
   * (status PENDING). Follow it with {@link #watchChain(String, long)} or {@link #getChain}.
   *
   * @param options tags, isolation and working directory; null for the defaults
   */
  public ChainProgress submitChain(List<ChainStep> steps, ChainOptions options) {
    SubmitChainRequest.Builder request = SubmitChainRequest.newBuilder().addAllSteps(steps);
    if (options != null) {
      request.setOptions(options);
    }
    return call(() -> unary().submitChain(request.build()).getChain());
  }

  /** GetChainProgress: a chain's current progress. */
  public ChainProgress getChain(String chainId) {
    return call(() -> unary().getChainProgress(
        GetChainProgressRequest.newBuilder().setChainId(chainId).build()).getChain());
  }

  /** Streams a chain's progress from the current snapshot. See {@link #watchChain(String, long)}. */
  public ChainProgressStream watchChain(String chainId) {
    return watchChain(chainId, 0);
  }

  /**
   * WatchChain: streams the chain's progress snapshots with {@code seq > afterSeq} (0: the current
   * one first), ending after the snapshot with a terminal status (COMPLETED, FAILED, CANCELLED)
   * and the result. On UNAVAILABLE or a dropped stream it resumes from the last seen seq.
   */
  public ChainProgressStream watchChain(String chainId, long afterSeq) {
    return new ChainProgressStream(chainId, afterSeq, this::openWatchChain, this::getChain,
        maxReconnects);
  }

  /**
   * CancelChain: stops the running step, skips the rest, and returns the progress (CANCELLED). A
   * terminal chain gives FAILED_PRECONDITION.
   */
  public ChainProgress cancelChain(String chainId) {
    return call(() -> unary().cancelChain(
        CancelChainRequest.newBuilder().setChainId(chainId).build()).getChain());
  }

  /** True for COMPLETED, FAILED and CANCELLED. */
  public static boolean isTerminal(ChainStatus status) {
    return status == ChainStatus.CHAIN_STATUS_COMPLETED || status == ChainStatus.CHAIN_STATUS_FAILED
        || status == ChainStatus.CHAIN_STATUS_CANCELLED;
  }

  // ---- raw access ----

  /** The generated blocking stub, with the token and the unary deadline applied. */
  public PoolServiceGrpc.PoolServiceBlockingStub blockingStub() {
    return unary();
  }

  /** The generated async stub, with the token applied. */
  public PoolServiceGrpc.PoolServiceStub asyncStub() {
    return async;
  }

  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** A running async stream; {@link #close} drops it (the task keeps running). */
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  // ---- internals ----

  private static TaskSpec spec(String prompt) {
    return TaskSpec.newBuilder().setPrompt(prompt).build();
  }

  private PoolServiceGrpc.PoolServiceBlockingStub unary() {
    return withTimeout(blocking);
  }

  private <S extends AbstractStub<S>> S withTimeout(S stub) {
    return callTimeout == null ? stub
        : stub.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private Iterator<TaskEvent> openWatch(String taskId, long afterSeq) {
    WatchTaskRequest request =
        WatchTaskRequest.newBuilder().setTaskId(taskId).setAfterSeq(afterSeq).build();
    return map(blocking.watchTask(request), r -> r.getEvent());
  }

  private Iterator<ChainProgress> openWatchChain(String chainId, long afterSeq) {
    WatchChainRequest request =
        WatchChainRequest.newBuilder().setChainId(chainId).setAfterSeq(afterSeq).build();
    return map(blocking.watchChain(request), r -> r.getChain());
  }

  private interface Call<T> {
    T get();
  }

  private static <T> T call(Call<T> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      throw PoolException.from(e);
    }
  }

  private static Subscription inContext(Runnable start) {
    Context.CancellableContext context = Context.current().withCancellation();
    context.run(start);
    return () -> context.cancel(null);
  }

  private static <A, B> Iterator<B> map(Iterator<A> it, Function<A, B> f) {
    return new Iterator<>() {
      @Override public boolean hasNext() {
        return it.hasNext();
      }

      @Override public B next() {
        return f.apply(it.next());
      }
    };
  }

  /** Maps responses and turns errors into PoolExceptions for a caller's observer. */
  private static final class Adapter<A, B> implements StreamObserver<A> {
    private final Function<A, B> map;
    private final StreamObserver<B> target;

    Adapter(Function<A, B> map, StreamObserver<B> target) {
      this.map = map;
      this.target = target;
    }

    @Override public void onNext(A value) {
      target.onNext(map.apply(value));
    }

    @Override public void onError(Throwable t) {
      target.onError(PoolException.from(t));
    }

    @Override public void onCompleted() {
      target.onCompleted();
    }
  }
}
