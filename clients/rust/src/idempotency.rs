//! Request ids: every mutating request gets a fresh UUID v4 `request_id` unless the caller set one,
//! and keeps it on every resend, so the server can answer a resend with the first call's reply
//! instead of doing the work twice (CONFORMANCE.md §1, "Idempotency").

use crate::pb;

/// A request message of `PoolService`. Mutating requests expose their `request_id` field.
pub trait PoolRequest: Clone + Send + Sync + 'static {
    /// The `request_id` field of a mutating request; `None` for reads.
    fn request_id_mut(&mut self) -> Option<&mut String> {
        None
    }
}

/// A request whose RPC changes state and carries a `request_id`.
pub trait MutatingRequest: PoolRequest {}

/// Sets a fresh UUID v4 `request_id` on a mutating request that has none; returns the id in use.
pub fn ensure_request_id<R: PoolRequest>(request: &mut R) -> Option<&str> {
    let id = request.request_id_mut()?;
    if id.is_empty() {
        *id = uuid::Uuid::new_v4().to_string();
    }
    Some(id.as_str())
}

macro_rules! mutating {
    ($($request:ident),* $(,)?) => {$(
        impl PoolRequest for pb::$request {
            fn request_id_mut(&mut self) -> Option<&mut String> {
                Some(&mut self.request_id)
            }
        }
        impl MutatingRequest for pb::$request {}
    )*};
}

macro_rules! reading {
    ($($request:ident),* $(,)?) => {$( impl PoolRequest for pb::$request {} )*};
}

// The 25 mutating RPCs of CONFORMANCE.md §1.
mutating!(
    RunRequest,
    RunStreamRequest,
    SubmitTaskRequest,
    CancelTaskRequest,
    DeleteTaskRequest,
    ClaimTaskRequest,
    ApproveTaskRequest,
    RejectTaskRequest,
    DeleteSessionRequest,
    FanOutRequest,
    FanOutStreamRequest,
    SubmitChainRequest,
    FanOutChainsRequest,
    CancelChainRequest,
    AutoRequest,
    ExecuteRouteRequest,
    SetContextRequest,
    DeleteContextRequest,
    SendMessageRequest,
    BroadcastMessageRequest,
    ReadMessagesRequest,
    ScaleUpRequest,
    ScaleDownRequest,
    SetTargetSlotsRequest,
    DrainRequest,
);

// The 18 reads.
reading!(
    GetTaskRequest,
    ListTasksRequest,
    WaitTaskRequest,
    WatchTaskRequest,
    GetSessionRequest,
    ListSessionsRequest,
    GetChainProgressRequest,
    ListChainProgressRequest,
    WatchChainRequest,
    RouteRequest,
    GetContextRequest,
    ListContextRequest,
    PeekMessagesRequest,
    CountMessagesRequest,
    FindSlotsRequest,
    GetStatusRequest,
    GetConfigRequest,
    GetSessionMetricsRequest,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_uuid_v4_unless_the_caller_gave_one() {
        let mut request = pb::RunRequest::default();
        let id = ensure_request_id(&mut request).unwrap().to_owned();
        let parsed = uuid::Uuid::parse_str(&id).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 4);
        // Kept as it is from then on (a resend sends the same request).
        assert_eq!(ensure_request_id(&mut request), Some(id.as_str()));

        let mut mine = pb::CancelTaskRequest { request_id: "mine".into(), ..Default::default() };
        assert_eq!(ensure_request_id(&mut mine), Some("mine"));

        let mut other = pb::RunRequest::default();
        assert_ne!(ensure_request_id(&mut other).unwrap(), id, "one id per call");
    }

    #[test]
    fn reads_carry_no_request_id() {
        assert_eq!(ensure_request_id(&mut pb::GetTaskRequest::default()), None);
    }
}
