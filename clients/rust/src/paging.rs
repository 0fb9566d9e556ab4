//! Paging helpers: every `List*` RPC returns one page and a `next_page_token`; its `list_all_*`
//! helper yields the items of every page in turn, fetching the next page only when the caller
//! has read the current one.

use std::collections::VecDeque;
use std::future::Future;

use tonic::Code;

use crate::errors::Error;
use crate::streams::PoolStream;

/// Items across pages: `fetch(page_token)` returns one page's items and the next token (empty on
/// the last page); the first fetch uses `first_token` (usually empty).
pub(crate) fn pages<T, F, Fut>(first_token: String, fetch: F) -> PoolStream<T>
where
    T: Send + 'static,
    F: FnMut(String) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<T>, String), Error>> + Send + 'static,
{
    let state = Pager { fetch, buffer: VecDeque::new(), next: Some(first_token) };
    PoolStream::new(futures_util::stream::unfold(state, Pager::next))
}

struct Pager<T, F> {
    fetch: F,
    buffer: VecDeque<T>,
    /// The token of the page to fetch next; `None` after the last page (or an error).
    next: Option<String>,
}

impl<T, F, Fut> Pager<T, F>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, String), Error>>,
{
    async fn next(mut self) -> Option<(Result<T, Error>, Self)> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some((Ok(item), self));
            }
            let token = self.next.take()?;
            match (self.fetch)(token.clone()).await {
                Ok((items, next_token)) => {
                    if !next_token.is_empty() && next_token == token {
                        let err =
                            Error::new(Code::Internal, "the server sent the same page token again");
                        return Some((Err(err), self));
                    }
                    self.buffer.extend(items);
                    self.next = (!next_token.is_empty()).then_some(next_token);
                }
                Err(err) => return Some((Err(err), self)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A fake List RPC over `0..total`, `size` per page, tokens being the next offset.
    fn numbers(total: usize, size: usize, tokens: Arc<Mutex<Vec<String>>>) -> PoolStream<usize> {
        pages(String::new(), move |token: String| {
            tokens.lock().unwrap().push(token.clone());
            let start: usize = if token.is_empty() { 0 } else { token.parse().unwrap() };
            let end = (start + size).min(total);
            let next = if end < total { end.to_string() } else { String::new() };
            async move { Ok(((start..end).collect(), next)) }
        })
    }

    async fn collect(mut stream: PoolStream<usize>) -> Result<Vec<usize>, Error> {
        let mut out = Vec::new();
        while let Some(item) = stream.message().await? {
            out.push(item);
        }
        Ok(out)
    }

    #[tokio::test]
    async fn follows_next_page_token_to_the_end() {
        let tokens = Arc::new(Mutex::new(Vec::new()));
        let items = collect(numbers(7, 3, tokens.clone())).await.unwrap();
        assert_eq!(items, (0..7).collect::<Vec<_>>());
        assert_eq!(*tokens.lock().unwrap(), ["", "3", "6"]);
    }

    #[tokio::test]
    async fn an_empty_list_is_one_request() {
        let tokens = Arc::new(Mutex::new(Vec::new()));
        assert!(collect(numbers(0, 3, tokens.clone())).await.unwrap().is_empty());
        assert_eq!(tokens.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn fetches_a_page_only_when_needed() {
        let tokens = Arc::new(Mutex::new(Vec::new()));
        let mut stream = numbers(10, 2, tokens.clone());
        assert_eq!(stream.message().await.unwrap(), Some(0));
        assert_eq!(stream.message().await.unwrap(), Some(1));
        assert_eq!(tokens.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn an_error_ends_the_stream() {
        let mut calls = 0;
        let mut stream = pages(String::new(), move |_token: String| {
            calls += 1;
            let page = if calls == 1 {
                Ok((vec![1], "next".to_owned()))
            } else {
                Err(Error::new(Code::Unavailable, "down"))
            };
            async move { page }
        });
        assert_eq!(stream.message().await.unwrap(), Some(1));
        assert_eq!(stream.message().await.unwrap_err().code(), Code::Unavailable);
        assert_eq!(stream.message().await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_repeated_token_is_an_error_not_a_loop() {
        let mut stream =
            pages("t".to_owned(), |_token: String| async { Ok((vec![0], "t".to_owned())) });
        assert_eq!(stream.message().await.unwrap_err().code(), Code::Internal);
    }
}
