package claudepool

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
)

// Option configures Connect (and, for the few that do not shape a connection, FromConn).
type Option func(*options) error

type options struct {
	token           string
	defaultDeadline time.Duration

	// Everything below shapes the connection Connect makes.
	plaintext      bool
	tlsConfig      *tls.Config
	roots          *x509.CertPool
	certificate    *tls.Certificate
	keepalive      *keepalive.ClientParameters
	unary          []grpc.UnaryClientInterceptor
	stream         []grpc.StreamClientInterceptor
	extraDial      []grpc.DialOption
	connectionOpts []string // names of the options given that shape the connection, for FromConn's error
}

func collect(opts []Option) (*options, error) {
	o := &options{}
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	if o.plaintext && (o.tlsConfig != nil || o.roots != nil || o.certificate != nil) {
		return nil, errors.New("claude-pool: WithPlaintext contradicts the TLS options given with it")
	}
	return o, nil
}

// connection marks an option as one that shapes the connection Connect makes.
func (o *options) connection(name string) { o.connectionOpts = append(o.connectionOpts, name) }

func (o *options) onlyCallOptions() error {
	if len(o.connectionOpts) > 0 {
		return fmt.Errorf("claude-pool: FromConn takes a ready connection; configure %v on it instead", o.connectionOpts)
	}
	return nil
}

// WithToken sends `authorization: Bearer <token>` on every call. Over TLS only, unless
// WithPlaintext is given too (development on loopback).
func WithToken(token string) Option {
	return func(o *options) error { o.token = token; return nil }
}

// WithDefaultDeadline bounds every unary call whose context has no deadline (streams are not
// bounded). Without it such calls wait as long as the server takes.
func WithDefaultDeadline(d time.Duration) Option {
	return func(o *options) error { o.defaultDeadline = d; return nil }
}

// WithPlaintext turns TLS off: for a server on loopback during development only.
func WithPlaintext() Option {
	return func(o *options) error { o.connection("WithPlaintext"); o.plaintext = true; return nil }
}

// WithCA trusts the server certificates signed by the CA certificates in pem, instead of the
// system's roots.
func WithCA(pem []byte) Option {
	return func(o *options) error {
		o.connection("WithCA")
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return errors.New("claude-pool: WithCA: no PEM certificate found")
		}
		o.roots = pool
		return nil
	}
}

// WithCAFile is WithCA with the PEM read from path.
func WithCAFile(path string) Option {
	return func(o *options) error {
		pem, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("claude-pool: WithCAFile: %w", err)
		}
		return WithCA(pem)(o)
	}
}

// WithClientCertificate presents a client certificate (PEM chain and its PEM private key), for
// servers that require mutual TLS.
func WithClientCertificate(certPEM, keyPEM []byte) Option {
	return func(o *options) error {
		o.connection("WithClientCertificate")
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return fmt.Errorf("claude-pool: WithClientCertificate: %w", err)
		}
		o.certificate = &cert
		return nil
	}
}

// WithClientCertificateFiles is WithClientCertificate with the PEM files read from certPath and
// keyPath.
func WithClientCertificateFiles(certPath, keyPath string) Option {
	return func(o *options) error {
		o.connection("WithClientCertificateFiles")
		cert, err := tls.LoadX509KeyPair(certPath, keyPath)
		if err != nil {
			return fmt.Errorf("claude-pool: WithClientCertificateFiles: %w", err)
		}
		o.certificate = &cert
		return nil
	}
}

// WithTLSConfig uses cfg as the base of the TLS configuration (WithCA and WithClientCertificate
// still add to a copy of it), for settings the other options do not cover.
func WithTLSConfig(cfg *tls.Config) Option {
	return func(o *options) error { o.connection("WithTLSConfig"); o.tlsConfig = cfg.Clone(); return nil }
}

// WithKeepalive sets gRPC's client keepalive: pings on an idle connection so that a dead peer or
// a silently dropped NAT mapping is noticed (and a watch resumed) within Time + Timeout.
func WithKeepalive(params keepalive.ClientParameters) Option {
	return func(o *options) error { o.connection("WithKeepalive"); o.keepalive = &params; return nil }
}

// WithUnaryInterceptors adds interceptors around every unary call attempt (each resend passes
// through them again), for metadata, logging or tracing.
func WithUnaryInterceptors(interceptors ...grpc.UnaryClientInterceptor) Option {
	return func(o *options) error {
		o.connection("WithUnaryInterceptors")
		o.unary = append(o.unary, interceptors...)
		return nil
	}
}

// WithStreamInterceptors adds interceptors around every stream opened (each reopen passes through
// them again).
func WithStreamInterceptors(interceptors ...grpc.StreamClientInterceptor) Option {
	return func(o *options) error {
		o.connection("WithStreamInterceptors")
		o.stream = append(o.stream, interceptors...)
		return nil
	}
}

// WithDialOptions adds raw gRPC dial options (a custom dialer, a resolver, message size limits).
// They come after the ones the other options make, so they win.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) error {
		o.connection("WithDialOptions")
		o.extraDial = append(o.extraDial, opts...)
		return nil
	}
}

func (o *options) dialOptions() []grpc.DialOption {
	creds := insecure.NewCredentials()
	if !o.plaintext {
		cfg := o.tlsConfig
		if cfg == nil {
			cfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		if o.roots != nil {
			cfg.RootCAs = o.roots
		}
		if o.certificate != nil {
			cfg.Certificates = append(cfg.Certificates, *o.certificate)
		}
		creds = credentials.NewTLS(cfg)
	}
	opts := []grpc.DialOption{grpc.WithTransportCredentials(creds), grpc.WithUserAgent("claude-pool-go/" + Version)}
	if o.keepalive != nil {
		opts = append(opts, grpc.WithKeepaliveParams(*o.keepalive))
	}
	if len(o.unary) > 0 {
		opts = append(opts, grpc.WithChainUnaryInterceptor(o.unary...))
	}
	if len(o.stream) > 0 {
		opts = append(opts, grpc.WithChainStreamInterceptor(o.stream...))
	}
	return append(opts, o.extraDial...)
}

// bearer sends the token as `authorization: Bearer <token>` metadata on every call.
type bearer struct {
	token  string
	secure bool
}

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

func (b bearer) RequireTransportSecurity() bool { return b.secure }
