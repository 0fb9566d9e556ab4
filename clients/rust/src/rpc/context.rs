//! Shared context: SetContext, GetContext, DeleteContext, ListContext.

use crate::call::{Call, unary};
use crate::client::Client;
use crate::paging::pages;
use crate::pb::{self, ContextEntry};
use crate::streams::PoolStream;

impl Client {
    /// SetContext: sets a shared-context entry (injected into every task's system prompt).
    pub fn set_context(
        &self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Call<pb::SetContextRequest, ContextEntry> {
        let request =
            pb::SetContextRequest { key: key.into(), value: value.into(), ..Default::default() };
        unary!(self, request, set_context, |r| r.entry.unwrap_or_default())
    }

    /// GetContext: a shared-context entry.
    pub fn get_context(&self, key: impl Into<String>) -> Call<pb::GetContextRequest, ContextEntry> {
        let request = pb::GetContextRequest { key: key.into() };
        unary!(self, request, get_context, |r| r.entry.unwrap_or_default())
    }

    /// DeleteContext: deletes an entry; the response says whether it existed and its value.
    pub fn delete_context(
        &self,
        key: impl Into<String>,
    ) -> Call<pb::DeleteContextRequest, pb::DeleteContextResponse> {
        let request = pb::DeleteContextRequest { key: key.into(), ..Default::default() };
        unary!(self, request, delete_context, |r| r)
    }

    /// ListContext: one page of entries, by key. See
    /// [`list_all_context`](Self::list_all_context).
    pub fn list_context(
        &self,
        request: pb::ListContextRequest,
    ) -> Call<pb::ListContextRequest, pb::ListContextResponse> {
        unary!(self, request, list_context, |r| r)
    }

    /// ListContext across every page, `page_size` per request (0: the server's default).
    pub fn list_all_context(&self, page_size: i32) -> PoolStream<ContextEntry> {
        let client = self.clone();
        pages(String::new(), move |page_token| {
            let call = client.list_context(pb::ListContextRequest { page_size, page_token });
            async move { call.await.map(|page| (page.entries, page.next_page_token)) }
        })
    }
}
