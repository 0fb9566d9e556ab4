package claudepool

import (
	"errors"
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// Domain is the ErrorInfo domain of every claude-pool error.
const Domain = "claude-pool.dev"

// ReasonUnknown is Error.Reason for an ErrorInfo reason this version of the client does not know
// (a newer server's); Error.ReasonName still holds it as sent. poolv1.ErrorReason_ERROR_REASON_UNSPECIFIED
// means the error carried no ErrorInfo at all.
const ReasonUnknown poolv1.ErrorReason = -1

// Error is a failed call: the gRPC code and message plus the details the server put in the
// `grpc-status-details-bin` trailer (google.rpc.ErrorInfo, BadRequest, RetryInfo).
//
//	var pe *claudepool.Error
//	if errors.As(err, &pe) && pe.Reason == poolv1.ErrorReason_ERROR_REASON_TASK_NOT_FOUND { ... }
//
// status.Code(err) and status.FromError(err) work on it too.
type Error struct {
	Code    codes.Code
	Message string

	// From google.rpc.ErrorInfo. Reason is the ErrorReason named by ErrorInfo.reason ("TASK_NOT_FOUND"
	// is poolv1.ErrorReason_ERROR_REASON_TASK_NOT_FOUND), ReasonUnknown for a name this client does
	// not know, UNSPECIFIED without an ErrorInfo. ReasonName is the reason as sent.
	Reason     poolv1.ErrorReason
	ReasonName string
	Domain     string
	Metadata   map[string]string

	// From google.rpc.BadRequest: which request fields were invalid, and why.
	FieldViolations []FieldViolation

	// From google.rpc.RetryInfo: how long the server asks the caller to wait before resending;
	// zero without a RetryInfo.
	RetryDelay time.Duration

	hasRetryInfo bool
	status       *status.Status
}

// FieldViolation names one invalid request field (a path such as `task.prompt`) and says why.
type FieldViolation struct {
	Field       string
	Description string
}

func (e *Error) Error() string {
	if e.ReasonName != "" {
		return fmt.Sprintf("claude-pool: %s (%s): %s", e.Code, e.ReasonName, e.Message)
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

// AsError turns a gRPC status error into an *Error; nil stays nil, an *Error stays itself, and
// errors that carry no gRPC status are returned unchanged. Every PoolClient method already returns
// *Error values; AsError is for errors from the raw stub (PoolClient.RPC).
func AsError(err error) error {
	var pe *Error
	if err == nil || errors.As(err, &pe) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	return fromStatus(st)
}

// ReasonOf returns the ErrorReason of err: UNSPECIFIED when err is not an *Error with an ErrorInfo.
func ReasonOf(err error) poolv1.ErrorReason {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Reason
	}
	return poolv1.ErrorReason_ERROR_REASON_UNSPECIFIED
}

func fromStatus(st *status.Status) *Error {
	pe := &Error{Code: st.Code(), Message: st.Message(), status: st}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			pe.ReasonName, pe.Domain, pe.Metadata = d.GetReason(), d.GetDomain(), d.GetMetadata()
			pe.Reason = parseReason(d.GetReason())
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				pe.FieldViolations = append(pe.FieldViolations, FieldViolation{v.GetField(), v.GetDescription()})
			}
		case *errdetails.RetryInfo:
			pe.RetryDelay, pe.hasRetryInfo = d.GetRetryDelay().AsDuration(), true
		}
	}
	return pe
}

// parseReason maps ErrorInfo.reason, spelled without the enum's prefix, to the enum.
func parseReason(name string) poolv1.ErrorReason {
	if name == "" {
		return poolv1.ErrorReason_ERROR_REASON_UNSPECIFIED
	}
	if v, ok := poolv1.ErrorReason_value["ERROR_REASON_"+name]; ok && v != 0 {
		return poolv1.ErrorReason(v)
	}
	return ReasonUnknown
}
