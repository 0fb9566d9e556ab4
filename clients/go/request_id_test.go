package claudepool_test

// Idempotency: every mutating call carries a UUID v4 request_id (or the caller's), and keeps it
// when the client resends. The fake refuses the first attempt of every call that has a request_id,
// as the harness's --inject-faults does, then answers UNIMPLEMENTED.

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	claudepool "github.com/claude-pool/claude-pool/clients/go"
	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// The mutating RPCs of clients/CONFORMANCE.md §1.
var mutating = []string{"Run", "RunStream", "SubmitTask", "CancelTask", "DeleteTask", "ClaimTask",
	"ApproveTask", "RejectTask", "DeleteSession", "FanOut", "FanOutStream", "SubmitChain", "FanOutChains",
	"CancelChain", "Auto", "ExecuteRoute", "SetContext", "DeleteContext", "SendMessage", "BroadcastMessage",
	"ReadMessages", "ScaleUp", "ScaleDown", "SetTargetSlots", "Drain"}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// The contract and CONFORMANCE.md agree on which calls mutate: exactly those with a request_id.
func TestMutatingCallsAreThoseWithARequestID(t *testing.T) {
	methods := poolv1.File_claude_pool_v1_pool_service_proto.Services().ByName("PoolService").Methods()
	var withID []string
	for i := range methods.Len() {
		if methods.Get(i).Input().Fields().ByName("request_id") != nil {
			withID = append(withID, string(methods.Get(i).Name()))
		}
	}
	if !slices.Equal(slices.Sorted(slices.Values(withID)), slices.Sorted(slices.Values(mutating))) {
		t.Fatalf("RPCs with a request_id = %v, want %v", withID, mutating)
	}
}

// refuseFirst records the request_id of every attempt per method and refuses the first attempt of
// each request_id UNAVAILABLE.
type refuseFirst struct {
	mu  sync.Mutex
	ids map[string][]string
}

func (r *refuseFirst) check(method string, req any) error {
	m, ok := req.(proto.Message)
	if !ok {
		return nil
	}
	field := m.ProtoReflect().Descriptor().Fields().ByName("request_id")
	if field == nil {
		return nil
	}
	id := m.ProtoReflect().Get(field).String()
	name := method[strings.LastIndex(method, "/")+1:]
	r.mu.Lock()
	defer r.mu.Unlock()
	first := !slices.Contains(r.ids[name], id)
	r.ids[name] = append(r.ids[name], id)
	if first {
		return status.Error(codes.Unavailable, "refused once")
	}
	return nil
}

func (r *refuseFirst) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := r.check(info.FullMethod, req); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func (r *refuseFirst) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return handler(srv, &checkedStream{ss, r, info.FullMethod})
}

type checkedStream struct {
	grpc.ServerStream
	r      *refuseFirst
	method string
}

func (s *checkedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return s.r.check(s.method, m)
}

func drain[T any](items func(func(T, error) bool)) error {
	for _, err := range items {
		if err != nil {
			return err
		}
	}
	return nil
}

