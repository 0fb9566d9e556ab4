package claudepool

// Prompt returns a TaskSpec that runs prompt, shaped by opts; without them the server's defaults
// apply. For what no option covers, set the fields of the result (or build a &TaskSpec{...}).
//
//	c.Run(ctx, claudepool.Prompt("And now in French?", claudepool.ContinueFrom(previous.GetId())))
func Prompt(prompt string, opts ...SpecOption) *TaskSpec {
	spec := &TaskSpec{Prompt: prompt}
	for _, opt := range opts {
		opt(spec)
	}
	return spec
}

// Prompts returns one TaskSpec per prompt, for FanOut and FanOutStream.
func Prompts(prompts ...string) []*TaskSpec {
	specs := make([]*TaskSpec, len(prompts))
	for i, p := range prompts {
		specs[i] = Prompt(p)
	}
	return specs
}

// SpecOption sets one part of a TaskSpec made by Prompt.
type SpecOption func(*TaskSpec)

// ContinueFrom runs the task in an existing conversation: a session id, or the id of a settled
// task that ran in one. The task sees that conversation, and its turn is added to it.
func ContinueFrom(sessionOrTaskID string) SpecOption {
	return func(s *TaskSpec) { s.ContinueFrom = sessionOrTaskID }
}

// ForkFrom starts a new session as a copy of another (a session id or a task id), leaving the
// original as it is. It excludes ContinueFrom.
func ForkFrom(sessionOrTaskID string) SpecOption {
	return func(s *TaskSpec) { s.ForkFrom = sessionOrTaskID }
}

// ReviewRequired holds a successful run in PENDING_REVIEW until ApproveTask or RejectTask.
func ReviewRequired() SpecOption { return func(s *TaskSpec) { s.ReviewRequired = true } }

// Tags labels the task, for ListTasks and GetSessionMetrics filters.
func Tags(tags ...string) SpecOption {
	return func(s *TaskSpec) { s.Tags = append(s.Tags, tags...) }
}

// WorkingDir runs the CLI in dir, which must lie inside one of the server's work roots.
func WorkingDir(dir string) SpecOption { return func(s *TaskSpec) { s.WorkingDir = dir } }

// OnSlot runs the task on that slot only.
func OnSlot(slotID string) SpecOption { return func(s *TaskSpec) { s.SlotId = slotID } }

// WithOverrides sets the per-task configuration: model, permission mode, tools, budget, timeout...
func WithOverrides(o *TaskOverrides) SpecOption { return func(s *TaskSpec) { s.Overrides = o } }
