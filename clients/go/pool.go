package claudepool

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// FindSlots returns the slots, by id, matching every filter req sets (name, role, state); nil
// returns them all.
func (c *PoolClient) FindSlots(ctx context.Context, req *poolv1.FindSlotsRequest) ([]*Slot, error) {
	if req == nil {
		req = &poolv1.FindSlotsRequest{}
	}
	resp, err := unary(ctx, c, c.rpc.FindSlots, req)
	return resp.GetSlots(), err
}

// ScaleUp adds count slots, within the pool's max_slots, and returns the number of slots after.
func (c *PoolClient) ScaleUp(ctx context.Context, count int32, opts ...CallOption) (int32, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.ScaleUp, &poolv1.ScaleUpRequest{Count: count, RequestId: o.requestID})
	return resp.GetTotalSlots(), err
}

// ScaleDown removes count slots, idle and least-used first, within min_slots, and returns the
// number of slots after. A busy slot gets busyTimeout to finish its task before it is cancelled
// (0: the server's default, 30 s).
func (c *PoolClient) ScaleDown(ctx context.Context, count int32, busyTimeout time.Duration, opts ...CallOption) (int32, error) {
	o := mutation(opts)
	req := &poolv1.ScaleDownRequest{Count: count, RequestId: o.requestID}
	if busyTimeout > 0 {
		req.BusyTimeout = durationpb.New(busyTimeout)
	}
	resp, err := unary(ctx, c, c.rpc.ScaleDown, req)
	return resp.GetTotalSlots(), err
}

// SetTargetSlots scales up or down to target slots and returns the number of slots after.
func (c *PoolClient) SetTargetSlots(ctx context.Context, target int32, opts ...CallOption) (int32, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.SetTargetSlots, &poolv1.SetTargetSlotsRequest{Target: target, RequestId: o.requestID})
	return resp.GetTotalSlots(), err
}

// GetStatus returns the counts of slots and tasks, the spend and the budget, as the caller's
// namespace sees them.
func (c *PoolClient) GetStatus(ctx context.Context) (*PoolStatus, error) {
	resp, err := unary(ctx, c, c.rpc.GetStatus, &poolv1.GetStatusRequest{})
	return resp.GetStatus(), err
}

// GetConfig returns the pool's effective configuration, with the caller's namespace policy.
func (c *PoolClient) GetConfig(ctx context.Context) (*PoolConfig, error) {
	resp, err := unary(ctx, c, c.rpc.GetConfig, &poolv1.GetConfigRequest{})
	return resp.GetConfig(), err
}

// Drain stops accepting work, waits up to timeout for running tasks (0: the server's default, 5
// minutes) before cancelling them, stops the slots and returns a summary.
func (c *PoolClient) Drain(ctx context.Context, timeout time.Duration, opts ...CallOption) (*DrainSummary, error) {
	o := mutation(opts)
	req := &poolv1.DrainRequest{RequestId: o.requestID}
	if timeout > 0 {
		req.Timeout = durationpb.New(timeout)
	}
	resp, err := unary(ctx, c, c.rpc.Drain, req)
	return resp.GetSummary(), err
}

// GetSessionMetrics aggregates task outcomes, spend and timings over the tasks filter selects
// (nil for all of the caller's).
func (c *PoolClient) GetSessionMetrics(ctx context.Context, filter *MetricsFilter) (*SessionMetrics, error) {
	resp, err := unary(ctx, c, c.rpc.GetSessionMetrics, &poolv1.GetSessionMetricsRequest{Filter: filter})
	return resp.GetMetrics(), err
}
