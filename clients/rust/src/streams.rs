//! Typed server streams that survive a dropped connection (CONFORMANCE.md §1, "Resumable
//! watches"): a task's events and a chain's progress are numbered by `seq`, so a broken stream is
//! reopened with WatchTask / WatchChain after the last delivered `seq` and the caller sees every
//! item exactly once. A stream that breaks before its first item is resent as it was (same
//! `request_id`). Each break gets the attempts of the client's resend policy.

use std::collections::HashSet;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use tonic::Status;

use crate::client::Client;
use crate::errors::Error;
use crate::pb::{self, ChainProgress, FanOutItem, TaskEvent, task_event::Kind};
use crate::retry::Attempts;

/// A stream of `T` from the server, ending after its last item (or after an error).
///
/// Read it with [`message`](Self::message), or as a [`Stream`] with `futures` combinators.
/// Dropping it cancels the underlying call.
pub struct PoolStream<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>>,
}

/// A task's events (RunStream, WatchTask): state changes, text deltas in order, then `finished`.
pub type TaskEventStream = PoolStream<TaskEvent>;
/// A chain's progress snapshots (WatchChain), ending after the terminal one.
pub type ChainProgressStream = PoolStream<ChainProgress>;
/// Fan-out items as each task finishes (FanOutStream), in completion order.
pub type FanOutItemStream = PoolStream<FanOutItem>;

impl<T> PoolStream<T> {
    pub(crate) fn new(inner: impl Stream<Item = Result<T, Error>> + Send + 'static) -> Self {
        PoolStream { inner: Box::pin(inner) }
    }

    /// The next item; `Ok(None)` once the stream is over.
    pub async fn message(&mut self) -> Result<Option<T>, Error> {
        self.inner.next().await.transpose()
    }
}

impl<T> Stream for PoolStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<T> std::fmt::Debug for PoolStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PoolStream")
    }
}

type Raw<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// What to do with an item the server sent.
#[derive(Debug, PartialEq)]
pub(crate) enum Verdict {
    /// Already delivered before a resume: drop it.
    Skip,
    /// Deliver it; more follow.
    Deliver,
    /// Deliver it; it is the last one.
    Last,
}

/// The resumable part of a stream: where it stands and how to reopen it.
pub(crate) trait Source: Send + 'static {
    type Item: Send + 'static;

    /// Notes an item the server sent.
    fn observe(&mut self, item: &Self::Item) -> Verdict;

    /// True when the server closing the stream before the last item is a break to resume from.
    fn end_is_break(&self) -> bool;

    /// True when the stream can be reopened now.
    fn can_reopen(&self) -> bool;

    /// Opens it again after a break.
    fn reopen(&self, client: Client) -> BoxFuture<'static, Result<Raw<Self::Item>, Status>>;
}

/// A stream over `source`, starting with the already opened `first`.
pub(crate) fn resuming<S: Source>(
    client: Client,
    source: S,
    first: Raw<S::Item>,
) -> PoolStream<S::Item> {
    let state = Driver { client, source, current: Some(first), attempts: None, done: false };
    PoolStream::new(futures_util::stream::unfold(state, Driver::next))
}

struct Driver<S: Source> {
    client: Client,
    source: S,
    current: Option<Raw<S::Item>>,
    /// Attempts since the last delivered item; a break with no progress in between counts on.
    attempts: Option<Attempts>,
    done: bool,
}

impl<S: Source> Driver<S> {
    async fn next(mut self) -> Option<(Result<S::Item, Error>, Self)> {
        while !self.done {
            let Some(current) = self.current.as_mut() else { break };
            let broken = match current.next().await {
                Some(Ok(item)) => match self.source.observe(&item) {
                    Verdict::Skip => continue,
                    verdict => {
                        self.attempts = None;
                        if verdict == Verdict::Last {
                            self.done = true;
                            self.current = None; // ends the call now
                        }
                        return Some((Ok(item), self));
                    }
                },
                Some(Err(status)) => status,
                None if self.source.end_is_break() => {
                    Status::unavailable("the stream ended before its last item")
                }
                None => break,
            };
            self.current = None;
            match self.reopen(broken).await {
                Ok(stream) => self.current = Some(stream),
                Err(err) => {
                    self.done = true;
                    return Some((Err(err), self));
                }
            }
        }
        None
    }

