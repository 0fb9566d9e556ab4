//! What to run: a builder-style [`TaskSpec`] and [`ChainStep::new`].

use std::time::Duration;

use crate::pb::{ChainStep, TaskOverrides, TaskSpec};
use crate::rpc::proto_duration;

impl From<&str> for TaskSpec {
    fn from(prompt: &str) -> Self {
        TaskSpec::new(prompt)
    }
}

impl From<String> for TaskSpec {
    fn from(prompt: String) -> Self {
        TaskSpec::new(prompt)
    }
}

impl From<&String> for TaskSpec {
    fn from(prompt: &String) -> Self {
        TaskSpec::new(prompt.as_str())
    }
}

/// Builder-style setters: `TaskSpec::new("...").with_continue_from(&task.id).with_tags(["x"])`.
/// Fields left unset fall back to the slot's and the pool's configuration.
impl TaskSpec {
    /// A spec with just a prompt.
    pub fn new(prompt: impl Into<String>) -> Self {
        TaskSpec { prompt: prompt.into(), ..Default::default() }
    }

    /// Continues a conversation: a session id, or the id of a settled task that ran in one.
    pub fn with_continue_from(mut self, session_or_task_id: impl Into<String>) -> Self {
        self.continue_from = session_or_task_id.into();
        self
    }

    /// Starts a new session as a copy of another (a session id or a task id).
    pub fn with_fork_from(mut self, session_or_task_id: impl Into<String>) -> Self {
        self.fork_from = session_or_task_id.into();
        self
    }

    /// Holds a successful run in PENDING_REVIEW until ApproveTask or RejectTask.
    pub fn with_review_required(mut self, required: bool) -> Self {
        self.review_required = required;
        self
    }

    /// With a review gate: how many rejections fail the task.
    pub fn with_max_rejections(mut self, max: u32) -> Self {
        self.max_rejections = Some(max);
        self
    }

    /// Labels for filtering (ListTasks, GetSessionMetrics).
    pub fn with_tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// The directory the CLI runs in (inside one of the server's work roots).
    pub fn with_working_dir(mut self, dir: impl Into<String>) -> Self {
        self.working_dir = dir.into();
        self
    }

    /// Runs on this slot only.
    pub fn with_slot_id(mut self, slot_id: impl Into<String>) -> Self {
        self.slot_id = slot_id.into();
        self
    }

    /// Per-task configuration overrides (replaces any set before).
    pub fn with_overrides(mut self, overrides: TaskOverrides) -> Self {
        self.overrides = Some(overrides);
        self
    }

    /// The model for this task.
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.overrides.get_or_insert_with(Default::default).model = Some(model.into());
        self
    }

    /// The system prompt for this task (for a task that starts a session).
    pub fn with_system_prompt(mut self, system_prompt: impl Into<String>) -> Self {
        self.overrides.get_or_insert_with(Default::default).system_prompt =
            Some(system_prompt.into());
        self
    }

    /// The most agentic turns this task may take.
    pub fn with_max_turns(mut self, max_turns: u32) -> Self {
        self.overrides.get_or_insert_with(Default::default).max_turns = Some(max_turns);
        self
    }

    /// The wall-clock limit of one run of this task.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.overrides.get_or_insert_with(Default::default).timeout = Some(proto_duration(timeout));
        self
    }

    /// The most this task may spend, in micro-dollars.
    pub fn with_max_budget_micros(mut self, micros: i64) -> Self {
        self.overrides.get_or_insert_with(Default::default).max_budget_micros = Some(micros);
        self
    }
}

impl ChainStep {
    /// A step with a name and a prompt. `{previous_output}` and `{steps.NAME.VAR}` in the prompt
    /// are substituted by the server; set the other fields with struct update syntax if needed.
    pub fn new(name: impl Into<String>, prompt: impl Into<String>) -> Self {
        ChainStep { name: name.into(), prompt: prompt.into(), ..Default::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_spec_builder() {
        let spec = TaskSpec::new("go on")
            .with_continue_from("task-1")
            .with_review_required(true)
            .with_max_rejections(2)
            .with_tags(["a", "b"])
            .with_model("m")
            .with_max_turns(3)
            .with_timeout(Duration::from_millis(1500));
        assert_eq!(spec.prompt, "go on");
        assert_eq!(spec.continue_from, "task-1");
        assert!(spec.review_required && spec.max_rejections == Some(2));
        assert_eq!(spec.tags, ["a", "b"]);
        let overrides = spec.overrides.unwrap();
        assert_eq!((overrides.model.as_deref(), overrides.max_turns), (Some("m"), Some(3)));
        assert_eq!(
            overrides.timeout,
            Some(prost_types::Duration { seconds: 1, nanos: 500_000_000 })
        );
        assert_eq!(TaskSpec::new("x").with_fork_from("s").fork_from, "s");
        assert_eq!(TaskSpec::from("p"), TaskSpec::new("p"));
    }

    #[test]
    fn chain_step() {
        let step = ChainStep::new("a", "b {previous_output}");
        assert_eq!((step.name.as_str(), step.prompt.as_str()), ("a", "b {previous_output}"));
    }
}
