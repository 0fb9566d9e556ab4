package dev.claudepool.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.claudepool.v1.ChainProgress;
import dev.claudepool.v1.ContextEntry;
import dev.claudepool.v1.ListChainProgressRequest;
import dev.claudepool.v1.ListChainProgressResponse;
import dev.claudepool.v1.ListContextRequest;
import dev.claudepool.v1.ListContextResponse;
import dev.claudepool.v1.ListSessionsRequest;
import dev.claudepool.v1.ListSessionsResponse;
import dev.claudepool.v1.ListTasksRequest;
import dev.claudepool.v1.ListTasksResponse;
import dev.claudepool.v1.PoolServiceGrpc;
import dev.claudepool.v1.Session;
import dev.claudepool.v1.Task;
import dev.claudepool.v1.TaskState;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The paging helpers follow next_page_token, lazily, keeping the request's filters. */
@Timeout(30)
class PagingTest {
  private static final int ITEMS = 5;
  private final List<ListTasksRequest> taskPages = new CopyOnWriteArrayList<>();
  private final List<String> tokens = new CopyOnWriteArrayList<>();

  /** Pages of `ITEMS` numbered items; the token is the offset of the next page. */
  private static int offset(String token) {
    return token.isEmpty() ? 0 : Integer.parseInt(token);
  }

  private static String next(int offset, int size) {
    return offset + size >= ITEMS ? "" : String.valueOf(offset + size);
  }

  private static int size(int pageSize) {
    return pageSize == 0 ? 2 : pageSize;
  }

  private final FakeServer server = new FakeServer(new PoolServiceGrpc.PoolServiceImplBase() {
    @Override
    public void listTasks(ListTasksRequest req, StreamObserver<ListTasksResponse> out) {
      taskPages.add(req);
      int from = offset(req.getPageToken());
      int size = size(req.getPageSize());
      ListTasksResponse.Builder page = ListTasksResponse.newBuilder()
          .setNextPageToken(next(from, size));
      for (int i = from; i < Math.min(from + size, ITEMS); i++) {
        page.addTasks(Task.newBuilder().setId("task-" + i));
      }
      out.onNext(page.build());
      out.onCompleted();
    }

    @Override
    public void listSessions(ListSessionsRequest req, StreamObserver<ListSessionsResponse> out) {
      tokens.add(req.getPageToken());
      int from = offset(req.getPageToken());
      int size = size(req.getPageSize());
      ListSessionsResponse.Builder page = ListSessionsResponse.newBuilder()
          .setNextPageToken(next(from, size));
      for (int i = from; i < Math.min(from + size, ITEMS); i++) {
        page.addSessions(Session.newBuilder().setId("session-" + i));
      }
      out.onNext(page.build());
      out.onCompleted();
    }

    @Override
    public void listChainProgress(ListChainProgressRequest req,
        StreamObserver<ListChainProgressResponse> out) {
      tokens.add(req.getPageToken());
      int from = offset(req.getPageToken());
      int size = size(req.getPageSize());
      ListChainProgressResponse.Builder page = ListChainProgressResponse.newBuilder()
          .setNextPageToken(next(from, size));
      for (int i = from; i < Math.min(from + size, ITEMS); i++) {
        page.addChains(ChainProgress.newBuilder().setChainId("chain-" + i));
      }
      out.onNext(page.build());
      out.onCompleted();
    }

    @Override
    public void listContext(ListContextRequest req, StreamObserver<ListContextResponse> out) {
      tokens.add(req.getPageToken());
      int from = offset(req.getPageToken());
      int size = size(req.getPageSize());
      ListContextResponse.Builder page = ListContextResponse.newBuilder()
          .setNextPageToken(next(from, size));
      for (int i = from; i < Math.min(from + size, ITEMS); i++) {
        page.addEntries(ContextEntry.newBuilder().setKey("key-" + i));
      }
      out.onNext(page.build());
      out.onCompleted();
    }
  });

  private final PoolClient pool = server.client().build();

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void listAllTasksFollowsTokensAndKeepsFilters() {
    List<String> ids = pool.listAllTasks(ListTasksRequest.newBuilder().setPageSize(2)
        .setState(TaskState.TASK_STATE_COMPLETED).setPageToken("ignored-by-the-helper").build())
        .map(Task::getId).toList();
    assertEquals(List.of("task-0", "task-1", "task-2", "task-3", "task-4"), ids);
    assertEquals(List.of("", "2", "4"), taskPages.stream().map(ListTasksRequest::getPageToken)
        .toList());
    taskPages.forEach(r -> {
      assertEquals(2, r.getPageSize());
      assertEquals(TaskState.TASK_STATE_COMPLETED, r.getState());
    });
  }

  @Test
  void pagesAreFetchedOnlyWhenNeeded() {
    assertEquals(List.of("task-0"), pool.listAllTasks().limit(1).map(Task::getId).toList());
    assertEquals(1, taskPages.size());
  }

  @Test
  void theOtherHelpersPageTheSameWay() {
    assertEquals(ITEMS, pool.listAllSessions().count());
    assertEquals(ITEMS, pool.listAllChainProgress().count());
    assertEquals(List.of("key-0", "key-1", "key-2", "key-3", "key-4"),
        pool.listAllContext().map(ContextEntry::getKey).toList());
    assertEquals(List.of("", "2", "4", "", "2", "4", "", "2", "4"), tokens);
  }
}
