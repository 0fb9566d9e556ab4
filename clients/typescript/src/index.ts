// @claude-pool/client: the TypeScript client of claude-pool.
export { PoolClient, isTerminalChain } from "./client.js";
export type {
  AutoConfigInput,
  ChainInput,
  ChainStepInput,
  IterateOptions,
  MetricsFilterInput,
  PageRequest,
  RouteInput,
  RunStreamOptions,
  SlotFilter,
  TaskFilter,
  WatchOptions,
} from "./client.js";
export { newRequestId } from "./calls.js";
export type { CallOptions, MutateOptions } from "./calls.js";
export { Code, ErrorReason, PoolError, parseReason, toPoolError } from "./errors.js";
export type { FieldViolation } from "./errors.js";
export { paginate } from "./paging.js";
export type { Page } from "./paging.js";
export { DEFAULT_RETRY_POLICY, retryDelayMs } from "./retry.js";
export type { RetryPolicy } from "./retry.js";
export { taskSpec, toTaskSpec } from "./task-spec.js";
export type { TaskInput, TaskOptions, TaskSpecInit } from "./task-spec.js";
export type { ClientOptions, KeepaliveOptions, TlsOptions } from "./transport.js";
// The generated messages and enums (Task, TaskState, ChainProgress, ...), so callers need no
// deep imports.
export * from "./gen/claude_pool/v1/task_pb.js";
export * from "./gen/claude_pool/v1/pool_pb.js";
export * from "./gen/claude_pool/v1/chain_pb.js";
export * from "./gen/claude_pool/v1/routing_pb.js";
export * from "./gen/claude_pool/v1/session_pb.js";
export * from "./gen/claude_pool/v1/errors_pb.js";
export * from "./gen/claude_pool/v1/pool_service_pb.js";
export { HealthCheckResponse_ServingStatus as ServingStatus } from "./gen/grpc/health/v1/health_pb.js";
