//! The client conformance scenario (clients/CONFORMANCE.md §3, steps 1-14) against a live server,
//! over mutual TLS, through the wrapper methods only.
//!
//! Run it under the harness from the repository root:
//! `python -m tests.support.live_server -- bash clients/rust/ci.sh`.
//! Without CLAUDE_POOL_TEST_ADDR it skips (and says so). Every step runs even when an earlier one
//! failed, and the test fails at the end naming the failed steps.

use std::collections::HashSet;
use std::future::Future;
use std::io::Write;
use std::time::{Duration, Instant};

use claude_pool_client::pb::{FindSlotsRequest, ListChainProgressRequest, ListTasksRequest};
use claude_pool_client::{
    ChainStatus, ChainStep, Client, ClientBuilder, Code, ERROR_DOMAIN, ErrorReason, MetricsFilter,
    ServingStatus, TaskEvent, TaskEventStream, TaskSpec, TaskState,
};
use futures_util::StreamExt;

const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// Writes straight to stderr, past the test harness's output capture, so it always shows.
fn note(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// The harness's server and credentials.
#[derive(Clone)]
struct Server {
    addr: String,
    token: Option<String>,
    ca: Option<Vec<u8>>,
    identity: Option<(Vec<u8>, Vec<u8>)>,
}

impl Server {
    fn from_env() -> Option<Server> {
        let addr = env("CLAUDE_POOL_TEST_ADDR")?;
        let identity = match (env("CLAUDE_POOL_TEST_TLS_CERT"), env("CLAUDE_POOL_TEST_TLS_KEY")) {
            (Some(cert), Some(key)) => Some((read(&cert), read(&key))),
            _ => None,
        };
        Some(Server {
            addr,
            token: env("CLAUDE_POOL_TEST_TOKEN"),
            ca: env("CLAUDE_POOL_TEST_TLS_CA").map(|path| read(&path)),
            identity,
        })
    }

    /// TLS with the CA (when the harness runs TLS), without client certificate or token.
    fn tls(&self) -> ClientBuilder {
        let builder = Client::builder(&self.addr).default_deadline(Duration::from_secs(30));
        match &self.ca {
            Some(ca) => builder.tls_ca_pem(ca),
            None => builder,
        }
    }

    /// TLS with the client certificate (mTLS), without token.
    fn mtls(&self) -> ClientBuilder {
        match &self.identity {
            Some((cert, key)) => self.tls().tls_identity(cert, key),
            None => self.tls(),
        }
    }

    /// mTLS and the token: what every step uses unless it says otherwise.
    fn client(&self) -> Client {
        let builder = self.mtls();
        let builder = match &self.token {
            Some(token) => builder.token(token),
            None => builder,
        };
        builder.connect_lazy().expect("client options")
    }
}

/// The outcome of every step.
#[derive(Default)]
struct Report {
    failed: Vec<String>,
}

impl Report {
    /// Runs one step as its own task with its own time limit, so a failing step (a panic) is
    /// recorded and the next steps still run.
    async fn step(&mut self, name: &str, body: impl Future<Output = ()> + Send + 'static) {
        let started = Instant::now();
        let outcome = match tokio::time::timeout(STEP_TIMEOUT, tokio::spawn(body)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(panic)) => Err(panic_message(panic)),
            Err(_) => Err(format!("timed out after {STEP_TIMEOUT:?}")),
        };
        match outcome {
            Ok(()) => note(&format!("conformance step {name}: ok ({:.1?})", started.elapsed())),
            Err(why) => {
                note(&format!("conformance step {name}: FAILED: {why}"));
                self.failed.push(name.to_owned());
            }
        }
    }
}

fn panic_message(err: tokio::task::JoinError) -> String {
    match err.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".to_owned()),
        Err(err) => err.to_string(),
    }
}

/// Reads events until (and including) `finished`.
async fn read_to_finished(events: &mut TaskEventStream) -> Vec<TaskEvent> {
    let mut seen = Vec::new();
    while let Some(event) = events.message().await.expect("event stream failed") {
        let finished = event.is_finished();
        seen.push(event);
        if finished {
            return seen;
        }
    }
    panic!("the stream ended without a finished event after {} events", seen.len());
}

fn deltas(events: &[TaskEvent]) -> String {
    events.iter().filter_map(TaskEvent::text).collect()
}

