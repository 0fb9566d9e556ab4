// Package claudepool is a small Go client for the claude-pool gRPC service.
//
// PoolClient wraps the generated stubs in gen/claude_pool/v1 (package poolv1) with the calls most
// programs need: Run, Stream, Submit, Get, Wait, Watch (resuming after dropped streams), Cancel,
// Status, and for orchestration FanOut, SubmitChain, WatchChain (resuming too) and CancelChain. Every
// other RPC is one call away through PoolClient.RPC. Errors returned by the server are
// *Error values carrying the gRPC code and the decoded google.rpc.ErrorInfo and BadRequest details.
package claudepool

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"iter"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// Short names for the generated messages used most.
type (
	Task      = poolv1.Task
	TaskSpec  = poolv1.TaskSpec
	TaskEvent = poolv1.TaskEvent
)

// Prompt returns a TaskSpec that runs prompt with the server's defaults.
func Prompt(prompt string) *TaskSpec { return &TaskSpec{Prompt: prompt} }

// Option configures Connect.
type Option func(*options)

type options struct {
	token    string
	tls      *tls.Config
	dialOpts []grpc.DialOption
}

// WithToken sends `authorization: Bearer <token>` on every call.
func WithToken(token string) Option { return func(o *options) { o.token = token } }

// WithTLS turns TLS on with the given config (plaintext by default).
func WithTLS(cfg *tls.Config) Option { return func(o *options) { o.tls = cfg } }

// WithDialOptions adds gRPC dial options (interceptors, keepalive, a custom dialer, ...).
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) { o.dialOpts = append(o.dialOpts, opts...) }
}

// PoolClient is a connection to a claude-pool server. It is safe for concurrent use.
type PoolClient struct {
	conn   *grpc.ClientConn
	rpc    poolv1.PoolServiceClient
	health healthpb.HealthClient
}

// Connect creates a client for address (`host:port`). The connection is made lazily on the first call.
func Connect(address string, opts ...Option) (*PoolClient, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	creds := insecure.NewCredentials()
	if o.tls != nil {
		creds = credentials.NewTLS(o.tls)
	}
	dialOpts := []grpc.DialOption{grpc.WithTransportCredentials(creds)}
	if o.token != "" {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(bearer{o.token, o.tls != nil}))
	}
	conn, err := grpc.NewClient(address, append(dialOpts, o.dialOpts...)...)
	if err != nil {
		return nil, err
	}
	return &PoolClient{conn: conn, rpc: poolv1.NewPoolServiceClient(conn), health: healthpb.NewHealthClient(conn)}, nil
}

// Close closes the connection.
func (c *PoolClient) Close() error { return c.conn.Close() }

// RPC returns the generated stub for the RPCs this wrapper does not cover (its errors are not wrapped;
// use AsError on them).
func (c *PoolClient) RPC() poolv1.PoolServiceClient { return c.rpc }

// Health asks the standard gRPC health service about service ("" for the whole server).
func (c *PoolClient) Health(ctx context.Context, service string) (healthpb.HealthCheckResponse_ServingStatus, error) {
	resp, err := c.health.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	return resp.GetStatus(), AsError(err)
}

// Status returns the pool's slot and task counts, spend and budget.
func (c *PoolClient) Status(ctx context.Context) (*poolv1.PoolStatus, error) {
	resp, err := c.rpc.GetStatus(ctx, &poolv1.GetStatusRequest{})
	return resp.GetStatus(), AsError(err)
}

// Run runs one task and returns it finished. A failed run is a task in state FAILED, not an error.
func (c *PoolClient) Run(ctx context.Context, spec *TaskSpec) (*Task, error) {
	resp, err := c.rpc.Run(ctx, &poolv1.RunRequest{Task: spec})
	return resp.GetTask(), AsError(err)
}

// Submit queues one task and returns it at once.
func (c *PoolClient) Submit(ctx context.Context, spec *TaskSpec) (*Task, error) {
	resp, err := c.rpc.SubmitTask(ctx, &poolv1.SubmitTaskRequest{Task: spec})
	return resp.GetTask(), AsError(err)
}

// Get returns a task.
func (c *PoolClient) Get(ctx context.Context, taskID string) (*Task, error) {
	resp, err := c.rpc.GetTask(ctx, &poolv1.GetTaskRequest{TaskId: taskID})
	return resp.GetTask(), AsError(err)
}

// Cancel cancels a task and returns it.
func (c *PoolClient) Cancel(ctx context.Context, taskID string) (*Task, error) {
	resp, err := c.rpc.CancelTask(ctx, &poolv1.CancelTaskRequest{TaskId: taskID})
	return resp.GetTask(), AsError(err)
}

