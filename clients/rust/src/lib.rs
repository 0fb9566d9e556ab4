//! Async Rust client for [claude-pool](https://github.com/claude-pool/claude-pool): a gRPC
//! service (`claude_pool.v1.PoolService`) that runs prompts on a pool of Claude Code CLI slots.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use claude_pool_client::Client;
//!
//! let client = Client::builder("pool.example.com:50051")
//!     .token("my-token")
//!     .tls_ca_pem(std::fs::read("ca.pem")?)
//!     .connect()
//!     .await?;
//! let task = client.run("Say hello").await?;
//! println!("{:?}: {}", task.state(), task.output());
//!
//! let mut events = client.run_stream("Count to five").await?;
//! while let Some(event) = events.message().await? {
//!     if let Some(text) = event.text() {
//!         print!("{text}");
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! - [`Client`] has one method per RPC, named after it in snake case; each returns a [`Call`]
//!   that is sent when awaited, with a per-call [`deadline`](Call::deadline) and, for mutating
//!   RPCs, [`request_id`](Call::request_id).
//! - Every mutating call carries a UUID v4 `request_id` (generated unless given) and is resent
//!   with it on UNAVAILABLE (and RATE_LIMITED with a RetryInfo): 4 attempts in all, 100/200/400 ms
//!   apart (±20 %), never past the deadline. Reads are resent the same way. See [`RetryPolicy`].
//! - RunStream, WatchTask, WatchChain and FanOutStream return a [`PoolStream`]; task events and
//!   chain progress resume after the last delivered `seq` when the connection drops.
//! - Every `List*` RPC has a `list_all_*` helper yielding items across pages.
//! - Every failure is an [`Error`] with the gRPC code, the [`ErrorReason`], the `ErrorInfo`
//!   metadata, the `BadRequest` field violations and the `RetryInfo` delay.
//! - The generated messages and stub are in [`pb`]; [`Client::raw`] gives the stub itself.

/// The generated messages and client of `claude_pool.v1` (see `generate.sh`; never edited).
#[allow(clippy::all, missing_docs, rustdoc::all)]
pub mod pb {
    include!("gen/claude_pool.v1.rs");
}

mod builder;
mod call;
mod client;
mod errors;
mod idempotency;
mod interceptor;
mod outcomes;
mod paging;
mod retry;
mod rpc;
mod spec;
mod streams;

pub use builder::ClientBuilder;
pub use call::Call;
pub use client::{Client, RawClient};
pub use errors::{ERROR_DOMAIN, Error};
pub use idempotency::{MutatingRequest, PoolRequest, ensure_request_id};
pub use interceptor::{Hooks, InterceptorFn};
pub use retry::RetryPolicy;
pub use streams::{ChainProgressStream, FanOutItemStream, PoolStream, TaskEventStream};

pub use pb::task_event::Kind;
pub use pb::{
    AutoConfig, AutoResult, ChainOptions, ChainProgress, ChainResult, ChainSpec, ChainStatus,
    ChainStep, ContextEntry, DrainSummary, ErrorReason, FanOutItem, MetricsFilter, PoolConfig,
    PoolStatus, Route, Session, SessionMetrics, Slot, SlotMessage, StepResult, Task, TaskEvent,
    TaskOverrides, TaskResult, TaskSpec, TaskState,
};
pub use tonic::Code;
pub use tonic_health::ServingStatus;
pub use tonic_types::FieldViolation;

/// The tonic version this crate is built on, for building your own [`Channel`] or
/// [`ClientTlsConfig`].
///
/// [`Channel`]: tonic::transport::Channel
/// [`ClientTlsConfig`]: tonic::transport::ClientTlsConfig
pub use tonic;
