//! Rust client for claude-pool (`claude_pool.v1.PoolService`).
//!
//! [`PoolClient`] is a thin wrapper over the generated tonic stub in [`pb`]: it sends the bearer
//! token on every call, turns gRPC errors into [`Error`] (code + `google.rpc.ErrorInfo` +
//! `google.rpc.BadRequest`), and resumes task event streams and chain progress streams from the
//! last seen `seq` when the connection drops. Every other RPC is reachable through
//! [`PoolClient::raw`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), claude_pool_client::Error> {
//! use claude_pool_client::{Kind, PoolClient};
//! use futures_util::StreamExt;
//!
//! let client = PoolClient::connect("127.0.0.1:50051", Some("secret")).await?;
//! let task = client.run("Say hello").await?;
//! println!("{}", task.result.unwrap_or_default().output);
//!
//! let mut events = client.stream("Count to five").await?;
//! while let Some(event) = events.next().await {
//!     if let Some(Kind::TextDelta(delta)) = event?.kind {
//!         print!("{}", delta.text);
//!     }
//! }
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures_core::Stream;
use futures_util::StreamExt;
use tonic::metadata::{AsciiMetadataValue, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Status};
use tonic_health::pb::health_client::HealthClient;
use tonic_types::StatusExt;

/// The generated messages and client of `claude_pool.v1` (see `generate.sh`; never edited).
#[allow(clippy::all, missing_docs, rustdoc::all)]
pub mod pb {
    include!("gen/claude_pool.v1.rs");
}

pub use pb::task_event::Kind;
pub use pb::{
    ChainOptions, ChainProgress, ChainResult, ChainStatus, ChainStep, FanOutItem, PoolStatus,
    StepResult, Task, TaskEvent, TaskSpec, TaskState,
};
pub use tonic::Code;
pub use tonic_health::ServingStatus;
pub use tonic_types::FieldViolation;

/// The generated stub with the bearer token attached, as returned by [`PoolClient::raw`].
pub type RawClient = pb::pool_service_client::PoolServiceClient<InterceptedService<Channel, Auth>>;

/// A stream of task events, ending after the `finished` event (or an error).
pub type EventStream = Pin<Box<dyn Stream<Item = Result<TaskEvent, Error>> + Send>>;

/// A stream of chain progress snapshots, ending after the terminal one (or an error).
pub type ChainStream = Pin<Box<dyn Stream<Item = Result<ChainProgress, Error>> + Send>>;

/// Consecutive failed reconnects after which a resuming stream gives up.
const MAX_RESUME_ATTEMPTS: u32 = 5;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A failed call: the gRPC code and message plus the decoded `google.rpc.Status` details
/// (`grpc-status-details-bin`): the `ErrorInfo` and the `BadRequest` field violations.
#[derive(Debug, Clone)]
pub struct Error(Box<ErrorParts>);

#[derive(Debug, Clone)]
struct ErrorParts {
    code: Code,
    message: String,
    reason: Option<String>,
    domain: Option<String>,
    metadata: HashMap<String, String>,
    field_violations: Vec<FieldViolation>,
}

impl Error {
    fn new(code: Code, message: impl Into<String>) -> Self {
        Error(Box::new(ErrorParts {
            code,
            message: message.into(),
            reason: None,
            domain: None,
            metadata: HashMap::new(),
            field_violations: Vec::new(),
        }))
    }

    /// The gRPC status code.
    pub fn code(&self) -> Code {
        self.0.code
    }

    /// The status message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// `ErrorInfo.reason`, e.g. `TASK_NOT_FOUND` (the `ErrorReason` names in errors.proto).
    pub fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// `ErrorInfo.domain`: `claude-pool.dev` for the server's own errors.
    pub fn domain(&self) -> Option<&str> {
        self.0.domain.as_deref()
    }

    /// `ErrorInfo.metadata`: the dynamic values of the error (`task_id`, ...).
    pub fn metadata(&self) -> &HashMap<String, String> {
        &self.0.metadata
    }