// Wait blocks until the task is terminal or PENDING_REVIEW and returns it. It waits as long as ctx
// allows, re-asking the server when one WaitTask round times out or the connection is lost.
func (c *PoolClient) Wait(ctx context.Context, taskID string) (*Task, error) {
	failures := 0
	for {
		req := &poolv1.WaitTaskRequest{TaskId: taskID}
		if deadline, ok := ctx.Deadline(); ok {
			// Let the server answer "not done" just before our deadline rather than time out the call.
			if left := time.Until(deadline) - 500*time.Millisecond; left > 0 {
				req.Timeout = durationpb.New(left)
			}
		}
		resp, err := c.rpc.WaitTask(ctx, req)
		switch {
		case err == nil && resp.GetDone():
			return resp.GetTask(), nil
		case err == nil:
			failures = 0
		case status.Code(err) != codes.Unavailable || failures >= maxRetries:
			return nil, AsError(err)
		default:
			if err := sleep(ctx, backoff(failures)); err != nil {
				return nil, err
			}
			failures++
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// Stream runs one task and yields its events (state changes, text deltas, then `finished`). If the
// stream drops after the first event it continues with WatchTask from the last seen seq. Breaking out
// of the loop closes the stream; the task keeps running.
func (c *PoolClient) Stream(ctx context.Context, spec *TaskSpec) iter.Seq2[*TaskEvent, error] {
	return func(yield func(*TaskEvent, error) bool) {
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stream, err := c.rpc.RunStream(sctx, &poolv1.RunStreamRequest{Task: spec})
		var taskID string
		var last int64
		for err == nil {
			var resp *poolv1.RunStreamResponse
			if resp, err = stream.Recv(); err != nil {
				break
			}
			ev := resp.GetEvent()
			taskID, last = ev.GetTaskId(), ev.GetSeq()
			if !yield(ev, nil) || ev.GetFinished() != nil {
				return
			}
		}
		cancel()
		if taskID == "" || !resumable(err) {
			yield(nil, endError(err))
			return
		}
		c.follow(ctx, taskID, last, yield)
	}
}

// Watch yields a task's events after afterSeq (0 for all), ending after the `finished` event. When the
// stream drops or the server is UNAVAILABLE it reopens the watch from the last seen seq, so no event
// is lost or repeated. Breaking out of the loop closes the stream.
func (c *PoolClient) Watch(ctx context.Context, taskID string, afterSeq int64) iter.Seq2[*TaskEvent, error] {
	return func(yield func(*TaskEvent, error) bool) { c.follow(ctx, taskID, afterSeq, yield) }
}

const maxRetries = 5 // consecutive failed reconnects before an error is returned

func (c *PoolClient) follow(ctx context.Context, taskID string, after int64, yield func(*TaskEvent, error) bool) {
	failures := 0
	for {
		err := c.watchOnce(ctx, taskID, &after, &failures, yield)
		if err == nil {
			return // finished, or the consumer stopped
		}
		if !resumable(err) || failures >= maxRetries {
			yield(nil, endError(err))
			return
		}
		if err := sleep(ctx, backoff(failures)); err != nil {
			yield(nil, err)
			return
		}
		failures++
	}
}

// watchOnce reads one WatchTask stream. It returns nil when done and the stream's error otherwise
// (io.EOF when the stream ended before the `finished` event).
func (c *PoolClient) watchOnce(ctx context.Context, taskID string, after *int64, failures *int, yield func(*TaskEvent, error) bool) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.rpc.WatchTask(sctx, &poolv1.WatchTaskRequest{TaskId: taskID, AfterSeq: *after})
	if err != nil {
		return err
	}
	for {
		resp, err := stream.Recv()
		if err != nil {
			return err
		}
		ev := resp.GetEvent()
		if ev.GetSeq() <= *after {
			continue // already delivered before a reconnect
		}
		*after, *failures = ev.GetSeq(), 0
		if !yield(ev, nil) || ev.GetFinished() != nil {
			return nil
		}
	}
}

// resumable reports whether a watch may be reopened after err: a lost connection or a stream that
// ended without its `finished` event.
func resumable(err error) bool {
	return errors.Is(err, io.EOF) || status.Code(err) == codes.Unavailable
}

func endError(err error) error {
	if errors.Is(err, io.EOF) {
		return &Error{Code: codes.Unavailable, Message: "stream ended before the finished event"}
	}
	return AsError(err)
}

func backoff(failures int) time.Duration {
	d := 100 * time.Millisecond << failures
	return min(d, 2*time.Second)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// bearer sends the token as `authorization: Bearer <token>` metadata on every call.
type bearer struct {
	token  string
	secure bool
}

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

func (b bearer) RequireTransportSecurity() bool { return b.secure }
