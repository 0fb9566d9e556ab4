//! Connection options (CONFORMANCE.md §1, "Connection options"): address, token, TLS (off, system
//! roots or a custom CA, plus a client certificate for mTLS), default deadline, keepalive,
//! interceptors, the resend policy, or a channel the caller built.

use std::sync::Arc;
use std::time::Duration;

use tonic::metadata::AsciiMetadataValue;
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Status};

#[cfg(feature = "tls")]
use tonic::transport::{Certificate, ClientTlsConfig, Identity};

use crate::client::Client;
use crate::errors::Error;
use crate::interceptor::{Hooks, InterceptorFn};
use crate::retry::RetryPolicy;

/// Builds a [`Client`]: `Client::builder("host:port")`, then options, then
/// [`connect`](Self::connect).
///
/// Without TLS options the connection is plaintext (for loopback development). Any TLS option
/// (or an `https://` address) switches to TLS; `tls_ca_pem` trusts a custom CA instead of the
/// system roots, and `tls_identity` presents a client certificate (mTLS).
#[derive(Clone, Debug)]
#[must_use]
pub struct ClientBuilder {
    address: String,
    token: Option<String>,
    #[cfg(feature = "tls")]
    tls: Option<ClientTlsConfig>,
    default_deadline: Option<Duration>,
    connect_timeout: Duration,
    keepalive: Option<(Duration, Duration)>,
    keepalive_while_idle: bool,
    interceptors: Vec<Interceptor>,
    retry: RetryPolicy,
}

/// An interceptor with a `Debug` form, so the builder can derive `Debug`.
#[derive(Clone)]
struct Interceptor(InterceptorFn);

impl std::fmt::Debug for Interceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Interceptor")
    }
}

impl ClientBuilder {
    /// Options for the server at `address`: `host:port`, or a URL (`http://` for plaintext,
    /// `https://` for TLS).
    pub fn new(address: impl Into<String>) -> Self {
        ClientBuilder {
            address: address.into(),
            token: None,
            #[cfg(feature = "tls")]
            tls: None,
            default_deadline: None,
            connect_timeout: Duration::from_secs(10),
            keepalive: None,
            keepalive_while_idle: false,
            interceptors: Vec::new(),
            retry: RetryPolicy::default(),
        }
    }

    /// Sends `authorization: Bearer <token>` on every call (health checks excepted).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The deadline of every unary call that sets none itself ([`Call::deadline`]). Streams get
    /// none. Default: none.
    ///
    /// [`Call::deadline`]: crate::Call::deadline
    pub fn default_deadline(mut self, deadline: Duration) -> Self {
        self.default_deadline = Some(deadline);
        self
    }

    /// How long establishing the connection may take. Default: 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// HTTP/2 keepalive: a PING every `interval`, and the connection is dropped when one is not
    /// answered within `timeout`. Off by default.
    pub fn keepalive(mut self, interval: Duration, timeout: Duration) -> Self {
        self.keepalive = Some((interval, timeout));
        self
    }

    /// Also send keepalive PINGs while no call is open (servers may refuse frequent idle PINGs).
    pub fn keepalive_while_idle(mut self, enabled: bool) -> Self {
        self.keepalive_while_idle = enabled;
        self
    }

    /// Adds an interceptor, run on every call after the token is set, in registration order: add
    /// metadata, log, trace, or refuse the call with a `Status`.
    pub fn interceptor<F>(mut self, interceptor: F) -> Self
    where
        F: Fn(Request<()>) -> Result<Request<()>, Status> + Send + Sync + 'static,
    {
        self.interceptors.push(Interceptor(Arc::new(interceptor)));
        self
    }

    /// The resend policy. Default: [`RetryPolicy::default`], the conformance policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Plaintext: drops any TLS option set so far.
    #[cfg_attr(not(feature = "tls"), allow(unused_mut))]
    pub fn plaintext(mut self) -> Self {
        #[cfg(feature = "tls")]
        {
            self.tls = None;
        }
        self
    }

    /// TLS, trusting the system's root certificates.
    #[cfg(feature = "tls")]
    pub fn tls_system_roots(self) -> Self {
        self.map_tls(ClientTlsConfig::with_native_roots)
    }

    /// TLS, trusting the CA certificate(s) in `pem` (instead of the system roots).
    #[cfg(feature = "tls")]
    pub fn tls_ca_pem(self, pem: impl AsRef<[u8]>) -> Self {
        let ca = Certificate::from_pem(pem);
        self.map_tls(|tls| tls.ca_certificate(ca))
    }

    /// TLS with a client certificate (mTLS): a PEM certificate chain and its PEM private key.
    #[cfg(feature = "tls")]
    pub fn tls_identity(self, cert_pem: impl AsRef<[u8]>, key_pem: impl AsRef<[u8]>) -> Self {
        let identity = Identity::from_pem(cert_pem, key_pem);
        self.map_tls(|tls| tls.identity(identity))
    }

