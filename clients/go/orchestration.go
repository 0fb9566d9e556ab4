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

// Short names for the fan-out and chain messages.
type (
	FanOutItem    = poolv1.FanOutItem
	ChainStep     = poolv1.ChainStep
	ChainOptions  = poolv1.ChainOptions
	ChainProgress = poolv1.ChainProgress
)

// Prompts returns one TaskSpec per prompt, for FanOut: c.FanOut(ctx, claudepool.Prompts("a", "b")...).
func Prompts(prompts ...string) []*TaskSpec {
	specs := make([]*TaskSpec, len(prompts))
	for i, p := range prompts {
		specs[i] = Prompt(p)
	}
	return specs
}

// Step returns a chain step with the server's defaults. In prompt, `{previous_output}` is replaced by
// the previous step's output and `{steps.NAME.VAR}` by a variable extracted from an earlier step; set
// Overrides, FailurePolicy or OutputVars on the result (or build a &poolv1.ChainStep{...}) for more.
func Step(name, prompt string) *ChainStep { return &ChainStep{Name: name, Prompt: prompt} }

// FanOut runs the tasks concurrently and returns one item per task, in input order, once all have
// finished. Each item has its own outcome: Task (the finished task, possibly FAILED), or ErrorCode and
// ErrorMessage when that task could not be submitted.
func (c *PoolClient) FanOut(ctx context.Context, specs ...*TaskSpec) ([]*FanOutItem, error) {
	resp, err := c.rpc.FanOut(ctx, &poolv1.FanOutRequest{Tasks: specs})
	if err != nil {
		return nil, AsError(err)
	}
	items := resp.GetItems()
	// The server answers in input order; sorting by index makes that a guarantee of this method.
	slices.SortStableFunc(items, func(a, b *FanOutItem) int { return int(a.GetIndex()) - int(b.GetIndex()) })
	return items, nil
}

// SubmitChain submits a chain of dependent steps and returns its initial progress at once (status
// PENDING). opts may be nil. Follow it with WatchChain, or poll RPC().GetChainProgress.
func (c *PoolClient) SubmitChain(ctx context.Context, steps []*ChainStep, opts *ChainOptions) (*ChainProgress, error) {
	resp, err := c.rpc.SubmitChain(ctx, &poolv1.SubmitChainRequest{Steps: steps, Options: opts})
	return resp.GetChain(), AsError(err)
}

// CancelChain cancels a chain (the running step is stopped, the rest skipped) and returns its progress.
// Cancelling a terminal chain is FAILED_PRECONDITION.
func (c *PoolClient) CancelChain(ctx context.Context, chainID string) (*ChainProgress, error) {
	resp, err := c.rpc.CancelChain(ctx, &poolv1.CancelChainRequest{ChainId: chainID})
	return resp.GetChain(), AsError(err)
}

// WatchChain yields a chain's progress snapshots newer than afterSeq (0: the current one first), with
// strictly increasing Seq, and ends after the final one: terminal status with EndTime and Result set.
// Fast changes may be coalesced by the server, so not every intermediate state is seen. When the stream
// drops or the server is UNAVAILABLE it reopens the watch from the last seen seq. Breaking out of the
// loop closes the stream; the chain keeps running.
func (c *PoolClient) WatchChain(ctx context.Context, chainID string, afterSeq int64) iter.Seq2[*ChainProgress, error] {
	return func(yield func(*ChainProgress, error) bool) {
		after, failures := afterSeq, 0
		var last *ChainProgress
		for {
			err := c.watchChainOnce(ctx, chainID, &after, &failures, &last, yield)
			if err == nil {
				return // final snapshot seen, or the consumer stopped
			}
			if errors.Is(err, io.EOF) {
				// The server ends the stream only once the chain is terminal. Without a terminal snapshot
				// on our side (e.g. afterSeq was already the final seq), check the current progress.
				if last != nil && chainTerminal(last.GetStatus()) {
					return
				}
				resp, gerr := c.rpc.GetChainProgress(ctx, &poolv1.GetChainProgressRequest{ChainId: chainID})
				if p := resp.GetChain(); gerr == nil && chainTerminal(p.GetStatus()) {
					if p.GetSeq() > after {
						yield(p, nil)
					}
					return
				}
			}
			if !resumable(err) || failures >= maxRetries {
				yield(nil, chainEndError(err))
				return
			}
			if err := sleep(ctx, backoff(failures)); err != nil {
				yield(nil, err)
				return
			}
			failures++
		}
	}
}

// watchChainOnce reads one WatchChain stream. It returns nil when done and the stream's error otherwise
// (io.EOF when the stream ended before the final snapshot).
func (c *PoolClient) watchChainOnce(ctx context.Context, chainID string, after *int64, failures *int,
	last **ChainProgress, yield func(*ChainProgress, error) bool) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.rpc.WatchChain(sctx, &poolv1.WatchChainRequest{ChainId: chainID, AfterSeq: *after})
	if err != nil {
		return err
	}
	for {
		resp, err := stream.Recv()
		if err != nil {
			return err
		}
		p := resp.GetChain()
		if p.GetSeq() <= *after {
			continue // already delivered before a reconnect
		}
		*after, *failures, *last = p.GetSeq(), 0, p
		if !yield(p, nil) || (chainTerminal(p.GetStatus()) && p.GetEndTime() != nil) {
			return nil
		}
	}
}

func chainTerminal(s poolv1.ChainStatus) bool {
	switch s {
	case poolv1.ChainStatus_CHAIN_STATUS_COMPLETED, poolv1.ChainStatus_CHAIN_STATUS_FAILED,
		poolv1.ChainStatus_CHAIN_STATUS_CANCELLED:
		return true
	}
	return false
}

func chainEndError(err error) error {
	if errors.Is(err, io.EOF) {
		return &Error{Code: codes.Unavailable, Message: "chain watch ended before a terminal snapshot"}
	}
	return AsError(err)
}
