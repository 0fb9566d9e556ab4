package claudepool_test

// The client conformance scenario of clients/CONFORMANCE.md §3, steps 1-14, against a live server
// over mutual TLS, through the wrapper's methods only. Run it under the harness, from the
// repository root:
//
//	python -m tests.support.live_server -- bash clients/go/ci.sh
//
// The harness refuses the first attempt of every mutating call UNAVAILABLE, so every step that
// mutates also checks that the client resends by itself.

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	claudepool "github.com/claude-pool/claude-pool/clients/go"
	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

const stepTimeout = 60 * time.Second

// harness holds the CLAUDE_POOL_TEST_* variables the live-server harness sets.
type harness struct {
	addr, token, ca, cert, key string
}

func harnessFromEnv(t *testing.T) harness {
	h := harness{
		addr:  os.Getenv("CLAUDE_POOL_TEST_ADDR"),
		token: os.Getenv("CLAUDE_POOL_TEST_TOKEN"),
		ca:    os.Getenv("CLAUDE_POOL_TEST_TLS_CA"),
		cert:  os.Getenv("CLAUDE_POOL_TEST_TLS_CERT"),
		key:   os.Getenv("CLAUDE_POOL_TEST_TLS_KEY"),
	}
	if h.addr == "" {
		t.Skip("CLAUDE_POOL_TEST_ADDR is unset; run under the live-server harness: " +
			"python -m tests.support.live_server -- bash clients/go/ci.sh")
	}
	return h
}

// creds are the credentials of one client of the scenario.
type creds struct {
	token, clientCert, tls bool
}

var full = creds{token: true, clientCert: true, tls: true}

