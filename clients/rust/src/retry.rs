//! When a failed call is sent again (CONFORMANCE.md §1, "Retries"): only UNAVAILABLE, and
//! RESOURCE_EXHAUSTED `RATE_LIMITED` with a `RetryInfo`; 4 attempts in all; 100/200/400 ms
//! (±20 % jitter, at most 2 s) between them; never past the call's deadline.
//!
//! Resending is safe because reads change nothing and every mutating request carries the same
//! `request_id` on each attempt (see `idempotency`), which the server uses to answer a resend with
//! the first call's reply.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tonic::{Code, Status};

use crate::errors::Error;
use crate::pb::ErrorReason;

/// How often and how patiently a call is resent. The default is the conformance policy.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 disables resending.
    pub max_attempts: u32,
    /// Wait before the first resend; each later wait is `multiplier` times the previous one.
    pub initial_backoff: Duration,
    /// Growth of the wait from one resend to the next.
    pub multiplier: f64,
    /// Upper bound of one wait, jitter included.
    pub max_backoff: Duration,
    /// Relative jitter: 0.2 spreads each wait uniformly over ±20 %.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(100),
            multiplier: 2.0,
            max_backoff: Duration::from_secs(2),
            jitter: 0.2,
        }
    }
}

impl RetryPolicy {
    /// Never resend: every failure reaches the caller at once.
    pub fn disabled() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// The wait before resend number `retry` (1 for the first), given `unit` drawn uniformly from
    /// `[0, 1)` for the jitter.
    pub fn backoff(&self, retry: u32, unit: f64) -> Duration {
        let exponent = retry.saturating_sub(1).min(30) as i32;
        let base = self.initial_backoff.as_secs_f64() * self.multiplier.powi(exponent);
        let jittered = base * (1.0 + self.jitter * (2.0 * unit - 1.0));
        Duration::from_secs_f64(jittered.max(0.0)).min(self.max_backoff)
    }

    /// How long to wait before resending a call that failed with `err` for the `retry`-th time, or
    /// `None` when it must not be resent.
    pub fn delay_for(&self, err: &Error, retry: u32) -> Option<Duration> {
        match err.code() {
            Code::Unavailable => Some(self.backoff(retry, fastrand::f64())),
            Code::ResourceExhausted if err.reason() == ErrorReason::RateLimited => {
                err.retry_delay()
            }
            _ => None,
        }
    }
}

/// The attempts of one call (or of reopening one broken stream), against its policy and deadline.
pub(crate) struct Attempts {
    policy: RetryPolicy,
    deadline: Option<Instant>,
    made: u32,
}

impl Attempts {
    pub(crate) fn new(policy: RetryPolicy, deadline: Option<Instant>) -> Self {
        Attempts { policy, deadline, made: 0 }
    }

    /// Time left before the deadline (`None`: no deadline); DEADLINE_EXCEEDED once it passed.
    pub(crate) fn remaining(&self) -> Result<Option<Duration>, Error> {
        match self.deadline {
            None => Ok(None),
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Ok(Some(left)),
                _ => Err(Error::new(Code::DeadlineExceeded, "the call's deadline passed")),
            },
        }
    }

    /// Records a failed attempt. When the policy allows another one that can still start before
    /// the deadline, waits for it and returns true; otherwise returns false at once.
    pub(crate) async fn retry_after(&mut self, err: &Error) -> bool {
        let delay = self.policy.delay_for(err, self.made + 1);
        self.wait(delay).await
    }

    async fn wait(&mut self, delay: Option<Duration>) -> bool {
        self.made += 1;
        let Some(delay) = delay else { return false };
        if self.made >= self.policy.max_attempts {
            return false;
        }
        if self.deadline.is_some_and(|deadline| Instant::now() + delay >= deadline) {
            return false;
        }
        tokio::time::sleep(delay).await;
        true
    }
}