    /// `BadRequest.field_violations` (INVALID_ARGUMENT): which field is wrong and why.
    pub fn field_violations(&self) -> &[FieldViolation] {
        &self.0.field_violations
    }
}

impl From<Status> for Error {
    fn from(status: Status) -> Self {
        // Decodes the `grpc-status-details-bin` trailer; a status without details gives defaults.
        let details = status.get_error_details();
        let mut err = Error::new(status.code(), status.message());
        if let Some(info) = details.error_info() {
            err.0.reason = Some(info.reason.clone());
            err.0.domain = Some(info.domain.clone());
            err.0.metadata = info.metadata.clone();
        }
        if let Some(bad_request) = details.bad_request() {
            err.0.field_violations = bad_request.field_violations.clone();
        }
        err
    }
}

impl From<tonic::transport::Error> for Error {
    fn from(err: tonic::transport::Error) -> Self {
        let mut text = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            text = format!("{text}: {cause}");
            source = cause.source();
        }
        Error::new(Code::Unavailable, text)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code(), self.message())?;
        if let Some(reason) = self.reason() {
            write!(f, " [{reason}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Whether a failed stream should be reopened: UNAVAILABLE, or a local transport failure (a
/// dropped connection, which tonic reports as UNKNOWN/INTERNAL with a source error attached).
fn is_resumable(status: &Status) -> bool {
    status.code() == Code::Unavailable
        || (matches!(status.code(), Code::Unknown | Code::Internal)
            && std::error::Error::source(status).is_some())
}

// ---------------------------------------------------------------------------------------------
// Auth
// ---------------------------------------------------------------------------------------------

/// Adds `authorization: Bearer <token>` to every call when a token is set.
#[derive(Clone)]
pub struct Auth(Option<AsciiMetadataValue>);

impl Interceptor for Auth {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(value) = &self.0 {
            request.metadata_mut().insert("authorization", value.clone());
        }
        Ok(request)
    }
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

impl From<&str> for TaskSpec {
    fn from(prompt: &str) -> Self {
        TaskSpec { prompt: prompt.to_owned(), ..Default::default() }
    }
}

impl From<String> for TaskSpec {
    fn from(prompt: String) -> Self {
        TaskSpec { prompt, ..Default::default() }
    }
}

/// True when a task stopped producing output: terminal, or waiting for review.
pub fn is_done(task: &Task) -> bool {
    matches!(
        task.state(),
        TaskState::Completed | TaskState::Failed | TaskState::Cancelled | TaskState::PendingReview
    )
}

impl ChainStep {
    /// A step with a name and a prompt (`{previous_output}` and `{steps.NAME.VAR}` are
    /// substituted by the server); set the other fields with struct update syntax if needed.
    pub fn new(name: impl Into<String>, prompt: impl Into<String>) -> Self {
        ChainStep { name: name.into(), prompt: prompt.into(), ..Default::default() }
    }
}

impl ChainStatus {
    /// True for COMPLETED, FAILED and CANCELLED.
    pub fn is_terminal(self) -> bool {
        matches!(self, ChainStatus::Completed | ChainStatus::Failed | ChainStatus::Cancelled)
    }
}

impl FanOutItem {
    /// The finished task, or the error that kept this item from being submitted.
    pub fn into_result(self) -> Result<Task, Error> {
        if self.error_code != 0 {
            return Err(Error::new(Code::from_i32(self.error_code), self.error_message));
        }
        self.task.ok_or_else(|| Error::new(Code::Internal, "fan-out item without a task"))
    }
}

/// A connection to a claude-pool server. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct PoolClient {
    raw: RawClient,
    health: HealthClient<InterceptedService<Channel, Auth>>,
}

impl PoolClient {
    /// Connects to `address` (`host:port` for plaintext, or an `http://` / `https://` URL; `https`
    /// needs the `tls` feature). `token`, when given, is sent as a bearer token on every call.
    pub async fn connect(address: &str, token: Option<&str>) -> Result<Self, Error> {
        let url =
            if address.contains("://") { address.to_owned() } else { format!("http://{address}") };
        let endpoint = Endpoint::from_shared(url)
            .map_err(|e| {
                Error::new(Code::InvalidArgument, format!("bad address {address:?}: {e}"))
            })?
            .connect_timeout(Duration::from_secs(10));
        #[cfg(feature = "tls")]
        let endpoint = if address.starts_with("https://") {
            endpoint.tls_config(tonic::transport::ClientTlsConfig::new().with_webpki_roots())?
        } else {
            endpoint
        };
        let channel = endpoint.connect().await?;
        let header = token
            .map(|t| MetadataValue::try_from(format!("Bearer {t}")))
            .transpose()
            .map_err(|_| Error::new(Code::InvalidArgument, "token is not valid header text"))?;
        let auth = Auth(header);
        Ok(PoolClient {
            raw: pb::pool_service_client::PoolServiceClient::with_interceptor(
                channel.clone(),
                auth.clone(),
            ),
            health: HealthClient::with_interceptor(channel, auth),
        })
    }

    /// The generated stub (token attached), for the RPCs this wrapper does not cover.
    pub fn raw(&self) -> RawClient {
        self.raw.clone()
    }

    /// `grpc.health.v1.Health/Check` for `service` (`""` for the whole server).
    pub async fn health(&self, service: &str) -> Result<ServingStatus, Error> {
        let request = tonic_health::pb::HealthCheckRequest { service: service.to_owned() };
        let response = self.health.clone().check(request).await?.into_inner();
        Ok(match response.status() {
            tonic_health::pb::health_check_response::ServingStatus::Serving => {
                ServingStatus::Serving
            }
            tonic_health::pb::health_check_response::ServingStatus::NotServing => {
                ServingStatus::NotServing
            }
            _ => ServingStatus::Unknown,
        })
    }

    /// Runs a task and waits for it to finish. A failed run is a task in state FAILED, not an error.
    pub async fn run(&self, spec: impl Into<TaskSpec>) -> Result<Task, Error> {
        let request = pb::RunRequest { task: Some(spec.into()), ..Default::default() };
        let response = self.raw().run(request).await?.into_inner();
        Ok(response.task.unwrap_or_default())
    }

    /// Runs a task and streams its events (state changes, text deltas, then `finished`). If the
    /// connection drops after the first event, the stream resumes with WatchTask from the last seq.
    pub async fn stream(&self, spec: impl Into<TaskSpec>) -> Result<EventStream, Error> {
        let request = pb::RunStreamRequest { task: Some(spec.into()), ..Default::default() };
        let first = self.raw().run_stream(request).await?.into_inner();
        let first = first.map(|r| r.map(|m| m.event.unwrap_or_default()));
        Ok(self.resuming(None, 0, Some(Box::pin(first))))
    }

    /// Queues a task and returns it at once (state PENDING).
    pub async fn submit(&self, spec: impl Into<TaskSpec>) -> Result<Task, Error> {
        let request = pb::SubmitTaskRequest { task: Some(spec.into()), ..Default::default() };
        Ok(self.raw().submit_task(request).await?.into_inner().task.unwrap_or_default())
    }

    /// Returns a task.
    pub async fn get(&self, task_id: &str) -> Result<Task, Error> {
        let request = pb::GetTaskRequest { task_id: task_id.to_owned() };
        Ok(self.raw().get_task(request).await?.into_inner().task.unwrap_or_default())
    }

    /// Waits until the task is done ([`is_done`]). With `timeout`, waits at most that long and
    /// returns the task as it then stands (check [`is_done`]); without, waits as long as it takes.
    pub async fn wait(&self, task_id: &str, timeout: Option<Duration>) -> Result<Task, Error> {
        loop {
            let request = pb::WaitTaskRequest {
                task_id: task_id.to_owned(),
                timeout: timeout.map(|t| prost_types::Duration {
                    seconds: t.as_secs() as i64,
                    nanos: t.subsec_nanos() as i32,
                }),
            };
            let response = match self.raw().wait_task(request).await {
                Ok(response) => response.into_inner(),
                // Unbounded wait: a server-side wait that ran out (WAIT_TIMEOUT) is simply renewed.
                Err(status) if timeout.is_none() && status.code() == Code::DeadlineExceeded => {
                    let err = Error::from(status);
                    if err.reason() == Some("WAIT_TIMEOUT") {
                        continue;
                    }
                    return Err(err);
                }
                Err(status) => return Err(status.into()),
            };
            if response.done || timeout.is_some() {
                return Ok(response.task.unwrap_or_default());
            }
        }
    }

    /// Streams a task's events after `after_seq` (0 for all), ending after `finished`. A dropped
    /// connection (UNAVAILABLE or an early end) is resumed from the last seen seq, so nothing is
    /// lost or repeated; it gives up after a few failed reconnects in a row.
    pub fn watch(&self, task_id: &str, after_seq: i64) -> EventStream {
        self.resuming(Some(task_id.to_owned()), after_seq, None)
    }

    /// Cancels a task; returns it (CANCELLED). Cancelling a terminal task is FAILED_PRECONDITION.
    pub async fn cancel(&self, task_id: &str) -> Result<Task, Error> {
        let request = pb::CancelTaskRequest { task_id: task_id.to_owned(), ..Default::default() };
        Ok(self.raw().cancel_task(request).await?.into_inner().task.unwrap_or_default())
    }

    /// Returns counts of slots and tasks, spend and budget.
    pub async fn status(&self) -> Result<PoolStatus, Error> {
        let response = self.raw().get_status(pb::GetStatusRequest {}).await?.into_inner();
        Ok(response.status.unwrap_or_default())
    }

    /// Runs several tasks concurrently (FanOut) and waits for all of them. Returns one item per
    /// spec, in input order; each has its finished task or its own submission error (see
    /// [`FanOutItem::into_result`]).
    pub async fn fan_out<S: Into<TaskSpec>>(
        &self,
        specs: impl IntoIterator<Item = S>,
    ) -> Result<Vec<FanOutItem>, Error> {
        let request = pb::FanOutRequest {
            tasks: specs.into_iter().map(Into::into).collect(),
            ..Default::default()
        };
        let mut items = self.raw().fan_out(request).await?.into_inner().items;
        items.sort_by_key(|item| item.index);
        Ok(items)
    }

    /// Submits a chain of dependent steps (SubmitChain) and returns its initial progress at once;
    /// follow it with [`watch_chain`](Self::watch_chain).
    pub async fn submit_chain(
        &self,
        steps: impl IntoIterator<Item = ChainStep>,
        options: Option<ChainOptions>,
    ) -> Result<ChainProgress, Error> {
        let request = pb::SubmitChainRequest {
            steps: steps.into_iter().collect(),
            options,
            ..Default::default()
        };
        Ok(self.raw().submit_chain(request).await?.into_inner().chain.unwrap_or_default())
    }

    /// Streams a chain's progress snapshots with `seq` after `after_seq` (0: the current one
    /// first), ending after the terminal snapshot (COMPLETED, FAILED or CANCELLED, with its
    /// `end_time` and `result`). Fast changes may be coalesced into one snapshot. A dropped
    /// connection (UNAVAILABLE) is resumed from the last seen seq; it gives up after a few failed
    /// reconnects in a row. Watching from the terminal seq (or later) yields nothing.
    pub fn watch_chain(&self, chain_id: &str, after_seq: i64) -> ChainStream {
        let state =
            Resume::<ChainProgress>::new(self.raw(), Some(chain_id.to_owned()), after_seq, None);
        Box::pin(futures_util::stream::unfold(state, Resume::next))
    }

    /// Cancels a chain: the running step is stopped and the rest skipped. Returns the progress
    /// after cancelling (CANCELLED). Cancelling a terminal chain is FAILED_PRECONDITION.
    pub async fn cancel_chain(&self, chain_id: &str) -> Result<ChainProgress, Error> {
        let request =
            pb::CancelChainRequest { chain_id: chain_id.to_owned(), ..Default::default() };
        Ok(self.raw().cancel_chain(request).await?.into_inner().chain.unwrap_or_default())
    }

    fn resuming(
        &self,
        task_id: Option<String>,
        after_seq: i64,
        first: Option<Inner<TaskEvent>>,
    ) -> EventStream {
        let state = Resume::new(self.raw(), task_id, after_seq, first);
        Box::pin(futures_util::stream::unfold(state, Resume::next))
    }
}

// ---------------------------------------------------------------------------------------------
// Resuming event streams
// ---------------------------------------------------------------------------------------------

type Inner<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;
type Opening<T> = Pin<Box<dyn Future<Output = Result<Inner<T>, Status>> + Send>>;

/// An item of a server stream that can be reopened after its `seq` (WatchTask, WatchChain).
trait Resumable: Sized + Send + 'static {
    fn seq(&self) -> i64;
    /// The id to reopen with: the task or chain id.
    fn owner_id(&self) -> &str;
    /// The last item of the stream.
    fn is_last(&self) -> bool;
    /// What a stream that the server ended cleanly before the last item means: a failure to
    /// resume from, or (None) the end.
    fn early_end() -> Option<Status>;
    /// Opens the watch for `id` after `after_seq`.
    fn open(client: RawClient, id: String, after_seq: i64) -> Opening<Self>;
}