func (h harness) connect(t *testing.T, cr creds, extra ...claudepool.Option) *claudepool.PoolClient {
	t.Helper()
	var opts []claudepool.Option
	switch {
	case !cr.tls || h.ca == "":
		opts = append(opts, claudepool.WithPlaintext())
	default:
		opts = append(opts, claudepool.WithCAFile(h.ca))
		if cr.clientCert {
			opts = append(opts, claudepool.WithClientCertificateFiles(h.cert, h.key))
		}
	}
	if cr.token {
		opts = append(opts, claudepool.WithToken(h.token))
	}
	c, err := claudepool.Connect(h.addr, append(opts, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// attempts counts the unary call attempts per method, through the interceptor option.
type attempts struct {
	mu sync.Mutex
	n  map[string]int
}

func (a *attempts) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
	invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	a.mu.Lock()
	a.n[method]++
	a.mu.Unlock()
	return invoker(ctx, method, req, reply, cc, opts...)
}

func (a *attempts) of(method string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n["/claude_pool.v1.PoolService/"+method]
}

func TestConformance(t *testing.T) {
	h := harnessFromEnv(t)
	counted := &attempts{n: map[string]int{}}
	c := h.connect(t, full, claudepool.WithUnaryInterceptors(counted.intercept))

	step := func(name string, f func(t *testing.T, ctx context.Context)) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
			defer cancel()
			f(t, ctx)
		})
	}

	step("01_Health", func(t *testing.T, ctx context.Context) {
		anonymous := h.connect(t, creds{clientCert: true, tls: true})
		st, err := anonymous.Health(ctx, "")
		if err != nil || st != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("health = %v, %v; want SERVING", st, err)
		}
	})

	step("02_Auth", func(t *testing.T, ctx context.Context) {
		anonymous := h.connect(t, creds{clientCert: true, tls: true})
		_, err := anonymous.GetStatus(ctx)
		wantCode(t, err, codes.Unauthenticated)
		st, err := c.GetStatus(ctx)
		if err != nil {
			t.Fatalf("GetStatus with the token: %v", err)
		}
		if st.GetTotalSlots() < 1 {
			t.Fatalf("total_slots = %d, want >= 1", st.GetTotalSlots())
		}
	})

	step("03_Run", func(t *testing.T, ctx context.Context) {
		task, err := c.Run(ctx, claudepool.Prompt("conformance run [[reply:hello from the pool]]"))
		if err != nil {
			t.Fatal(err)
		}
		wantOutput(t, task, poolv1.TaskState_TASK_STATE_COMPLETED, "hello from the pool")
		t.Logf("Run took %d attempts (the harness refuses the first)", counted.of("Run"))
	})

	step("04_RunStream", func(t *testing.T, ctx context.Context) {
		var deltas []string
		var last int64
		var finished *poolv1.Task
		for ev, err := range c.RunStream(ctx, claudepool.Prompt("conformance stream [[reply:one two three four]] [[chunks:4]]")) {
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

	step("05_SubmitWatchResume", func(t *testing.T, ctx context.Context) {
		task, err := c.SubmitTask(ctx, claudepool.Prompt("conformance watch [[reply:a b c d e f]] [[chunks:6]] [[slow:0.3]]"))
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
		// First stream: up to the first text delta, then drop it (breaking the loop cancels it).
		for ev, err := range c.WatchTask(ctx, task.GetId(), 0) {
			if err != nil {
				t.Fatal(err)
			}
			record(ev)
			if ev.GetTextDelta() != nil || finished {
				break
			}
		}
		if len(seqs) == 0 || finished {
			t.Fatalf("first watch: seqs %v, finished %v; want events up to a text delta", seqs, finished)
		}
		// Second stream: from the last seq seen, to the finished event.
		for ev, err := range c.WatchTask(ctx, task.GetId(), seqs[len(seqs)-1]) {
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

	step("06_Cancel", func(t *testing.T, ctx context.Context) {
		task, err := c.SubmitTask(ctx, claudepool.Prompt("conformance cancel [[slow:5]] [[chunks:10]]"))
		if err != nil {
			t.Fatal(err)
		}
		waitState(t, ctx, c, task.GetId(), poolv1.TaskState_TASK_STATE_RUNNING)
		if _, err := c.CancelTask(ctx, task.GetId()); err != nil {
			t.Fatal(err)
		}
		task, err = c.WaitTask(ctx, task.GetId())
		if err != nil {
			t.Fatal(err)
		}
		if task.GetState() != poolv1.TaskState_TASK_STATE_CANCELLED {
			t.Fatalf("state after cancel = %v, want CANCELLED", task.GetState())
		}
	})

	step("07_ErrorDetails", func(t *testing.T, ctx context.Context) {
		_, err := c.GetTask(ctx, "task-does-not-exist")
		pe := wantReason(t, err, codes.NotFound, poolv1.ErrorReason_ERROR_REASON_TASK_NOT_FOUND)
		if pe.Domain != claudepool.Domain {
			t.Fatalf("ErrorInfo domain = %q, want %q", pe.Domain, claudepool.Domain)
		}
	})

	step("08_BadInput", func(t *testing.T, ctx context.Context) {
		_, err := c.SubmitTask(ctx, claudepool.Prompt(""))
		wantViolation(t, err, "task.prompt")
		_, err = c.GetTask(ctx, "task-\x00")
		wantViolation(t, err, "task_id")
	})

	step("09_FanOut", func(t *testing.T, ctx context.Context) {
		specs := claudepool.Prompts("[[reply:x]]", "[[reply:y]]")
		items, err := c.FanOut(ctx, specs)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 2 {
			t.Fatalf("got %d items, want 2", len(items))
		}
		for i, want := range []string{"x", "y"} {
			if items[i].GetIndex() != int32(i) {
				t.Fatalf("items[%d].index = %d, want %d", i, items[i].GetIndex(), i)
			}
			wantOutput(t, items[i].GetTask(), poolv1.TaskState_TASK_STATE_COMPLETED, want)
		}
		seen := map[int32]string{}
		for item, err := range c.FanOutStream(ctx, specs) {
			if err != nil {
				t.Fatal(err)
			}
			if item.GetTask().GetState() != poolv1.TaskState_TASK_STATE_COMPLETED {
				t.Fatalf("streamed item %d: state %v (error %d %q)", item.GetIndex(), item.GetTask().GetState(),
					item.GetErrorCode(), item.GetErrorMessage())
			}
			seen[item.GetIndex()] = item.GetTask().GetResult().GetOutput()
		}
		if len(seen) != 2 || seen[0] != "x" || seen[1] != "y" {
			t.Fatalf("FanOutStream outputs by index = %v, want map[0:x 1:y]", seen)
		}
	})

	step("10_ChainProgress", func(t *testing.T, ctx context.Context) {
		chain, err := c.SubmitChain(ctx, []*claudepool.ChainStep{
			claudepool.Step("first", "[[reply:first]]"),
			claudepool.Step("second", "use {previous_output}"),
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var snaps []*poolv1.ChainProgress
		var statuses []poolv1.ChainStatus
		for p, err := range c.WatchChain(ctx, chain.GetChainId(), 0) {
			if err != nil {
				t.Fatalf("after %d snapshots: %v", len(snaps), err)
			}
			if n := len(snaps); n > 0 && p.GetSeq() <= snaps[n-1].GetSeq() {
				t.Fatalf("seq %d after %d: not strictly increasing", p.GetSeq(), snaps[n-1].GetSeq())
			}
			snaps = append(snaps, p)
			statuses = append(statuses, p.GetStatus())
		}
		t.Logf("chain %s snapshot statuses: %v", chain.GetChainId(), statuses)
		if !slices.Contains(statuses, poolv1.ChainStatus_CHAIN_STATUS_RUNNING) {
			t.Fatalf("no RUNNING snapshot among %v", statuses)
		}
		final := snaps[len(snaps)-1]
		if final.GetStatus() != poolv1.ChainStatus_CHAIN_STATUS_COMPLETED {
			t.Fatalf("last status = %v, want COMPLETED; result %v", final.GetStatus(), final.GetResult())
		}
		steps := final.GetResult().GetSteps()
		if len(steps) != 2 || !steps[0].GetSuccess() || !steps[1].GetSuccess() {
			t.Fatalf("result steps = %v, want two successful steps", steps)
		}
		second, err := c.GetTask(ctx, steps[1].GetTaskId())
		if err != nil {
			t.Fatal(err)
		}
		if second.GetPrompt() != "use first" {
			t.Fatalf("second step prompt = %q, want %q", second.GetPrompt(), "use first")
		}
		if !contains(t, c.AllChainProgress(ctx, &poolv1.ListChainProgressRequest{PageSize: 2}),
			func(p *poolv1.ChainProgress) bool { return p.GetChainId() == chain.GetChainId() }) {
			t.Fatalf("AllChainProgress does not include chain %s", chain.GetChainId())
		}
	})

	step("11_Sessions", func(t *testing.T, ctx context.Context) {
		a, err := c.Run(ctx, claudepool.Prompt("[[reply:blue-42]]"))
		if err != nil {
			t.Fatal(err)
		}
		wantOutput(t, a, poolv1.TaskState_TASK_STATE_COMPLETED, "blue-42")
		session := a.GetResult().GetSessionId()
		if session == "" {
			t.Fatal("task A has no result.session_id")
		}
		b, err := c.Run(ctx, claudepool.Prompt("what was it? [[recall]]", claudepool.ContinueFrom(a.GetId())))
		if err != nil {
			t.Fatal(err)
		}
		wantOutput(t, b, poolv1.TaskState_TASK_STATE_COMPLETED, "RECALL[blue-42]")
		if b.GetResult().GetSessionId() != session {
			t.Fatalf("continued task's session_id = %q, want A's %q", b.GetResult().GetSessionId(), session)
		}
		fresh, err := c.Run(ctx, claudepool.Prompt("unrelated [[recall]]"))
		if err != nil {
			t.Fatal(err)
		}
		wantOutput(t, fresh, poolv1.TaskState_TASK_STATE_COMPLETED, "RECALL[]")

		_, err = c.SubmitTask(ctx, claudepool.Prompt("both", claudepool.ContinueFrom(a.GetId()), claudepool.ForkFrom(a.GetId())))
		wantCode(t, err, codes.InvalidArgument)

		got, err := c.GetSession(ctx, session)
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		if got.GetTurns() != 2 {
			t.Fatalf("session turns = %d, want 2", got.GetTurns())
		}
		if !contains(t, c.AllSessions(ctx, 2), func(s *poolv1.Session) bool { return s.GetId() == session }) {
			t.Fatalf("AllSessions does not include session %s", session)
		}
		if err := c.DeleteSession(ctx, session); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		_, err = c.GetSession(ctx, session)
		wantReason(t, err, codes.NotFound, poolv1.ErrorReason_ERROR_REASON_SESSION_NOT_FOUND)
		_, err = c.Run(ctx, claudepool.Prompt("after delete [[recall]]", claudepool.ContinueFrom(session)))
		wantReason(t, err, codes.NotFound, poolv1.ErrorReason_ERROR_REASON_SESSION_NOT_FOUND)
	})

	step("12_ContextMessagesSlotsMetrics", func(t *testing.T, ctx context.Context) {
		if _, err := c.SetContext(ctx, "conformance.key", "v"); err != nil {
			t.Fatal(err)
		}
		entry, err := c.GetContext(ctx, "conformance.key")
		if err != nil || entry.GetValue() != "v" {
			t.Fatalf("GetContext = %v, %v; want value v", entry, err)
		}
		if !contains(t, c.AllContextEntries(ctx, 1), func(e *poolv1.ContextEntry) bool { return e.GetKey() == "conformance.key" }) {
			t.Fatal("AllContextEntries does not include conformance.key")
		}
		deleted, err := c.DeleteContext(ctx, "conformance.key")
		if err != nil || !deleted.GetDeleted() {
			t.Fatalf("DeleteContext = %v, %v; want deleted", deleted, err)
		}

		slots, err := c.FindSlots(ctx, nil)
		if err != nil || len(slots) == 0 {
			t.Fatalf("FindSlots = %d slots, %v; want at least one", len(slots), err)
		}
		slot := slots[0].GetId()
		if _, err := c.SendMessage(ctx, "conformance", slot, "hello slot"); err != nil {
			t.Fatal(err)
		}
		if n, err := c.CountMessages(ctx, slot); err != nil || n < 1 {
			t.Fatalf("CountMessages = %d, %v; want >= 1", n, err)
		}
		hasHello := func(msgs []*poolv1.SlotMessage) bool {
			return slices.ContainsFunc(msgs, func(m *poolv1.SlotMessage) bool { return m.GetContent() == "hello slot" })
		}
		if msgs, err := c.PeekMessages(ctx, slot); err != nil || !hasHello(msgs) {
			t.Fatalf("PeekMessages = %v, %v; want the message", msgs, err)
		}
		if msgs, err := c.ReadMessages(ctx, slot); err != nil || !hasHello(msgs) {
			t.Fatalf("ReadMessages = %v, %v; want the message", msgs, err)
		}
		if msgs, err := c.ReadMessages(ctx, slot); err != nil || len(msgs) != 0 {
			t.Fatalf("second ReadMessages = %v, %v; want none", msgs, err)
		}

		config, err := c.GetConfig(ctx)
		if err != nil || config.GetServerVersion() == "" {
			t.Fatalf("GetConfig = server_version %q, %v; want one", config.GetServerVersion(), err)
		}
		metrics, err := c.GetSessionMetrics(ctx, nil)
		if err != nil || metrics.GetTotalTasks() < 1 {
			t.Fatalf("GetSessionMetrics = total_tasks %d, %v; want >= 1", metrics.GetTotalTasks(), err)
		}

		ids := map[string]bool{}
		for task, err := range c.AllTasks(ctx, &poolv1.ListTasksRequest{PageSize: 2}) {
			if err != nil {
				t.Fatal(err)
			}
			if ids[task.GetId()] {
				t.Fatalf("AllTasks yielded %s twice", task.GetId())
			}
			ids[task.GetId()] = true
		}
		if len(ids) <= 2 {
			t.Fatalf("AllTasks yielded %d tasks, want more than 2 (more than one page)", len(ids))
		}
	})

	step("13_TLS", func(t *testing.T, ctx context.Context) {
		if h.ca == "" {
			t.Skip("the harness runs --plaintext: there is no TLS to refuse")
		}
		plaintext := h.connect(t, creds{token: true})
		_, err := plaintext.GetStatus(ctx)
		wantCode(t, err, codes.Unavailable)
		noCert := h.connect(t, creds{token: true, tls: true})
		_, err = noCert.GetStatus(ctx)
		if err == nil {
			t.Fatal("GetStatus over TLS without the client certificate succeeded; the server requires mTLS")
		}
		t.Logf("without the client certificate: %v", err)
	})

	step("14_ReviewAndDelete", func(t *testing.T, ctx context.Context) {
		task, err := c.SubmitTask(ctx, claudepool.Prompt("[[reply:draft]]", claudepool.ReviewRequired()))
		if err != nil {
			t.Fatal(err)
		}
		wantWait(t, ctx, c, task.GetId(), poolv1.TaskState_TASK_STATE_PENDING_REVIEW)
		rejected, err := c.RejectTask(ctx, task.GetId(), "again")
		if err != nil {
			t.Fatal(err)
		}
		if s := rejected.GetState(); s != poolv1.TaskState_TASK_STATE_PENDING && s != poolv1.TaskState_TASK_STATE_RUNNING {
			t.Fatalf("state after reject = %v, want PENDING or RUNNING", s)
		}
		wantWait(t, ctx, c, task.GetId(), poolv1.TaskState_TASK_STATE_PENDING_REVIEW)
		approved, err := c.ApproveTask(ctx, task.GetId())
		if err != nil {
			t.Fatal(err)
		}
		if approved.GetState() != poolv1.TaskState_TASK_STATE_COMPLETED {
			t.Fatalf("state after approve = %v, want COMPLETED", approved.GetState())
		}
		if err := c.DeleteTask(ctx, task.GetId()); err != nil {
			t.Fatalf("DeleteTask: %v", err)
		}
		_, err = c.GetTask(ctx, task.GetId())
		wantCode(t, err, codes.NotFound)
	})
}

// wantCode fails the test unless err is a *claudepool.Error with the given code, and returns it.
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

func wantReason(t *testing.T, err error, code codes.Code, reason poolv1.ErrorReason) *claudepool.Error {
	t.Helper()
	pe := wantCode(t, err, code)
	if pe.Reason != reason {
		t.Fatalf("reason = %v (%q), want %v", pe.Reason, pe.ReasonName, reason)
	}
	return pe
}

// wantViolation fails the test unless err is INVALID_ARGUMENT with a field violation naming field.
func wantViolation(t *testing.T, err error, field string) {
	t.Helper()
	pe := wantCode(t, err, codes.InvalidArgument)
	if !slices.ContainsFunc(pe.FieldViolations, func(v claudepool.FieldViolation) bool { return v.Field == field }) {
		t.Fatalf("field violations = %v, want one naming %s", pe.FieldViolations, field)
	}
}

func wantOutput(t *testing.T, task *poolv1.Task, state poolv1.TaskState, output string) {
	t.Helper()
	if task.GetState() != state {
		t.Fatalf("task %s: state %v, want %v (result %v)", task.GetId(), task.GetState(), state, task.GetResult())
	}
	if got := task.GetResult().GetOutput(); got != output || !task.GetResult().GetSuccess() {
		t.Fatalf("task %s: output %q success=%v, want %q success=true", task.GetId(), got, task.GetResult().GetSuccess(), output)
	}
}

func wantWait(t *testing.T, ctx context.Context, c *claudepool.PoolClient, taskID string, state poolv1.TaskState) {
	t.Helper()
	task, err := c.WaitTask(ctx, taskID)
	if err != nil {
		t.Fatal(err)
	}
	if task.GetState() != state {
		t.Fatalf("WaitTask: state %v, want %v", task.GetState(), state)
	}
}

// waitState polls GetTask until the task is in state, for at most 30 s.
func waitState(t *testing.T, ctx context.Context, c *claudepool.PoolClient, taskID string, state poolv1.TaskState) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		task, err := c.GetTask(ctx, taskID)
		if err != nil {
			t.Fatal(err)
		}
		if task.GetState() == state {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("task %s still %v after 30 s, want %v", taskID, task.GetState(), state)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// contains reports whether a paging helper yields an item matching match.
func contains[T any](t *testing.T, items func(func(T, error) bool), match func(T) bool) bool {
	t.Helper()
	for item, err := range items {
		if err != nil {
			t.Fatal(err)
		}
		if match(item) {
			return true
		}
	}
	return false
}
