package claudepool

import (
	"context"
	"iter"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// SetContext sets a shared-context entry of the caller's namespace; every task's system prompt
// carries the entries. key is 1-128 bytes of letters, digits, `_`, `-`, `.`, `/`; value at most
// 64 KiB.
func (c *PoolClient) SetContext(ctx context.Context, key, value string, opts ...CallOption) (*ContextEntry, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.SetContext, &poolv1.SetContextRequest{Key: key, Value: value, RequestId: o.requestID})
	return resp.GetEntry(), err
}

// GetContext returns a shared-context entry; a missing key is NOT_FOUND (CONTEXT_NOT_FOUND).
func (c *PoolClient) GetContext(ctx context.Context, key string) (*ContextEntry, error) {
	resp, err := unary(ctx, c, c.rpc.GetContext, &poolv1.GetContextRequest{Key: key})
	return resp.GetEntry(), err
}

// DeleteContext deletes a shared-context entry; the response says whether the key existed and
// what its value was.
func (c *PoolClient) DeleteContext(ctx context.Context, key string, opts ...CallOption) (*poolv1.DeleteContextResponse, error) {
	o := mutation(opts)
	return unary(ctx, c, c.rpc.DeleteContext, &poolv1.DeleteContextRequest{Key: key, RequestId: o.requestID})
}

// ListContext returns one page of shared-context entries, by key; req may be nil.
// AllContextEntries follows the pages for you.
func (c *PoolClient) ListContext(ctx context.Context, req *poolv1.ListContextRequest) (*poolv1.ListContextResponse, error) {
	if req == nil {
		req = &poolv1.ListContextRequest{}
	}
	return unary(ctx, c, c.rpc.ListContext, req)
}

// AllContextEntries yields every shared-context entry, by key, across pages of pageSize (the
// server's default when 0).
func (c *PoolClient) AllContextEntries(ctx context.Context, pageSize int32) iter.Seq2[*ContextEntry, error] {
	return pages(ctx, func(ctx context.Context, token string) ([]*ContextEntry, string, error) {
		resp, err := c.ListContext(ctx, &poolv1.ListContextRequest{PageSize: pageSize, PageToken: token})
		return resp.GetEntries(), resp.GetNextPageToken(), err
	})
}
