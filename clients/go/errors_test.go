package claudepool_test

// Decoding the rich error details, alone and over the wire.

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	claudepool "github.com/claude-pool/claude-pool/clients/go"
	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

func statusError(t *testing.T, code codes.Code, msg string, details ...protoadapt.MessageV1) error {
	t.Helper()
	st, err := status.New(code, msg).WithDetails(details...)
	if err != nil {
		t.Fatal(err)
	}
	return st.Err()
}

func asPoolError(t *testing.T, err error) *claudepool.Error {
	t.Helper()
	var pe *claudepool.Error
	if !errors.As(claudepool.AsError(err), &pe) {
		t.Fatalf("AsError(%v) is not a *claudepool.Error", err)
	}
	return pe
}

func TestErrorCarriesEveryDetail(t *testing.T) {
	pe := asPoolError(t, statusError(t, codes.InvalidArgument, "prompt is empty",
		&errdetails.ErrorInfo{Reason: "INVALID_ARGUMENT", Domain: claudepool.Domain, Metadata: map[string]string{"k": "v"}},
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "task.prompt", Description: "required"}}},
		&errdetails.RetryInfo{RetryDelay: durationpb.New(1500 * time.Millisecond)},
	))
	if pe.Code != codes.InvalidArgument || pe.Message != "prompt is empty" ||
		pe.Reason != poolv1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT || pe.ReasonName != "INVALID_ARGUMENT" ||
		pe.Domain != claudepool.Domain || pe.Metadata["k"] != "v" || pe.RetryDelay != 1500*time.Millisecond ||
		len(pe.FieldViolations) != 1 || pe.FieldViolations[0] != (claudepool.FieldViolation{Field: "task.prompt", Description: "required"}) {
		t.Fatalf("decoded %+v", pe)
	}
	if status.Code(pe) != codes.InvalidArgument || claudepool.ReasonOf(pe) != pe.Reason {
		t.Fatalf("status.Code = %v, ReasonOf = %v", status.Code(pe), claudepool.ReasonOf(pe))
	}
}

func TestUnknownReasonFallsBack(t *testing.T) {
	pe := asPoolError(t, statusError(t, codes.Unavailable, "refused once",
		&errdetails.ErrorInfo{Reason: "INJECTED_FAULT", Domain: claudepool.Domain}))
	if pe.Reason != claudepool.ReasonUnknown || pe.ReasonName != "INJECTED_FAULT" {
		t.Fatalf("reason %v %q, want ReasonUnknown INJECTED_FAULT", pe.Reason, pe.ReasonName)
	}
}

func TestErrorWithoutDetails(t *testing.T) {
	pe := asPoolError(t, status.Error(codes.Internal, "boom"))
	if pe.Reason != poolv1.ErrorReason_ERROR_REASON_UNSPECIFIED || pe.ReasonName != "" || pe.RetryDelay != 0 ||
		pe.FieldViolations != nil || pe.Error() != "claude-pool: Internal: boom" {
		t.Fatalf("decoded %+v (%q)", pe, pe.Error())
	}
	if claudepool.AsError(nil) != nil || claudepool.AsError(context.Canceled) != context.Canceled {
		t.Fatal("AsError must keep nil and errors without a gRPC status as they are")
	}
	if claudepool.ReasonOf(context.Canceled) != poolv1.ErrorReason_ERROR_REASON_UNSPECIFIED {
		t.Fatal("ReasonOf a non-claude-pool error must be UNSPECIFIED")
	}
}

// errorServer checks the bearer token and answers GetTask with NOT_FOUND and its ErrorInfo.
type errorServer struct {
	poolv1.UnimplementedPoolServiceServer
}

func (errorServer) GetTask(ctx context.Context, req *poolv1.GetTaskRequest) (*poolv1.GetTaskResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer s3cret" {
		return nil, status.Error(codes.Unauthenticated, "missing token")
	}
	st, _ := status.New(codes.NotFound, "no task "+req.GetTaskId()).WithDetails(
		&errdetails.ErrorInfo{Reason: "TASK_NOT_FOUND", Domain: claudepool.Domain, Metadata: map[string]string{"task_id": req.GetTaskId()}})
	return nil, st.Err()
}

func TestErrorDetailsOverTheWire(t *testing.T) {
	c := serve(t, errorServer{}, nil, claudepool.WithToken("s3cret"))
	_, err := c.GetTask(testContext(t), "task-x")
	pe := wantReason(t, err, codes.NotFound, poolv1.ErrorReason_ERROR_REASON_TASK_NOT_FOUND)
	if pe.Domain != claudepool.Domain || pe.Metadata["task_id"] != "task-x" {
		t.Fatalf("decoded %+v", pe)
	}
}
