//! The pool itself: FindSlots, ScaleUp, ScaleDown, SetTargetSlots, GetStatus, GetConfig, Drain,
//! GetSessionMetrics.

use std::time::Duration;

use crate::call::{Call, unary};
use crate::client::Client;
use crate::pb::{self, DrainSummary, MetricsFilter, PoolConfig, PoolStatus, SessionMetrics, Slot};
use crate::rpc::{deadline_covering, proto_duration};

impl Client {
    /// FindSlots: slots matching every filter set in `request` (`FindSlotsRequest::default()`
    /// for all), by id.
    pub fn find_slots(
        &self,
        request: pb::FindSlotsRequest,
    ) -> Call<pb::FindSlotsRequest, Vec<Slot>> {
        unary!(self, request, find_slots, |r| r.slots)
    }

    /// ScaleUp: adds `count` slots (within `max_slots`); returns the slots after scaling.
    pub fn scale_up(&self, count: i32) -> Call<pb::ScaleUpRequest, i32> {
        let request = pb::ScaleUpRequest { count, ..Default::default() };
        unary!(self, request, scale_up, |r| r.total_slots)
    }

    /// ScaleDown: removes `count` slots, idle first, waiting up to `busy_timeout` (server
    /// default 30 s) for busy ones; returns the slots after scaling.
    pub fn scale_down(
        &self,
        count: i32,
        busy_timeout: Option<Duration>,
    ) -> Call<pb::ScaleDownRequest, i32> {
        let request = pb::ScaleDownRequest {
            count,
            busy_timeout: busy_timeout.map(proto_duration),
            ..Default::default()
        };
        let call = unary!(self, request, scale_down, |r| r.total_slots);
        match busy_timeout {
            Some(wait) => call.deadline(deadline_covering(wait)),
            None => call,
        }
    }

    /// SetTargetSlots: scales up or down to `target` slots; returns the slots after scaling.
    pub fn set_target_slots(&self, target: i32) -> Call<pb::SetTargetSlotsRequest, i32> {
        let request = pb::SetTargetSlotsRequest { target, ..Default::default() };
        unary!(self, request, set_target_slots, |r| r.total_slots)
    }

    /// GetStatus: counts of slots and tasks, spend and budget.
    pub fn get_status(&self) -> Call<pb::GetStatusRequest, PoolStatus> {
        unary!(self, pb::GetStatusRequest {}, get_status, |r| r.status.unwrap_or_default())
    }

    /// GetConfig: the effective pool configuration (no secrets).
    pub fn get_config(&self) -> Call<pb::GetConfigRequest, PoolConfig> {
        unary!(self, pb::GetConfigRequest {}, get_config, |r| r.config.unwrap_or_default())
    }

    /// Drain: stops accepting work, waits up to `timeout` (server default 5 minutes) for running
    /// tasks, and stops the slots.
    pub fn drain(&self, timeout: Option<Duration>) -> Call<pb::DrainRequest, DrainSummary> {
        let request =
            pb::DrainRequest { timeout: timeout.map(proto_duration), ..Default::default() };
        let call = unary!(self, request, drain, |r| r.summary.unwrap_or_default());
        match timeout {
            Some(wait) => call.deadline(deadline_covering(wait)),
            None => call,
        }
    }

    /// GetSessionMetrics: task outcomes, spend and timings over the tasks `filter` matches
    /// (`MetricsFilter::default()` for all).
    pub fn get_session_metrics(
        &self,
        filter: MetricsFilter,
    ) -> Call<pb::GetSessionMetricsRequest, SessionMetrics> {
        let request = pb::GetSessionMetricsRequest { filter: Some(filter) };
        unary!(self, request, get_session_metrics, |r| r.metrics.unwrap_or_default())
    }
}
