//! The one error type every call returns: the gRPC status plus the `google.rpc` details the server
//! attaches (`ErrorInfo`, `BadRequest`, `RetryInfo`), decoded once so callers can match on them.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tonic::{Code, Status};
use tonic_types::{FieldViolation, StatusExt};

use crate::pb::ErrorReason;

/// The domain of the server's own `ErrorInfo` details.
pub const ERROR_DOMAIN: &str = "claude-pool.dev";

/// A failed call (or a client that could not be built).
///
/// Carries the gRPC [`Code`] and message, and what the server's `grpc-status-details-bin` trailer
/// says: the [`ErrorReason`] from `google.rpc.ErrorInfo.reason` with its domain and metadata, the
/// `google.rpc.BadRequest` field violations, and the `google.rpc.RetryInfo` delay. The underlying
/// [`tonic::Status`] (or transport error) is its [`source`](std::error::Error::source).
#[derive(Clone)]
pub struct Error(Box<Parts>);

#[derive(Clone)]
struct Parts {
    code: Code,
    message: String,
    reason: ErrorReason,
    reason_name: Option<String>,
    domain: Option<String>,
    metadata: HashMap<String, String>,
    field_violations: Vec<FieldViolation>,
    retry_delay: Option<Duration>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    pub(crate) fn new(code: Code, message: impl Into<String>) -> Self {
        Error(Box::new(Parts {
            code,
            message: message.into(),
            reason: ErrorReason::Unspecified,
            reason_name: None,
            domain: None,
            metadata: HashMap::new(),
            field_violations: Vec::new(),
            retry_delay: None,
            source: None,
        }))
    }

    /// A client-side configuration problem (bad address, unreadable PEM, ...).
    pub(crate) fn config(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        let mut err = Error::new(Code::InvalidArgument, message);
        err.0.source = Some(Arc::new(source));
        err
    }

    /// The gRPC status code.
    pub fn code(&self) -> Code {
        self.0.code
    }

    /// The status message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// `ErrorInfo.reason` as the contract's enum, e.g. [`ErrorReason::TaskNotFound`].
    ///
    /// [`ErrorReason::Unspecified`] stands for "none this client knows": the error carried no
    /// `ErrorInfo`, or a reason newer than this crate (see [`reason_name`](Self::reason_name)).
    pub fn reason(&self) -> ErrorReason {
        self.0.reason
    }

    /// `ErrorInfo.reason` as sent, e.g. `"TASK_NOT_FOUND"`; also set for reasons this crate does
    /// not know.
    pub fn reason_name(&self) -> Option<&str> {
        self.0.reason_name.as_deref()
    }

    /// `ErrorInfo.domain`: [`ERROR_DOMAIN`] for the server's own errors.
    pub fn domain(&self) -> Option<&str> {
        self.0.domain.as_deref()
    }

    /// `ErrorInfo.metadata`: the dynamic values of the error (`task_id`, `namespace`, ...).
    pub fn metadata(&self) -> &HashMap<String, String> {
        &self.0.metadata
    }

    /// `BadRequest.field_violations` (with INVALID_ARGUMENT): which field is wrong and why.
    pub fn field_violations(&self) -> &[FieldViolation] {
        &self.0.field_violations
    }

    /// `RetryInfo.retry_delay`: how long the server asks the caller to wait before resending
    /// (with `RATE_LIMITED`).
    pub fn retry_delay(&self) -> Option<Duration> {
        self.0.retry_delay
    }

    /// True when a field violation names `field` (e.g. `"task.prompt"`).
    pub fn violates(&self, field: &str) -> bool {
        self.0.field_violations.iter().any(|v| v.field == field)
    }
}

impl From<Status> for Error {
    fn from(status: Status) -> Self {
        // Decodes `grpc-status-details-bin`; a status without details leaves the defaults.
        let details = status.get_error_details();
        let mut err = if is_transport_failure(&status) {
            Error::new(Code::Unavailable, chain_text(&status))
        } else {
            Error::new(status.code(), status.message())
        };
        if let Some(info) = details.error_info() {
            err.0.reason = parse_reason(&info.reason);
            err.0.reason_name = Some(info.reason.clone());
            err.0.domain = Some(info.domain.clone());
            err.0.metadata = info.metadata.clone();
        }
        if let Some(bad_request) = details.bad_request() {
            err.0.field_violations = bad_request.field_violations.clone();
        }
        err.0.retry_delay = details.retry_info().and_then(|info| info.retry_delay);
        err.0.source = Some(Arc::new(status));
        err
    }
}

impl From<tonic::transport::Error> for Error {
    /// A channel that could not be set up or connect: UNAVAILABLE.
    fn from(err: tonic::transport::Error) -> Self {
        let mut out = Error::new(Code::Unavailable, chain_text(&err));
        out.0.source = Some(Arc::new(err));
        out
    }
}

