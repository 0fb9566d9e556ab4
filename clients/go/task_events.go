package claudepool

import (
	"context"
	"errors"
	"io"
	"iter"

	"google.golang.org/grpc/codes"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// RunStream runs one task and yields its events: state changes, text deltas in order, tool uses,
// and last the `finished` event carrying the task as it ended. A refusal before the first event
// resends RunStream with the same request_id (the server runs the task once); a stream that breaks
// later is followed with WatchTask from the last event's seq, so each event comes exactly once.
// Breaking out of the loop closes the stream; the task keeps running unless CancelOnDisconnect
// was given.
func (c *PoolClient) RunStream(ctx context.Context, spec *TaskSpec, opts ...CallOption) iter.Seq2[*TaskEvent, error] {
	o := mutation(opts)
	req := &poolv1.RunStreamRequest{Task: spec, RequestId: o.requestID, CancelOnDisconnect: o.cancelOnDisconnect}
	return func(yield func(*TaskEvent, error) bool) {
		c.follow(ctx, &taskWatch{run: req, yield: yield})
	}
}

// WatchTask yields a task's events with seq greater than afterSeq (0 for all of them): first the
// stored ones, then live ones, ending after the `finished` event. When the stream breaks it is
// reopened from the last seq it delivered, so each event comes exactly once. Breaking out of the
// loop closes the stream.
func (c *PoolClient) WatchTask(ctx context.Context, taskID string, afterSeq int64) iter.Seq2[*TaskEvent, error] {
	return func(yield func(*TaskEvent, error) bool) {
		c.follow(ctx, &taskWatch{taskID: taskID, after: afterSeq, yield: yield})
	}
}

// taskWatch is the state of one task's event iteration across the streams it takes.
type taskWatch struct {
	run    *poolv1.RunStreamRequest // resent while taskID is unknown (RunStream's first events)
	taskID string
	after  int64 // the last seq delivered
	failed int   // attempts that failed in a row since the last event
	yield  func(*TaskEvent, error) bool
}

var errTaskStreamEnded = &Error{Code: codes.Unavailable, Message: "the task's stream ended before its finished event"}

// follow reads streams until the finished event or the consumer stops, reopening broken ones
// while the policy allows; a stream that ends early counts as broken.
func (c *PoolClient) follow(ctx context.Context, w *taskWatch) {
	for {
		err := c.readTaskStream(ctx, w)
		if err == nil {
			return
		}
		if errors.Is(err, io.EOF) {
			err = errTaskStreamEnded
		}
		pe := asError(err)
		if pe == nil || !c.policy.again(ctx, pe, &w.failed) {
			w.yield(nil, AsError(err))
			return
		}
	}
}

// readTaskStream opens one stream, RunStream until the task's id is known and WatchTask after, and
// delivers its new events. It returns nil when done, the stream's error otherwise.
func (c *PoolClient) readTaskStream(ctx context.Context, w *taskWatch) error {
	ctx, cancel := context.WithCancel(ctx) // closes the stream on return
	defer cancel()
	var recv func() (*TaskEvent, error)
	if w.taskID == "" {
		stream, err := c.rpc.RunStream(ctx, w.run, c.callOpts...)
		if err != nil {
			return err
		}
		recv = func() (*TaskEvent, error) { r, err := stream.Recv(); return r.GetEvent(), err }
	} else {
		stream, err := c.rpc.WatchTask(ctx, &poolv1.WatchTaskRequest{TaskId: w.taskID, AfterSeq: w.after}, c.callOpts...)
		if err != nil {
			return err
		}
		recv = func() (*TaskEvent, error) { r, err := stream.Recv(); return r.GetEvent(), err }
	}
	for {
		ev, err := recv()
		if err != nil {
			return err
		}
		if id := ev.GetTaskId(); id != "" {
			w.taskID = id
		}
		if ev.GetSeq() <= w.after {
			continue // delivered before the stream was reopened
		}
		w.after, w.failed = ev.GetSeq(), 0
		if !w.yield(ev, nil) || ev.GetFinished() != nil {
			return nil
		}
	}
}
