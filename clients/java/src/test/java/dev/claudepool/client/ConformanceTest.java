package dev.claudepool.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.claudepool.v1.ChainProgress;
import dev.claudepool.v1.ChainResult;
import dev.claudepool.v1.ChainStatus;
import dev.claudepool.v1.ErrorReason;
import dev.claudepool.v1.FanOutItem;
import dev.claudepool.v1.Task;
import dev.claudepool.v1.TaskEvent;
import dev.claudepool.v1.TaskState;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

/** clients/CONFORMANCE.md, steps 1-10, against the live server started by the harness. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConformanceTest {
  private static final String SKIP = "CLAUDE_POOL_TEST_ADDR is not set: run this test under the "
      + "live-server harness: `python -m tests.support.live_server -- bash clients/java/ci.sh` "
      + "from the repository root";
  private static final Duration STEP = Duration.ofSeconds(60);

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
    pool = PoolClient.builder(addr).token(System.getenv("CLAUDE_POOL_TEST_TOKEN"))
        .callTimeout(STEP).build();
    anonymous = PoolClient.builder(addr).callTimeout(STEP).build();
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
  void step1Health() {
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, anonymous.health());
  }

  @Test
  @Order(2)
  void step2Auth() {
    PoolException e = assertThrows(PoolException.class, anonymous::status);
    assertEquals(Status.Code.UNAUTHENTICATED, e.code(), e.toString());
    assertTrue(pool.status().getTotalSlots() >= 1);
  }

  @Test
  @Order(3)
  void step3Run() {
    Task task = pool.run("conformance run [[reply:hello from the pool]]");
    assertEquals(TaskState.TASK_STATE_COMPLETED, task.getState(), task.toString());
    assertEquals("hello from the pool", task.getResult().getOutput());
    assertTrue(task.getResult().getSuccess());
  }

  @Test
  @Order(4)
  void step4RunStream() {
    List<TaskEvent> events = new ArrayList<>();
    try (TaskEventStream stream =
        pool.stream("conformance stream [[reply:one two three four]] [[chunks:4]]")) {
      stream.forEach(events::add);
    }
    TaskEvent last = events.get(events.size() - 1);
    assertTrue(last.hasFinished(), "the stream must end with the finished event");
    assertStrictlyIncreasing(events);
    List<TaskEvent> deltas = events.stream().filter(TaskEvent::hasTextDelta).toList();
    assertTrue(deltas.size() >= 2, "expected >= 2 text deltas, got " + deltas.size());
    Task task = last.getFinished().getTask();
    assertEquals("one two three four", task.getResult().getOutput());
    assertEquals(task.getResult().getOutput(), text(deltas));
  }

  @Test
  @Order(5)
  void step5SubmitWatchResume() {
    Task task = pool.submit("conformance watch [[reply:a b c d e f]] [[chunks:6]] [[slow:0.3]]");
    List<TaskEvent> events = new ArrayList<>();
    long lastSeq;
    try (TaskEventStream first = pool.watch(task.getId(), 0)) {
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
    try (TaskEventStream second = pool.watch(task.getId(), lastSeq)) {
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
  void step6Cancel() throws InterruptedException {
    Task task = pool.submit("conformance cancel [[slow:5]] [[chunks:10]]");
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (pool.get(task.getId()).getState() != TaskState.TASK_STATE_RUNNING) {
      assertTrue(System.nanoTime() < until, "task never reached RUNNING within 30 s");
      Thread.sleep(100);
    }
    pool.cancel(task.getId());
    Task done = pool.waitTask(task.getId(), Duration.ofSeconds(30));
    assertEquals(TaskState.TASK_STATE_CANCELLED, done.getState(), done.toString());
  }

  @Test
  @Order(7)
  void step7ErrorDetails() {
    PoolException e = assertThrows(PoolException.class, () -> pool.get("task-does-not-exist"));
    assertEquals(Status.Code.NOT_FOUND, e.code(), e.toString());
    assertEquals("TASK_NOT_FOUND", e.reason());
    assertEquals("claude-pool.dev", e.domain());
    assertEquals(ErrorReason.ERROR_REASON_TASK_NOT_FOUND, e.errorReason());
  }

  @Test
  @Order(8)
  void step8BadInput() {
    PoolException e = assertThrows(PoolException.class, () -> pool.submit(""));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.code(), e.toString());
  }

  @Test
  @Order(9)
  void step9FanOut() {
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
  }

  @Test
  @Order(10)
  void step10ChainWithProgress() {
    ChainProgress submitted = pool.submitChain(List.of(
        PoolClient.step("first", "[[reply:first]]"),
        PoolClient.step("second", "use {previous_output}")));
    List<ChainProgress> snapshots = new ArrayList<>();
    try (ChainProgressStream progress = pool.watchChain(submitted.getChainId(), 0)) {
      for (ChainProgress snapshot : progress) {
        snapshots.add(snapshot);
        if (PoolClient.isTerminal(snapshot.getStatus())) {
          break;
        }
      }
    }
    assertTrue(!snapshots.isEmpty(), "WatchChain sent no snapshot");
    for (int i = 1; i < snapshots.size(); i++) {
      assertTrue(snapshots.get(i).getSeq() > snapshots.get(i - 1).getSeq(),
          "seq not strictly increasing at index " + i);
    }
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
    assertEquals("use first", pool.get(result.getSteps(1).getTaskId()).getPrompt());
  }

  private static void assertStrictlyIncreasing(List<TaskEvent> events) {
    for (int i = 1; i < events.size(); i++) {
      assertTrue(events.get(i).getSeq() > events.get(i - 1).getSeq(),
          "seq not strictly increasing at index " + i);
    }
  }

  private static String text(List<TaskEvent> deltas) {
    return deltas.stream().map(e -> e.getTextDelta().getText()).collect(Collectors.joining());
  }
}
