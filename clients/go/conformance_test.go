package claudepool_test

// The client conformance scenario of clients/CONFORMANCE.md, steps 1-10, against a live server.
// Run it under the harness from the repository root:
//
//	python -m tests.support.live_server -- bash clients/go/ci.sh

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	claudepool "github.com/claude-pool/claude-pool/clients/go"
	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

const stepTimeout = 60 * time.Second

func TestConformance(t *testing.T) {
	addr := os.Getenv("CLAUDE_POOL_TEST_ADDR")
	if addr == "" {
		t.Skip("CLAUDE_POOL_TEST_ADDR is unset; run under the live-server harness: " +
			"python -m tests.support.live_server -- bash clients/go/ci.sh")
	}
	token := os.Getenv("CLAUDE_POOL_TEST_TOKEN")
	c, err := claudepool.Connect(addr, claudepool.WithToken(token))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	step := func(name string, f func(t *testing.T, ctx context.Context)) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
			defer cancel()
			f(t, ctx)
		})
	}

	step("1_Health", func(t *testing.T, ctx context.Context) {
		anon, err := claudepool.Connect(addr)
		if err != nil {
			t.Fatal(err)
		}
		defer anon.Close()
		st, err := anon.Health(ctx, "")
		if err != nil || st != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("health = %v, %v; want SERVING", st, err)
		}
	})

	step("2_Auth", func(t *testing.T, ctx context.Context) {
		anon, err := claudepool.Connect(addr)
		if err != nil {
			t.Fatal(err)
		}
		defer anon.Close()
		_, err = anon.Status(ctx)
		wantCode(t, err, codes.Unauthenticated)
		st, err := c.Status(ctx)
		if err != nil {
			t.Fatalf("GetStatus with token: %v", err)
		}
		if st.GetTotalSlots() < 1 {
			t.Fatalf("total_slots = %d, want >= 1", st.GetTotalSlots())
		}
	})

	step("3_Run", func(t *testing.T, ctx context.Context) {
		task, err := c.Run(ctx, claudepool.Prompt("conformance run [[reply:hello from the pool]]"))
		if err != nil {
			t.Fatal(err)
		}
		if task.GetState() != poolv1.TaskState_TASK_STATE_COMPLETED {
			t.Fatalf("state = %v, want COMPLETED (result %v)", task.GetState(), task.GetResult())
		}
		if got := task.GetResult().GetOutput(); got != "hello from the pool" || !task.GetResult().GetSuccess() {
			t.Fatalf("result = %q success=%v, want %q success=true", got, task.GetResult().GetSuccess(), "hello from the pool")
		}
	})

	step("4_RunStream", func(t *testing.T, ctx context.Context) {
		var deltas []string
		var last int64
		var finished *poolv1.Task
		for ev, err := range c.Stream(ctx, claudepool.Prompt("conformance stream [[reply:one two three four]] [[chunks:4]]")) {
			if err != nil {
				t.Fatal(err)
			}
			if ev.GetSeq() <= last {
				t.Fatalf("seq %d after %d: not strictly increasing", ev.GetSeq(), last)
			}
			last = ev.GetSeq()
			if d := ev.GetTextDelta(); d != nil {
				deltas = append(deltas, d.GetText())
			}
			if f := ev.GetFinished(); f != nil {
				finished = f.GetTask()
			}
		}
		if finished == nil {
			t.Fatal("stream ended without a finished event")
		}
		if len(deltas) < 2 {
			t.Fatalf("got %d text deltas, want >= 2", len(deltas))
		}
		text := strings.Join(deltas, "")
		if text != finished.GetResult().GetOutput() || text != "one two three four" {
			t.Fatalf("deltas %q, finished output %q, want %q", text, finished.GetResult().GetOutput(), "one two three four")
		}
	})

	step("5_SubmitWatchResume", func(t *testing.T, ctx context.Context) {
		task, err := c.Submit(ctx, claudepool.Prompt("conformance watch [[reply:a b c d e f]] [[chunks:6]] [[slow:0.3]]"))
		if err != nil {
			t.Fatal(err)
		}
		var seqs []int64
		var text strings.Builder
		finished := false
		record := func(ev *poolv1.TaskEvent) {
			seqs = append(seqs, ev.GetSeq())
			text.WriteString(ev.GetTextDelta().GetText())
			finished = finished || ev.GetFinished() != nil
		}
		// First stream: up to the first text delta, then drop it (break cancels the stream).
		for ev, err := range c.Watch(ctx, task.GetId(), 0) {
			if err != nil {
				t.Fatal(err)
			}
			record(ev)
			if ev.GetTextDelta() != nil || finished {
				break
			}
		}
		if len(seqs) == 0 {
			t.Fatal("first watch yielded no event")
		}
		if finished {
			t.Fatal("task finished before any text delta")
		}
		// Second stream: resume after the last seen seq and read to `finished`.
		for ev, err := range c.Watch(ctx, task.GetId(), seqs[len(seqs)-1]) {
			if err != nil {
				t.Fatal(err)
			}
			record(ev)
		}
		if !finished {
			t.Fatal("second watch ended without a finished event")
		}
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Fatalf("seqs = %v, want exactly 1..%d", seqs, len(seqs))
			}
		}
		if text.String() != "a b c d e f" {
			t.Fatalf("deltas = %q, want %q", text.String(), "a b c d e f")
		}
	})

	step("6_Cancel", func(t *testing.T, ctx context.Context) {
		task, err := c.Submit(ctx, claudepool.Prompt("conformance cancel [[slow:5]] [[chunks:10]]"))
		if err != nil {
			t.Fatal(err)
		}
		pollCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		for task.GetState() != poolv1.TaskState_TASK_STATE_RUNNING {
			select {
			case <-pollCtx.Done():
				t.Fatalf("task %s still %v after 30 s", task.GetId(), task.GetState())
			case <-time.After(100 * time.Millisecond):
			}
			if task, err = c.Get(ctx, task.GetId()); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.Cancel(ctx, task.GetId()); err != nil {
			t.Fatal(err)
		}
		task, err = c.Wait(ctx, task.GetId())
		if err != nil {
			t.Fatal(err)
		}
		if task.GetState() != poolv1.TaskState_TASK_STATE_CANCELLED {
			t.Fatalf("state after cancel = %v, want CANCELLED", task.GetState())
		}
	})

	step("7_ErrorDetails", func(t *testing.T, ctx context.Context) {
		_, err := c.Get(ctx, "task-does-not-exist")
		pe := wantCode(t, err, codes.NotFound)
		if pe.Reason != "TASK_NOT_FOUND" || pe.Domain != claudepool.Domain {
			t.Fatalf("ErrorInfo = %q@%q, want TASK_NOT_FOUND@%s", pe.Reason, pe.Domain, claudepool.Domain)
		}
	})

	step("8_BadInput", func(t *testing.T, ctx context.Context) {
		_, err := c.Submit(ctx, claudepool.Prompt(""))
		pe := wantCode(t, err, codes.InvalidArgument)
		t.Logf("reason %q, field violations %v", pe.Reason, pe.FieldViolations)
	})

	step("9_FanOut", func(t *testing.T, ctx context.Context) {
		items, err := c.FanOut(ctx, claudepool.Prompts("[[reply:x]]", "[[reply:y]]")...)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 2 {
			t.Fatalf("got %d items, want 2", len(items))
		}
		for i, want := range []string{"x", "y"} {
			it := items[i]
			if it.GetIndex() != int32(i) {
				t.Fatalf("items[%d].index = %d, want %d", i, it.GetIndex(), i)
			}
			if it.GetTask().GetState() != poolv1.TaskState_TASK_STATE_COMPLETED {
				t.Fatalf("items[%d]: state %v, want COMPLETED (error %d %q, result %v)", i,
					it.GetTask().GetState(), it.GetErrorCode(), it.GetErrorMessage(), it.GetTask().GetResult())
			}
			if got := it.GetTask().GetResult().GetOutput(); got != want {
				t.Fatalf("items[%d] output = %q, want %q", i, got, want)
			}
		}
	})

	step("10_ChainProgress", func(t *testing.T, ctx context.Context) {
		chain, err := c.SubmitChain(ctx, []*poolv1.ChainStep{
			claudepool.Step("first", "[[reply:first]]"),
			claudepool.Step("second", "use {previous_output}"),
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var snaps []*poolv1.ChainProgress
		sawRunning := false
		for p, err := range c.WatchChain(ctx, chain.GetChainId(), 0) {
			if err != nil {
				t.Fatalf("after %d snapshots: %v", len(snaps), err)
			}
			if n := len(snaps); n > 0 && p.GetSeq() <= snaps[n-1].GetSeq() {
				t.Fatalf("seq %d after %d: not strictly increasing", p.GetSeq(), snaps[n-1].GetSeq())
			}
			snaps = append(snaps, p)
			sawRunning = sawRunning || p.GetStatus() == poolv1.ChainStatus_CHAIN_STATUS_RUNNING
		}
		if len(snaps) == 0 {
			t.Fatal("WatchChain yielded no snapshot")
		}
		statuses := make([]poolv1.ChainStatus, len(snaps))
		for i, p := range snaps {
			statuses[i] = p.GetStatus()
		}
		t.Logf("chain %s snapshot statuses: %v", chain.GetChainId(), statuses)
		if !sawRunning {
			t.Fatalf("no RUNNING snapshot among %v", statuses)
		}
		final := snaps[len(snaps)-1]
		if final.GetStatus() != poolv1.ChainStatus_CHAIN_STATUS_COMPLETED {
			t.Fatalf("last status = %v (all %v), want COMPLETED; result %v", final.GetStatus(), statuses, final.GetResult())
		}
		steps := final.GetResult().GetSteps()
		if len(steps) != 2 || !steps[0].GetSuccess() || !steps[1].GetSuccess() {
			t.Fatalf("result steps = %v, want two successful steps", steps)
		}
		second, err := c.Get(ctx, steps[1].GetTaskId())
		if err != nil {
			t.Fatal(err)
		}
		if second.GetPrompt() != "use first" {
			t.Fatalf("second step prompt = %q, want %q", second.GetPrompt(), "use first")
		}
	})
}

// wantCode fails the test unless err is an *claudepool.Error with the given code, and returns it.
func wantCode(t *testing.T, err error, code codes.Code) *claudepool.Error {
	t.Helper()
	var pe *claudepool.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v, want a *claudepool.Error with code %v", err, code)
	}
	if pe.Code != code {
		t.Fatalf("code = %v (%v), want %v", pe.Code, pe, code)
	}
	return pe
}
