//! The client conformance scenario (clients/CONFORMANCE.md, steps 1-10) against a live server.
//!
//! Run under the harness from the repository root:
//! `python -m tests.support.live_server -- bash clients/rust/ci.sh`.
//! Without CLAUDE_POOL_TEST_ADDR the test skips (and says so).

use std::future::Future;
use std::io::Write;
use std::time::{Duration, Instant};

use claude_pool_client::{
    ChainStatus, ChainStep, Code, EventStream, Kind, PoolClient, ServingStatus, TaskEvent,
    TaskState,
};
use futures_util::StreamExt;

const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// Writes straight to stderr, past the test harness's output capture, so it always shows.
fn note(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// Runs one step with its own time limit; the panic message names the step.
async fn step(name: &str, body: impl Future<Output = ()>) {
    let started = Instant::now();
    if tokio::time::timeout(STEP_TIMEOUT, body).await.is_err() {
        panic!("{name}: timed out after {STEP_TIMEOUT:?}");
    }
    note(&format!("conformance {name}: ok ({:.1?})", started.elapsed()));
}

/// Reads events until (and including) `finished`.
async fn read_to_finished(events: &mut EventStream) -> Vec<TaskEvent> {
    let mut seen = Vec::new();
    while let Some(event) = events.next().await {
        let event = event.expect("event stream failed");
        let finished = matches!(event.kind, Some(Kind::Finished(_)));
        seen.push(event);
        if finished {
            return seen;
        }
    }
    panic!("stream ended without a finished event after {} events", seen.len());
}

fn deltas(events: &[TaskEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            Some(Kind::TextDelta(d)) => Some(d.text.as_str()),
            _ => None,
        })
        .collect()
}

fn finished_output(events: &[TaskEvent]) -> String {
    match events.last().and_then(|e| e.kind.as_ref()) {
        Some(Kind::Finished(f)) => {
            f.task.clone().unwrap_or_default().result.unwrap_or_default().output
        }
        other => panic!("last event is not finished: {other:?}"),
    }
}

#[tokio::test]
async fn conformance() {
    let Ok(addr) = std::env::var("CLAUDE_POOL_TEST_ADDR") else {
        note(
            "SKIPPED conformance: CLAUDE_POOL_TEST_ADDR is unset. Run it under the live-server \
             harness: python -m tests.support.live_server -- bash clients/rust/ci.sh",
        );
        return;
    };
    let token = std::env::var("CLAUDE_POOL_TEST_TOKEN").ok().filter(|t| !t.is_empty());
    let client = PoolClient::connect(&addr, token.as_deref()).await.expect("connect with token");
    let anonymous = PoolClient::connect(&addr, None).await.expect("connect without token");

    step("1 health", async {
        assert_eq!(anonymous.health("").await.expect("Health/Check"), ServingStatus::Serving);
    })
    .await;

    step("2 auth", async {
        let err = anonymous.status().await.expect_err("GetStatus without a token must fail");
        assert_eq!(err.code(), Code::Unauthenticated, "{err}");
        let status = client.status().await.expect("GetStatus with the token");
        assert!(status.total_slots >= 1, "total_slots = {}", status.total_slots);
    })
    .await;

    step("3 run", async {
        let task = client.run("conformance run [[reply:hello from the pool]]").await.expect("Run");
        assert_eq!(task.state(), TaskState::Completed, "{task:?}");
        let result = task.result.expect("result");
        assert_eq!(result.output, "hello from the pool");
        assert!(result.success);
    })
    .await;

    step("4 run stream", async {
        let mut events = client
            .stream("conformance stream [[reply:one two three four]] [[chunks:4]]")
            .await
            .expect("RunStream");
        let events = read_to_finished(&mut events).await;
        let delta_count =
            events.iter().filter(|e| matches!(e.kind, Some(Kind::TextDelta(_)))).count();
        assert!(delta_count >= 2, "only {delta_count} text deltas");
        assert!(events.windows(2).all(|w| w[0].seq < w[1].seq), "seq not increasing: {events:?}");
        assert_eq!(deltas(&events), finished_output(&events));
        assert_eq!(deltas(&events), "one two three four");
    })
    .await;

    step("5 submit, watch, resume", async {
        let task = client
            .submit("conformance watch [[reply:a b c d e f]] [[chunks:6]] [[slow:0.3]]")
            .await
            .expect("SubmitTask");
        let mut seen = Vec::new();
        let mut first = client.watch(&task.id, 0);
        while let Some(event) = first.next().await {
            let event = event.expect("first WatchTask stream");
            let is_delta = matches!(event.kind, Some(Kind::TextDelta(_)));
            seen.push(event);
            if is_delta {
                break;
            }
        }
        drop(first); // cancels the first stream
        let last_seq = seen.last().expect("no event before the drop").seq;
        assert!(!matches!(seen.last().unwrap().kind, Some(Kind::Finished(_))));
        let mut second = client.watch(&task.id, last_seq);
        seen.extend(read_to_finished(&mut second).await);
        let seqs: Vec<i64> = seen.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=seen.len() as i64).collect::<Vec<_>>(), "seq gap or duplicate");
        assert_eq!(deltas(&seen), "a b c d e f");
    })
    .await;

    step("6 cancel", async {
        let task =
            client.submit("conformance cancel [[slow:5]] [[chunks:10]]").await.expect("SubmitTask");
        let deadline = Instant::now() + Duration::from_secs(30);
        while client.get(&task.id).await.expect("GetTask").state() != TaskState::Running {
            assert!(Instant::now() < deadline, "task not RUNNING after 30 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        client.cancel(&task.id).await.expect("CancelTask");
        let task = client.wait(&task.id, None).await.expect("WaitTask");
        assert_eq!(task.state(), TaskState::Cancelled, "{task:?}");
    })
    .await;

    step("7 error details", async {
        let err = client.get("task-does-not-exist").await.expect_err("GetTask of a missing task");
        assert_eq!(err.code(), Code::NotFound, "{err}");
        assert_eq!(err.reason(), Some("TASK_NOT_FOUND"), "{err:?}");
        assert_eq!(err.domain(), Some("claude-pool.dev"), "{err:?}");
    })
    .await;

    step("8 bad input", async {
        let err = client.submit("").await.expect_err("SubmitTask with an empty prompt");
        assert_eq!(err.code(), Code::InvalidArgument, "{err}");
    })
    .await;

    step("9 fan-out", async {
        let items = client.fan_out(["[[reply:x]]", "[[reply:y]]"]).await.expect("FanOut");
        assert_eq!(items.len(), 2, "{items:?}");
        for (i, (item, want)) in items.into_iter().zip(["x", "y"]).enumerate() {
            assert_eq!(item.index, i as i32, "{item:?}");
            let task = item.into_result().expect("fan-out item");
            assert_eq!(task.state(), TaskState::Completed, "{task:?}");
            assert_eq!(task.result.unwrap_or_default().output, want);
        }
    })
    .await;

    step("10 chain with progress", async {
        let steps = [
            ChainStep::new("first", "[[reply:first]]"),
            ChainStep::new("second", "use {previous_output}"),
        ];
        let chain = client.submit_chain(steps, None).await.expect("SubmitChain");
        let mut snapshots = Vec::new();
        let mut watch = client.watch_chain(&chain.chain_id, 0);
        while let Some(progress) = watch.next().await {
            let progress = progress.expect("WatchChain");
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
        let second = client.get(&result.steps[1].task_id).await.expect("GetTask of step 2");
        assert_eq!(second.prompt, "use first");
    })
    .await;
}
