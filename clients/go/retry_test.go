package claudepool

// The resend policy alone, with a fake RPC and a fake clock: what is resent, how often, after how
// long, and never past the deadline.

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// testClient records the waits instead of sleeping; dice is the random value in [0, 1).
func testClient(dice float64, waits *[]time.Duration) *PoolClient {
	p := standardPolicy
	p.random = func() float64 { return dice }
	p.sleep = func(_ context.Context, d time.Duration) error { *waits = append(*waits, d); return nil }
	return &PoolClient{policy: p}
}

// fakeRPC fails with errs in turn, then succeeds, recording the request of every attempt.
type fakeRPC struct {
	errs     []error
	requests []*poolv1.RunRequest
	deadline []bool // whether each attempt's context had a deadline
}

func (f *fakeRPC) call(ctx context.Context, req *poolv1.RunRequest, _ ...grpc.CallOption) (*poolv1.RunResponse, error) {
	f.requests = append(f.requests, req)
	_, ok := ctx.Deadline()
	f.deadline = append(f.deadline, ok)
	if n := len(f.requests); n <= len(f.errs) {
		return nil, f.errs[n-1]
	}
	return &poolv1.RunResponse{Task: &poolv1.Task{Id: "task-1"}}, nil
}

func unavailable() error { return status.Error(codes.Unavailable, "refused") }

func rateLimited(delay time.Duration, withRetryInfo bool) error {
	st := status.New(codes.ResourceExhausted, "slow down")
	info := &errdetails.ErrorInfo{Reason: "RATE_LIMITED", Domain: Domain}
	if withRetryInfo {
		st, _ = st.WithDetails(info, &errdetails.RetryInfo{RetryDelay: durationpb.New(delay)})
	} else {
		st, _ = st.WithDetails(info)
	}
	return st.Err()
}

func TestUnavailableIsResentFourAttemptsInAllWithBackoff(t *testing.T) {
	var waits []time.Duration
	c := testClient(0.5, &waits) // 0.5: no jitter
	f := &fakeRPC{errs: []error{unavailable(), unavailable(), unavailable(), unavailable(), unavailable()}}
	req := &poolv1.RunRequest{RequestId: "id-1"}
	_, err := unary(context.Background(), c, f.call, req)
	if status.Code(err) != codes.Unavailable || len(f.requests) != 4 {
		t.Fatalf("err %v after %d attempts, want UNAVAILABLE after 4", err, len(f.requests))
	}
	if want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}; !slices.Equal(waits, want) {
		t.Fatalf("waits = %v, want %v", waits, want)
	}
	for _, r := range f.requests {
		if r != req || r.GetRequestId() != "id-1" {
			t.Fatalf("a resend changed the request: %v", r)
		}
	}
}

func TestResendSucceeds(t *testing.T) {
	var waits []time.Duration
	c := testClient(0.5, &waits)
	f := &fakeRPC{errs: []error{unavailable(), unavailable()}}
	resp, err := unary(context.Background(), c, f.call, &poolv1.RunRequest{})
	if err != nil || resp.GetTask().GetId() != "task-1" || len(f.requests) != 3 {
		t.Fatalf("resp %v, err %v after %d attempts; want the task after 3", resp, err, len(f.requests))
	}
}

func TestJitterStaysWithinTwentyPercent(t *testing.T) {
	for _, dice := range []float64{0, 0.25, 0.75, 0.999999} {
		var waits []time.Duration
		c := testClient(dice, &waits)
		f := &fakeRPC{errs: []error{unavailable(), unavailable(), unavailable()}}
		if _, err := unary(context.Background(), c, f.call, &poolv1.RunRequest{}); err != nil {
			t.Fatal(err)
		}
		for i, w := range waits {
			base := 100 * time.Millisecond << i
			if w < base*8/10 || w > base*12/10 {
				t.Fatalf("dice %v: wait %d = %v, want within 20%% of %v", dice, i, w, base)
			}
		}
	}
}

