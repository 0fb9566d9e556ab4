package claudepool

import (
	"context"
	"errors"
	"io"
	"iter"
	"slices"

	"google.golang.org/grpc/codes"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// FanOut runs the tasks concurrently and returns one item per task, in input order, once all have
// finished. Each item has its own outcome: Task (finished, possibly FAILED), or ErrorCode and
// ErrorMessage when that task could not be submitted.
func (c *PoolClient) FanOut(ctx context.Context, specs []*TaskSpec, opts ...CallOption) ([]*FanOutItem, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.FanOut, &poolv1.FanOutRequest{Tasks: specs, RequestId: o.requestID})
	if err != nil {
		return nil, err
	}
	items := resp.GetItems()
	// The server answers in input order; sorting by index makes that a promise of this method.
	slices.SortStableFunc(items, func(a, b *FanOutItem) int { return int(a.GetIndex()) - int(b.GetIndex()) })
	return items, nil
}

// FanOutStream is FanOut yielding each item as soon as its task finishes (completion order; Index
// gives the input position). A broken stream is resent with the same request_id, which the server
// answers without running anything twice, and items already yielded are skipped, so each index
// comes exactly once. Breaking out of the loop closes the stream; the tasks keep running.
func (c *PoolClient) FanOutStream(ctx context.Context, specs []*TaskSpec, opts ...CallOption) iter.Seq2[*FanOutItem, error] {
	o := mutation(opts)
	req := &poolv1.FanOutStreamRequest{Tasks: specs, RequestId: o.requestID}
	return func(yield func(*FanOutItem, error) bool) {
		seen := make(map[int32]bool, len(specs))
		failed := 0
		for {
			err := c.readFanOutStream(ctx, req, seen, &failed, yield)
			if err == nil {
				return
			}
			if errors.Is(err, io.EOF) {
				err = &Error{Code: codes.Unavailable, Message: "the fan-out stream ended before its last item"}
			}
			pe := asError(err)
			if pe == nil || !c.policy.again(ctx, pe, &failed) {
				yield(nil, AsError(err))
				return
			}
		}
	}
}

// readFanOutStream reads one FanOutStream and yields the items not seen yet. It returns nil once
// every item is seen (or the consumer stopped), the stream's error otherwise.
func (c *PoolClient) readFanOutStream(ctx context.Context, req *poolv1.FanOutStreamRequest, seen map[int32]bool,
	failed *int, yield func(*FanOutItem, error) bool) error {
	ctx, cancel := context.WithCancel(ctx) // closes the stream on return
	defer cancel()
	stream, err := c.rpc.FanOutStream(ctx, req, c.callOpts...)
	if err != nil {
		return err
	}
	for len(seen) < len(req.GetTasks()) {
		resp, err := stream.Recv()
		if err != nil {
			return err
		}
		item := resp.GetItem()
		if seen[item.GetIndex()] {
			continue
		}
		seen[item.GetIndex()], *failed = true, 0
		if !yield(item, nil) {
			return nil
		}
	}
	return nil
}
