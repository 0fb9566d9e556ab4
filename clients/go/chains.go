package claudepool

import (
	"context"
	"errors"
	"io"
	"iter"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// Step returns a chain step with the server's defaults. In prompt, `{previous_output}` is replaced
// by the previous step's output and `{steps.NAME.VAR}` by a variable extracted from an earlier
// step; set Overrides, FailurePolicy or OutputVars on the result for more.
func Step(name, prompt string) *ChainStep { return &ChainStep{Name: name, Prompt: prompt} }

// SubmitChain submits a chain of dependent steps (options may be nil) and returns its initial
// progress at once. Follow it with WatchChain.
func (c *PoolClient) SubmitChain(ctx context.Context, steps []*ChainStep, options *ChainOptions, opts ...CallOption) (*ChainProgress, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.SubmitChain,
		&poolv1.SubmitChainRequest{Steps: steps, Options: options, RequestId: o.requestID})
	return resp.GetChain(), err
}

// FanOutChains submits several chains that run independently and returns their initial progress,
// in input order.
func (c *PoolClient) FanOutChains(ctx context.Context, chains []*ChainSpec, opts ...CallOption) ([]*ChainProgress, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.FanOutChains, &poolv1.FanOutChainsRequest{Chains: chains, RequestId: o.requestID})
	return resp.GetChains(), err
}

// GetChainProgress returns a chain's progress.
func (c *PoolClient) GetChainProgress(ctx context.Context, chainID string) (*ChainProgress, error) {
	resp, err := unary(ctx, c, c.rpc.GetChainProgress, &poolv1.GetChainProgressRequest{ChainId: chainID})
	return resp.GetChain(), err
}

// ListChainProgress returns one page of chains, newest first, filtered by req (nil for all);
// AllChainProgress follows the pages for you.
func (c *PoolClient) ListChainProgress(ctx context.Context, req *poolv1.ListChainProgressRequest) (*poolv1.ListChainProgressResponse, error) {
	if req == nil {
		req = &poolv1.ListChainProgressRequest{}
	}
	return unary(ctx, c, c.rpc.ListChainProgress, req)
}

// AllChainProgress yields every chain that filter (nil for all) selects, newest first, across
// pages of filter.PageSize (the server's default when 0).
func (c *PoolClient) AllChainProgress(ctx context.Context, filter *poolv1.ListChainProgressRequest) iter.Seq2[*ChainProgress, error] {
	return pages(ctx, func(ctx context.Context, token string) ([]*ChainProgress, string, error) {
		req := &poolv1.ListChainProgressRequest{}
		if filter != nil {
			req = proto.CloneOf(filter)
		}
		req.PageToken = token
		resp, err := c.ListChainProgress(ctx, req)
		return resp.GetChains(), resp.GetNextPageToken(), err
	})
}

// CancelChain cancels a chain (the running step is stopped, the rest skipped) and returns its
// progress. Cancelling a terminal chain is FAILED_PRECONDITION.
func (c *PoolClient) CancelChain(ctx context.Context, chainID string, opts ...CallOption) (*ChainProgress, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.CancelChain, &poolv1.CancelChainRequest{ChainId: chainID, RequestId: o.requestID})
	return resp.GetChain(), err
}

// WatchChain yields a chain's progress snapshots newer than afterSeq (0: the current one first),
// with strictly increasing Seq, and ends after the final one (terminal status, EndTime and Result
// set). The server may coalesce fast changes, so not every intermediate state is seen. A broken
// stream is reopened from the last seq delivered. Breaking out of the loop closes the stream; the
// chain keeps running.
func (c *PoolClient) WatchChain(ctx context.Context, chainID string, afterSeq int64) iter.Seq2[*ChainProgress, error] {
	return func(yield func(*ChainProgress, error) bool) {
		w := &chainWatch{chainID: chainID, after: afterSeq, yield: yield}
		for {
			err := c.readChainStream(ctx, w)
			if err == nil {
				return
			}
			if errors.Is(err, io.EOF) {
				// The server ends the stream only once the chain is terminal; when the final snapshot
				// did not come (afterSeq was already its seq, say), ask for the progress itself.
				if done, gerr := c.settleChain(ctx, w); gerr == nil && done {
					return
				}
				err = &Error{Code: codes.Unavailable, Message: "the chain's stream ended before its final snapshot"}
			}
			pe := asError(err)
			if pe == nil || !c.policy.again(ctx, pe, &w.failed) {
				yield(nil, AsError(err))
				return
			}
		}
	}
}

// chainWatch is the state of one chain's progress iteration across the streams it takes.
type chainWatch struct {
	chainID string
	after   int64 // the last seq delivered
	failed  int   // attempts that failed in a row since the last snapshot
	yield   func(*ChainProgress, error) bool
}

// readChainStream opens one WatchChain stream and delivers its new snapshots. It returns nil when
// done, the stream's error otherwise (io.EOF when it ended before the final snapshot).
func (c *PoolClient) readChainStream(ctx context.Context, w *chainWatch) error {
	ctx, cancel := context.WithCancel(ctx) // closes the stream on return
	defer cancel()
	stream, err := c.rpc.WatchChain(ctx, &poolv1.WatchChainRequest{ChainId: w.chainID, AfterSeq: w.after}, c.callOpts...)
	if err != nil {
		return err
	}
	for {
		resp, err := stream.Recv()
		if err != nil {
			return err
		}
		p := resp.GetChain()
		if p.GetSeq() <= w.after {
			continue // delivered before the stream was reopened
		}
		w.after, w.failed = p.GetSeq(), 0
		if !w.yield(p, nil) || chainFinal(p) {
			return nil
		}
	}
}

// settleChain looks at the chain's current progress after a stream ended quietly: when it is
// final, it yields it unless already delivered and reports done.
func (c *PoolClient) settleChain(ctx context.Context, w *chainWatch) (bool, error) {
	p, err := c.GetChainProgress(ctx, w.chainID)
	if err != nil || !chainFinal(p) {
		return false, err
	}
	if p.GetSeq() > w.after {
		w.yield(p, nil)
	}
	return true, nil
}

// chainFinal reports whether p is a chain's last snapshot: terminal, with its end time set.
func chainFinal(p *ChainProgress) bool {
	switch p.GetStatus() {
	case poolv1.ChainStatus_CHAIN_STATUS_COMPLETED, poolv1.ChainStatus_CHAIN_STATUS_FAILED,
		poolv1.ChainStatus_CHAIN_STATUS_CANCELLED:
		return p.GetEndTime() != nil
	}
	return false
}