// everyMutatingCall calls each mutating wrapper once with opts.
func everyMutatingCall(ctx context.Context, c *claudepool.PoolClient, opts ...claudepool.CallOption) map[string]error {
	spec := claudepool.Prompt("p")
	errs := map[string]error{}
	call := func(name string, err error) { errs[name] = err }
	_, err := c.Run(ctx, spec, opts...)
	call("Run", err)
	call("RunStream", drain(c.RunStream(ctx, spec, opts...)))
	_, err = c.SubmitTask(ctx, spec, opts...)
	call("SubmitTask", err)
	_, err = c.CancelTask(ctx, "t", opts...)
	call("CancelTask", err)
	call("DeleteTask", c.DeleteTask(ctx, "t", opts...))
	_, err = c.ClaimTask(ctx, "s", opts...)
	call("ClaimTask", err)
	_, err = c.ApproveTask(ctx, "t", opts...)
	call("ApproveTask", err)
	_, err = c.RejectTask(ctx, "t", "f", opts...)
	call("RejectTask", err)
	call("DeleteSession", c.DeleteSession(ctx, "s", opts...))
	_, err = c.FanOut(ctx, []*claudepool.TaskSpec{spec}, opts...)
	call("FanOut", err)
	call("FanOutStream", drain(c.FanOutStream(ctx, []*claudepool.TaskSpec{spec}, opts...)))
	_, err = c.SubmitChain(ctx, []*claudepool.ChainStep{claudepool.Step("a", "p")}, nil, opts...)
	call("SubmitChain", err)
	_, err = c.FanOutChains(ctx, []*claudepool.ChainSpec{{Steps: []*claudepool.ChainStep{claudepool.Step("a", "p")}}}, opts...)
	call("FanOutChains", err)
	_, err = c.CancelChain(ctx, "c", opts...)
	call("CancelChain", err)
	_, err = c.Auto(ctx, "p", nil, opts...)
	call("Auto", err)
	_, err = c.ExecuteRoute(ctx, &claudepool.Route{}, opts...)
	call("ExecuteRoute", err)
	_, err = c.SetContext(ctx, "k", "v", opts...)
	call("SetContext", err)
	_, err = c.DeleteContext(ctx, "k", opts...)
	call("DeleteContext", err)
	_, err = c.SendMessage(ctx, "a", "b", "hi", opts...)
	call("SendMessage", err)
	_, err = c.BroadcastMessage(ctx, "a", "hi", opts...)
	call("BroadcastMessage", err)
	_, err = c.ReadMessages(ctx, "s", opts...)
	call("ReadMessages", err)
	_, err = c.ScaleUp(ctx, 1, opts...)
	call("ScaleUp", err)
	_, err = c.ScaleDown(ctx, 1, 0, opts...)
	call("ScaleDown", err)
	_, err = c.SetTargetSlots(ctx, 2, opts...)
	call("SetTargetSlots", err)
	_, err = c.Drain(ctx, 0, opts...)
	call("Drain", err)
	return errs
}

func TestEveryMutatingCallSendsAUUIDAndKeepsItOnResend(t *testing.T) {
	r := &refuseFirst{ids: map[string][]string{}}
	c := serve(t, poolv1.UnimplementedPoolServiceServer{},
		[]grpc.ServerOption{grpc.UnaryInterceptor(r.unary), grpc.StreamInterceptor(r.stream)})
	errs := everyMutatingCall(testContext(t), c)
	if len(errs) != len(mutating) {
		t.Fatalf("called %d mutating wrappers, want %d", len(errs), len(mutating))
	}
	seen := map[string]bool{}
	for _, name := range mutating {
		// The resend got past the refusal, to the fake's UNIMPLEMENTED.
		if status.Code(errs[name]) != codes.Unimplemented {
			t.Errorf("%s: %v, want UNIMPLEMENTED after one resend", name, errs[name])
		}
		ids := r.ids[name]
		if len(ids) != 2 || ids[0] != ids[1] || !uuidV4.MatchString(ids[0]) {
			t.Errorf("%s: request_id per attempt = %q, want one UUID v4 twice", name, ids)
			continue
		}
		if seen[ids[0]] {
			t.Errorf("%s: request_id %s reused from another call", name, ids[0])
		}
		seen[ids[0]] = true
	}
}

func TestCallerRequestIDIsUsed(t *testing.T) {
	r := &refuseFirst{ids: map[string][]string{}}
	c := serve(t, poolv1.UnimplementedPoolServiceServer{},
		[]grpc.ServerOption{grpc.UnaryInterceptor(r.unary), grpc.StreamInterceptor(r.stream)})
	everyMutatingCall(testContext(t), c, claudepool.RequestID("mine"))
	for _, name := range mutating {
		if ids := r.ids[name]; !slices.Equal(ids, []string{"mine", "mine"}) {
			t.Errorf("%s: request_id per attempt = %q, want [mine mine]", name, ids)
		}
	}
}
