package claudepool_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// waitServer answers WaitTask "not done" twice, then done; it records each round's timeout.
type waitServer struct {
	poolv1.UnimplementedPoolServiceServer
	mu       sync.Mutex
	timeouts []time.Duration
}

func (s *waitServer) WaitTask(_ context.Context, req *poolv1.WaitTaskRequest) (*poolv1.WaitTaskResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timeouts = append(s.timeouts, req.GetTimeout().AsDuration())
	state := poolv1.TaskState_TASK_STATE_RUNNING
	if len(s.timeouts) == 3 {
		state = poolv1.TaskState_TASK_STATE_COMPLETED
	}
	return &poolv1.WaitTaskResponse{Task: &poolv1.Task{Id: req.GetTaskId(), State: state}, Done: len(s.timeouts) == 3}, nil
}

func TestWaitTaskAsksAgainUntilDone(t *testing.T) {
	fake := &waitServer{}
	c := serve(t, fake, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	task, err := c.WaitTask(ctx, "task-1")
	if err != nil || task.GetState() != poolv1.TaskState_TASK_STATE_COMPLETED || len(fake.timeouts) != 3 {
		t.Fatalf("WaitTask = %v, %v after %d rounds; want COMPLETED after 3", task, err, len(fake.timeouts))
	}
	// The server is asked to answer before the call's deadline, so a slow task is "not done yet"
	// rather than a cut call.
	if d := fake.timeouts[0]; d <= 0 || d >= 10*time.Second {
		t.Fatalf("first round's timeout = %v, want within the 10 s deadline", d)
	}
}

// waitForever never finishes the task: WaitTask ends with the context's deadline.
type waitForever struct {
	poolv1.UnimplementedPoolServiceServer
}

func (waitForever) WaitTask(ctx context.Context, req *poolv1.WaitTaskRequest) (*poolv1.WaitTaskResponse, error) {
	select {
	case <-ctx.Done():
	case <-time.After(req.GetTimeout().AsDuration()):
	}
	return &poolv1.WaitTaskResponse{Task: &poolv1.Task{Id: req.GetTaskId()}}, nil
}

func TestWaitTaskEndsWithTheDeadline(t *testing.T) {
	c := serve(t, waitForever{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	_, err := c.WaitTask(ctx, "task-1")
	wantCode(t, err, codes.DeadlineExceeded)
}
