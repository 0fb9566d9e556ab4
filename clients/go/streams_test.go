package claudepool_test

// Streams against a fake server that breaks them: every event, snapshot or item comes exactly
// once, and a reopened stream starts where the consumer is.

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	claudepool "github.com/claude-pool/claude-pool/clients/go"
	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

type streamServer struct {
	poolv1.UnimplementedPoolServiceServer
	mu         sync.Mutex
	watchCalls []int64  // after_seq of each WatchTask call
	chainCalls []int64  // after_seq of each WatchChain call
	runIDs     []string // request_id of each RunStream call
	fanIDs     []string // request_id of each FanOutStream call
}

func record[T any](s *streamServer, list *[]T, v T) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	*list = append(*list, v)
	return len(*list)
}

// taskEvent is event seq of a task whose log is 1..6: text deltas "a".."e", then finished.
func taskEvent(taskID string, seq int64) *poolv1.TaskEvent {
	ev := &poolv1.TaskEvent{TaskId: taskID, Seq: seq}
	if seq == 6 {
		ev.Kind = &poolv1.TaskEvent_Finished{Finished: &poolv1.TaskFinished{}}
	} else {
		ev.Kind = &poolv1.TaskEvent_TextDelta{TextDelta: &poolv1.TextDelta{Text: string(rune('a' + seq - 1))}}
	}
	return ev
}

// WatchTask drops its first stream with UNAVAILABLE after event 2; the second one replays an
// already-seen event before continuing.
func (s *streamServer) WatchTask(req *poolv1.WatchTaskRequest, stream grpc.ServerStreamingServer[poolv1.WatchTaskResponse]) error {
	call := record(s, &s.watchCalls, req.GetAfterSeq())
	from := req.GetAfterSeq() + 1
	if call == 2 {
		from--
	}
	for seq := from; seq <= 6; seq++ {
		if err := stream.Send(&poolv1.WatchTaskResponse{Event: taskEvent(req.GetTaskId(), seq)}); err != nil {
			return err
		}
		if call == 1 && seq == 2 {
			return status.Error(codes.Unavailable, "connection recycled")
		}
	}
	return nil
}

// RunStream refuses its first attempt (as the harness's --inject-faults does), then sends events
// 1..3 and ends without the finished event: the client must go on with WatchTask from seq 3.
func (s *streamServer) RunStream(req *poolv1.RunStreamRequest, stream grpc.ServerStreamingServer[poolv1.RunStreamResponse]) error {
	if record(s, &s.runIDs, req.GetRequestId()) == 1 {
		return status.Error(codes.Unavailable, "refused once")
	}
	for seq := int64(1); seq <= 3; seq++ {
		if err := stream.Send(&poolv1.RunStreamResponse{Event: taskEvent("task-run", seq)}); err != nil {
			return err
		}
	}
	return nil
}

// WatchChain serves snapshots 1..4 (PENDING, RUNNING, RUNNING, COMPLETED with end_time); the
// first call drops with UNAVAILABLE after snapshot 2 and the second replays snapshot 2 first.
func (s *streamServer) WatchChain(req *poolv1.WatchChainRequest, stream grpc.ServerStreamingServer[poolv1.WatchChainResponse]) error {
	call := record(s, &s.chainCalls, req.GetAfterSeq())
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

func (s *streamServer) GetChainProgress(_ context.Context, req *poolv1.GetChainProgressRequest) (*poolv1.GetChainProgressResponse, error) {
	return &poolv1.GetChainProgressResponse{Chain: &poolv1.ChainProgress{ChainId: req.GetChainId(), Seq: 4,
		Status: poolv1.ChainStatus_CHAIN_STATUS_COMPLETED, EndTime: timestamppb.Now()}}, nil
}

// FanOut answers out of order, to check that the client puts the items back in input order.
func (s *streamServer) FanOut(_ context.Context, req *poolv1.FanOutRequest) (*poolv1.FanOutResponse, error) {
	var items []*poolv1.FanOutItem
	for i := len(req.GetTasks()) - 1; i >= 0; i-- {
		items = append(items, &poolv1.FanOutItem{Index: int32(i), Task: &poolv1.Task{Prompt: req.GetTasks()[i].GetPrompt()}})
	}
	return &poolv1.FanOutResponse{Items: items}, nil
}

// FanOutStream sends the items last first; its first stream breaks after one item, and the
// resend (same request_id) sends every item again.
func (s *streamServer) FanOutStream(req *poolv1.FanOutStreamRequest, stream grpc.ServerStreamingServer[poolv1.FanOutStreamResponse]) error {
	call := record(s, &s.fanIDs, req.GetRequestId())
	for i := len(req.GetTasks()) - 1; i >= 0; i-- {
		item := &poolv1.FanOutItem{Index: int32(i), Task: &poolv1.Task{Prompt: req.GetTasks()[i].GetPrompt()}}
		if err := stream.Send(&poolv1.FanOutStreamResponse{Item: item}); err != nil {
			return err
		}
		if call == 1 {
			return status.Error(codes.Unavailable, "connection recycled")
		}
	}
	return nil
}

// collectEvents reads a task event stream to its end and returns the seqs and the text.
func collectEvents(t *testing.T, events func(func(*poolv1.TaskEvent, error) bool)) ([]int64, string) {
	t.Helper()
	var seqs []int64
	var text strings.Builder
	for ev, err := range events {
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, ev.GetSeq())
		text.WriteString(ev.GetTextDelta().GetText())
	}
	return seqs, text.String()
}

