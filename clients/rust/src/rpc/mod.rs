//! The wrapper methods of `claude_pool.v1.PoolService`, one per RPC, grouped as the contract
//! groups them. Each is named after its RPC in snake case.

mod chains;
mod context;
mod fan_out;
mod pool;
mod routing;
mod sessions;
mod slot_messages;
mod tasks;

use std::time::Duration;

/// A `std::time::Duration` as a protobuf `Duration` (saturating at its range).
pub(crate) fn proto_duration(duration: Duration) -> prost_types::Duration {
    prost_types::Duration::try_from(duration)
        .unwrap_or(prost_types::Duration { seconds: i64::MAX, nanos: 999_999_999 })
}

/// The client-side deadline of a call that asks the server to wait up to `wait`: the wait plus a
/// margin, so the call is not cut off before the server answers.
pub(crate) fn deadline_covering(wait: Duration) -> Duration {
    wait.saturating_add(Duration::from_secs(10))
}
