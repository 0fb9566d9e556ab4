package dev.claudepool.client;

import dev.claudepool.v1.ApproveTaskRequest;
import dev.claudepool.v1.AutoRequest;
import dev.claudepool.v1.AutoResult;
import dev.claudepool.v1.BroadcastMessageRequest;
import dev.claudepool.v1.CancelChainRequest;
import dev.claudepool.v1.CancelTaskRequest;
import dev.claudepool.v1.ChainOptions;
import dev.claudepool.v1.ChainProgress;
import dev.claudepool.v1.ChainSpec;
import dev.claudepool.v1.ChainStatus;
import dev.claudepool.v1.ChainStep;
import dev.claudepool.v1.ClaimTaskRequest;
import dev.claudepool.v1.ClaimTaskResponse;
import dev.claudepool.v1.ContextEntry;
import dev.claudepool.v1.CountMessagesRequest;
import dev.claudepool.v1.DeleteContextRequest;
import dev.claudepool.v1.DeleteContextResponse;
import dev.claudepool.v1.DeleteSessionRequest;
import dev.claudepool.v1.DeleteTaskRequest;
import dev.claudepool.v1.DrainRequest;
import dev.claudepool.v1.DrainSummary;
import dev.claudepool.v1.ExecuteRouteRequest;
import dev.claudepool.v1.FanOutChainsRequest;
import dev.claudepool.v1.FanOutItem;
import dev.claudepool.v1.FanOutRequest;
import dev.claudepool.v1.FanOutStreamRequest;
import dev.claudepool.v1.FindSlotsRequest;
import dev.claudepool.v1.GetChainProgressRequest;
import dev.claudepool.v1.GetConfigRequest;
import dev.claudepool.v1.GetContextRequest;
import dev.claudepool.v1.GetSessionMetricsRequest;
import dev.claudepool.v1.GetSessionRequest;
import dev.claudepool.v1.GetStatusRequest;
import dev.claudepool.v1.GetTaskRequest;
import dev.claudepool.v1.ListChainProgressRequest;
import dev.claudepool.v1.ListChainProgressResponse;
import dev.claudepool.v1.ListContextRequest;
import dev.claudepool.v1.ListContextResponse;
import dev.claudepool.v1.ListSessionsRequest;
import dev.claudepool.v1.ListSessionsResponse;
import dev.claudepool.v1.ListTasksRequest;
import dev.claudepool.v1.ListTasksResponse;
import dev.claudepool.v1.MetricsFilter;
import dev.claudepool.v1.PeekMessagesRequest;
import dev.claudepool.v1.PoolConfig;
import dev.claudepool.v1.PoolServiceGrpc;
import dev.claudepool.v1.PoolStatus;
import dev.claudepool.v1.ReadMessagesRequest;
import dev.claudepool.v1.RejectTaskRequest;
import dev.claudepool.v1.Route;
import dev.claudepool.v1.RouteRequest;
import dev.claudepool.v1.RouteResponse;
import dev.claudepool.v1.RunRequest;
import dev.claudepool.v1.RunStreamRequest;
import dev.claudepool.v1.ScaleDownRequest;
import dev.claudepool.v1.ScaleUpRequest;
import dev.claudepool.v1.SendMessageRequest;
import dev.claudepool.v1.Session;
import dev.claudepool.v1.SessionMetrics;
import dev.claudepool.v1.SetContextRequest;
import dev.claudepool.v1.SetTargetSlotsRequest;
import dev.claudepool.v1.Slot;
import dev.claudepool.v1.SlotMessage;
import dev.claudepool.v1.SubmitChainRequest;
import dev.claudepool.v1.SubmitTaskRequest;
import dev.claudepool.v1.Task;
import dev.claudepool.v1.TaskSpec;
import dev.claudepool.v1.TaskState;
import dev.claudepool.v1.WaitTaskRequest;
import dev.claudepool.v1.WaitTaskResponse;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The client of claude-pool's {@code PoolService}: one method per RPC, a paging helper per
 * {@code List*} RPC, typed resumable streams, one error type.
 *
 * <pre>{@code
 * try (PoolClient pool = PoolClient.builder("127.0.0.1:50051")
 *     .token(token).tlsCa(Path.of("ca.pem")).build()) {
 *   Task task = pool.run("Summarise README.md");
 *   try (TaskEventStream events = pool.runStream("Write a haiku")) {
 *     for (TaskEvent e : events) {
 *       if (e.hasTextDelta()) System.out.print(e.getTextDelta().getText());
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p><b>Policy</b> (clients/CONFORMANCE.md §1). Every mutating call gets a fresh UUID v4 {@code
 * request_id} unless its request carries one, kept across resends, so the server never does the
 * work twice. A call refused {@code UNAVAILABLE} (or {@code RATE_LIMITED} with a retry delay) is
 * resent per the {@link RetryPolicy}, never past its deadline. Watches resume from the last
 * {@code seq}. Every failure is a {@link PoolException}.
 *
 * <p><b>Shapes.</b> Each RPC has a method taking its plain arguments and, where the request has
 * more options, one taking the generated request message. A response with one field is returned
 * as that field ({@code Run} returns the {@link Task}); an empty one as {@code void}.
 *
 * <p><b>Deadlines.</b> Unary calls get the builder's {@code defaultDeadline}, if any. {@link
 * #withDeadlineAfter(Duration)} returns a view of this client whose calls (streams included) all
 * end by one fixed deadline, like a gRPC stub's {@code withDeadlineAfter}.
 *
 * <p>Blocking and thread-safe; streams are single-consumer. There is no separate async API: run
 * a call on an executor of your own ({@code CompletableFuture.supplyAsync(() -> pool.run(spec),
 * executor)}) for the same policy and errors.
 */
public final class PoolClient implements AutoCloseable {
  private static final Duration MAX_WAIT = Duration.ofMinutes(10);
  private static final Duration WAIT_GRACE = Duration.ofSeconds(10);

  private final Calls calls;
  private final ManagedChannel owned;

  PoolClient(Calls calls, ManagedChannel owned) {
    this.calls = calls;
    this.owned = owned;
  }

  /**
   * A client over a channel of your own, with no token and the default retry policy; the same as
   * {@code PoolClient.builder(channel).build()}. Closing the client leaves the channel open.
   *
   * @param channel the channel (TLS, keepalive, ... are its own)
   */
  public PoolClient(Channel channel) {
    this(builder(channel).build().calls, null);
  }

  /**
   * Starts the options of a client that opens its own channel.
   *
   * @param address {@code host:port}, or any gRPC target string
   * @return the builder
   */
  public static PoolClientBuilder builder(String address) {
    return new PoolClientBuilder(address, null);
  }

  /**
   * Starts the options of a client over a channel you built (any {@link Channel}, e.g. a {@code
   * ManagedChannel} or one already intercepted). {@link #close()} does not shut it down.
   *
   * @param channel the channel
   * @return the builder
   */
  public static PoolClientBuilder builder(Channel channel) {
    return new PoolClientBuilder(null, channel);
  }

  /**
   * A view of this client whose calls all end by {@code deadline}, resends included. It shares the
   * channel: close this client, not the view.
   *
   * @param deadline the deadline
   * @return the view
   */
  public PoolClient withDeadline(Deadline deadline) {
    return new PoolClient(calls.withDeadline(deadline), null);
  }

  /**
   * A view of this client whose calls all end by now + {@code timeout}; see {@link
   * #withDeadline(Deadline)}.
   *
   * @param timeout the time from now
   * @return the view
   */
  public PoolClient withDeadlineAfter(Duration timeout) {
    return withDeadline(Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS));
  }

  /**
   * The channel PoolService calls go over, token and interceptors attached: for generated stubs
   * of your own (they bypass this client's retries and typed errors).
   *
   * @return the channel
   */
  public Channel channel() {
    return calls.channel();
  }

  /** Shuts down the channel this client opened (not a channel you passed in) within 5 s. */
  @Override
  public void close() {
    if (owned == null) {
      return;
    }
    owned.shutdown();
    try {
      if (!owned.awaitTermination(5, TimeUnit.SECONDS)) {
        owned.shutdownNow();
      }
    } catch (InterruptedException e) {
      owned.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  // ---- health ----

  /**
   * {@code grpc.health.v1.Health/Check} for the whole server (service {@code ""}); sends no token.
   *
   * @return the serving status, {@code SERVING} when the server takes work
   */
  public HealthCheckResponse.ServingStatus health() {
    return calls.health(HealthGrpc.getCheckMethod(),
        HealthCheckRequest.newBuilder().setService("").build()).getStatus();
  }

  // ---- tasks ----

  /**
   * {@code Run}: runs a prompt and waits until the task finishes.
   *
   * @param prompt the prompt
   * @return the finished task (a failed run is a task in state FAILED, not an error)
   */
  public Task run(String prompt) {
    return run(spec(prompt));
  }

  /**
   * {@code Run}: runs a task and waits until it finishes.
   *
   * @param spec what to run
   * @return the finished task (COMPLETED, FAILED, CANCELLED or PENDING_REVIEW)
   */
  public Task run(TaskSpec spec) {
    return run(RunRequest.newBuilder().setTask(spec).build());
  }

  /**
   * {@code Run} with the full request (e.g. your own {@code request_id}).
   *
   * @param request the request
   * @return the finished task
   */
  public Task run(RunRequest request) {
    return calls.unary(PoolServiceGrpc.getRunMethod(), request).getTask();
  }

  /**
   * {@code RunStream}: runs a prompt and streams its events.
   *
   * @param prompt the prompt
   * @return the events, ending after {@code finished}; close it to drop the stream
   */
  public TaskEventStream runStream(String prompt) {
    return runStream(spec(prompt));
  }

  /**
   * {@code RunStream}: runs a task and streams its events (state changes, text deltas, then
   * {@code finished}). A break resumes with {@code WatchTask} from the last seq.
   *
   * @param spec what to run
   * @return the events; closing it does not cancel the task
   */
  public TaskEventStream runStream(TaskSpec spec) {
    return runStream(RunStreamRequest.newBuilder().setTask(spec).build());
  }

  /**
   * {@code RunStream} with the full request (e.g. {@code cancel_on_disconnect}).
   *
   * @param request the request
   * @return the events
   */
  public TaskEventStream runStream(RunStreamRequest request) {
    return new TaskEventStream(calls, RequestIds.ensure(request), null, 0);
  }

  /**
   * {@code SubmitTask}: queues a prompt.
   *
   * @param prompt the prompt
   * @return the task at once (state PENDING)
   */
  public Task submitTask(String prompt) {
    return submitTask(spec(prompt));
  }

  /**
   * {@code SubmitTask}: queues a task.
   *
   * @param spec what to run
   * @return the task at once (state PENDING)
   */
  public Task submitTask(TaskSpec spec) {
    return submitTask(SubmitTaskRequest.newBuilder().setTask(spec).build());
  }

  /**
   * {@code SubmitTask} with the full request.
   *
   * @param request the request
   * @return the queued task
   */
  public Task submitTask(SubmitTaskRequest request) {
    return calls.unary(PoolServiceGrpc.getSubmitTaskMethod(), request).getTask();
  }

  /**
   * {@code GetTask}.
   *
   * @param taskId the task's id
   * @return the task
   */
  public Task getTask(String taskId) {
    return calls.unary(PoolServiceGrpc.getGetTaskMethod(),
        GetTaskRequest.newBuilder().setTaskId(taskId).build()).getTask();
  }

  /**
   * {@code ListTasks}: one page, newest first. See {@link #listAllTasks(ListTasksRequest)}.
   *
   * @param request filters, page size and page token
   * @return the page and its {@code next_page_token}
   */
  public ListTasksResponse listTasks(ListTasksRequest request) {
    return calls.unary(PoolServiceGrpc.getListTasksMethod(), request);
  }

  /**
   * Every task, newest first, across pages (paging helper of {@code ListTasks}).
   *
   * @return a lazy stream of tasks
   */
  public Stream<Task> listAllTasks() {
    return listAllTasks(ListTasksRequest.getDefaultInstance());
  }

  /**
   * The tasks matching the request's filters, across pages (paging helper of {@code ListTasks}).
   * Its {@code page_size} sets the size of each page fetched; its {@code page_token} is ignored.
   *
   * @param request filters and page size
   * @return a lazy stream of tasks
   */
  public Stream<Task> listAllTasks(ListTasksRequest request) {
    return Paging.stream(token -> listTasks(request.toBuilder().setPageToken(token).build()),
        ListTasksResponse::getTasksList, ListTasksResponse::getNextPageToken);
  }

  /**
   * {@code WaitTask}: waits at most {@code timeout} (up to 10 minutes) for the task to stop
   * producing output. The call's deadline is the timeout plus 10 s, unless a view set one.
   *
   * @param taskId the task's id
   * @param timeout the longest wait
   * @return the task as it stands and whether it is done (terminal or PENDING_REVIEW)
   */
  public WaitTaskResponse waitTask(String taskId, Duration timeout) {
    WaitTaskRequest request = WaitTaskRequest.newBuilder().setTaskId(taskId)
        .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(timeout.getSeconds())
            .setNanos(timeout.getNano()))
        .build();
    return calls.unary(PoolServiceGrpc.getWaitTaskMethod(), request, timeout.plus(WAIT_GRACE));
  }

  /**
   * {@code WaitTask} until the task is done (terminal or PENDING_REVIEW), however long it takes
   * (or until a view's deadline).
   *
   * @param taskId the task's id
   * @return the done task
   */
  public Task waitTask(String taskId) {
    while (true) {
      WaitTaskResponse waited = waitTask(taskId, MAX_WAIT);
      if (waited.getDone()) {
        return waited.getTask();
      }
    }
  }

  /**
   * {@code WatchTask} from the first event. See {@link #watchTask(String, long)}.
   *
   * @param taskId the task's id
   * @return the events
   */
  public TaskEventStream watchTask(String taskId) {
    return watchTask(taskId, 0);
  }

  /**
   * {@code WatchTask}: the task's events with {@code seq > afterSeq}, stored ones first, then the
   * live tail, ending after {@code finished}. A break resumes from the last seq delivered.
   *
   * @param taskId the task's id
   * @param afterSeq the last seq already seen (0 for all)
   * @return the events; closing it does not cancel the task
   */
  public TaskEventStream watchTask(String taskId, long afterSeq) {
    return new TaskEventStream(calls, null, taskId, afterSeq);
  }

  /**
   * {@code CancelTask}. Cancelling a terminal task is FAILED_PRECONDITION.
   *
   * @param taskId the task's id
   * @return the cancelled task
   */
  public Task cancelTask(String taskId) {
    return cancelTask(CancelTaskRequest.newBuilder().setTaskId(taskId).build());
  }

  /**
   * {@code CancelTask} with the full request.
   *
   * @param request the request
   * @return the cancelled task
   */
  public Task cancelTask(CancelTaskRequest request) {
    return calls.unary(PoolServiceGrpc.getCancelTaskMethod(), request).getTask();
  }

  /**
   * {@code DeleteTask}: deletes a terminal task and its event log for good.
   *
   * @param taskId the task's id
   */
  public void deleteTask(String taskId) {
    deleteTask(DeleteTaskRequest.newBuilder().setTaskId(taskId).build());
  }

  /**
   * {@code DeleteTask} with the full request.
   *
   * @param request the request
   */
  public void deleteTask(DeleteTaskRequest request) {
    calls.unary(PoolServiceGrpc.getDeleteTaskMethod(), request);
  }

  /**
   * {@code ClaimTask}: makes an idle slot take the oldest pending task now.
   *
   * @param slotId the slot
   * @return the task it started, or empty when the slot is busy or nothing is pending
   */
  public Optional<Task> claimTask(String slotId) {
    return claimTask(ClaimTaskRequest.newBuilder().setSlotId(slotId).build());
  }

  /**
   * {@code ClaimTask} with the full request.
   *
   * @param request the request
   * @return the task the slot started, if any
   */
  public Optional<Task> claimTask(ClaimTaskRequest request) {
    ClaimTaskResponse response = calls.unary(PoolServiceGrpc.getClaimTaskMethod(), request);
    return response.hasTask() ? Optional.of(response.getTask()) : Optional.empty();
  }

  /**
   * {@code ApproveTask}: a task in PENDING_REVIEW becomes COMPLETED.
   *
   * @param taskId the task's id
   * @return the completed task
   */
  public Task approveTask(String taskId) {
    return approveTask(ApproveTaskRequest.newBuilder().setTaskId(taskId).build());
  }

  /**
   * {@code ApproveTask} with the full request.
   *
   * @param request the request
   * @return the completed task
   */
  public Task approveTask(ApproveTaskRequest request) {
    return calls.unary(PoolServiceGrpc.getApproveTaskMethod(), request).getTask();
  }

  /**
   * {@code RejectTask}: the feedback is appended to the prompt and the task queued again (or
   * FAILED at its rejection limit).
   *
   * @param taskId the task's id
   * @param feedback what to fix (required)
   * @return the task, PENDING again or FAILED
   */
  public Task rejectTask(String taskId, String feedback) {
    return rejectTask(
        RejectTaskRequest.newBuilder().setTaskId(taskId).setFeedback(feedback).build());
  }

  /**
   * {@code RejectTask} with the full request.
   *
   * @param request the request
   * @return the task
   */
  public Task rejectTask(RejectTaskRequest request) {
    return calls.unary(PoolServiceGrpc.getRejectTaskMethod(), request).getTask();
  }

  /**
   * True when a task stopped producing output: terminal (COMPLETED, FAILED, CANCELLED) or
   * waiting for review.
   *
   * @param task the task
   * @return whether it is done
   */
  public static boolean isDone(Task task) {
    TaskState s = task.getState();
    return s == TaskState.TASK_STATE_COMPLETED || s == TaskState.TASK_STATE_FAILED
        || s == TaskState.TASK_STATE_CANCELLED || s == TaskState.TASK_STATE_PENDING_REVIEW;
  }

  // ---- sessions ----

  /**
   * {@code GetSession}: a session the caller owns.
   *
   * @param sessionId the session's id
   * @return the session
   */
  public Session getSession(String sessionId) {
    return calls.unary(PoolServiceGrpc.getGetSessionMethod(),
        GetSessionRequest.newBuilder().setSessionId(sessionId).build()).getSession();
  }

  /**
   * {@code ListSessions}: one page, most recently used first.
   *
   * @param request page size and token
   * @return the page and its {@code next_page_token}
   */
  public ListSessionsResponse listSessions(ListSessionsRequest request) {
    return calls.unary(PoolServiceGrpc.getListSessionsMethod(), request);
  }

  /**
   * Every session of the caller across pages (paging helper of {@code ListSessions}).
   *
   * @return a lazy stream of sessions
   */
  public Stream<Session> listAllSessions() {
    return listAllSessions(ListSessionsRequest.getDefaultInstance());
  }

  /**
   * Sessions across pages of {@code request.page_size} (paging helper of {@code ListSessions}).
   *
   * @param request the page size
   * @return a lazy stream of sessions
   */
  public Stream<Session> listAllSessions(ListSessionsRequest request) {
    return Paging.stream(token -> listSessions(request.toBuilder().setPageToken(token).build()),
        ListSessionsResponse::getSessionsList, ListSessionsResponse::getNextPageToken);
  }

  /**
   * {@code DeleteSession}: deletes a session and its transcript; continuing it is then NOT_FOUND.
   *
   * @param sessionId the session's id
   */
  public void deleteSession(String sessionId) {
    deleteSession(DeleteSessionRequest.newBuilder().setSessionId(sessionId).build());
  }

  /**
   * {@code DeleteSession} with the full request.
   *
   * @param request the request
   */
  public void deleteSession(DeleteSessionRequest request) {
    calls.unary(PoolServiceGrpc.getDeleteSessionMethod(), request);
  }

  // ---- fan-out ----

  /**
   * {@code FanOut} of prompts. See {@link #fanOut(FanOutRequest)}.
   *
   * @param prompts the prompts
   * @return one item per prompt, in input order
   */
  public List<FanOutItem> fanOut(String... prompts) {
    return fanOut(specs(prompts));
  }

  /**
   * {@code FanOut} of task specs. See {@link #fanOut(FanOutRequest)}.
   *
   * @param tasks the tasks
   * @return one item per task, in input order
   */
  public List<FanOutItem> fanOut(Collection<TaskSpec> tasks) {
    return fanOut(FanOutRequest.newBuilder().addAllTasks(tasks).build());
  }

  /**
   * {@code FanOut}: runs the tasks concurrently and waits for all. Each item has its own outcome:
   * the finished task (check its state) or a submission {@code error_code}. The call's deadline
   * covers the whole fan-out.
   *
   * @param request the request
   * @return one item per task, in input order ({@code getIndex()} is the position)
   */
  public List<FanOutItem> fanOut(FanOutRequest request) {
    return calls.unary(PoolServiceGrpc.getFanOutMethod(), request).getItemsList();
  }

  /**
   * {@code FanOutStream} of prompts.
   *
   * @param prompts the prompts
   * @return the items in completion order
   */
  public FanOutItemStream fanOutStream(String... prompts) {
    return fanOutStream(specs(prompts));
  }

  /**
   * {@code FanOutStream} of task specs.
   *
   * @param tasks the tasks
   * @return the items in completion order
   */
  public FanOutItemStream fanOutStream(Collection<TaskSpec> tasks) {
    return fanOutStream(FanOutStreamRequest.newBuilder().addAllTasks(tasks).build());
  }

  /**
   * {@code FanOutStream}: like {@code FanOut}, each item streamed as soon as its task finishes.
   *
   * @param request the request
   * @return the items in completion order; close it to drop the stream
   */
  public FanOutItemStream fanOutStream(FanOutStreamRequest request) {
    return new FanOutItemStream(calls, RequestIds.ensure(request));
  }

  // ---- chains ----

  /**
   * {@code SubmitChain} with default options.
   *
   * @param steps the steps ({@link Specs#step})
   * @return the chain's initial progress
   */
  public ChainProgress submitChain(List<ChainStep> steps) {
    return submitChain(SubmitChainRequest.newBuilder().addAllSteps(steps).build());
  }

  /**
   * {@code SubmitChain}: a chain of dependent steps, each prompt able to use the previous output.
   *
   * @param steps the steps
   * @param options tags, isolation and working directory
   * @return the chain's initial progress
   */
  public ChainProgress submitChain(List<ChainStep> steps, ChainOptions options) {
    return submitChain(
        SubmitChainRequest.newBuilder().addAllSteps(steps).setOptions(options).build());
  }

  /**
   * {@code SubmitChain} with the full request.
   *
   * @param request the request
   * @return the chain's initial progress
   */
  public ChainProgress submitChain(SubmitChainRequest request) {
    return calls.unary(PoolServiceGrpc.getSubmitChainMethod(), request).getChain();
  }

  /**
   * {@code FanOutChains}: submits several chains that run independently.
   *
   * @param chains the chains
   * @return one progress per chain, in input order
   */
  public List<ChainProgress> fanOutChains(List<ChainSpec> chains) {
    return fanOutChains(FanOutChainsRequest.newBuilder().addAllChains(chains).build());
  }

  /**
   * {@code FanOutChains} with the full request.
   *
   * @param request the request
   * @return one progress per chain, in input order
   */
  public List<ChainProgress> fanOutChains(FanOutChainsRequest request) {
    return calls.unary(PoolServiceGrpc.getFanOutChainsMethod(), request).getChainsList();
  }

  /**
   * {@code GetChainProgress}.
   *
   * @param chainId the chain's id
   * @return its progress
   */
  public ChainProgress getChainProgress(String chainId) {
    return calls.unary(PoolServiceGrpc.getGetChainProgressMethod(),
        GetChainProgressRequest.newBuilder().setChainId(chainId).build()).getChain();
  }

  /**
   * {@code ListChainProgress}: one page of chains, newest first.
   *
   * @param request status filter, page size and token
   * @return the page and its {@code next_page_token}
   */
  public ListChainProgressResponse listChainProgress(ListChainProgressRequest request) {
    return calls.unary(PoolServiceGrpc.getListChainProgressMethod(), request);
  }

  /**
   * Every chain across pages (paging helper of {@code ListChainProgress}).
   *
   * @return a lazy stream of chains' progress
   */
  public Stream<ChainProgress> listAllChainProgress() {
    return listAllChainProgress(ListChainProgressRequest.getDefaultInstance());
  }

  /**
   * The chains matching the request's status filter, across pages (paging helper of {@code
   * ListChainProgress}).
   *
   * @param request status filter and page size
   * @return a lazy stream of chains' progress
   */
  public Stream<ChainProgress> listAllChainProgress(ListChainProgressRequest request) {
    return Paging.stream(
        token -> listChainProgress(request.toBuilder().setPageToken(token).build()),
        ListChainProgressResponse::getChainsList, ListChainProgressResponse::getNextPageToken);
  }

  /**
   * {@code WatchChain} from the current snapshot. See {@link #watchChain(String, long)}.
   *
   * @param chainId the chain's id
   * @return the snapshots
   */
  public ChainProgressStream watchChain(String chainId) {
    return watchChain(chainId, 0);
  }

  /**
   * {@code WatchChain}: the chain's progress snapshots newer than {@code afterSeq}, ending after
   * the terminal one. A break resumes from the last seq delivered.
   *
   * @param chainId the chain's id
   * @param afterSeq the last seq already seen (0: the current snapshot first)
   * @return the snapshots; closing it does not cancel the chain
   */
  public ChainProgressStream watchChain(String chainId, long afterSeq) {
    return new ChainProgressStream(calls, chainId, afterSeq);
  }

  /**
   * {@code CancelChain}: stops the running step and skips the rest.
   *
   * @param chainId the chain's id
   * @return the progress (CANCELLED)
   */
  public ChainProgress cancelChain(String chainId) {
    return cancelChain(CancelChainRequest.newBuilder().setChainId(chainId).build());
  }

  /**
   * {@code CancelChain} with the full request.
   *
   * @param request the request
   * @return the progress (CANCELLED)
   */
  public ChainProgress cancelChain(CancelChainRequest request) {
    return calls.unary(PoolServiceGrpc.getCancelChainMethod(), request).getChain();
  }

  /**
   * True for the chain statuses that are final: COMPLETED, FAILED, CANCELLED.
   *
   * @param status the status
   * @return whether it is final
   */
  public static boolean isTerminal(ChainStatus status) {
    return status == ChainStatus.CHAIN_STATUS_COMPLETED || status == ChainStatus.CHAIN_STATUS_FAILED
        || status == ChainStatus.CHAIN_STATUS_CANCELLED;
  }

  // ---- routing ----

  /**
   * {@code Route}: which route suits a prompt (single, parallel or chain), without running it.
   *
   * @param prompt the work to classify
   * @return the route and the routing call's cost
   */
  public RouteResponse route(String prompt) {
    return route(RouteRequest.newBuilder().setPrompt(prompt).build());
  }

  /**
   * {@code Route} with the full request (hints, custom routing prompt).
   *
   * @param request the request
   * @return the route and the routing call's cost
   */
  public RouteResponse route(RouteRequest request) {
    return calls.unary(PoolServiceGrpc.getRouteMethod(), request);
  }

  /**
   * {@code Auto}: routes a prompt and runs the route (a single task if routing fails).
   *
   * @param prompt the work
   * @return the route taken and its outcome
   */
  public AutoResult auto(String prompt) {
    return auto(AutoRequest.newBuilder().setPrompt(prompt).build());
  }

  /**
   * {@code Auto} with the full request.
   *
   * @param request the request
   * @return the route taken and its outcome
   */
  public AutoResult auto(AutoRequest request) {
    return calls.unary(PoolServiceGrpc.getAutoMethod(), request).getResult();
  }

  /**
   * {@code ExecuteRoute}: runs a given route.
   *
   * @param route the route (e.g. from {@link #route(String)})
   * @return the outcome
   */
  public AutoResult executeRoute(Route route) {
    return executeRoute(ExecuteRouteRequest.newBuilder().setRoute(route).build());
  }

  /**
   * {@code ExecuteRoute} with the full request.
   *
   * @param request the request
   * @return the outcome
   */
  public AutoResult executeRoute(ExecuteRouteRequest request) {
    return calls.unary(PoolServiceGrpc.getExecuteRouteMethod(), request).getResult();
  }

  // ---- shared context ----

  /**
   * {@code SetContext}: sets a shared-context entry (injected into every task's system prompt).
   *
   * @param key the key (letters, digits, {@code _ - . /}, at most 128 bytes)
   * @param value the value (at most 64 KiB)
   * @return the stored entry
   */
  public ContextEntry setContext(String key, String value) {
    return setContext(SetContextRequest.newBuilder().setKey(key).setValue(value).build());
  }

  /**
   * {@code SetContext} with the full request.
   *
   * @param request the request
   * @return the stored entry
   */
  public ContextEntry setContext(SetContextRequest request) {
    return calls.unary(PoolServiceGrpc.getSetContextMethod(), request).getEntry();
  }

  /**
   * {@code GetContext}.
   *
   * @param key the key
   * @return the entry
   */
  public ContextEntry getContext(String key) {
    return calls.unary(PoolServiceGrpc.getGetContextMethod(),
        GetContextRequest.newBuilder().setKey(key).build()).getEntry();
  }

  /**
   * {@code DeleteContext}.
   *
   * @param key the key
   * @return whether it existed, and its previous value
   */
  public DeleteContextResponse deleteContext(String key) {
    return deleteContext(DeleteContextRequest.newBuilder().setKey(key).build());
  }

  /**
   * {@code DeleteContext} with the full request.
   *
   * @param request the request
   * @return whether it existed, and its previous value
   */
  public DeleteContextResponse deleteContext(DeleteContextRequest request) {
    return calls.unary(PoolServiceGrpc.getDeleteContextMethod(), request);
  }

  /**
   * {@code ListContext}: one page of entries, by key.
   *
   * @param request page size and token
   * @return the page and its {@code next_page_token}
   */
  public ListContextResponse listContext(ListContextRequest request) {
    return calls.unary(PoolServiceGrpc.getListContextMethod(), request);
  }

  /**
   * Every shared-context entry across pages (paging helper of {@code ListContext}).
   *
   * @return a lazy stream of entries, by key
   */
  public Stream<ContextEntry> listAllContext() {
    return listAllContext(ListContextRequest.getDefaultInstance());
  }

  /**
   * Entries across pages of {@code request.page_size} (paging helper of {@code ListContext}).
   *
   * @param request the page size
   * @return a lazy stream of entries, by key
   */
  public Stream<ContextEntry> listAllContext(ListContextRequest request) {
    return Paging.stream(token -> listContext(request.toBuilder().setPageToken(token).build()),
        ListContextResponse::getEntriesList, ListContextResponse::getNextPageToken);
  }

  // ---- slot messages ----

  /**
   * {@code SendMessage}: a message put before the slot's next prompt.
   *
   * @param fromSlotId the sender (a slot id, or a label for a sender outside the pool)
   * @param toSlotId the recipient slot
   * @param content the text
   * @return the stored message
   */
  public SlotMessage sendMessage(String fromSlotId, String toSlotId, String content) {
    return sendMessage(SendMessageRequest.newBuilder().setFromSlotId(fromSlotId)
        .setToSlotId(toSlotId).setContent(content).build());
  }

  /**
   * {@code SendMessage} with the full request.
   *
   * @param request the request
   * @return the stored message
   */
  public SlotMessage sendMessage(SendMessageRequest request) {
    return calls.unary(PoolServiceGrpc.getSendMessageMethod(), request).getMessage();
  }

  /**
   * {@code BroadcastMessage}: a message to every other active slot.
   *
   * @param fromSlotId the sender, which does not receive it
   * @param content the text
   * @return one message per recipient
   */
  public List<SlotMessage> broadcastMessage(String fromSlotId, String content) {
    return broadcastMessage(BroadcastMessageRequest.newBuilder().setFromSlotId(fromSlotId)
        .setContent(content).build());
  }

  /**
   * {@code BroadcastMessage} with the full request.
   *
   * @param request the request
   * @return one message per recipient
   */
  public List<SlotMessage> broadcastMessage(BroadcastMessageRequest request) {
    return calls.unary(PoolServiceGrpc.getBroadcastMessageMethod(), request).getMessagesList();
  }

  /**
   * {@code ReadMessages}: returns and removes a slot's unread messages.
   *
   * @param slotId the recipient slot
   * @return the messages, oldest first
   */
  public List<SlotMessage> readMessages(String slotId) {
    return readMessages(ReadMessagesRequest.newBuilder().setSlotId(slotId).build());
  }

  /**
   * {@code ReadMessages} with the full request; a resend with the same {@code request_id} gets
   * the same messages back.
   *
   * @param request the request
   * @return the messages, oldest first
   */
  public List<SlotMessage> readMessages(ReadMessagesRequest request) {
    return calls.unary(PoolServiceGrpc.getReadMessagesMethod(), request).getMessagesList();
  }

  /**
   * {@code PeekMessages}: a slot's unread messages, left unread.
   *
   * @param slotId the recipient slot
   * @return the messages, oldest first
   */
  public List<SlotMessage> peekMessages(String slotId) {
    return calls.unary(PoolServiceGrpc.getPeekMessagesMethod(),
        PeekMessagesRequest.newBuilder().setSlotId(slotId).build()).getMessagesList();
  }

  /**
   * {@code CountMessages}.
   *
   * @param slotId the recipient slot
   * @return its unread messages
   */
  public long countMessages(String slotId) {
    return calls.unary(PoolServiceGrpc.getCountMessagesMethod(),
        CountMessagesRequest.newBuilder().setSlotId(slotId).build()).getCount();
  }

  // ---- slots and the pool ----

  /**
   * {@code FindSlots} with no filter: every slot.
   *
   * @return the slots, by id
   */
  public List<Slot> findSlots() {
    return findSlots(FindSlotsRequest.getDefaultInstance());
  }

  /**
   * {@code FindSlots}: slots by name, role and state (all given filters must match).
   *
   * @param request the filters
   * @return the matching slots, by id
   */
  public List<Slot> findSlots(FindSlotsRequest request) {
    return calls.unary(PoolServiceGrpc.getFindSlotsMethod(), request).getSlotsList();
  }

  /**
   * {@code ScaleUp}: adds slots, within {@code max_slots}.
   *
   * @param count slots to add
   * @return slots after scaling
   */
  public int scaleUp(int count) {
    return scaleUp(ScaleUpRequest.newBuilder().setCount(count).build());
  }

  /**
   * {@code ScaleUp} with the full request.
   *
   * @param request the request
   * @return slots after scaling
   */
  public int scaleUp(ScaleUpRequest request) {
    return calls.unary(PoolServiceGrpc.getScaleUpMethod(), request).getTotalSlots();
  }

  /**
   * {@code ScaleDown}: removes slots, idle and least used first, within {@code min_slots}.
   *
   * @param count slots to remove
   * @return slots after scaling
   */
  public int scaleDown(int count) {
    return scaleDown(ScaleDownRequest.newBuilder().setCount(count).build());
  }

  /**
   * {@code ScaleDown} with the full request (e.g. {@code busy_timeout}).
   *
   * @param request the request
   * @return slots after scaling
   */
  public int scaleDown(ScaleDownRequest request) {
    return calls.unary(PoolServiceGrpc.getScaleDownMethod(), request).getTotalSlots();
  }

  /**
   * {@code SetTargetSlots}: scales up or down to a number of slots.
   *
   * @param target the desired number, within the scaling bounds
   * @return slots after scaling
   */
  public int setTargetSlots(int target) {
    return setTargetSlots(SetTargetSlotsRequest.newBuilder().setTarget(target).build());
  }

  /**
   * {@code SetTargetSlots} with the full request.
   *
   * @param request the request
   * @return slots after scaling
   */
  public int setTargetSlots(SetTargetSlotsRequest request) {
    return calls.unary(PoolServiceGrpc.getSetTargetSlotsMethod(), request).getTotalSlots();
  }

  /**
   * {@code GetStatus}: counts of slots and tasks, spend and budget.
   *
   * @return the status
   */
  public PoolStatus getStatus() {
    return calls.unary(PoolServiceGrpc.getGetStatusMethod(), GetStatusRequest.getDefaultInstance())
        .getStatus();
  }

  /**
   * {@code GetConfig}: the effective pool configuration.
   *
   * @return the configuration
   */
  public PoolConfig getConfig() {
    return calls.unary(PoolServiceGrpc.getGetConfigMethod(), GetConfigRequest.getDefaultInstance())
        .getConfig();
  }

  /**
   * {@code Drain} with the server's default timeout (5 minutes): stops accepting work, waits for
   * running tasks, stops the slots. Give the call a deadline that fits (e.g. {@link
   * #withDeadlineAfter}).
   *
   * @return the summary
   */
  public DrainSummary drain() {
    return drain(DrainRequest.getDefaultInstance());
  }

  /**
   * {@code Drain} with the full request (e.g. {@code timeout}).
   *
   * @param request the request
   * @return the summary
   */
  public DrainSummary drain(DrainRequest request) {
    return calls.unary(PoolServiceGrpc.getDrainMethod(), request).getSummary();
  }

  /**
   * {@code GetSessionMetrics} over every task.
   *
   * @return the aggregates
   */
  public SessionMetrics getSessionMetrics() {
    return getSessionMetrics(MetricsFilter.getDefaultInstance());
  }

  /**
   * {@code GetSessionMetrics}: task outcomes, spend and timings over a filter.
   *
   * @param filter time range, tags, model
   * @return the aggregates
   */
  public SessionMetrics getSessionMetrics(MetricsFilter filter) {
    return calls.unary(PoolServiceGrpc.getGetSessionMetricsMethod(),
        GetSessionMetricsRequest.newBuilder().setFilter(filter).build()).getMetrics();
  }

  // ---- internals ----

  private static TaskSpec spec(String prompt) {
    return TaskSpec.newBuilder().setPrompt(prompt).build();
  }

  private static List<TaskSpec> specs(String... prompts) {
    return Arrays.stream(prompts).map(PoolClient::spec).toList();
  }
}
