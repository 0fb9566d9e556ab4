package claudepool

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// retryPolicy is the resend policy of clients/CONFORMANCE.md §1. Only what is safe is resent: a
// call refused UNAVAILABLE (a read is safe by nature, a mutating call by its request_id, which a
// resend keeps) and one refused RESOURCE_EXHAUSTED RATE_LIMITED with a RetryInfo saying when. Not
// INTERNAL, UNKNOWN, DEADLINE_EXCEEDED nor other RESOURCE_EXHAUSTED (budget, quota): resending
// those would fail again or act twice. It is a struct so that tests can replace the clock and the
// dice; every client uses standardPolicy.
type retryPolicy struct {
	attempts int           // in all, the first one included
	base     time.Duration // wait before the second attempt; doubled before each further one
	ceiling  time.Duration // no backoff wait is longer
	jitter   float64       // each backoff wait is scaled by a random factor in [1-jitter, 1+jitter]
	random   func() float64
	sleep    func(context.Context, time.Duration) error
}

var standardPolicy = retryPolicy{
	attempts: 4,
	base:     100 * time.Millisecond,
	ceiling:  2 * time.Second,
	jitter:   0.2,
	random:   rand.Float64,
	sleep:    sleep,
}

// delay says whether a call that failed with err on attempt number failed (0 for the first) may be
// resent, and after how long.
func (p *retryPolicy) delay(err *Error, failed int) (time.Duration, bool) {
	if failed+1 >= p.attempts {
		return 0, false
	}
	switch {
	case err.Code == codes.Unavailable:
		d := float64(p.base<<failed) * (1 + p.jitter*(2*p.random()-1))
		return min(time.Duration(d), p.ceiling), true
	case err.Code == codes.ResourceExhausted && err.hasRetryInfo &&
		err.Reason == poolv1.ErrorReason_ERROR_REASON_RATE_LIMITED:
		return err.RetryDelay, true
	}
	return 0, false
}

// pause waits d before a resend, unless that would pass ctx's deadline (then there is no point:
// the resend could not finish in time) or ctx ends first. It reports whether to resend.
func (p *retryPolicy) pause(ctx context.Context, d time.Duration) bool {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= d {
		return false
	}
	return p.sleep(ctx, d) == nil
}

// again decides, after attempt number *failed broke with err, whether to try once more: it waits
// the delay and counts the attempt when yes.
func (p *retryPolicy) again(ctx context.Context, err *Error, failed *int) bool {
	d, ok := p.delay(err, *failed)
	if !ok || !p.pause(ctx, d) {
		return false
	}
	*failed++
	return true
}

// unary runs one unary RPC under the policy: the client's default deadline when ctx has none, the
// token, and resends of the very same request (so the same request_id) while the policy allows.
func unary[Req, Resp any](ctx context.Context, c *PoolClient,
	rpc func(context.Context, Req, ...grpc.CallOption) (Resp, error), req Req) (Resp, error) {
	ctx, cancel := c.withDefaultDeadline(ctx)
	defer cancel()
	failed := 0
	for {
		resp, err := rpc(ctx, req, c.callOpts...)
		if err == nil {
			return resp, nil
		}
		pe := asError(err)
		if pe == nil || !c.policy.again(ctx, pe, &failed) {
			var zero Resp
			return zero, AsError(err)
		}
	}
}

// asError is AsError for the policy's decisions: nil for an error without a gRPC status.
func asError(err error) *Error {
	var pe *Error
	if errors.As(AsError(err), &pe) {
		return pe
	}
	return nil
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
