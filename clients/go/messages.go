package claudepool

import poolv1 "github.com/claude-pool/claude-pool/clients/go/gen/claude_pool/v1"

// Short names for the generated messages in this package's signatures, so that most programs
// import package poolv1 only for its enums.
type (
	Task           = poolv1.Task
	TaskSpec       = poolv1.TaskSpec
	TaskOverrides  = poolv1.TaskOverrides
	TaskEvent      = poolv1.TaskEvent
	Session        = poolv1.Session
	FanOutItem     = poolv1.FanOutItem
	ChainStep      = poolv1.ChainStep
	ChainOptions   = poolv1.ChainOptions
	ChainSpec      = poolv1.ChainSpec
	ChainProgress  = poolv1.ChainProgress
	Route          = poolv1.Route
	AutoConfig     = poolv1.AutoConfig
	AutoResult     = poolv1.AutoResult
	ContextEntry   = poolv1.ContextEntry
	SlotMessage    = poolv1.SlotMessage
	Slot           = poolv1.Slot
	PoolStatus     = poolv1.PoolStatus
	PoolConfig     = poolv1.PoolConfig
	DrainSummary   = poolv1.DrainSummary
	MetricsFilter  = poolv1.MetricsFilter
	SessionMetrics = poolv1.SessionMetrics
)