func TestBackoffCeiling(t *testing.T) {
	p := standardPolicy
	p.attempts, p.random = 10, func() float64 { return 0.999 }
	if d, ok := p.delay(&Error{Code: codes.Unavailable}, 6); !ok || d != 2*time.Second {
		t.Fatalf("delay after 7 attempts = %v, %v; want the 2 s ceiling", d, ok)
	}
}

func TestOnlySafeFailuresAreResent(t *testing.T) {
	budget, _ := status.New(codes.ResourceExhausted, "budget").WithDetails(
		&errdetails.ErrorInfo{Reason: "BUDGET_EXHAUSTED", Domain: Domain},
		&errdetails.RetryInfo{RetryDelay: durationpb.New(time.Second)})
	for name, err := range map[string]error{
		"INTERNAL":                         status.Error(codes.Internal, "boom"),
		"UNKNOWN":                          status.Error(codes.Unknown, "?"),
		"DEADLINE_EXCEEDED":                status.Error(codes.DeadlineExceeded, "late"),
		"INVALID_ARGUMENT":                 status.Error(codes.InvalidArgument, "bad"),
		"RESOURCE_EXHAUSTED budget":        budget.Err(),
		"RATE_LIMITED without a RetryInfo": rateLimited(0, false),
		"an error without a gRPC status":   context.Canceled,
	} {
		var waits []time.Duration
		f := &fakeRPC{errs: []error{err}}
		if _, got := unary(context.Background(), testClient(0.5, &waits), f.call, &poolv1.RunRequest{}); got == nil {
			t.Fatalf("%s: no error", name)
		}
		if len(f.requests) != 1 {
			t.Fatalf("%s: %d attempts, want 1", name, len(f.requests))
		}
	}
}

func TestRateLimitedWaitsTheRetryDelay(t *testing.T) {
	var waits []time.Duration
	f := &fakeRPC{errs: []error{rateLimited(300*time.Millisecond, true)}}
	if _, err := unary(context.Background(), testClient(0.5, &waits), f.call, &poolv1.RunRequest{}); err != nil {
		t.Fatal(err)
	}
	if len(f.requests) != 2 || !slices.Equal(waits, []time.Duration{300 * time.Millisecond}) {
		t.Fatalf("%d attempts, waits %v; want 2 attempts after 300ms", len(f.requests), waits)
	}
}

func TestNoResendPastTheDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	var waits []time.Duration
	f := &fakeRPC{errs: []error{unavailable(), unavailable(), unavailable()}}
	_, err := unary(ctx, testClient(0.5, &waits), f.call, &poolv1.RunRequest{})
	// 100 ms fits in 150 ms; the next wait, 200 ms, does not (the fake clock does not advance).
	if status.Code(err) != codes.Unavailable || len(f.requests) != 2 {
		t.Fatalf("err %v after %d attempts, want UNAVAILABLE after 2", err, len(f.requests))
	}
	f = &fakeRPC{errs: []error{rateLimited(5*time.Second, true)}}
	if _, err := unary(ctx, testClient(0.5, &waits), f.call, &poolv1.RunRequest{}); err == nil || len(f.requests) != 1 {
		t.Fatalf("a 5 s RetryInfo within a 150 ms deadline was resent (err %v, %d attempts)", err, len(f.requests))
	}
}

func TestDefaultDeadline(t *testing.T) {
	var waits []time.Duration
	c := testClient(0.5, &waits)
	f := &fakeRPC{}
	_, _ = unary(context.Background(), c, f.call, &poolv1.RunRequest{})
	c.defaultDeadline = time.Minute
	_, _ = unary(context.Background(), c, f.call, &poolv1.RunRequest{})
	if !slices.Equal(f.deadline, []bool{false, true}) {
		t.Fatalf("deadline seen per call = %v, want [false true]", f.deadline)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	var seen time.Time
	_, _ = unary(ctx, c, func(ctx context.Context, _ *poolv1.RunRequest, _ ...grpc.CallOption) (*poolv1.RunResponse, error) {
		seen, _ = ctx.Deadline()
		return nil, nil
	}, &poolv1.RunRequest{})
	if time.Until(seen) < 59*time.Minute {
		t.Fatalf("the call's own deadline was replaced by the default: %v left", time.Until(seen))
	}
}
