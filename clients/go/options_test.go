package claudepool_test

// Connection options: invalid combinations are refused, interceptors see every attempt, FromConn
// uses and leaves the caller's connection, and mutual TLS with a custom CA works end to end on
// loopback with certificates made here.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	claudepool "github.com/claude-pool/claude-pool/clients/go"
	poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"
)

func TestConnectRefusesBadOptions(t *testing.T) {
	for name, opts := range map[string][]claudepool.Option{
		"plaintext with a CA": {claudepool.WithPlaintext(), claudepool.WithCA(pemOf(t, newCA(t).cert.Raw, "CERTIFICATE"))},
		"a CA that is no PEM": {claudepool.WithCA([]byte("not a certificate"))},
		"a missing CA file":   {claudepool.WithCAFile("/nonexistent/ca.pem")},
		"a key that mismatches": {claudepool.WithClientCertificate(pemOf(t, newCA(t).cert.Raw, "CERTIFICATE"),
			pemOf(t, mustPKCS8(t, newCA(t).key), "PRIVATE KEY"))},
	} {
		if c, err := claudepool.Connect("127.0.0.1:1", opts...); err == nil {
			_ = c.Close()
			t.Errorf("%s: Connect succeeded", name)
		}
	}
}

// statusServer answers GetStatus with the authorization header it got as the namespace, and
// refuses the first call UNAVAILABLE.
type statusServer struct {
	poolv1.UnimplementedPoolServiceServer
	calls int
}

func (s *statusServer) GetStatus(ctx context.Context, _ *poolv1.GetStatusRequest) (*poolv1.GetStatusResponse, error) {
	s.calls++
	if s.calls == 1 {
		return nil, status.Error(codes.Unavailable, "refused once")
	}
	md, _ := metadata.FromIncomingContext(ctx)
	return &poolv1.GetStatusResponse{Status: &poolv1.PoolStatus{Namespace: firstOf(md.Get("authorization")), TotalSlots: 2}}, nil
}

func firstOf(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

func TestInterceptorsSeeEveryAttempt(t *testing.T) {
	attempts := 0
	count := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		attempts++
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	c := serve(t, &statusServer{}, nil, claudepool.WithUnaryInterceptors(count),
		claudepool.WithKeepalive(keepalive.ClientParameters{Time: time.Minute}))
	if _, err := c.GetStatus(testContext(t)); err != nil || attempts != 2 {
		t.Fatalf("GetStatus: %v after %d intercepted attempts, want success after 2", err, attempts)
	}
}

func TestFromConnUsesTheCallersConnection(t *testing.T) {
	lis := bufconn.Listen(1 << 20)
	s := grpc.NewServer()
	poolv1.RegisterPoolServiceServer(s, &statusServer{})
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	conn, err := grpc.NewClient("passthrough:///bufnet", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	if _, err := claudepool.FromConn(conn, claudepool.WithKeepalive(keepalive.ClientParameters{})); err == nil {
		t.Fatal("FromConn accepted an option that shapes a connection")
	}
	c, err := claudepool.FromConn(conn, claudepool.WithDefaultDeadline(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.GetStatus(testContext(t)); err != nil || st.GetTotalSlots() != 2 {
		t.Fatalf("GetStatus = %v, %v", st, err)
	}
	if err := c.Close(); err != nil || conn.GetState() == connectivity.Shutdown {
		t.Fatalf("Close: %v, caller's connection %v; want it left open", err, conn.GetState())
	}
}

func TestMutualTLSWithACustomCA(t *testing.T) {
	ca := newCA(t)
	server, client := ca.issue(t, "127.0.0.1"), ca.issue(t, "conformance-client")
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(grpc.Creds(credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{server}, ClientCAs: roots, ClientAuth: tls.RequireAndVerifyClientCert})))
	poolv1.RegisterPoolServiceServer(s, &statusServer{calls: 1})
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)

	caPEM := pemOf(t, ca.cert.Raw, "CERTIFICATE")
	certPEM := pemOf(t, client.Certificate[0], "CERTIFICATE")
	keyPEM := pemOf(t, mustPKCS8(t, client.PrivateKey.(*ecdsa.PrivateKey)), "PRIVATE KEY")
	ctx := testContext(t)

	c, err := claudepool.Connect(lis.Addr().String(), claudepool.WithCA(caPEM),
		claudepool.WithClientCertificate(certPEM, keyPEM), claudepool.WithToken("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if st, err := c.GetStatus(ctx); err != nil || st.GetNamespace() != "Bearer s3cret" {
		t.Fatalf("GetStatus over mTLS = %v, %v; want the token to arrive", st, err)
	}

	for name, opts := range map[string][]claudepool.Option{
		"no client certificate": {claudepool.WithCA(caPEM)},
		"the system's roots":    {claudepool.WithClientCertificate(certPEM, keyPEM)},
		"plaintext":             {claudepool.WithPlaintext()},
	} {
		other, err := claudepool.Connect(lis.Addr().String(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.GetStatus(ctx); status.Code(err) != codes.Unavailable {
			t.Errorf("%s: GetStatus = %v, want UNAVAILABLE", name, err)
		}
		_ = other.Close()
	}
}

type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func newCA(t *testing.T) authority {
	key := newKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return authority{cert, key}
}

// issue makes a certificate for name (an IP address for a server, else a client's name).
func (a authority) issue(t *testing.T, name string) tls.Certificate {
	key := newKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	if ip := net.ParseIP(name); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func mustPKCS8(t *testing.T, key *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func pemOf(t *testing.T, der []byte, kind string) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}
