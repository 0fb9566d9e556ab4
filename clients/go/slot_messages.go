package claudepool

import (
	"context"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// SendMessage leaves a message for slot to (which must exist); it is put before that slot's next
// prompt. from is the sender's slot id, or any label for a sender outside the pool.
func (c *PoolClient) SendMessage(ctx context.Context, from, to, content string, opts ...CallOption) (*SlotMessage, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.SendMessage,
		&poolv1.SendMessageRequest{FromSlotId: from, ToSlotId: to, Content: content, RequestId: o.requestID})
	return resp.GetMessage(), err
}

// BroadcastMessage leaves a message for every other active slot and returns one message per
// recipient.
func (c *PoolClient) BroadcastMessage(ctx context.Context, from, content string, opts ...CallOption) ([]*SlotMessage, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.BroadcastMessage,
		&poolv1.BroadcastMessageRequest{FromSlotId: from, Content: content, RequestId: o.requestID})
	return resp.GetMessages(), err
}

// ReadMessages returns a slot's unread messages, oldest first, and marks them read. A resend keeps
// the request_id, so a reply lost on the way is answered again instead of with an empty inbox.
func (c *PoolClient) ReadMessages(ctx context.Context, slotID string, opts ...CallOption) ([]*SlotMessage, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.ReadMessages, &poolv1.ReadMessagesRequest{SlotId: slotID, RequestId: o.requestID})
	return resp.GetMessages(), err
}

// PeekMessages returns a slot's unread messages, oldest first, leaving them unread.
func (c *PoolClient) PeekMessages(ctx context.Context, slotID string) ([]*SlotMessage, error) {
	resp, err := unary(ctx, c, c.rpc.PeekMessages, &poolv1.PeekMessagesRequest{SlotId: slotID})
	return resp.GetMessages(), err
}

// CountMessages counts a slot's unread messages.
func (c *PoolClient) CountMessages(ctx context.Context, slotID string) (int64, error) {
	resp, err := unary(ctx, c, c.rpc.CountMessages, &poolv1.CountMessagesRequest{SlotId: slotID})
	return resp.GetCount(), err
}
