//! One call of an RPC, sent when awaited: per-call options first, then the policy (request id,
//! deadline, resends) applied the same way for every RPC.

use std::future::IntoFuture;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::time::Instant;
use tonic::Status;

use crate::client::Client;
use crate::errors::Error;
use crate::idempotency::{MutatingRequest, PoolRequest, ensure_request_id};
use crate::retry::with_retries;

/// Sends one attempt of a call: the raw stub call plus turning the response into what the
/// wrapper method returns.
pub(crate) type Invoke<Req, Out> =
    fn(Client, tonic::Request<Req>) -> BoxFuture<'static, Result<Out, Status>>;

/// A call of one RPC, sent when awaited (it implements [`IntoFuture`]).
///
/// ```no_run
/// # async fn demo(client: claude_pool_client::Client) -> Result<(), claude_pool_client::Error> {
/// use std::time::Duration;
/// let task = client.get_task("task-1").await?;
/// let task = client
///     .submit_task("Write a haiku")
///     .deadline(Duration::from_secs(5))
///     .request_id("7d0e1c1e-0b5e-4a43-9a34-4d4c1f0f6a10")
///     .await?;
/// # Ok(()) }
/// ```
///
/// Awaiting it gives a mutating request a fresh UUID v4 `request_id` (unless one was set), sends
/// it, and resends the same request on UNAVAILABLE (and RATE_LIMITED with a RetryInfo) per the
/// client's [`RetryPolicy`](crate::RetryPolicy), never past the deadline.
#[must_use = "a call is sent only when awaited"]
pub struct Call<Req, Out> {
    client: Client,
    request: Req,
    deadline: Option<Duration>,
    opens_stream: bool,
    invoke: Invoke<Req, Out>,
}

impl<Req: PoolRequest, Out: Send + 'static> Call<Req, Out> {
    /// A unary call: the client's default deadline applies unless the call sets one.
    pub(crate) fn unary(client: &Client, request: Req, invoke: Invoke<Req, Out>) -> Self {
        Call { client: client.clone(), request, deadline: None, opens_stream: false, invoke }
    }

    /// A call that opens a server stream: no deadline unless the call sets one. That deadline
    /// bounds opening the stream, and the server ends the stream it opened at the deadline; a
    /// stream reopened after a break has none.
    pub(crate) fn stream(client: &Client, request: Req, invoke: Invoke<Req, Out>) -> Self {
        Call { opens_stream: true, ..Call::unary(client, request, invoke) }
    }

    /// This call's deadline, counted from when it is awaited, across every resend. Replaces the
    /// client's default deadline.
    pub fn deadline(mut self, timeout: Duration) -> Self {
        self.deadline = Some(timeout);
        self
    }

    /// Sets a field the method's arguments do not cover, e.g.
    /// `client.run_stream(spec).with_request(|r| r.cancel_on_disconnect = true)`.
    pub fn with_request(mut self, edit: impl FnOnce(&mut Req)) -> Self {
        edit(&mut self.request);
        self
    }

    /// The request as it will be sent (before a `request_id` is generated).
    pub fn request(&self) -> &Req {
        &self.request
    }

    /// The deadline the call gets: its own, else the default one for unary calls.
    fn effective_deadline(&self) -> Option<Duration> {
        match (self.deadline, self.opens_stream) {
            (Some(deadline), _) => Some(deadline),
            (None, false) => self.client.default_deadline(),
            (None, true) => None,
        }
    }
}

impl<Req: MutatingRequest, Out: Send + 'static> Call<Req, Out> {
    /// Uses `request_id` (at most 128 bytes; a UUID is usual) instead of a generated one, e.g. to
    /// resend a call from an earlier process and get the first call's reply.
    pub fn request_id(mut self, request_id: impl Into<String>) -> Self {
        if let Some(field) = self.request.request_id_mut() {
            *field = request_id.into();
        }
        self
    }
}

impl<Req: PoolRequest, Out: Send + 'static> IntoFuture for Call<Req, Out> {
    type Output = Result<Out, Error>;
    type IntoFuture = BoxFuture<'static, Result<Out, Error>>;

    fn into_future(mut self) -> Self::IntoFuture {
        let deadline = self.effective_deadline().map(|timeout| Instant::now() + timeout);
        // Generated once, so every resend carries the same id.
        ensure_request_id(&mut self.request);
        Box::pin(async move {
            let Call { client, request, invoke, .. } = self;
            with_retries(client.retry_policy(), deadline, |left| {
                let mut attempt = tonic::Request::new(request.clone());
                if let Some(left) = left {
                    attempt.set_timeout(left);
                }
                invoke(client.clone(), attempt)
            })
            .await
        })
    }
}

/// A wrapper method of a unary RPC: `unary!(self, request, stub_method, |response| output)`.
macro_rules! unary {
    ($client:expr, $request:expr, $method:ident, |$response:ident| $output:expr) => {
        $crate::call::Call::unary($client, $request, |client, request| {
            Box::pin(async move {
                let $response = client.raw().$method(request).await?.into_inner();
                Ok($output)
            })
        })
    };
}
pub(crate) use unary;