impl Resumable for TaskEvent {
    fn seq(&self) -> i64 {
        self.seq
    }

    fn owner_id(&self) -> &str {
        &self.task_id
    }

    fn is_last(&self) -> bool {
        matches!(self.kind, Some(Kind::Finished(_)))
    }

    fn early_end() -> Option<Status> {
        Some(Status::unavailable("event stream ended before the finished event"))
    }

    fn open(mut client: RawClient, task_id: String, after_seq: i64) -> Opening<Self> {
        Box::pin(async move {
            let request = pb::WatchTaskRequest { task_id, after_seq };
            let events = client.watch_task(request).await?.into_inner();
            let events: Inner<Self> =
                Box::pin(events.map(|r| r.map(|m| m.event.unwrap_or_default())));
            Ok(events)
        })
    }
}

impl Resumable for ChainProgress {
    fn seq(&self) -> i64 {
        self.seq
    }

    fn owner_id(&self) -> &str {
        &self.chain_id
    }

    /// Terminal and settled: a CANCELLED chain may first show its status and only then its
    /// `end_time` and `result`.
    fn is_last(&self) -> bool {
        self.status().is_terminal() && self.end_time.is_some()
    }

    /// The server closes WatchChain only once the chain is terminal, e.g. at once when watched
    /// from its terminal seq, so a clean close is the end.
    fn early_end() -> Option<Status> {
        None
    }