    /// Reopens after `broken`, waiting between attempts per the policy (a dropped connection
    /// counts as UNAVAILABLE, see `Error::from(Status)`).
    async fn reopen(&mut self, broken: Status) -> Result<Raw<S::Item>, Error> {
        let mut err = Error::from(broken);
        loop {
            if !self.source.can_reopen() {
                return Err(err);
            }
            let policy = self.client.retry_policy().clone();
            let attempts = self.attempts.get_or_insert_with(|| Attempts::new(policy, None));
            if !attempts.retry_after(&err).await {
                return Err(err);
            }
            match self.source.reopen(self.client.clone()).await {
                Ok(stream) => return Ok(stream),
                Err(status) => err = Error::from(status),
            }
        }
    }
}

fn boxed<T, M>(stream: tonic::codec::Streaming<M>, unwrap: fn(M) -> T) -> Raw<T>
where
    T: Send + 'static,
    M: Send + 'static,
{
    Box::pin(stream.map(move |r| r.map(unwrap)))
}

// ---------------------------------------------------------------------------------------------
// Task events: RunStream, then WatchTask from the last seq.
// ---------------------------------------------------------------------------------------------

/// Where a task's event stream stands.
pub(crate) struct TaskEvents {
    /// The RunStream request, resent when the stream breaks before naming its task.
    run: Option<pb::RunStreamRequest>,
    task_id: Option<String>,
    last_seq: i64,
}

impl TaskEvents {
    /// A RunStream just opened with `request`.
    pub(crate) fn run_stream(
        client: Client,
        request: pb::RunStreamRequest,
        stream: tonic::codec::Streaming<pb::RunStreamResponse>,
    ) -> PoolStream<TaskEvent> {
        let source = TaskEvents { run: Some(request), task_id: None, last_seq: 0 };
        resuming(client, source, boxed(stream, |m| m.event.unwrap_or_default()))
    }

    /// A WatchTask just opened for `task_id` after `after_seq`.
    pub(crate) fn watch(
        client: Client,
        task_id: String,
        after_seq: i64,
        stream: tonic::codec::Streaming<pb::WatchTaskResponse>,
    ) -> PoolStream<TaskEvent> {
        let source = TaskEvents { run: None, task_id: Some(task_id), last_seq: after_seq };
        resuming(client, source, boxed(stream, |m| m.event.unwrap_or_default()))
    }
}

impl Source for TaskEvents {
    type Item = TaskEvent;

    fn observe(&mut self, event: &TaskEvent) -> Verdict {
        if event.seq <= self.last_seq {
            return Verdict::Skip;
        }
        self.last_seq = event.seq;
        if self.task_id.is_none() && !event.task_id.is_empty() {
            self.task_id = Some(event.task_id.clone());
        }
        if matches!(event.kind, Some(Kind::Finished(_))) { Verdict::Last } else { Verdict::Deliver }
    }

    fn end_is_break(&self) -> bool {
        true
    }

    fn can_reopen(&self) -> bool {
        self.task_id.is_some() || self.run.is_some()
    }

