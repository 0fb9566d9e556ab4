// Package claudepool is the Go client of claude-pool, a gRPC service that runs prompts on a pool
// of Claude Code CLI slots.
//
// A PoolClient has one method per RPC of claude_pool.v1.PoolService, named after it (Run,
// RunStream, SubmitTask, GetTask, ...), plus paging helpers for the List* RPCs (AllTasks,
// AllSessions, AllChainProgress, AllContextEntries). Every method follows the policy of
// clients/CONFORMANCE.md, so callers do not have to:
//
//   - every mutating call carries a request_id (a fresh UUID v4 unless the caller passes one with
//     RequestID), kept across resends, so the server never does the work twice;
//   - a call refused UNAVAILABLE (or RESOURCE_EXHAUSTED RATE_LIMITED with a RetryInfo) is resent,
//     4 attempts in all, never past the context's deadline;
//   - WatchTask, RunStream, WatchChain and FanOutStream resume after a broken stream without
//     losing or repeating anything;
//   - failures are *Error values carrying the gRPC code and the decoded rich details.
//
// Deadlines come from the context, as usual in Go; WithDefaultDeadline sets one for unary calls
// whose context has none. Streams are iter.Seq2 iterators: breaking out of the loop closes them.
//
// The generated messages and enums are in package poolv1
// (github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1); the ones that appear in this
// package's signatures have short aliases here (Task, TaskSpec, ChainProgress, ...).
package claudepool

import (
	"context"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// Version is this client's version; it is also the git tag of its release, clients/go/v0.2.0.
// Connect sends it in the user agent (claude-pool-go/0.2.0).
const Version = "0.2.0"

// PoolClient is a connection to a claude-pool server. It is safe for concurrent use.
type PoolClient struct {
	conn            *grpc.ClientConn // nil when the caller brought its own connection (FromConn)
	rpc             poolv1.PoolServiceClient
	health          healthpb.HealthClient
	callOpts        []grpc.CallOption // the bearer token, sent on every call
	defaultDeadline time.Duration
	policy          retryPolicy
}

// Connect creates a client for address (`host:port`). TLS with the system's roots is on unless
// WithPlaintext says otherwise. The connection is made lazily, on the first call.
func Connect(address string, opts ...Option) (*PoolClient, error) {
	o, err := collect(opts)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(address, o.dialOptions()...)
	if err != nil {
		return nil, err
	}
	c := newClient(conn, o)
	c.conn = conn
	return c, nil
}

// FromConn creates a client on a connection the caller built and keeps owning (Close leaves it
// open). Only the options that do not shape a connection apply: WithToken (sent as a per-call
// credential, so conn must use TLS) and WithDefaultDeadline; any other option is an error.
func FromConn(conn grpc.ClientConnInterface, opts ...Option) (*PoolClient, error) {
	o, err := collect(opts)
	if err != nil {
		return nil, err
	}
	if err := o.onlyCallOptions(); err != nil {
		return nil, err
	}
	return newClient(conn, o), nil
}

func newClient(conn grpc.ClientConnInterface, o *options) *PoolClient {
	c := &PoolClient{
		rpc:             poolv1.NewPoolServiceClient(conn),
		health:          healthpb.NewHealthClient(conn),
		defaultDeadline: o.defaultDeadline,
		policy:          standardPolicy,
	}
	if o.token != "" {
		c.callOpts = []grpc.CallOption{grpc.PerRPCCredentials(bearer{o.token, !o.plaintext})}
	}
	return c
}

// Close closes the connection Connect made; a connection passed to FromConn stays open.
func (c *PoolClient) Close() error {
	if c.conn == nil {
		return nil
	}
	return c.conn.Close()
}

// RPC returns the generated stub, for calls that need what the wrapper does not offer. It applies
// none of the policy: no token, no request_id, no resends, and its errors are plain status errors
// (AsError decodes them).
func (c *PoolClient) RPC() poolv1.PoolServiceClient { return c.rpc }

// Health asks the standard gRPC health service about service ("" for the whole server). It needs
// no token.
func (c *PoolClient) Health(ctx context.Context, service string) (healthpb.HealthCheckResponse_ServingStatus, error) {
	resp, err := unary(ctx, c, c.health.Check, &healthpb.HealthCheckRequest{Service: service})
	return resp.GetStatus(), err
}

// withDefaultDeadline gives ctx the client's default deadline when it has none of its own.
func (c *PoolClient) withDefaultDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok || c.defaultDeadline <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.defaultDeadline)
}