    fn open(mut client: RawClient, chain_id: String, after_seq: i64) -> Opening<Self> {
        Box::pin(async move {
            let request = pb::WatchChainRequest { chain_id, after_seq };
            let snapshots = client.watch_chain(request).await?.into_inner();
            let snapshots: Inner<Self> =
                Box::pin(snapshots.map(|r| r.map(|m| m.chain.unwrap_or_default())));
            Ok(snapshots)
        })
    }
}

/// State of a resuming stream: the open server stream and where to resume it.
struct Resume<T> {
    client: RawClient,
    /// Known once the first event arrived (RunStream) or from the start (WatchTask, WatchChain).
    id: Option<String>,
    last_seq: i64,
    current: Option<Inner<T>>,
    /// Failed (re)connects since the last item.
    failures: u32,
    done: bool,
}

impl<T: Resumable> Resume<T> {
    fn new(client: RawClient, id: Option<String>, after_seq: i64, first: Option<Inner<T>>) -> Self {
        Resume { client, id, last_seq: after_seq, current: first, failures: 0, done: false }
    }

    async fn next(mut self) -> Option<(Result<T, Error>, Self)> {
        while !self.done {
            let status = match self.current.as_mut() {
                // (Re)open from the last seen seq.
                None => {
                    let id = self.id.clone().unwrap_or_default();
                    match T::open(self.client.clone(), id, self.last_seq).await {
                        Ok(stream) => {
                            self.current = Some(stream);
                            continue;
                        }
                        Err(status) => status,
                    }
                }
                Some(stream) => match stream.next().await {
                    Some(Ok(item)) => {
                        self.failures = 0;
                        self.last_seq = item.seq();
                        if self.id.is_none() {
                            self.id = Some(item.owner_id().to_owned());
                        }
                        if item.is_last() {
                            self.done = true;
                            self.current = None; // ends the call now
                        }
                        return Some((Ok(item), self));
                    }
                    Some(Err(status)) => status,
                    None => match T::early_end() {
                        Some(status) => status,
                        None => break,
                    },
                },
            };
            self.current = None;
            // Resume only a known task (a RunStream that failed before its first event may not
            // have created one), only on a dropped connection, and only a few times in a row.
            self.failures += 1;
            if self.id.is_none() || !is_resumable(&status) || self.failures > MAX_RESUME_ATTEMPTS {
                self.done = true;
                return Some((Err(status.into()), self));
            }
            let backoff = Duration::from_millis(200 << (self.failures - 1).min(4));
            tokio::time::sleep(backoff).await;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_types::ErrorDetails;

    #[test]
    fn error_decodes_error_info_and_bad_request() {
        let mut details = ErrorDetails::with_error_info(
            "TASK_NOT_FOUND",
            "claude-pool.dev",
            HashMap::from([("task_id".to_owned(), "task-x".to_owned())]),
        );
        details.add_bad_request_violation("task.prompt", "must not be empty");
        let status = Status::with_error_details(Code::NotFound, "no such task", details);
        let err = Error::from(status);
        assert_eq!(err.code(), Code::NotFound);
        assert_eq!(err.reason(), Some("TASK_NOT_FOUND"));
        assert_eq!(err.domain(), Some("claude-pool.dev"));
        assert_eq!(err.metadata()["task_id"], "task-x");
        assert_eq!(err.field_violations()[0].field, "task.prompt");
        assert_eq!(err.to_string(), "NotFound: no such task [TASK_NOT_FOUND]");
    }

    #[test]
    fn error_without_details() {
        let err = Error::from(Status::unauthenticated("no token"));
        assert_eq!(err.code(), Code::Unauthenticated);
        assert!(err.reason().is_none() && err.field_violations().is_empty());
    }

    #[test]
    fn fan_out_item_result() {
        let task = Task { id: "task-1".into(), ..Default::default() };
        let ok = FanOutItem { index: 0, task: Some(task.clone()), ..Default::default() };
        assert_eq!(ok.into_result().unwrap(), task);
        let failed = FanOutItem {
            index: 1,
            error_code: Code::ResourceExhausted as i32,
            error_message: "queue full".into(),
            ..Default::default()
        };
        let err = failed.into_result().unwrap_err();
        assert_eq!((err.code(), err.message()), (Code::ResourceExhausted, "queue full"));
    }

    #[test]
    fn chain_terminal_and_last_snapshot() {
        assert!(!ChainStatus::Running.is_terminal() && ChainStatus::Cancelled.is_terminal());
        let mut progress =
            ChainProgress { status: ChainStatus::Cancelled as i32, ..Default::default() };
        assert!(!progress.is_last(), "not settled without end_time");
        progress.end_time = Some(prost_types::Timestamp::default());
        assert!(progress.is_last());
        let step = ChainStep::new("a", "b");
        assert_eq!((step.name.as_str(), step.prompt.as_str()), ("a", "b"));
    }
}
