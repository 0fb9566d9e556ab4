package claudepool

import (
	"context"
	"iter"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// GetSession returns a session the caller owns. Another principal's session, or a deleted one, is
// NOT_FOUND with reason SESSION_NOT_FOUND.
func (c *PoolClient) GetSession(ctx context.Context, sessionID string) (*Session, error) {
	resp, err := unary(ctx, c, c.rpc.GetSession, &poolv1.GetSessionRequest{SessionId: sessionID})
	return resp.GetSession(), err
}

// ListSessions returns one page of the caller's sessions, most recently used first; req may be
// nil. AllSessions follows the pages for you.
func (c *PoolClient) ListSessions(ctx context.Context, req *poolv1.ListSessionsRequest) (*poolv1.ListSessionsResponse, error) {
	if req == nil {
		req = &poolv1.ListSessionsRequest{}
	}
	return unary(ctx, c, c.rpc.ListSessions, req)
}

// AllSessions yields every session of the caller, most recently used first, across pages of
// pageSize (the server's default when 0).
func (c *PoolClient) AllSessions(ctx context.Context, pageSize int32) iter.Seq2[*Session, error] {
	return pages(ctx, func(ctx context.Context, token string) ([]*Session, string, error) {
		resp, err := c.ListSessions(ctx, &poolv1.ListSessionsRequest{PageSize: pageSize, PageToken: token})
		return resp.GetSessions(), resp.GetNextPageToken(), err
	})
}

// DeleteSession deletes a session and its stored transcript for good: continuing it afterwards is
// NOT_FOUND. The tasks that ran in it stay.
func (c *PoolClient) DeleteSession(ctx context.Context, sessionID string, opts ...CallOption) error {
	o := mutation(opts)
	_, err := unary(ctx, c, c.rpc.DeleteSession, &poolv1.DeleteSessionRequest{SessionId: sessionID, RequestId: o.requestID})
	return err
}