/// Runs `attempt` (given the time left before `deadline`) until it succeeds or may not be resent.
/// Each attempt is cut off at the deadline.
pub(crate) async fn with_retries<T, F, Fut>(
    policy: &RetryPolicy,
    deadline: Option<Instant>,
    mut attempt: F,
) -> Result<T, Error>
where
    F: FnMut(Option<Duration>) -> Fut,
    Fut: Future<Output = Result<T, Status>>,
{
    let mut attempts = Attempts::new(policy.clone(), deadline);
    loop {
        let result = match attempts.remaining()? {
            None => attempt(None).await,
            Some(left) => tokio::time::timeout(left, attempt(Some(left)))
                .await
                .unwrap_or_else(|_| Err(Status::deadline_exceeded("the call's deadline passed"))),
        };
        match result {
            Ok(value) => return Ok(value),
            Err(status) => {
                let err = Error::from(status);
                if !attempts.retry_after(&err).await {
                    return Err(err);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicU32, Ordering};
    use tonic_types::{ErrorDetails, StatusExt};

    fn fast() -> RetryPolicy {
        RetryPolicy { initial_backoff: Duration::from_millis(2), ..RetryPolicy::default() }
    }

    /// Counts the attempts of a call whose n-th attempt (0-based) answers `answer(n)`.
    async fn run(
        policy: &RetryPolicy,
        deadline: Option<Instant>,
        answer: impl Fn(u32) -> Result<u32, Status>,
    ) -> (Result<u32, Error>, u32) {
        let calls = AtomicU32::new(0);
        let result = with_retries(policy, deadline, |_| {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            let out = answer(n);
            async move { out }
        })
        .await;
        (result, calls.load(Ordering::SeqCst))
    }

    fn rate_limited(delay: Option<Duration>) -> Status {
        let mut details = ErrorDetails::with_error_info(
            "RATE_LIMITED",
            "claude-pool.dev",
            HashMap::<String, String>::new(),
        );
        details.set_retry_info(delay);
        Status::with_error_details(Code::ResourceExhausted, "slow down", details)
    }

    #[test]
    fn backoff_is_100_200_400_ms_with_20_percent_jitter_capped_at_2s() {
        let policy = RetryPolicy::default();
        for (retry, base) in [(1, 100.0), (2, 200.0), (3, 400.0)] {
            let low = policy.backoff(retry, 0.0).as_secs_f64() * 1000.0;
            let mid = policy.backoff(retry, 0.5).as_secs_f64() * 1000.0;
            let high = policy.backoff(retry, 0.999_999).as_secs_f64() * 1000.0;
            assert!((low - base * 0.8).abs() < 0.01, "retry {retry}: {low}");
            assert!((mid - base).abs() < 0.01, "retry {retry}: {mid}");
            assert!((high - base * 1.2).abs() < 0.01, "retry {retry}: {high}");
        }
        assert_eq!(policy.backoff(10, 0.999), Duration::from_secs(2));
    }

    #[tokio::test]
    async fn unavailable_is_resent_up_to_4_attempts() {
        let (result, calls) = run(&fast(), None, |_| Err(Status::unavailable("down"))).await;
        assert_eq!((result.unwrap_err().code(), calls), (Code::Unavailable, 4));

        let (result, calls) =
            run(&fast(), None, |n| if n < 2 { Err(Status::unavailable("down")) } else { Ok(n) })
                .await;
        assert_eq!((result.unwrap(), calls), (2, 3));
    }

    #[tokio::test]
    async fn other_codes_are_not_resent() {
        for status in [
            Status::internal("boom"),
            Status::unknown("?"),
            Status::deadline_exceeded("late"),
            Status::resource_exhausted("budget"),
            Status::not_found("gone"),
            rate_limited(None), // RATE_LIMITED without RetryInfo
        ] {
            let code = status.code();
            let (result, calls) = run(&fast(), None, move |_| Err(status.clone())).await;
            assert_eq!((result.unwrap_err().code(), calls), (code, 1));
        }
    }

    #[tokio::test]
    async fn rate_limited_with_retry_info_waits_the_given_delay() {
        let started = std::time::Instant::now();
        let (result, calls) = run(&fast(), None, |n| {
            if n == 0 { Err(rate_limited(Some(Duration::from_millis(60)))) } else { Ok(n) }
        })
        .await;
        assert_eq!((result.unwrap(), calls), (1, 2));
        assert!(started.elapsed() >= Duration::from_millis(60));
    }

    #[tokio::test]
    async fn never_resends_past_the_deadline() {
        // waits 80-120 ms, then 160-240 ms (±20 % jitter): with 230 ms to go the second attempt
        // always starts and the third never would
        let policy = RetryPolicy::default();
        let deadline = Instant::now() + Duration::from_millis(230);
        let started = std::time::Instant::now();
        let (result, calls) =
            run(&policy, Some(deadline), |_| Err(Status::unavailable("down"))).await;
        assert_eq!(result.unwrap_err().code(), Code::Unavailable);
        assert_eq!(calls, 2, "the third attempt would start after the deadline");
        assert!(started.elapsed() < Duration::from_millis(230));
    }

    #[tokio::test]
    async fn an_attempt_is_cut_off_at_the_deadline() {
        let deadline = Instant::now() + Duration::from_millis(50);
        let result = with_retries(&fast(), Some(deadline), |left| async move {
            assert!(left.unwrap() <= Duration::from_millis(50));
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok::<_, Status>(())
        })
        .await;
        assert_eq!(result.unwrap_err().code(), Code::DeadlineExceeded);
    }

    #[test]
    fn disabled_policy_makes_one_attempt() {
        assert_eq!(RetryPolicy::disabled().max_attempts, 1);
    }
}
