package claudepool_test

// Offline tests of the wrapper against an in-process fake server (no harness needed): bearer
// metadata, error-detail decoding, and Watch resuming after a dropped stream.

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/timestamppb"

	claudepool "github.com/claude-pool/claude-pool/clients/go"
	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

type fakeServer struct {
	poolv1.UnimplementedPoolServiceServer
	mu         sync.Mutex
	watchCalls []int64 // after_seq of each WatchTask call
	chainCalls []int64 // after_seq of each WatchChain call
}

func (s *fakeServer) GetTask(ctx context.Context, req *poolv1.GetTaskRequest) (*poolv1.GetTaskResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer s3cret" {
		return nil, status.Error(codes.Unauthenticated, "missing token")
	}
	st, _ := status.New(codes.NotFound, "no task "+req.GetTaskId()).WithDetails(
		&errdetails.ErrorInfo{Reason: "TASK_NOT_FOUND", Domain: "claude-pool.dev", Metadata: map[string]string{"task_id": req.GetTaskId()}},
	)
	return nil, st.Err()
}

func (s *fakeServer) SubmitTask(context.Context, *poolv1.SubmitTaskRequest) (*poolv1.SubmitTaskResponse, error) {
	st, _ := status.New(codes.InvalidArgument, "prompt is empty").WithDetails(
		&errdetails.ErrorInfo{Reason: "INVALID_ARGUMENT", Domain: "claude-pool.dev"},
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "task.prompt", Description: "required"}}},
	)
	return nil, st.Err()
}

// WatchTask serves events 1..6 (6 = finished); the first call drops with UNAVAILABLE after event 2
// and the second replays one already-seen event before continuing.
func (s *fakeServer) WatchTask(req *poolv1.WatchTaskRequest, stream grpc.ServerStreamingServer[poolv1.WatchTaskResponse]) error {
	s.mu.Lock()
	s.watchCalls = append(s.watchCalls, req.GetAfterSeq())
	call := len(s.watchCalls)
	s.mu.Unlock()
	from := req.GetAfterSeq() + 1
	if call == 2 {
		from-- // a replayed duplicate the client must skip
	}
	for seq := from; seq <= 6; seq++ {
		ev := &poolv1.TaskEvent{TaskId: req.GetTaskId(), Seq: seq}
		if seq == 6 {
			ev.Kind = &poolv1.TaskEvent_Finished{Finished: &poolv1.TaskFinished{}}
		} else {
			ev.Kind = &poolv1.TaskEvent_TextDelta{TextDelta: &poolv1.TextDelta{Text: string(rune('a' + seq - 1))}}
		}
		if err := stream.Send(&poolv1.WatchTaskResponse{Event: ev}); err != nil {
			return err
		}
		if call == 1 && seq == 2 {
			return status.Error(codes.Unavailable, "connection recycled")
		}
	}
	return nil
}

// WatchChain serves snapshots 1..4 (PENDING, RUNNING, RUNNING, COMPLETED with end_time); the first
// call drops with UNAVAILABLE after snapshot 2 and the second replays snapshot 2 first.
func (s *fakeServer) WatchChain(req *poolv1.WatchChainRequest, stream grpc.ServerStreamingServer[poolv1.WatchChainResponse]) error {
	s.mu.Lock()
	s.chainCalls = append(s.chainCalls, req.GetAfterSeq())
	call := len(s.chainCalls)
	s.mu.Unlock()
	statuses := []poolv1.ChainStatus{0, poolv1.ChainStatus_CHAIN_STATUS_PENDING, poolv1.ChainStatus_CHAIN_STATUS_RUNNING,
		poolv1.ChainStatus_CHAIN_STATUS_RUNNING, poolv1.ChainStatus_CHAIN_STATUS_COMPLETED}
	from := req.GetAfterSeq() + 1
	if call == 2 {
		from--
	}
	for seq := from; seq <= 4; seq++ {
		p := &poolv1.ChainProgress{ChainId: req.GetChainId(), Seq: seq, Status: statuses[seq]}
		if seq == 4 {
			p.EndTime = timestamppb.Now()
		}
		if err := stream.Send(&poolv1.WatchChainResponse{Chain: p}); err != nil {
			return err
		}
		if call == 1 && seq == 2 {
			return status.Error(codes.Unavailable, "connection recycled")
		}
	}
	return nil
}

