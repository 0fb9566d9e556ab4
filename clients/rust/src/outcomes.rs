//! Reading what the server sends back: task and chain states, task events, fan-out items.

use tonic::Code;

use crate::errors::Error;
use crate::pb::{ChainStatus, FanOutItem, Task, TaskEvent, TaskState, task_event::Kind};

impl TaskState {
    /// COMPLETED, FAILED or CANCELLED: the task will not change again.
    pub fn is_terminal(self) -> bool {
        matches!(self, TaskState::Completed | TaskState::Failed | TaskState::Cancelled)
    }

    /// Terminal or PENDING_REVIEW: the task stopped producing output (what WaitTask waits for).
    pub fn is_done(self) -> bool {
        self.is_terminal() || self == TaskState::PendingReview
    }
}

impl ChainStatus {
    /// COMPLETED, FAILED or CANCELLED.
    pub fn is_terminal(self) -> bool {
        matches!(self, ChainStatus::Completed | ChainStatus::Failed | ChainStatus::Cancelled)
    }
}

impl TaskEvent {
    /// The text of a `text_delta` event.
    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            Some(Kind::TextDelta(delta)) => Some(&delta.text),
            _ => None,
        }
    }

    /// The task as it stands at the end, for the `finished` event (the last one).
    pub fn finished_task(&self) -> Option<&Task> {
        match &self.kind {
            Some(Kind::Finished(finished)) => finished.task.as_ref(),
            _ => None,
        }
    }

    /// True for the `finished` event.
    pub fn is_finished(&self) -> bool {
        matches!(self.kind, Some(Kind::Finished(_)))
    }
}

impl Task {
    /// The run's output (empty while pending or running).
    pub fn output(&self) -> &str {
        self.result.as_ref().map(|r| r.output.as_str()).unwrap_or_default()
    }
}

impl FanOutItem {
    /// The finished task, or the error that kept this item from being submitted.
    pub fn into_result(self) -> Result<Task, Error> {
        if self.error_code != 0 {
            return Err(Error::new(Code::from(self.error_code), self.error_message));
        }
        self.task.ok_or_else(|| Error::new(Code::Internal, "a fan-out item without a task"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::{TaskFinished, TaskResult, TextDelta};

    #[test]
    fn event_readers() {
        let delta = TaskEvent {
            kind: Some(Kind::TextDelta(TextDelta { text: "hi".into(), attempt: 1 })),
            ..Default::default()
        };
        assert_eq!((delta.text(), delta.is_finished()), (Some("hi"), false));
        let task = Task {
            result: Some(TaskResult { output: "done".into(), ..Default::default() }),
            ..Default::default()
        };
        let finished = TaskEvent {
            kind: Some(Kind::Finished(TaskFinished { task: Some(task) })),
            ..Default::default()
        };
        assert!(finished.is_finished() && finished.text().is_none());
        assert_eq!(finished.finished_task().unwrap().output(), "done");
    }

    #[test]
    fn states() {
        assert!(TaskState::Cancelled.is_terminal() && !TaskState::PendingReview.is_terminal());
        assert!(TaskState::PendingReview.is_done() && !TaskState::Running.is_done());
        assert!(ChainStatus::Failed.is_terminal() && !ChainStatus::Running.is_terminal());
    }

    #[test]
    fn fan_out_item_result() {
        let task = Task { id: "task-1".into(), ..Default::default() };
        let ok = FanOutItem { index: 0, task: Some(task.clone()), ..Default::default() };
        assert_eq!(ok.into_result().unwrap(), task);
        let failed = FanOutItem {
            index: 1,
            error_code: Code::ResourceExhausted as i32,
            error_message: "queue full".into(),
            ..Default::default()
        };
        let err = failed.into_result().unwrap_err();
        assert_eq!((err.code(), err.message()), (Code::ResourceExhausted, "queue full"));
    }
}
