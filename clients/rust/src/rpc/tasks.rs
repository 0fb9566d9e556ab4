//! Tasks: Run, RunStream, SubmitTask, GetTask, ListTasks, WaitTask, WatchTask, CancelTask,
//! DeleteTask, ClaimTask, ApproveTask, RejectTask.

use std::time::Duration;

use crate::call::{Call, unary};
use crate::client::Client;
use crate::paging::pages;
use crate::pb::{self, Task, TaskSpec};
use crate::rpc::{deadline_covering, proto_duration};
use crate::streams::{PoolStream, TaskEventStream, TaskEvents};

impl Client {
    /// Run: runs one task and waits for it to finish. A failed run is a task in state FAILED, not
    /// an error.
    pub fn run(&self, spec: impl Into<TaskSpec>) -> Call<pb::RunRequest, Task> {
        let request = pb::RunRequest { task: Some(spec.into()), ..Default::default() };
        unary!(self, request, run, |r| r.task.unwrap_or_default())
    }

    /// RunStream: runs one task and streams its events (state changes, text deltas in order,
    /// then `finished`). A broken stream resumes with WatchTask from the last delivered `seq`.
    /// Dropping the stream does not cancel the task unless `cancel_on_disconnect` is set
    /// (`.with_request(|r| r.cancel_on_disconnect = true)`).
    pub fn run_stream(
        &self,
        spec: impl Into<TaskSpec>,
    ) -> Call<pb::RunStreamRequest, TaskEventStream> {
        let request = pb::RunStreamRequest { task: Some(spec.into()), ..Default::default() };
        Call::stream(self, request, |client, request| {
            Box::pin(async move {
                let sent = request.get_ref().clone();
                let stream = client.raw().run_stream(request).await?.into_inner();
                Ok(TaskEvents::run_stream(client, sent, stream))
            })
        })
    }

    /// SubmitTask: queues one task and returns it at once (state PENDING).
    pub fn submit_task(&self, spec: impl Into<TaskSpec>) -> Call<pb::SubmitTaskRequest, Task> {
        let request = pb::SubmitTaskRequest { task: Some(spec.into()), ..Default::default() };
        unary!(self, request, submit_task, |r| r.task.unwrap_or_default())
    }

    /// GetTask: returns a task.
    pub fn get_task(&self, task_id: impl Into<String>) -> Call<pb::GetTaskRequest, Task> {
        let request = pb::GetTaskRequest { task_id: task_id.into() };
        unary!(self, request, get_task, |r| r.task.unwrap_or_default())
    }

    /// ListTasks: one page of tasks, newest first, filtered by the request's fields
    /// (`ListTasksRequest::default()` for all). See [`list_all_tasks`](Self::list_all_tasks).
    pub fn list_tasks(
        &self,
        request: pb::ListTasksRequest,
    ) -> Call<pb::ListTasksRequest, pb::ListTasksResponse> {
        unary!(self, request, list_tasks, |r| r)
    }

    /// ListTasks across every page: the tasks matching `request`'s filters, following
    /// `next_page_token` (starting from `request.page_token`).
    pub fn list_all_tasks(&self, request: pb::ListTasksRequest) -> PoolStream<Task> {
        let client = self.clone();
        pages(request.page_token.clone(), move |page_token| {
            let call = client.list_tasks(pb::ListTasksRequest { page_token, ..request.clone() });
            async move { call.await.map(|page| (page.tasks, page.next_page_token)) }
        })
    }

    /// WaitTask: waits until the task is terminal or PENDING_REVIEW, or `timeout` passes
    /// (default and maximum: 10 minutes on the server). The response's `done` tells which; with
    /// a `timeout`, the call's deadline defaults to cover it.
    pub fn wait_task(
        &self,
        task_id: impl Into<String>,
        timeout: Option<Duration>,
    ) -> Call<pb::WaitTaskRequest, pb::WaitTaskResponse> {
        let request =
            pb::WaitTaskRequest { task_id: task_id.into(), timeout: timeout.map(proto_duration) };
        let call = unary!(self, request, wait_task, |r| r);
        match timeout {
            Some(timeout) => call.deadline(deadline_covering(timeout)),
            None => call,
        }
    }

    /// WatchTask: the task's events with `seq` after `after_seq` (0: all), then the live tail,
    /// ending after `finished`. A broken stream resumes from the last delivered `seq`.
    pub fn watch_task(
        &self,
        task_id: impl Into<String>,
        after_seq: i64,
    ) -> Call<pb::WatchTaskRequest, TaskEventStream> {
        let request = pb::WatchTaskRequest { task_id: task_id.into(), after_seq };
        Call::stream(self, request, |client, request| {
            Box::pin(async move {
                let pb::WatchTaskRequest { task_id, after_seq } = request.get_ref().clone();
                let stream = client.raw().watch_task(request).await?.into_inner();
                Ok(TaskEvents::watch(client, task_id, after_seq, stream))
            })
        })
    }

    /// CancelTask: stops the task; it ends CANCELLED. Cancelling a terminal task is
    /// FAILED_PRECONDITION.
    pub fn cancel_task(&self, task_id: impl Into<String>) -> Call<pb::CancelTaskRequest, Task> {
        let request = pb::CancelTaskRequest { task_id: task_id.into(), ..Default::default() };
        unary!(self, request, cancel_task, |r| r.task.unwrap_or_default())
    }

    /// DeleteTask: deletes a terminal task and its event log for good.
    pub fn delete_task(&self, task_id: impl Into<String>) -> Call<pb::DeleteTaskRequest, ()> {
        let request = pb::DeleteTaskRequest { task_id: task_id.into(), ..Default::default() };
        unary!(self, request, delete_task, |_r| ())
    }

    /// ClaimTask: makes the idle slot `slot_id` take the oldest pending task now. `None` when the
    /// slot is busy or nothing is pending.
    pub fn claim_task(
        &self,
        slot_id: impl Into<String>,
    ) -> Call<pb::ClaimTaskRequest, Option<Task>> {
        let request = pb::ClaimTaskRequest { slot_id: slot_id.into(), ..Default::default() };
        unary!(self, request, claim_task, |r| r.task)
    }

    /// ApproveTask: a task in PENDING_REVIEW becomes COMPLETED.
    pub fn approve_task(&self, task_id: impl Into<String>) -> Call<pb::ApproveTaskRequest, Task> {
        let request = pb::ApproveTaskRequest { task_id: task_id.into(), ..Default::default() };
        unary!(self, request, approve_task, |r| r.task.unwrap_or_default())
    }

    /// RejectTask: a task in PENDING_REVIEW is queued again with `feedback` appended to its
    /// prompt (or fails at its rejection limit).
    pub fn reject_task(
        &self,
        task_id: impl Into<String>,
        feedback: impl Into<String>,
    ) -> Call<pb::RejectTaskRequest, Task> {
        let request = pb::RejectTaskRequest {
            task_id: task_id.into(),
            feedback: feedback.into(),
            ..Default::default()
        };
        unary!(self, request, reject_task, |r| r.task.unwrap_or_default())
    }
}
