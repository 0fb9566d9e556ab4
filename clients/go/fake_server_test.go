package claudepool_test

// An in-process fake of the server for the offline tests (no harness needed): each test embeds
// the generated Unimplemented server and overrides the few RPCs it is about. Real gRPC over an
// in-memory listener, so the client's whole stack (credentials, interceptors, status details) runs.

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/test/bufconn"

	claudepool "github.com/claude-pool/claude-pool/clients/go"
	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

// serve starts srv on an in-memory listener with the given server options and returns a client
// connected to it with opts (plaintext; WithToken works because plaintext is explicit).
func serve(t *testing.T, srv poolv1.PoolServiceServer, serverOpts []grpc.ServerOption, opts ...claudepool.Option) *claudepool.PoolClient {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	s := grpc.NewServer(serverOpts...)
	poolv1.RegisterPoolServiceServer(s, srv)
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	dial := grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) })
	c, err := claudepool.Connect("passthrough:///bufnet",
		append([]claudepool.Option{claudepool.WithPlaintext(), claudepool.WithDialOptions(dial)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20e9)
	t.Cleanup(cancel)
	return ctx
}
