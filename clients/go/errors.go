package claudepool

import (
	"errors"
	"fmt"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Domain is the ErrorInfo domain of every claude-pool error.
const Domain = "claude-pool.dev"

// Error is a failed call: the gRPC code and message plus the details decoded from the
// `grpc-status-details-bin` trailer (google.rpc.Status with ErrorInfo and BadRequest).
//
//	var pe *claudepool.Error
//	if errors.As(err, &pe) && pe.Reason == "TASK_NOT_FOUND" { ... }
type Error struct {
	Code    codes.Code
	Message string
	// From google.rpc.ErrorInfo: Reason is an ErrorReason name without its prefix, e.g. "TASK_NOT_FOUND".
	Reason   string
	Domain   string
	Metadata map[string]string
	// From google.rpc.BadRequest: which request fields were invalid, and why.
	FieldViolations []*errdetails.BadRequest_FieldViolation
	status          *status.Status
}

func (e *Error) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("claude-pool: %s (%s): %s", e.Code, e.Reason, e.Message)
	}
	return fmt.Sprintf("claude-pool: %s: %s", e.Code, e.Message)
}

// GRPCStatus lets status.FromError and status.Code see through an *Error.
func (e *Error) GRPCStatus() *status.Status {
	if e.status == nil {
		return status.New(e.Code, e.Message)
	}
	return e.status
}

// AsError turns a gRPC status error into an *Error; nil stays nil and other errors (for example
// context.Canceled) are returned unchanged.
func AsError(err error) error {
	var pe *Error
	if err == nil || errors.As(err, &pe) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	pe = &Error{Code: st.Code(), Message: st.Message(), status: st}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			pe.Reason, pe.Domain, pe.Metadata = d.GetReason(), d.GetDomain(), d.GetMetadata()
		case *errdetails.BadRequest:
			pe.FieldViolations = append(pe.FieldViolations, d.GetFieldViolations()...)
		}
	}
	return pe
}