    fn reopen(&self, client: Client) -> BoxFuture<'static, Result<Raw<TaskEvent>, Status>> {
        let mut raw = client.raw();
        match (&self.task_id, &self.run) {
            (Some(task_id), _) => {
                let request =
                    pb::WatchTaskRequest { task_id: task_id.clone(), after_seq: self.last_seq };
                Box::pin(async move {
                    let stream = raw.watch_task(request).await?.into_inner();
                    Ok(boxed(stream, |m| m.event.unwrap_or_default()))
                })
            }
            (None, run) => {
                let request = run.clone().unwrap_or_default();
                Box::pin(async move {
                    let stream = raw.run_stream(request).await?.into_inner();
                    Ok(boxed(stream, |m| m.event.unwrap_or_default()))
                })
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Chain progress: WatchChain from the last seq.
// ---------------------------------------------------------------------------------------------

/// Where a chain's progress stream stands.
pub(crate) struct ChainWatch {
    chain_id: String,
    last_seq: i64,
}

impl ChainWatch {
    /// A WatchChain just opened for `chain_id` after `after_seq`.
    pub(crate) fn open(
        client: Client,
        chain_id: String,
        after_seq: i64,
        stream: tonic::codec::Streaming<pb::WatchChainResponse>,
    ) -> PoolStream<ChainProgress> {
        let source = ChainWatch { chain_id, last_seq: after_seq };
        resuming(client, source, boxed(stream, |m| m.chain.unwrap_or_default()))
    }
}

impl Source for ChainWatch {
    type Item = ChainProgress;

    /// The last snapshot is terminal and settled: a cancelled chain may first show its status and
    /// only then its `end_time` and `result`.
    fn observe(&mut self, progress: &ChainProgress) -> Verdict {
        if progress.seq <= self.last_seq && self.last_seq != 0 {
            return Verdict::Skip;
        }
        self.last_seq = progress.seq;
        if progress.status().is_terminal() && progress.end_time.is_some() {
            Verdict::Last
        } else {
            Verdict::Deliver
        }
    }

    /// The server closes WatchChain only once the chain is terminal (at once when watched from
    /// its terminal seq), so a clean close is the end.
    fn end_is_break(&self) -> bool {
        false
    }

    fn can_reopen(&self) -> bool {
        true
    }

    fn reopen(&self, client: Client) -> BoxFuture<'static, Result<Raw<ChainProgress>, Status>> {
        let mut raw = client.raw();
        let request =
            pb::WatchChainRequest { chain_id: self.chain_id.clone(), after_seq: self.last_seq };
        Box::pin(async move {
            let stream = raw.watch_chain(request).await?.into_inner();
            Ok(boxed(stream, |m| m.chain.unwrap_or_default()))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Fan-out items: FanOutStream, resent (same request_id) only before its first item.
// ---------------------------------------------------------------------------------------------

/// Which fan-out items were delivered.
pub(crate) struct FanOutItems {
    request: pb::FanOutStreamRequest,
    delivered: HashSet<i32>,
}

impl FanOutItems {
    /// A FanOutStream just opened with `request`.
    pub(crate) fn open(
        client: Client,
        request: pb::FanOutStreamRequest,
        stream: tonic::codec::Streaming<pb::FanOutStreamResponse>,
    ) -> PoolStream<FanOutItem> {
        let source = FanOutItems { request, delivered: HashSet::new() };
        resuming(client, source, boxed(stream, |m| m.item.unwrap_or_default()))
    }
}

impl Source for FanOutItems {
    type Item = FanOutItem;

    fn observe(&mut self, item: &FanOutItem) -> Verdict {
        if !self.delivered.insert(item.index) {
            return Verdict::Skip;
        }
        if self.delivered.len() >= self.request.tasks.len() {
            Verdict::Last
        } else {
            Verdict::Deliver
        }
    }

    fn end_is_break(&self) -> bool {
        false
    }

    /// Items carry no seq to resume after, so only a stream that delivered nothing is resent.
    fn can_reopen(&self) -> bool {
        self.delivered.is_empty()
    }

    fn reopen(&self, client: Client) -> BoxFuture<'static, Result<Raw<FanOutItem>, Status>> {
        let mut raw = client.raw();
        let request = self.request.clone();
        Box::pin(async move {
            let stream = raw.fan_out_stream(request).await?.into_inner();
            Ok(boxed(stream, |m| m.item.unwrap_or_default()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    use crate::RetryPolicy;
    use crate::pb::{ChainStatus, TaskFinished, TextDelta};
    use tonic::Code;

    type Script = VecDeque<Result<Vec<Result<TaskEvent, Status>>, Status>>;

    /// Task events whose reopens follow a script instead of calling a server.
    struct Fake {
        events: TaskEvents,
        script: Arc<Mutex<Script>>,
        reopened_after: Arc<Mutex<Vec<i64>>>,
    }

    impl Source for Fake {
        type Item = TaskEvent;
        fn observe(&mut self, item: &TaskEvent) -> Verdict {
            self.events.observe(item)
        }
        fn end_is_break(&self) -> bool {
            self.events.end_is_break()
        }
        fn can_reopen(&self) -> bool {
            self.events.can_reopen()
        }
        fn reopen(&self, _client: Client) -> BoxFuture<'static, Result<Raw<TaskEvent>, Status>> {
            self.reopened_after.lock().unwrap().push(self.events.last_seq);
            let next = self.script.lock().unwrap().pop_front().expect("an unexpected reopen");
            Box::pin(async move { next.map(raw) })
        }
    }

    fn raw(items: Vec<Result<TaskEvent, Status>>) -> Raw<TaskEvent> {
        Box::pin(futures_util::stream::iter(items))
    }

    fn delta(seq: i64) -> Result<TaskEvent, Status> {
        let kind = Kind::TextDelta(TextDelta { text: format!("{seq} "), attempt: 1 });
        Ok(TaskEvent { task_id: "task-1".into(), seq, kind: Some(kind), ..Default::default() })
    }

    fn finished(seq: i64) -> Result<TaskEvent, Status> {
        let kind = Kind::Finished(TaskFinished::default());
        Ok(TaskEvent { task_id: "task-1".into(), seq, kind: Some(kind), ..Default::default() })
    }

    /// Runs a watch that starts with `first` and reopens per `script`; returns the delivered seqs
    /// (or the final error's code) and the `after_seq` of each reopen.
    async fn watch(
        first: Vec<Result<TaskEvent, Status>>,
        script: Script,
    ) -> (Vec<Result<i64, Code>>, Vec<i64>) {
        let policy = RetryPolicy {
            initial_backoff: std::time::Duration::from_millis(1),
            ..Default::default()
        };
        let client = Client::builder("127.0.0.1:1").retry_policy(policy).connect_lazy().unwrap();
        let reopened_after = Arc::new(Mutex::new(Vec::new()));
        let source = Fake {
            events: TaskEvents { run: None, task_id: Some("task-1".into()), last_seq: 0 },
            script: Arc::new(Mutex::new(script)),
            reopened_after: reopened_after.clone(),
        };
        let mut stream = resuming(client, source, raw(first));
        let mut seen = Vec::new();
        while let Some(item) = stream.next().await {
            seen.push(item.map(|e| e.seq).map_err(|e| e.code()));
        }
        let reopened = reopened_after.lock().unwrap().clone();
        (seen, reopened)
    }

    #[tokio::test]
    async fn resumes_after_the_last_delivered_seq_without_duplicates() {
        let first = vec![delta(1), delta(2), Err(Status::unavailable("dropped"))];
        let script = VecDeque::from([Ok(vec![delta(2), delta(3), finished(4)])]);
        let (seen, reopened) = watch(first, script).await;
        assert_eq!(seen, [Ok(1), Ok(2), Ok(3), Ok(4)]);
        assert_eq!(reopened, [2]);
    }

    #[tokio::test]
    async fn a_clean_end_before_finished_is_a_break() {
        let script = VecDeque::from([Ok(vec![finished(2)])]);
        let (seen, reopened) = watch(vec![delta(1)], script).await;
        assert_eq!((seen, reopened), (vec![Ok(1), Ok(2)], vec![1]));
    }

    #[tokio::test]
    async fn a_break_gets_4_attempts_in_all() {
        let script: Script = (0..3).map(|_| Err(Status::unavailable("down"))).collect();
        let first = vec![delta(1), Err(Status::unavailable("dropped"))];
        let (seen, reopened) = watch(first, script).await;
        assert_eq!(seen, [Ok(1), Err(Code::Unavailable)]);
        assert_eq!(reopened.len(), 3, "the break and 3 reopens");
    }

    #[tokio::test]
    async fn other_errors_end_the_stream() {
        let first = vec![delta(1), Err(Status::permission_denied("no"))];
        let (seen, reopened) = watch(first, VecDeque::new()).await;
        assert_eq!(seen, [Ok(1), Err(Code::PermissionDenied)]);
        assert!(reopened.is_empty());
    }

    #[tokio::test]
    async fn progress_renews_the_attempts() {
        let down = || Err(Status::unavailable("down"));
        // Two breaks of 3 failed attempts each, with an event in between.
        let script = VecDeque::from([
            down(),
            down(),
            Ok(vec![delta(2), Err(Status::unavailable("again"))]),
            down(),
            down(),
            Ok(vec![finished(3)]),
        ]);
        let (seen, _) = watch(vec![delta(1), Err(Status::unavailable("dropped"))], script).await;
        assert_eq!(seen, [Ok(1), Ok(2), Ok(3)]);
    }

    #[test]
    fn chain_snapshots_end_when_terminal_and_settled() {
        let mut watch = ChainWatch { chain_id: "chain-1".into(), last_seq: 0 };
        let running =
            ChainProgress { seq: 1, status: ChainStatus::Running as i32, ..Default::default() };
        let cancelled =
            ChainProgress { seq: 2, status: ChainStatus::Cancelled as i32, ..Default::default() };
        let settled =
            ChainProgress { seq: 3, end_time: Some(Default::default()), ..cancelled.clone() };
        assert_eq!(watch.observe(&running), Verdict::Deliver);
        assert_eq!(watch.observe(&running), Verdict::Skip);
        assert_eq!(watch.observe(&cancelled), Verdict::Deliver, "not settled without end_time");
        assert_eq!(watch.observe(&settled), Verdict::Last);
    }

    #[test]
    fn fan_out_items_end_after_one_per_task_and_resend_only_before_the_first() {
        let request =
            pb::FanOutStreamRequest { tasks: vec![Default::default(); 2], ..Default::default() };
        let mut items = FanOutItems { request, delivered: HashSet::new() };
        assert!(items.can_reopen());
        assert_eq!(items.observe(&FanOutItem { index: 1, ..Default::default() }), Verdict::Deliver);
        assert!(!items.can_reopen());
        assert_eq!(items.observe(&FanOutItem { index: 1, ..Default::default() }), Verdict::Skip);
        assert_eq!(items.observe(&FanOutItem { index: 0, ..Default::default() }), Verdict::Last);
    }
}
