package dev.claudepool.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.claudepool.v1.ChainProgress;
import dev.claudepool.v1.ChainResult;
import dev.claudepool.v1.ChainStatus;
import dev.claudepool.v1.ErrorReason;
import dev.claudepool.v1.FanOutItem;
import dev.claudepool.v1.ListTasksRequest;
import dev.claudepool.v1.Slot;
import dev.claudepool.v1.SlotMessage;
import dev.claudepool.v1.Task;
import dev.claudepool.v1.TaskEvent;
import dev.claudepool.v1.TaskSpec;
import dev.claudepool.v1.TaskState;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * clients/CONFORMANCE.md §3, steps 1-14, against the live server the harness starts (mutual TLS,
 * bearer token, and the first attempt of every mutating call refused UNAVAILABLE). Every call goes
 * through the wrapper; nothing is mocked.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConformanceTest {
  private static final String SKIP = "CLAUDE_POOL_TEST_ADDR is not set: run this test under the "
      + "live-server harness: `python -m tests.support.live_server -- bash clients/java/ci.sh` "
      + "from the repository root";
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static String addr;
  private static PoolClient pool;
  private static PoolClient anonymous;

  @BeforeAll
  static void connect() {
    addr = System.getenv("CLAUDE_POOL_TEST_ADDR");
    if (addr == null || addr.isEmpty()) {
      System.err.println("SKIPPED: " + SKIP);
      return;
    }
    pool = secure(addr).token(System.getenv("CLAUDE_POOL_TEST_TOKEN")).build();
    anonymous = secure(addr).build();
  }

  /** TLS with the harness's CA and client certificate (plaintext under `--plaintext`). */
  private static PoolClientBuilder secure(String address) {
    PoolClientBuilder b = PoolClient.builder(address).defaultDeadline(DEADLINE);
    String ca = System.getenv("CLAUDE_POOL_TEST_TLS_CA");
    if (ca == null || ca.isEmpty()) {
      return b.plaintext();
    }
    b.tlsCa(Path.of(ca));
    String cert = System.getenv("CLAUDE_POOL_TEST_TLS_CERT");
    if (cert != null && !cert.isEmpty()) {
      b.clientCertificate(Path.of(cert), Path.of(System.getenv("CLAUDE_POOL_TEST_TLS_KEY")));
    }
    return b;
  }

  @BeforeEach
  void requireServer() {
    Assumptions.assumeTrue(addr != null && !addr.isEmpty(), SKIP);
  }

  @AfterAll
  static void disconnect() {
    if (pool != null) {
      pool.close();
      anonymous.close();
    }
  }

  @Test
  @Order(1)
  void step01Health() {
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, anonymous.health());
  }

  @Test
  @Order(2)
  void step02Auth() {
    PoolException e = assertThrows(PoolException.class, anonymous::getStatus);
    assertEquals(Status.Code.UNAUTHENTICATED, e.code(), e.toString());
    assertTrue(pool.getStatus().getTotalSlots() >= 1);
  }

  @Test
  @Order(3)
  void step03Run() {
    Task task = pool.run("conformance run [[reply:hello from the pool]]");
    assertEquals(TaskState.TASK_STATE_COMPLETED, task.getState(), task.toString());
    assertEquals("hello from the pool", task.getResult().getOutput());
    assertTrue(task.getResult().getSuccess());
  }

  @Test
  @Order(4)
  void step04RunStream() {
    List<TaskEvent> events;
    try (TaskEventStream stream =
        pool.runStream("conformance stream [[reply:one two three four]] [[chunks:4]]")) {
      events = stream.stream().toList();
    }
    TaskEvent last = events.get(events.size() - 1);
    assertTrue(last.hasFinished(), "the stream must end with the finished event");
    assertStrictlyIncreasing(events.stream().map(TaskEvent::getSeq).toList());
    List<TaskEvent> deltas = events.stream().filter(TaskEvent::hasTextDelta).toList();
    assertTrue(deltas.size() >= 2, "expected >= 2 text deltas, got " + deltas.size());
    Task task = last.getFinished().getTask();
    assertEquals("one two three four", task.getResult().getOutput());
    assertEquals(task.getResult().getOutput(), text(deltas));
  }

  @Test
  @Order(5)
  void step05SubmitWatchResume() {
    Task task = pool.submitTask(
        "conformance watch [[reply:a b c d e f]] [[chunks:6]] [[slow:0.3]]");
    List<TaskEvent> events = new ArrayList<>();
    long lastSeq;
    try (TaskEventStream first = pool.watchTask(task.getId(), 0)) {
      for (TaskEvent event : first) {
        events.add(event);
        if (event.hasTextDelta()) {
          break; // drop the stream after the first delta
        }
      }
      lastSeq = first.lastSeq();
    }
    assertTrue(events.stream().anyMatch(TaskEvent::hasTextDelta), "no text delta before the end");
    assertTrue(events.stream().noneMatch(TaskEvent::hasFinished), "finished before the drop");
    try (TaskEventStream second = pool.watchTask(task.getId(), lastSeq)) {
      second.forEach(events::add);
    }
    assertTrue(events.get(events.size() - 1).hasFinished());
    List<Long> seqs = events.stream().map(TaskEvent::getSeq).toList();
    assertEquals(LongStream.rangeClosed(1, seqs.size()).boxed().toList(), seqs,
        "seq must be exactly 1..N across both streams");
    assertEquals("a b c d e f", text(events.stream().filter(TaskEvent::hasTextDelta).toList()));
  }

  @Test
  @Order(6)
  void step06Cancel() throws InterruptedException {
    Task task = pool.submitTask("conformance cancel [[slow:5]] [[chunks:10]]");
    long until = System.nanoTime() + WAIT.toNanos();
    while (pool.getTask(task.getId()).getState() != TaskState.TASK_STATE_RUNNING) {
      assertTrue(System.nanoTime() < until, "task never reached RUNNING within 30 s");
      Thread.sleep(100);
    }
    pool.cancelTask(task.getId());
    Task done = pool.waitTask(task.getId(), WAIT).getTask();
    assertEquals(TaskState.TASK_STATE_CANCELLED, done.getState(), done.toString());
  }

  @Test
  @Order(7)
  void step07ErrorDetails() {
    PoolException e = assertThrows(PoolException.class, () -> pool.getTask("task-does-not-exist"));
    assertEquals(Status.Code.NOT_FOUND, e.code(), e.toString());
    assertEquals(ErrorReason.ERROR_REASON_TASK_NOT_FOUND, e.errorReason());
    assertEquals("claude-pool.dev", e.domain());
  }

  @Test
  @Order(8)
  void step08BadInput() {
    PoolException empty = assertThrows(PoolException.class, () -> pool.submitTask(""));
    assertEquals(Status.Code.INVALID_ARGUMENT, empty.code(), empty.toString());
    assertTrue(empty.violatedFields().contains("task.prompt"), empty.violatedFields().toString());
    PoolException nul = assertThrows(PoolException.class, () -> pool.getTask("task-\u0000"));
    assertEquals(Status.Code.INVALID_ARGUMENT, nul.code(), nul.toString());
    assertTrue(nul.violatedFields().contains("task_id"), nul.violatedFields().toString());
  }

  @Test
  @Order(9)
  void step09FanOut() {
    List<FanOutItem> items = pool.fanOut("[[reply:x]]", "[[reply:y]]");
    assertEquals(2, items.size(), items.toString());
    List<String> outputs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      FanOutItem item = items.get(i);
      assertEquals(i, item.getIndex(), item.toString());
      assertEquals(TaskState.TASK_STATE_COMPLETED, item.getTask().getState(), item.toString());
      outputs.add(item.getTask().getResult().getOutput());
    }
    assertEquals(List.of("x", "y"), outputs);

    List<FanOutItem> streamed;
    try (FanOutItemStream stream = pool.fanOutStream("[[reply:x]]", "[[reply:y]]")) {
      streamed = stream.stream().toList();
    }
    assertEquals(Set.of(0, 1), streamed.stream().map(FanOutItem::getIndex).collect(
        Collectors.toSet()), streamed.toString());
    for (FanOutItem item : streamed) {
      assertEquals(TaskState.TASK_STATE_COMPLETED, item.getTask().getState(), item.toString());
      assertEquals(item.getIndex() == 0 ? "x" : "y", item.getTask().getResult().getOutput());
    }
  }

  @Test
  @Order(10)
  void step10ChainWithProgress() {
    ChainProgress submitted = pool.submitChain(List.of(
        Specs.step("first", "[[reply:first]]"),
        Specs.step("second", "use {previous_output}")));
    List<ChainProgress> snapshots;
    try (ChainProgressStream progress = pool.watchChain(submitted.getChainId(), 0)) {
      snapshots = progress.stream().toList();
    }
    assertFalse(snapshots.isEmpty(), "WatchChain sent no snapshot");
    assertStrictlyIncreasing(snapshots.stream().map(ChainProgress::getSeq).toList());
    assertTrue(snapshots.stream()
            .anyMatch(s -> s.getStatus() == ChainStatus.CHAIN_STATUS_RUNNING),
        "no RUNNING snapshot: " + snapshots.stream().map(ChainProgress::getStatus).toList());
    ChainProgress last = snapshots.get(snapshots.size() - 1);
    assertEquals(ChainStatus.CHAIN_STATUS_COMPLETED, last.getStatus(), last.toString());
    assertTrue(last.hasResult(), "the terminal snapshot has no result: " + last);
    ChainResult result = last.getResult();
    assertEquals(2, result.getStepsCount(), result.toString());
    assertTrue(result.getSteps(0).getSuccess() && result.getSteps(1).getSuccess(),
        result.toString());
    assertEquals("use first", pool.getTask(result.getSteps(1).getTaskId()).getPrompt());
    assertTrue(pool.listAllChainProgress()
        .anyMatch(c -> c.getChainId().equals(submitted.getChainId())), "chain not listed");
  }

  @Test
  @Order(11)
  void step11Sessions() {
    Task first = pool.run("[[reply:blue-42]]");
    assertEquals(TaskState.TASK_STATE_COMPLETED, first.getState(), first.toString());
    String session = first.getResult().getSessionId();
    assertFalse(session.isEmpty(), "the first run reports no session: " + first);

    Task recall = pool.run(Specs.continuing(first.getId(), "what was it? [[recall]]"));
    assertEquals("RECALL[blue-42]", recall.getResult().getOutput(), recall.toString());
    assertEquals(session, recall.getResult().getSessionId());
    Task fresh = pool.run("unrelated [[recall]]");
    assertEquals("RECALL[]", fresh.getResult().getOutput(), fresh.toString());

    assertEquals(2, pool.getSession(session).getTurns());
    assertTrue(pool.listAllSessions().anyMatch(s -> s.getId().equals(session)),
        "session not listed");
    pool.deleteSession(session);
    assertSessionNotFound(() -> pool.getSession(session));
    assertSessionNotFound(() -> pool.run(Specs.continuing(session, "again [[recall]]")));

    TaskSpec both = Specs.task("both").setContinueFrom(first.getId())
        .setForkFrom(first.getId()).build();
    PoolException e = assertThrows(PoolException.class, () -> pool.submitTask(both));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.code(), e.toString());
  }

  @Test
  @Order(12)
  void step12ContextMessagesSlotsMetricsConfig() {
    assertEquals("v", pool.setContext("conformance.key", "v").getValue());
    assertEquals("v", pool.getContext("conformance.key").getValue());
    assertTrue(pool.listAllContext().anyMatch(c -> c.getKey().equals("conformance.key")),
        "context key not listed");
    assertTrue(pool.deleteContext("conformance.key").getDeleted());

    List<Slot> slots = pool.findSlots();
    assertFalse(slots.isEmpty(), "FindSlots found no slot");
    String slot = slots.get(0).getId();
    pool.sendMessage("conformance", slot, "hello slot");
    assertTrue(pool.countMessages(slot) >= 1);
    assertTrue(pool.peekMessages(slot).stream().map(SlotMessage::getContent)
        .anyMatch("hello slot"::equals), "PeekMessages does not show the message");
    assertTrue(pool.readMessages(slot).stream().map(SlotMessage::getContent)
        .anyMatch("hello slot"::equals), "ReadMessages does not return the message");
    assertEquals(List.of(), pool.readMessages(slot), "a second ReadMessages returns none");

    assertFalse(pool.getConfig().getServerVersion().isEmpty(), "no server_version");
    assertTrue(pool.getSessionMetrics().getTotalTasks() >= 1);

    List<String> ids = pool.listAllTasks(ListTasksRequest.newBuilder().setPageSize(2).build())
        .map(Task::getId).toList();
    assertTrue(ids.size() > 2, "ListTasks paged only " + ids.size() + " tasks");
    assertEquals(ids.size(), new HashSet<>(ids).size(), "a task id came twice: " + ids);
  }

  @Test
  @Order(13)
  void step13Tls() {
    try (PoolClient plaintext = PoolClient.builder(addr).plaintext()
        .token(System.getenv("CLAUDE_POOL_TEST_TOKEN")).defaultDeadline(WAIT).build()) {
      PoolException e = assertThrows(PoolException.class, plaintext::getStatus);
      assertEquals(Status.Code.UNAVAILABLE, e.code(), e.toString());
    }
    try (PoolClient noCertificate = PoolClient.builder(addr)
        .tlsCa(Path.of(System.getenv("CLAUDE_POOL_TEST_TLS_CA")))
        .token(System.getenv("CLAUDE_POOL_TEST_TOKEN")).defaultDeadline(WAIT).build()) {
      PoolException e = assertThrows(PoolException.class, noCertificate::getStatus);
      assertNotEquals(Status.Code.OK, e.code());
    }
  }

  @Test
  @Order(14)
  void step14ReviewAndDelete() {
    Task task = pool.submitTask(Specs.task("[[reply:draft]]").setReviewRequired(true).build());
    assertEquals(TaskState.TASK_STATE_PENDING_REVIEW, waitDone(task.getId()).getState());
    pool.rejectTask(task.getId(), "again");
    assertEquals(TaskState.TASK_STATE_PENDING_REVIEW, waitDone(task.getId()).getState());
    Task approved = pool.approveTask(task.getId());
    assertEquals(TaskState.TASK_STATE_COMPLETED, approved.getState(), approved.toString());

    pool.deleteTask(task.getId());
    PoolException e = assertThrows(PoolException.class, () -> pool.getTask(task.getId()));
    assertEquals(Status.Code.NOT_FOUND, e.code(), e.toString());
  }

  private static Task waitDone(String taskId) {
    var waited = pool.waitTask(taskId, WAIT);
    assertTrue(waited.getDone(), "not done within 30 s: " + waited.getTask());
    return waited.getTask();
  }

  private static void assertSessionNotFound(Executable call) {
    PoolException e = assertThrows(PoolException.class, call);
    assertEquals(Status.Code.NOT_FOUND, e.code(), e.toString());
    assertEquals(ErrorReason.ERROR_REASON_SESSION_NOT_FOUND, e.errorReason(), e.toString());
  }

  private static void assertStrictlyIncreasing(List<Long> seqs) {
    for (int i = 1; i < seqs.size(); i++) {
      assertTrue(seqs.get(i) > seqs.get(i - 1), "seq not strictly increasing: " + seqs);
    }
  }

  private static String text(List<TaskEvent> deltas) {
    return deltas.stream().map(e -> e.getTextDelta().getText()).collect(Collectors.joining());
  }
}