func (s *fakeServer) GetChainProgress(_ context.Context, req *poolv1.GetChainProgressRequest) (*poolv1.GetChainProgressResponse, error) {
	return &poolv1.GetChainProgressResponse{Chain: &poolv1.ChainProgress{ChainId: req.GetChainId(), Seq: 4,
		Status: poolv1.ChainStatus_CHAIN_STATUS_COMPLETED, EndTime: timestamppb.Now()}}, nil
}

// FanOut answers out of order, to check that the client puts items back in input order.
func (s *fakeServer) FanOut(_ context.Context, req *poolv1.FanOutRequest) (*poolv1.FanOutResponse, error) {
	var items []*poolv1.FanOutItem
	for i := len(req.GetTasks()) - 1; i >= 0; i-- {
		items = append(items, &poolv1.FanOutItem{Index: int32(i), Task: &poolv1.Task{Prompt: req.GetTasks()[i].GetPrompt()}})
	}
	return &poolv1.FanOutResponse{Items: items}, nil
}

func startFake(t *testing.T) (*claudepool.PoolClient, *fakeServer) {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	fake := &fakeServer{}
	poolv1.RegisterPoolServiceServer(srv, fake)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	c, err := claudepool.Connect("passthrough:///bufnet", claudepool.WithToken("s3cret"),
		claudepool.WithDialOptions(grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return lis.DialContext(ctx)
		})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, fake
}

func TestErrorDetails(t *testing.T) {
	c, _ := startFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	_, err := c.Get(ctx, "task-x")
	var pe *claudepool.Error
	if !errors.As(err, &pe) || pe.Code != codes.NotFound || pe.Reason != "TASK_NOT_FOUND" ||
		pe.Domain != claudepool.Domain || pe.Metadata["task_id"] != "task-x" {
		t.Fatalf("Get error = %#v", err)
	}
	if status.Code(err) != codes.NotFound {
		t.Fatalf("status.Code = %v", status.Code(err))
	}

	_, err = c.Submit(ctx, claudepool.Prompt(""))
	if !errors.As(err, &pe) || pe.Code != codes.InvalidArgument || len(pe.FieldViolations) != 1 ||
		pe.FieldViolations[0].GetField() != "task.prompt" {
		t.Fatalf("Submit error = %#v", err)
	}
}

func TestWatchResumes(t *testing.T) {
	c, fake := startFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var seqs []int64
	var text string
	for ev, err := range c.Watch(ctx, "task-1", 0) {
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, ev.GetSeq())
		text += ev.GetTextDelta().GetText()
	}
	if len(seqs) != 6 || seqs[0] != 1 || seqs[5] != 6 || text != "abcde" {
		t.Fatalf("seqs = %v, text = %q", seqs, text)
	}
	if len(fake.watchCalls) != 2 || fake.watchCalls[1] != 2 {
		t.Fatalf("WatchTask after_seq per call = %v, want [0 2]", fake.watchCalls)
	}
}

func TestWatchChainResumes(t *testing.T) {
	c, fake := startFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var seqs []int64
	var last poolv1.ChainStatus
	for p, err := range c.WatchChain(ctx, "chain-1", 0) {
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, p.GetSeq())
		last = p.GetStatus()
	}
	if len(seqs) != 4 || seqs[0] != 1 || seqs[3] != 4 || last != poolv1.ChainStatus_CHAIN_STATUS_COMPLETED {
		t.Fatalf("seqs = %v, last status %v", seqs, last)
	}
	if len(fake.chainCalls) != 2 || fake.chainCalls[1] != 2 {
		t.Fatalf("WatchChain after_seq per call = %v, want [0 2]", fake.chainCalls)
	}
}

func TestFanOutInputOrder(t *testing.T) {
	c, _ := startFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	items, err := c.FanOut(ctx, claudepool.Prompts("a", "b", "c")...)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"a", "b", "c"} {
		if items[i].GetIndex() != int32(i) || items[i].GetTask().GetPrompt() != want {
			t.Fatalf("items[%d] = %v", i, items[i])
		}
	}
}

// Watching a finished chain from its final seq yields nothing and ends without error or retries.
func TestWatchChainAlreadyFinal(t *testing.T) {
	c, fake := startFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	for p, err := range c.WatchChain(ctx, "chain-1", 4) {
		t.Fatalf("yielded %v, %v", p, err)
	}
	if len(fake.chainCalls) != 1 {
		t.Fatalf("WatchChain calls = %v, want one", fake.chainCalls)
	}
}