#[tokio::test]
async fn conformance() {
    let Some(server) = Server::from_env() else {
        note(
            "SKIPPED conformance: CLAUDE_POOL_TEST_ADDR is unset. Run it under the live-server \
             harness: python -m tests.support.live_server -- bash clients/rust/ci.sh",
        );
        return;
    };
    let mtls = server.ca.is_some() && server.identity.is_some();
    note(&format!(
        "conformance against {} ({})",
        server.addr,
        if mtls { "mTLS" } else { "plaintext" }
    ));
    let client = server.client();
    let mut report = Report::default();

    let s = server.clone();
    report
        .step("1 health", async move {
            let anonymous = s.mtls().connect().await.expect("connect without token");
            let status = anonymous.health("").await.expect("Health/Check without a token");
            assert_eq!(status, ServingStatus::Serving);
        })
        .await;

    let (s, c) = (server.clone(), client.clone());
    report
        .step("2 auth", async move {
            let anonymous = s.mtls().connect_lazy().unwrap();
            let err = anonymous.get_status().await.expect_err("GetStatus without a token");
            assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
            let status = c.get_status().await.expect("GetStatus with the token");
            assert!(status.total_slots >= 1, "total_slots = {}", status.total_slots);
        })
        .await;

    let c = client.clone();
    report
        .step("3 run", async move {
            let task = c.run("conformance run [[reply:hello from the pool]]").await.expect("Run");
            assert_eq!(task.state(), TaskState::Completed, "{task:?}");
            let result = task.result.expect("result");
            assert_eq!(result.output, "hello from the pool");
            assert!(result.success);
        })
        .await;

    let c = client.clone();
    report
        .step("4 run stream", async move {
            let mut events = c
                .run_stream("conformance stream [[reply:one two three four]] [[chunks:4]]")
                .await
                .expect("RunStream");
            let events = read_to_finished(&mut events).await;
            let delta_count = events.iter().filter(|e| e.text().is_some()).count();
            assert!(delta_count >= 2, "only {delta_count} text deltas");
            assert!(events.windows(2).all(|w| w[0].seq < w[1].seq), "seq not increasing");
            let finished = events.last().unwrap().finished_task().expect("finished task");
            assert_eq!(deltas(&events), finished.output());
            assert_eq!(deltas(&events), "one two three four");
        })
        .await;

    let c = client.clone();
    report
        .step("5 submit, watch, resume", async move {
            let task = c
                .submit_task("conformance watch [[reply:a b c d e f]] [[chunks:6]] [[slow:0.3]]")
                .await
                .expect("SubmitTask");
            let mut seen = Vec::new();
            let mut first = c.watch_task(&task.id, 0).await.expect("WatchTask");
            while let Some(event) = first.message().await.expect("first WatchTask stream") {
                let is_delta = event.text().is_some();
                seen.push(event);
                if is_delta {
                    break;
                }
            }
            drop(first); // cancels the first stream
            let last = seen.last().expect("no event before the drop");
            assert!(!last.is_finished(), "finished before the first delta was read");
            let mut second = c.watch_task(&task.id, last.seq).await.expect("WatchTask again");
            seen.extend(read_to_finished(&mut second).await);
            let seqs: Vec<i64> = seen.iter().map(|e| e.seq).collect();
            assert_eq!(seqs, (1..=seen.len() as i64).collect::<Vec<_>>(), "seq gap or duplicate");
            assert_eq!(deltas(&seen), "a b c d e f");
        })
        .await;

    let c = client.clone();
    report
        .step("6 cancel", async move {
            let task = c
                .submit_task("conformance cancel [[slow:5]] [[chunks:10]]")
                .await
                .expect("SubmitTask");
            let deadline = Instant::now() + Duration::from_secs(30);
            while c.get_task(&task.id).await.expect("GetTask").state() != TaskState::Running {
                assert!(Instant::now() < deadline, "task not RUNNING after 30 s");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            c.cancel_task(&task.id).await.expect("CancelTask");
            let waited = c.wait_task(&task.id, None).await.expect("WaitTask");
            let task = waited.task.expect("task");
            assert_eq!(task.state(), TaskState::Cancelled, "{task:?}");
        })
        .await;

    let c = client.clone();
    report
        .step("7 error details", async move {
            let err = c.get_task("task-does-not-exist").await.expect_err("GetTask of no task");
            assert_eq!(err.code(), Code::NotFound, "{err:?}");
            assert_eq!(err.reason(), ErrorReason::TaskNotFound, "{err:?}");
            assert_eq!(err.domain(), Some(ERROR_DOMAIN), "{err:?}");
        })
        .await;

    let c = client.clone();
    report
        .step("8 bad input", async move {
            let err = c.submit_task("").await.expect_err("SubmitTask with an empty prompt");
            assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
            assert!(err.violates("task.prompt"), "{err:?}");
            let err = c.get_task("task-\u{0}").await.expect_err("GetTask with a NUL byte");
            assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
            assert!(err.violates("task_id"), "{err:?}");
        })
        .await;

    let c = client.clone();
    report
        .step("9 fan-out", async move {
            let items = c.fan_out(["[[reply:x]]", "[[reply:y]]"]).await.expect("FanOut");
            assert_eq!(items.len(), 2, "{items:?}");
            for (i, (item, want)) in items.into_iter().zip(["x", "y"]).enumerate() {
                assert_eq!(item.index, i as i32, "{item:?}");
                let task = item.into_result().expect("fan-out item");
                assert_eq!(task.state(), TaskState::Completed, "{task:?}");
                assert_eq!(task.output(), want);
            }
            let mut stream =
                c.fan_out_stream(["[[reply:x]]", "[[reply:y]]"]).await.expect("FanOutStream");
            let mut outputs = Vec::new();
            while let Some(item) = stream.message().await.expect("FanOutStream item") {
                let index = item.index;
                let task = item.into_result().expect("fan-out stream item");
                assert_eq!(task.state(), TaskState::Completed, "{task:?}");
                outputs.push((index, task.output().to_owned()));
            }
            outputs.sort();
            assert_eq!(outputs, [(0, "x".to_owned()), (1, "y".to_owned())]);
        })
        .await;

    let c = client.clone();
    report
        .step("10 chain with progress", async move {
            let steps = [
                ChainStep::new("first", "[[reply:first]]"),
                ChainStep::new("second", "use {previous_output}"),
            ];
            let chain = c.submit_chain(steps, None).await.expect("SubmitChain");
            let mut snapshots = Vec::new();
            let mut watch = c.watch_chain(&chain.chain_id, 0).await.expect("WatchChain");
            while let Some(progress) = watch.message().await.expect("WatchChain snapshot") {
                let terminal = progress.status().is_terminal();
                snapshots.push(progress);
                if terminal {
                    break;
                }
            }
            drop(watch);
            let seqs: Vec<i64> = snapshots.iter().map(|p| p.seq).collect();
            assert!(seqs.windows(2).all(|w| w[0] < w[1]), "seq not increasing: {seqs:?}");
            assert!(
                snapshots.iter().any(|p| p.status() == ChainStatus::Running),
                "no RUNNING snapshot: {snapshots:?}"
            );
            let last = snapshots.last().expect("WatchChain sent no snapshot");
            assert_eq!(last.status(), ChainStatus::Completed, "{last:?}");
            let result = last.result.as_ref().expect("terminal snapshot without result");
            assert_eq!(result.steps.len(), 2, "{result:?}");
            assert!(result.steps.iter().all(|s| s.success), "{result:?}");
            let second = c.get_task(&result.steps[1].task_id).await.expect("GetTask of step 2");
            assert_eq!(second.prompt, "use first");
            let listed = c.list_all_chain_progress(ListChainProgressRequest::default());
            let ids: Vec<String> =
                listed.map(|p| p.expect("ListChainProgress").chain_id).collect().await;
            assert!(ids.contains(&chain.chain_id), "chain not listed: {ids:?}");
        })
        .await;

    let c = client.clone();
    report
        .step("11 sessions", async move {
            let a = c.run("[[reply:blue-42]]").await.expect("Run A");
            let session_id = a.result.clone().unwrap_or_default().session_id;
            assert!(!session_id.is_empty(), "task A has no session: {a:?}");
            let follow_up = TaskSpec::new("what was it? [[recall]]").with_continue_from(&a.id);
            let b = c.run(follow_up).await.expect("Run continuing A");
            assert_eq!(b.output(), "RECALL[blue-42]", "{b:?}");
            assert_eq!(b.result.clone().unwrap_or_default().session_id, session_id);
            let fresh = c.run("unrelated [[recall]]").await.expect("Run without a session");
            assert_eq!(fresh.output(), "RECALL[]", "{fresh:?}");

            let session = c.get_session(&session_id).await.expect("GetSession");
            assert_eq!(session.turns, 2, "{session:?}");
            let listed: Vec<String> =
                c.list_all_sessions(0).map(|s| s.expect("ListSessions").id).collect().await;
            assert!(listed.contains(&session_id), "session not listed: {listed:?}");

            c.delete_session(&session_id).await.expect("DeleteSession");
            let err = c.get_session(&session_id).await.expect_err("GetSession after delete");
            assert_eq!(
                (err.code(), err.reason()),
                (Code::NotFound, ErrorReason::SessionNotFound),
                "{err:?}"
            );
            let err = c
                .run(TaskSpec::new("[[reply:z]]").with_continue_from(&session_id))
                .await
                .expect_err("Run continuing a deleted session");
            assert_eq!(
                (err.code(), err.reason()),
                (Code::NotFound, ErrorReason::SessionNotFound),
                "{err:?}"
            );

            let both = TaskSpec::new("[[reply:z]]").with_continue_from(&a.id).with_fork_from(&a.id);
            let err = c.submit_task(both).await.expect_err("continue_from and fork_from");
            assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
        })
        .await;

    let c = client.clone();
    report
        .step("12 context, messages, slots, metrics, config", async move {
            c.set_context("conformance.key", "v").await.expect("SetContext");
            assert_eq!(c.get_context("conformance.key").await.expect("GetContext").value, "v");
            let keys: Vec<String> =
                c.list_all_context(0).map(|e| e.expect("ListContext").key).collect().await;
            assert!(keys.iter().any(|k| k == "conformance.key"), "{keys:?}");
            let deleted = c.delete_context("conformance.key").await.expect("DeleteContext");
            assert!(deleted.deleted, "{deleted:?}");

            let slots = c.find_slots(FindSlotsRequest::default()).await.expect("FindSlots");
            let slot = slots.first().expect("FindSlots found no slot").id.clone();
            let text = "conformance message";
            c.send_message("conformance", &slot, text).await.expect("SendMessage");
            assert!(c.count_messages(&slot).await.expect("CountMessages") >= 1);
            let peeked = c.peek_messages(&slot).await.expect("PeekMessages");
            assert!(peeked.iter().any(|m| m.content == text), "{peeked:?}");
            let read = c.read_messages(&slot).await.expect("ReadMessages");
            assert!(read.iter().any(|m| m.content == text), "{read:?}");
            let again = c.read_messages(&slot).await.expect("ReadMessages again");
            assert!(again.is_empty(), "{again:?}");

            let config = c.get_config().await.expect("GetConfig");
            assert!(!config.server_version.is_empty(), "{config:?}");
            let metrics = c.get_session_metrics(MetricsFilter::default()).await.expect("metrics");
            assert!(metrics.total_tasks >= 1, "{metrics:?}");

            let request = ListTasksRequest { page_size: 2, ..Default::default() };
            let ids: Vec<String> =
                c.list_all_tasks(request).map(|t| t.expect("ListTasks").id).collect().await;
            let unique: HashSet<&String> = ids.iter().collect();
            assert!(ids.len() > 2, "only {} tasks across pages", ids.len());
            assert_eq!(unique.len(), ids.len(), "a task listed twice: {ids:?}");
        })
        .await;

    let s = server.clone();
    report
        .step("13 tls", async move {
            assert!(mtls, "needs the harness's mTLS (CLAUDE_POOL_TEST_TLS_*), not --plaintext");
            let token = s.token.clone().unwrap_or_default();
            let plaintext = Client::builder(&s.addr).token(&token).connect_lazy().unwrap();
            let err = plaintext.get_status().await.expect_err("GetStatus over plaintext");
            note(&format!("  plaintext: {err}"));
            assert_eq!(err.code(), Code::Unavailable, "{err:?}");
            let no_cert = s.tls().token(&token).connect_lazy().unwrap();
            let err =
                no_cert.get_status().await.expect_err("GetStatus without a client certificate");
            note(&format!("  without a client certificate: {err}"));
        })
        .await;

    let c = client.clone();
    report
        .step("14 review and routing", async move {
            let spec = TaskSpec::new("[[reply:draft]]").with_review_required(true);
            let task = c.submit_task(spec).await.expect("SubmitTask with review");
            let waited = c.wait_task(&task.id, None).await.expect("WaitTask");
            assert_eq!(waited.task.unwrap_or_default().state(), TaskState::PendingReview);
            c.reject_task(&task.id, "again").await.expect("RejectTask");
            let waited = c.wait_task(&task.id, None).await.expect("WaitTask after reject");
            let waited = waited.task.unwrap_or_default();
            assert_eq!(waited.state(), TaskState::PendingReview, "{waited:?}");
            assert_eq!(waited.rejection_count, 1, "{waited:?}");
            let approved = c.approve_task(&task.id).await.expect("ApproveTask");
            assert_eq!(approved.state(), TaskState::Completed, "{approved:?}");
            c.delete_task(&task.id).await.expect("DeleteTask");
            let err = c.get_task(&task.id).await.expect_err("GetTask after DeleteTask");
            assert_eq!(err.code(), Code::NotFound, "{err:?}");
        })
        .await;

    assert!(report.failed.is_empty(), "failed conformance steps: {}", report.failed.join(", "));
}
