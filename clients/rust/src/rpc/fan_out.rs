//! Fan-out: FanOut, FanOutStream.

use crate::call::{Call, unary};
use crate::client::Client;
use crate::pb::{self, FanOutItem, TaskSpec};
use crate::streams::{FanOutItemStream, FanOutItems};

impl Client {
    /// FanOut: runs the tasks concurrently and returns one item per spec, in input order; each
    /// holds its finished task or its own submission error ([`FanOutItem::into_result`]).
    pub fn fan_out<S: Into<TaskSpec>>(
        &self,
        specs: impl IntoIterator<Item = S>,
    ) -> Call<pb::FanOutRequest, Vec<FanOutItem>> {
        let tasks = specs.into_iter().map(Into::into).collect();
        let request = pb::FanOutRequest { tasks, ..Default::default() };
        unary!(self, request, fan_out, |r| {
            let mut items = r.items;
            items.sort_by_key(|item| item.index);
            items
        })
    }

    /// FanOutStream: like [`fan_out`](Self::fan_out), but yields each item as soon as its task
    /// finishes (`index` gives its position), ending after the last.
    pub fn fan_out_stream<S: Into<TaskSpec>>(
        &self,
        specs: impl IntoIterator<Item = S>,
    ) -> Call<pb::FanOutStreamRequest, FanOutItemStream> {
        let tasks = specs.into_iter().map(Into::into).collect();
        let request = pb::FanOutStreamRequest { tasks, ..Default::default() };
        Call::stream(self, request, |client, request| {
            Box::pin(async move {
                let sent = request.get_ref().clone();
                let stream = client.raw().fan_out_stream(request).await?.into_inner();
                Ok(FanOutItems::open(client, sent, stream))
            })
        })
    }
}
