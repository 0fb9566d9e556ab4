//! Chains: SubmitChain, FanOutChains, GetChainProgress, ListChainProgress, WatchChain,
//! CancelChain.

use crate::call::{Call, unary};
use crate::client::Client;
use crate::paging::pages;
use crate::pb::{self, ChainOptions, ChainProgress, ChainSpec, ChainStep};
use crate::streams::{ChainProgressStream, ChainWatch, PoolStream};

impl Client {
    /// SubmitChain: submits dependent steps and returns the chain's initial progress at once;
    /// follow it with [`watch_chain`](Self::watch_chain).
    pub fn submit_chain(
        &self,
        steps: impl IntoIterator<Item = ChainStep>,
        options: Option<ChainOptions>,
    ) -> Call<pb::SubmitChainRequest, ChainProgress> {
        let request = pb::SubmitChainRequest {
            steps: steps.into_iter().collect(),
            options,
            ..Default::default()
        };
        unary!(self, request, submit_chain, |r| r.chain.unwrap_or_default())
    }

    /// FanOutChains: submits several independent chains; one progress per chain, in input order.
    pub fn fan_out_chains(
        &self,
        chains: impl IntoIterator<Item = ChainSpec>,
    ) -> Call<pb::FanOutChainsRequest, Vec<ChainProgress>> {
        let request =
            pb::FanOutChainsRequest { chains: chains.into_iter().collect(), ..Default::default() };
        unary!(self, request, fan_out_chains, |r| r.chains)
    }

    /// GetChainProgress: a chain's progress.
    pub fn get_chain_progress(
        &self,
        chain_id: impl Into<String>,
    ) -> Call<pb::GetChainProgressRequest, ChainProgress> {
        let request = pb::GetChainProgressRequest { chain_id: chain_id.into() };
        unary!(self, request, get_chain_progress, |r| r.chain.unwrap_or_default())
    }

    /// ListChainProgress: one page of chains, newest first. See
    /// [`list_all_chain_progress`](Self::list_all_chain_progress).
    pub fn list_chain_progress(
        &self,
        request: pb::ListChainProgressRequest,
    ) -> Call<pb::ListChainProgressRequest, pb::ListChainProgressResponse> {
        unary!(self, request, list_chain_progress, |r| r)
    }

    /// ListChainProgress across every page: the chains matching `request`'s status filter,
    /// following `next_page_token` (starting from `request.page_token`).
    pub fn list_all_chain_progress(
        &self,
        request: pb::ListChainProgressRequest,
    ) -> PoolStream<ChainProgress> {
        let client = self.clone();
        pages(request.page_token.clone(), move |page_token| {
            let request = pb::ListChainProgressRequest { page_token, ..request.clone() };
            let call = client.list_chain_progress(request);
            async move { call.await.map(|page| (page.chains, page.next_page_token)) }
        })
    }

    /// WatchChain: progress snapshots with `seq` after `after_seq` (0: the current one first),
    /// ending after the terminal one (with `end_time` and `result`). Fast changes may be
    /// coalesced. A broken stream resumes from the last delivered `seq`.
    pub fn watch_chain(
        &self,
        chain_id: impl Into<String>,
        after_seq: i64,
    ) -> Call<pb::WatchChainRequest, ChainProgressStream> {
        let request = pb::WatchChainRequest { chain_id: chain_id.into(), after_seq };
        Call::stream(self, request, |client, request| {
            Box::pin(async move {
                let pb::WatchChainRequest { chain_id, after_seq } = request.get_ref().clone();
                let stream = client.raw().watch_chain(request).await?.into_inner();
                Ok(ChainWatch::open(client, chain_id, after_seq, stream))
            })
        })
    }

    /// CancelChain: stops the running step and skips the rest; returns the progress after
    /// cancelling.
    pub fn cancel_chain(
        &self,
        chain_id: impl Into<String>,
    ) -> Call<pb::CancelChainRequest, ChainProgress> {
        let request = pb::CancelChainRequest { chain_id: chain_id.into(), ..Default::default() };
        unary!(self, request, cancel_chain, |r| r.chain.unwrap_or_default())
    }
}
