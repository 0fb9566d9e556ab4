package claudepool_test

// The paging helpers follow next_page_token to the last page, keep the caller's filter on every
// page, stop asking when the consumer stops, and surface a failed page as the last item.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// pagingServer holds 5 items per List* RPC; a page token is the offset of the page.
type pagingServer struct {
	poolv1.UnimplementedPoolServiceServer
	mu       sync.Mutex
	requests []string // "token/page_size/filter" of each List* call
	failAt   string   // a page token answered INTERNAL
}

const total = 5

func (s *pagingServer) page(token string, size int32, filter string) (from, to int, next string, err error) {
	s.mu.Lock()
	s.requests = append(s.requests, fmt.Sprintf("%s/%d/%s", token, size, filter))
	s.mu.Unlock()
	if token != "" && token == s.failAt {
		return 0, 0, "", status.Error(codes.Internal, "page lost")
	}
	from, _ = strconv.Atoi(token)
	to = min(from+int(size), total)
	if to < total {
		next = strconv.Itoa(to)
	}
	return from, to, next, nil
}

func (s *pagingServer) ListTasks(_ context.Context, req *poolv1.ListTasksRequest) (*poolv1.ListTasksResponse, error) {
	from, to, next, err := s.page(req.GetPageToken(), req.GetPageSize(), req.GetSlotId())
	resp := &poolv1.ListTasksResponse{NextPageToken: next}
	for i := from; i < to; i++ {
		resp.Tasks = append(resp.Tasks, &poolv1.Task{Id: fmt.Sprint("task-", i)})
	}
	return resp, err
}

func (s *pagingServer) ListSessions(_ context.Context, req *poolv1.ListSessionsRequest) (*poolv1.ListSessionsResponse, error) {
	from, to, next, err := s.page(req.GetPageToken(), req.GetPageSize(), "")
	resp := &poolv1.ListSessionsResponse{NextPageToken: next}
	for i := from; i < to; i++ {
		resp.Sessions = append(resp.Sessions, &poolv1.Session{Id: fmt.Sprint("session-", i)})
	}
	return resp, err
}

func (s *pagingServer) ListChainProgress(_ context.Context, req *poolv1.ListChainProgressRequest) (*poolv1.ListChainProgressResponse, error) {
	from, to, next, err := s.page(req.GetPageToken(), req.GetPageSize(), req.GetStatus().String())
	resp := &poolv1.ListChainProgressResponse{NextPageToken: next}
	for i := from; i < to; i++ {
		resp.Chains = append(resp.Chains, &poolv1.ChainProgress{ChainId: fmt.Sprint("chain-", i)})
	}
	return resp, err
}

func (s *pagingServer) ListContext(_ context.Context, req *poolv1.ListContextRequest) (*poolv1.ListContextResponse, error) {
	from, to, next, err := s.page(req.GetPageToken(), req.GetPageSize(), "")
	resp := &poolv1.ListContextResponse{NextPageToken: next}
	for i := from; i < to; i++ {
		resp.Entries = append(resp.Entries, &poolv1.ContextEntry{Key: fmt.Sprint("key-", i)})
	}
	return resp, err
}

func collect[T any](t *testing.T, items func(func(T, error) bool), id func(T) string) []string {
	t.Helper()
	var ids []string
	for item, err := range items {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id(item))
	}
	return ids
}

func TestPagingHelpersFollowEveryPage(t *testing.T) {
	fake := &pagingServer{}
	c := serve(t, fake, nil)
	ctx := testContext(t)
	pagesOf2 := []string{"/2/", "2/2/", "4/2/"}

	got := collect(t, c.AllTasks(ctx, &poolv1.ListTasksRequest{PageSize: 2, SlotId: "slot-1"}), (*poolv1.Task).GetId)
	if !slices.Equal(got, []string{"task-0", "task-1", "task-2", "task-3", "task-4"}) {
		t.Fatalf("AllTasks = %v", got)
	}
	if want := []string{"/2/slot-1", "2/2/slot-1", "4/2/slot-1"}; !slices.Equal(fake.requests, want) {
		t.Fatalf("ListTasks requests = %v, want %v (the filter on every page)", fake.requests, want)
	}

	fake.requests = nil
	got = collect(t, c.AllSessions(ctx, 2), (*poolv1.Session).GetId)
	if len(got) != total || !slices.Equal(fake.requests, pagesOf2) {
		t.Fatalf("AllSessions = %v after %v", got, fake.requests)
	}

	fake.requests = nil
	filter := &poolv1.ListChainProgressRequest{PageSize: 2, Status: poolv1.ChainStatus_CHAIN_STATUS_RUNNING}
	got = collect(t, c.AllChainProgress(ctx, filter), (*poolv1.ChainProgress).GetChainId)
	if len(got) != total || fake.requests[2] != "4/2/CHAIN_STATUS_RUNNING" || filter.GetPageToken() != "" {
		t.Fatalf("AllChainProgress = %v after %v (the caller's filter must stay unchanged: %v)", got, fake.requests, filter)
	}

	fake.requests = nil
	got = collect(t, c.AllContextEntries(ctx, 2), (*poolv1.ContextEntry).GetKey)
	if len(got) != total || !slices.Equal(fake.requests, pagesOf2) {
		t.Fatalf("AllContextEntries = %v after %v", got, fake.requests)
	}
}

func TestPagingStopsWithTheConsumer(t *testing.T) {
	fake := &pagingServer{}
	c := serve(t, fake, nil)
	for range c.AllTasks(testContext(t), &poolv1.ListTasksRequest{PageSize: 2}) {
		break
	}
	if len(fake.requests) != 1 {
		t.Fatalf("ListTasks calls after the consumer stopped = %v, want one", fake.requests)
	}
}

func TestPagingSurfacesAFailedPage(t *testing.T) {
	c := serve(t, &pagingServer{failAt: "2"}, nil)
	var ids []string
	var last error
	for task, err := range c.AllTasks(testContext(t), &poolv1.ListTasksRequest{PageSize: 2}) {
		if err != nil {
			last = err
			continue
		}
		ids = append(ids, task.GetId())
	}
	if !slices.Equal(ids, []string{"task-0", "task-1"}) || status.Code(last) != codes.Internal {
		t.Fatalf("ids %v, error %v; want the first page then INTERNAL", ids, last)
	}
}