    /// TLS, checking the server certificate against `domain` instead of the address's host.
    #[cfg(feature = "tls")]
    pub fn tls_domain(self, domain: impl Into<String>) -> Self {
        let domain = domain.into();
        self.map_tls(|tls| tls.domain_name(domain))
    }

    /// TLS with a configuration built by hand (replaces the TLS options set so far).
    #[cfg(feature = "tls")]
    pub fn tls_config(mut self, config: ClientTlsConfig) -> Self {
        self.tls = Some(config);
        self
    }

    #[cfg(feature = "tls")]
    fn map_tls(mut self, f: impl FnOnce(ClientTlsConfig) -> ClientTlsConfig) -> Self {
        self.tls = Some(f(self.tls.take().unwrap_or_default()));
        self
    }

    fn uses_tls(&self) -> bool {
        #[cfg(feature = "tls")]
        if self.tls.is_some() {
            return true;
        }
        self.address.starts_with("https://")
    }

    /// The tonic endpoint these options describe (to connect it yourself, e.g. with a custom
    /// connector, and pass the channel to [`build_with_channel`](Self::build_with_channel)).
    pub fn endpoint(&self) -> Result<Endpoint, Error> {
        let url = if self.address.contains("://") {
            self.address.clone()
        } else if self.uses_tls() {
            format!("https://{}", self.address)
        } else {
            format!("http://{}", self.address)
        };
        let mut endpoint = Endpoint::from_shared(url)
            .map_err(|e| Error::config(format!("bad address {:?}", self.address), e))?
            .connect_timeout(self.connect_timeout)
            .keep_alive_while_idle(self.keepalive_while_idle);
        if let Some((interval, timeout)) = self.keepalive {
            endpoint = endpoint.http2_keep_alive_interval(interval).keep_alive_timeout(timeout);
        }
        #[cfg(feature = "tls")]
        if self.uses_tls() {
            let tls =
                self.tls.clone().unwrap_or_else(|| ClientTlsConfig::new().with_native_roots());
            endpoint =
                endpoint.tls_config(tls).map_err(|e| Error::config("bad TLS configuration", e))?;
        }
        Ok(endpoint)
    }

    /// Connects now: fails (UNAVAILABLE) when the server cannot be reached.
    pub async fn connect(self) -> Result<Client, Error> {
        let channel = self.endpoint()?.connect().await?;
        self.build_with_channel(channel)
    }

    /// Connects on the first call (and reconnects as needed); each call then fails UNAVAILABLE
    /// while the server cannot be reached, and is resent per the policy.
    pub fn connect_lazy(self) -> Result<Client, Error> {
        let channel = self.endpoint()?.connect_lazy();
        self.build_with_channel(channel)
    }

    /// A client over a channel the caller built (its own TLS, connector, load balancing...). The
    /// token, default deadline, interceptors and resend policy of this builder apply; its
    /// address, TLS, keepalive and connect timeout do not.
    pub fn build_with_channel(self, channel: Channel) -> Result<Client, Error> {
        let authorization = match &self.token {
            None => None,
            Some(token) => Some(
                AsciiMetadataValue::try_from(format!("Bearer {token}"))
                    .map_err(|e| Error::config("the token is not valid header text", e))?,
            ),
        };
        let interceptors = self.interceptors.into_iter().map(|i| i.0).collect();
        Ok(Client::new(
            channel,
            Hooks::new(authorization, interceptors),
            self.default_deadline,
            self.retry,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_follows_the_tls_options() {
        let plain = ClientBuilder::new("127.0.0.1:50051").endpoint().unwrap();
        assert_eq!(plain.uri().scheme_str(), Some("http"));
        let explicit = ClientBuilder::new("https://pool.example:443").endpoint().unwrap();
        assert_eq!(explicit.uri().scheme_str(), Some("https"));
    }

    #[cfg(feature = "tls")]
    #[test]
    fn any_tls_option_switches_to_https_and_plaintext_switches_back() {
        let tls = ClientBuilder::new("127.0.0.1:50051").tls_domain("localhost");
        assert_eq!(tls.endpoint().unwrap().uri().scheme_str(), Some("https"));
        let plain = tls.plaintext().endpoint().unwrap();
        assert_eq!(plain.uri().scheme_str(), Some("http"));
    }

    #[test]
    fn bad_inputs_are_invalid_argument() {
        let err = ClientBuilder::new("not a uri\n").endpoint().unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(std::error::Error::source(&err).is_some());
    }

    #[tokio::test]
    async fn a_token_must_be_header_text() {
        let err = ClientBuilder::new("127.0.0.1:1").token("bad\ntoken").connect_lazy().unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
    }
}
