//! The client handle: a channel with the call hooks, the default deadline and the resend policy.
//! The RPC wrappers live in `rpc/`, one file per part of the contract.

use std::sync::Arc;
use std::time::Duration;

use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic_health::ServingStatus;
use tonic_health::pb::health_check_response::ServingStatus as WireStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::builder::ClientBuilder;
use crate::errors::Error;
use crate::interceptor::Hooks;
use crate::pb::pool_service_client::PoolServiceClient;
use crate::retry::{RetryPolicy, with_retries};

/// The generated `PoolService` stub with the client's hooks (token, interceptors), as returned by
/// [`Client::raw`].
pub type RawClient = PoolServiceClient<InterceptedService<Channel, Hooks>>;

/// A claude-pool client. Cheap to clone; clones share the connection.
///
/// Every RPC of `claude_pool.v1.PoolService` has a method named after it in snake case
/// ([`run`](Self::run), [`submit_task`](Self::submit_task), ...). A unary method returns a
/// [`Call`](crate::Call): await it to send the request, or first set a per-call
/// [`deadline`](crate::Call::deadline) or [`request_id`](crate::Call::request_id). Streaming RPCs
/// resolve to a [`PoolStream`](crate::PoolStream), and every `List*` RPC has a `list_all_*` helper
/// that follows the page tokens.
#[derive(Clone)]
pub struct Client {
    raw: RawClient,
    health: HealthClient<InterceptedService<Channel, Hooks>>,
    settings: Arc<Settings>,
}

struct Settings {
    default_deadline: Option<Duration>,
    retry: RetryPolicy,
}

impl Client {
    /// Options for a client of the server at `address` (`host:port` or a URL).
    pub fn builder(address: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(address)
    }

    /// A client over a channel the caller built, with no token, no default deadline and the
    /// default resend policy. For a token and other options over your own channel use
    /// [`ClientBuilder::build_with_channel`].
    pub fn from_channel(channel: Channel) -> Client {
        Client::new(channel, Hooks::default(), None, RetryPolicy::default())
    }

    pub(crate) fn new(
        channel: Channel,
        hooks: Hooks,
        default_deadline: Option<Duration>,
        retry: RetryPolicy,
    ) -> Client {
        Client {
            raw: PoolServiceClient::with_interceptor(channel.clone(), hooks.clone()),
            health: HealthClient::with_interceptor(channel, hooks.without_token()),
            settings: Arc::new(Settings { default_deadline, retry }),
        }
    }

    /// The generated stub, with the token and interceptors but without the resend policy,
    /// request ids or deadlines of the wrapper methods.
    pub fn raw(&self) -> RawClient {
        self.raw.clone()
    }

    /// The deadline applied to unary calls that set none.
    pub fn default_deadline(&self) -> Option<Duration> {
        self.settings.default_deadline
    }

    /// The resend policy of this client's calls.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.settings.retry
    }

    /// `grpc.health.v1.Health/Check` for `service` (`""`: the whole server). Sent without the
    /// token; resent on UNAVAILABLE like any read.
    pub async fn health(&self, service: &str) -> Result<ServingStatus, Error> {
        let deadline = self.default_deadline().map(|d| tokio::time::Instant::now() + d);
        let request = tonic_health::pb::HealthCheckRequest { service: service.to_owned() };
        let response = with_retries(self.retry_policy(), deadline, |left| {
            let mut health = self.health.clone();
            let mut request = tonic::Request::new(request.clone());
            if let Some(left) = left {
                request.set_timeout(left);
            }
            async move { health.check(request).await }
        })
        .await?;
        Ok(match response.into_inner().status() {
            WireStatus::Serving => ServingStatus::Serving,
            WireStatus::NotServing => ServingStatus::NotServing,
            _ => ServingStatus::Unknown,
        })
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("default_deadline", &self.settings.default_deadline)
            .field("retry", &self.settings.retry)
            .finish_non_exhaustive()
    }
}