/// A status tonic raised itself because the connection failed: a refused handshake or a dropped
/// connection (UNKNOWN "transport error", or INTERNAL), or a request hyper dropped unsent when its
/// connection died (CANCELLED "operation was canceled"), each with the transport error as its
/// source. A status the server sent never has a source. gRPC calls such a failure UNAVAILABLE,
/// and so does this client, which makes it resendable (safe: a resend carries the same
/// request_id).
fn is_transport_failure(status: &Status) -> bool {
    matches!(status.code(), Code::Unknown | Code::Internal | Code::Cancelled)
        && std::error::Error::source(status).is_some()
}

/// An error and its causes on one line: `transport error: connection closed: ...`.
fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = match err.downcast_ref::<Status>() {
        Some(status) => status.message().to_owned(),
        None => err.to_string(),
    };
    let mut last = text.clone();
    let mut cause = err.source();
    while let Some(inner) = cause {
        let part = inner.to_string();
        if part != last {
            text = format!("{text}: {part}");
        }
        last = part;
        cause = inner.source();
    }
    text
}

/// `TASK_NOT_FOUND` (the wire form) or `ERROR_REASON_TASK_NOT_FOUND` (the enum's proto name) to the
/// enum; anything else to `Unspecified`.
fn parse_reason(reason: &str) -> ErrorReason {
    ErrorReason::from_str_name(reason)
        .or_else(|| ErrorReason::from_str_name(&format!("ERROR_REASON_{reason}")))
        .unwrap_or(ErrorReason::Unspecified)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code(), self.message())?;
        if let Some(reason) = self.reason_name() {
            write!(f, " [{reason}]")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Error");
        out.field("code", &self.code()).field("message", &self.message());
        if let Some(name) = self.reason_name() {
            out.field("reason", &name).field("domain", &self.domain().unwrap_or_default());
        }
        if !self.metadata().is_empty() {
            out.field("metadata", self.metadata());
        }
        if !self.field_violations().is_empty() {
            let fields: Vec<_> = self.field_violations().iter().map(|v| &v.field).collect();
            out.field("field_violations", &fields);
        }
        if let Some(delay) = self.retry_delay() {
            out.field("retry_delay", &delay);
        }
        out.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_types::ErrorDetails;

    #[test]
    fn decodes_error_info_bad_request_and_retry_info() {
        let mut details = ErrorDetails::with_error_info(
            "RATE_LIMITED",
            ERROR_DOMAIN,
            HashMap::from([("namespace".to_owned(), "team-a".to_owned())]),
        );
        details.add_bad_request_violation("task.prompt", "must not be empty");
        details.set_retry_info(Some(Duration::from_millis(250)));
        let status = Status::with_error_details(Code::ResourceExhausted, "slow down", details);
        let err = Error::from(status);
        assert_eq!(err.code(), Code::ResourceExhausted);
        assert_eq!(err.message(), "slow down");
        assert_eq!(err.reason(), ErrorReason::RateLimited);
        assert_eq!(err.reason_name(), Some("RATE_LIMITED"));
        assert_eq!(err.domain(), Some(ERROR_DOMAIN));
        assert_eq!(err.metadata()["namespace"], "team-a");
        assert!(err.violates("task.prompt") && !err.violates("task_id"));
        assert_eq!(err.retry_delay(), Some(Duration::from_millis(250)));
        assert_eq!(err.to_string(), "ResourceExhausted: slow down [RATE_LIMITED]");
        let source = std::error::Error::source(&err).expect("the status is the source");
        assert!(source.downcast_ref::<Status>().is_some());
    }

    #[test]
    fn unknown_reason_falls_back_but_keeps_its_name() {
        let details = ErrorDetails::with_error_info("INJECTED_FAULT", ERROR_DOMAIN, HashMap::new());
        let err = Error::from(Status::with_error_details(Code::Unavailable, "x", details));
        assert_eq!(err.reason(), ErrorReason::Unspecified);
        assert_eq!(err.reason_name(), Some("INJECTED_FAULT"));
    }

    #[test]
    fn every_known_reason_parses_from_its_wire_name() {
        for value in 1..=24 {
            let reason = ErrorReason::try_from(value).expect("a reason of errors.proto");
            let wire = reason.as_str_name().trim_start_matches("ERROR_REASON_");
            assert_eq!(parse_reason(wire), reason, "{wire}");
        }
    }

    #[test]
    fn a_local_transport_failure_is_unavailable() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset");
        let status = Status::from_error(Box::new(io));
        assert_eq!(status.code(), Code::Unknown, "what tonic makes of it");
        let err = Error::from(status);
        assert_eq!(err.code(), Code::Unavailable);
        assert!(err.message().contains("connection reset"), "{err}");
        // The same code sent by the server (no source) stays what it is.
        assert_eq!(Error::from(Status::unknown("boom")).code(), Code::Unknown);
    }

    #[test]
    fn status_without_details() {
        let err = Error::from(Status::unauthenticated("no token"));
        assert_eq!(err.code(), Code::Unauthenticated);
        assert_eq!(err.reason(), ErrorReason::Unspecified);
        assert!(err.reason_name().is_none() && err.field_violations().is_empty());
        assert!(err.retry_delay().is_none());
    }
}
