package claudepool

import (
	"context"

	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// Route asks the router which route suits prompt (a single task, parallel tasks or a chain)
// without running it; config (hints, a custom routing prompt) may be nil. The response also says
// what the routing call cost.
func (c *PoolClient) Route(ctx context.Context, prompt string, config *AutoConfig) (*poolv1.RouteResponse, error) {
	return unary(ctx, c, c.rpc.Route, &poolv1.RouteRequest{Prompt: prompt, Config: config})
}

// Auto routes prompt and runs the route; config may be nil. When routing fails the prompt runs as
// a single task (AutoResult.FellBack).
func (c *PoolClient) Auto(ctx context.Context, prompt string, config *AutoConfig, opts ...CallOption) (*AutoResult, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.Auto, &poolv1.AutoRequest{Prompt: prompt, Config: config, RequestId: o.requestID})
	return resp.GetResult(), err
}

// ExecuteRoute runs a given route, for instance one Route returned and the caller adjusted.
func (c *PoolClient) ExecuteRoute(ctx context.Context, route *Route, opts ...CallOption) (*AutoResult, error) {
	o := mutation(opts)
	resp, err := unary(ctx, c, c.rpc.ExecuteRoute, &poolv1.ExecuteRouteRequest{Route: route, RequestId: o.requestID})
	return resp.GetResult(), err
}
