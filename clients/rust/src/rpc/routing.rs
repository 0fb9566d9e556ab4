//! Routing: Route, Auto, ExecuteRoute.

use crate::call::{Call, unary};
use crate::client::Client;
use crate::pb::{self, AutoConfig, AutoResult, Route};

impl Client {
    /// Route: asks the router which route (single, parallel or chain) suits `prompt`, without
    /// running it.
    pub fn route(
        &self,
        prompt: impl Into<String>,
        config: Option<AutoConfig>,
    ) -> Call<pb::RouteRequest, pb::RouteResponse> {
        let request = pb::RouteRequest { prompt: prompt.into(), config };
        unary!(self, request, route, |r| r)
    }

    /// Auto: routes `prompt` and runs the route (a single task if routing fails).
    pub fn auto(
        &self,
        prompt: impl Into<String>,
        config: Option<AutoConfig>,
    ) -> Call<pb::AutoRequest, AutoResult> {
        let request = pb::AutoRequest { prompt: prompt.into(), config, ..Default::default() };
        unary!(self, request, auto, |r| r.result.unwrap_or_default())
    }

    /// ExecuteRoute: runs a given route.
    pub fn execute_route(&self, route: Route) -> Call<pb::ExecuteRouteRequest, AutoResult> {
        let request = pb::ExecuteRouteRequest { route: Some(route), ..Default::default() };
        unary!(self, request, execute_route, |r| r.result.unwrap_or_default())
    }
}
