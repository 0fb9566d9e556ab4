package claudepool

import (
	"context"
	"iter"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// Run runs one task and returns it finished (COMPLETED, FAILED, CANCELLED or PENDING_REVIEW). A
// failed run is a task in state FAILED with Result.Failure saying why, not an error.
func (c *PoolClient) Run(ctx context.Context, spec *TaskSpec, opts ...CallOption) (*Task, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.Run, &poolv1.RunRequest{Task: spec, RequestId: o.requestID})
	return resp.GetTask(), err
}

// SubmitTask queues one task and returns it at once (state PENDING). Follow it with WatchTask or
// WaitTask.
func (c *PoolClient) SubmitTask(ctx context.Context, spec *TaskSpec, opts ...CallOption) (*Task, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.SubmitTask, &poolv1.SubmitTaskRequest{Task: spec, RequestId: o.requestID})
	return resp.GetTask(), err
}

// GetTask returns a task.
func (c *PoolClient) GetTask(ctx context.Context, taskID string) (*Task, error) {
	resp, err := unary(ctx, c, c.rpc.GetTask, &poolv1.GetTaskRequest{TaskId: taskID})
	return resp.GetTask(), err
}

// ListTasks returns one page of tasks, newest first, filtered by req (nil for all); AllTasks
// follows the pages for you.
func (c *PoolClient) ListTasks(ctx context.Context, req *poolv1.ListTasksRequest) (*poolv1.ListTasksResponse, error) {
	if req == nil {
		req = &poolv1.ListTasksRequest{}
	}
	return unary(ctx, c, c.rpc.ListTasks, req)
}

// AllTasks yields every task that filter (nil for all) selects, newest first, across pages of
// filter.PageSize (the server's default when 0).
func (c *PoolClient) AllTasks(ctx context.Context, filter *poolv1.ListTasksRequest) iter.Seq2[*Task, error] {
	return pages(ctx, func(ctx context.Context, token string) ([]*Task, string, error) {
		req := &poolv1.ListTasksRequest{}
		if filter != nil {
			req = proto.CloneOf(filter)
		}
		req.PageToken = token
		resp, err := c.ListTasks(ctx, req)
		return resp.GetTasks(), resp.GetNextPageToken(), err
	})
}

// WaitTask blocks until the task stops producing output (terminal or PENDING_REVIEW) and returns
// it. It waits as long as ctx allows (the default deadline applies to the whole wait), asking the
// server again each time one WaitTask round ends without the task done; when ctx ends first the
// error has code DEADLINE_EXCEEDED or CANCELED.
func (c *PoolClient) WaitTask(ctx context.Context, taskID string) (*Task, error) {
	ctx, cancel := c.withDefaultDeadline(ctx)
	defer cancel()
	for {
		req := &poolv1.WaitTaskRequest{TaskId: taskID}
		if deadline, ok := ctx.Deadline(); ok {
			// Let the server answer "not done yet" just before the deadline rather than see the
			// call cut; the next round then fails with the deadline itself.
			if left := time.Until(deadline) - 500*time.Millisecond; left > 0 {
				req.Timeout = durationpb.New(left)
			}
		}
		resp, err := unary(ctx, c, c.rpc.WaitTask, req)
		if err != nil || resp.GetDone() {
			return resp.GetTask(), err
		}
	}
}

// CancelTask cancels a task and returns it (CANCELLED). A running task's CLI process is stopped
// within a second. Cancelling a terminal task is FAILED_PRECONDITION.
func (c *PoolClient) CancelTask(ctx context.Context, taskID string, opts ...CallOption) (*Task, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.CancelTask, &poolv1.CancelTaskRequest{TaskId: taskID, RequestId: o.requestID})
	return resp.GetTask(), err
}

// DeleteTask deletes a terminal task and its event log for good. A task still pending, running or
// in review is FAILED_PRECONDITION: cancel it first.
func (c *PoolClient) DeleteTask(ctx context.Context, taskID string, opts ...CallOption) error {
	o := mutation(opts)
	_, err := unary(ctx, c, c.rpc.DeleteTask, &poolv1.DeleteTaskRequest{TaskId: taskID, RequestId: o.requestID})
	return err
}

// ClaimTask makes an idle slot take the oldest pending task that is not pinned elsewhere, now,
// and returns it; nil (and no error) when the slot is busy or nothing is pending.
func (c *PoolClient) ClaimTask(ctx context.Context, slotID string, opts ...CallOption) (*Task, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.ClaimTask, &poolv1.ClaimTaskRequest{SlotId: slotID, RequestId: o.requestID})
	return resp.GetTask(), err
}

// ApproveTask approves a task in PENDING_REVIEW: it becomes COMPLETED.
func (c *PoolClient) ApproveTask(ctx context.Context, taskID string, opts ...CallOption) (*Task, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.ApproveTask, &poolv1.ApproveTaskRequest{TaskId: taskID, RequestId: o.requestID})
	return resp.GetTask(), err
}

// RejectTask rejects a task in PENDING_REVIEW: feedback (required) is appended to the prompt and
// the task is queued again, or FAILED once it reaches its max_rejections.
func (c *PoolClient) RejectTask(ctx context.Context, taskID, feedback string, opts ...CallOption) (*Task, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.RejectTask,
		&poolv1.RejectTaskRequest{TaskId: taskID, Feedback: feedback, RequestId: o.requestID})
	return resp.GetTask(), err
}