func TestWatchTaskResumesFromLastSeq(t *testing.T) {
	fake := &streamServer{}
	c := serve(t, fake, nil)
	seqs, text := collectEvents(t, c.WatchTask(testContext(t), "task-1", 0))
	if !slices.Equal(seqs, []int64{1, 2, 3, 4, 5, 6}) || text != "abcde" {
		t.Fatalf("seqs = %v, text = %q", seqs, text)
	}
	if !slices.Equal(fake.watchCalls, []int64{0, 2}) {
		t.Fatalf("WatchTask after_seq per call = %v, want [0 2]", fake.watchCalls)
	}
}

func TestRunStreamResendsThenFollowsWithWatchTask(t *testing.T) {
	fake := &streamServer{}
	c := serve(t, fake, nil)
	seqs, text := collectEvents(t, c.RunStream(testContext(t), claudepool.Prompt("p")))
	if !slices.Equal(seqs, []int64{1, 2, 3, 4, 5, 6}) || text != "abcde" {
		t.Fatalf("seqs = %v, text = %q", seqs, text)
	}
	if len(fake.runIDs) != 2 || fake.runIDs[0] == "" || fake.runIDs[0] != fake.runIDs[1] {
		t.Fatalf("RunStream request_ids = %q, want the same one twice", fake.runIDs)
	}
	// The fake's WatchTask breaks only after sending seq 2, which a watch from seq 3 never sends.
	if !slices.Equal(fake.watchCalls, []int64{3}) {
		t.Fatalf("WatchTask after_seq per call = %v, want [3]", fake.watchCalls)
	}
}

func TestWatchChainResumesFromLastSeq(t *testing.T) {
	fake := &streamServer{}
	c := serve(t, fake, nil)
	var seqs []int64
	var last poolv1.ChainStatus
	for p, err := range c.WatchChain(testContext(t), "chain-1", 0) {
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, p.GetSeq())
		last = p.GetStatus()
	}
	if !slices.Equal(seqs, []int64{1, 2, 3, 4}) || last != poolv1.ChainStatus_CHAIN_STATUS_COMPLETED {
		t.Fatalf("seqs = %v, last status %v", seqs, last)
	}
	if !slices.Equal(fake.chainCalls, []int64{0, 2}) {
		t.Fatalf("WatchChain after_seq per call = %v, want [0 2]", fake.chainCalls)
	}
}

// Watching a finished chain from its final seq yields nothing and ends without error or reopening.
func TestWatchChainAlreadyFinal(t *testing.T) {
	fake := &streamServer{}
	c := serve(t, fake, nil)
	for p, err := range c.WatchChain(testContext(t), "chain-1", 4) {
		t.Fatalf("yielded %v, %v", p, err)
	}
	if len(fake.chainCalls) != 1 {
		t.Fatalf("WatchChain calls = %v, want one", fake.chainCalls)
	}
}

func TestFanOutReturnsInputOrder(t *testing.T) {
	c := serve(t, &streamServer{}, nil)
	items, err := c.FanOut(testContext(t), claudepool.Prompts("a", "b", "c"))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"a", "b", "c"} {
		if items[i].GetIndex() != int32(i) || items[i].GetTask().GetPrompt() != want {
			t.Fatalf("items[%d] = %v", i, items[i])
		}
	}
}

func TestFanOutStreamResendsAndSkipsSeenItems(t *testing.T) {
	fake := &streamServer{}
	c := serve(t, fake, nil)
	var indexes []int32
	for item, err := range c.FanOutStream(testContext(t), claudepool.Prompts("a", "b", "c")) {
		if err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, item.GetIndex())
	}
	if !slices.Equal(indexes, []int32{2, 1, 0}) {
		t.Fatalf("indexes = %v, want [2 1 0], each once", indexes)
	}
	if len(fake.fanIDs) != 2 || fake.fanIDs[0] != fake.fanIDs[1] {
		t.Fatalf("FanOutStream request_ids = %q, want the same one twice", fake.fanIDs)
	}
}
