//! Sessions: GetSession, ListSessions, DeleteSession.

use crate::call::{Call, unary};
use crate::client::Client;
use crate::paging::pages;
use crate::pb::{self, Session};
use crate::streams::PoolStream;

impl Client {
    /// GetSession: a session the caller owns.
    pub fn get_session(
        &self,
        session_id: impl Into<String>,
    ) -> Call<pb::GetSessionRequest, Session> {
        let request = pb::GetSessionRequest { session_id: session_id.into() };
        unary!(self, request, get_session, |r| r.session.unwrap_or_default())
    }

    /// ListSessions: one page of the caller's sessions, most recently used first. See
    /// [`list_all_sessions`](Self::list_all_sessions).
    pub fn list_sessions(
        &self,
        request: pb::ListSessionsRequest,
    ) -> Call<pb::ListSessionsRequest, pb::ListSessionsResponse> {
        unary!(self, request, list_sessions, |r| r)
    }

    /// ListSessions across every page, `page_size` per request (0: the server's default).
    pub fn list_all_sessions(&self, page_size: i32) -> PoolStream<Session> {
        let client = self.clone();
        pages(String::new(), move |page_token| {
            let call = client.list_sessions(pb::ListSessionsRequest { page_size, page_token });
            async move { call.await.map(|page| (page.sessions, page.next_page_token)) }
        })
    }

    /// DeleteSession: deletes a session and its transcript for good; continuing it afterwards is
    /// NOT_FOUND. Tasks that ran in it stay.
    pub fn delete_session(
        &self,
        session_id: impl Into<String>,
    ) -> Call<pb::DeleteSessionRequest, ()> {
        let request =
            pb::DeleteSessionRequest { session_id: session_id.into(), ..Default::default() };
        unary!(self, request, delete_session, |_r| ())
    }
}
