package claudepool

import (
	"crypto/rand"
	"fmt"
)

// CallOption tunes one mutating call.
type CallOption func(*callOptions)

type callOptions struct {
	requestID          string
	cancelOnDisconnect bool
}

// RequestID makes a mutating call use id (at most 128 bytes) as its idempotency key instead of a
// fresh UUID. Pass the same id again, for instance after a crash of the caller, and the server
// answers with the first call's result instead of doing the work twice.
func RequestID(id string) CallOption { return func(o *callOptions) { o.requestID = id } }

// CancelOnDisconnect makes RunStream cancel the task when the stream is dropped (by breaking out
// of the loop, cancelling the context or losing the connection). Other calls ignore it.
func CancelOnDisconnect() CallOption { return func(o *callOptions) { o.cancelOnDisconnect = true } }

// mutation collects the options of one mutating call and settles its request_id: the caller's, or
// a fresh UUID v4 that every resend of the call keeps.
func mutation(opts []CallOption) callOptions {
	var o callOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.requestID == "" {
		o.requestID = newRequestID()
	}
	return o
}

// newRequestID returns a random (version 4, RFC 9562) UUID.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])  // crypto/rand.Read never fails; it crashes the program instead
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant 10
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
