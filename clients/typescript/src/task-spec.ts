// Building a TaskSpec: a prompt plus options, including the session fields `continueFrom` (carry
// on a conversation) and `forkFrom` (start a new one as a copy).
import { type MessageInitShape, create } from "@bufbuild/protobuf";
import { type TaskSpec, TaskSpecSchema } from "./gen/claude_pool/v1/task_pb.js";

/** A TaskSpec as a plain object: `{ prompt, overrides, tags, continueFrom, ... }`. */
export type TaskSpecInit = MessageInitShape<typeof TaskSpecSchema>;

/** What every task-taking method accepts: a prompt, or a full TaskSpec. */
export type TaskInput = string | TaskSpecInit;

/** Everything of a TaskSpec but its prompt. */
export type TaskOptions = Omit<TaskSpecInit, "prompt" | "$typeName">;

/**
 * A TaskSpec for `prompt`. For example
 * `taskSpec("and now in French", { continueFrom: previous.id })` continues the conversation of
 * task `previous`; `{ forkFrom: sessionId }` starts a copy of it; `{ reviewRequired: true }` holds
 * the result for ApproveTask/RejectTask; `{ overrides: { model: "..." } }` sets per-task config.
 * Setting both `continueFrom` and `forkFrom` is refused by the server (INVALID_ARGUMENT).
 */
export function taskSpec(prompt: string, options: TaskOptions = {}): TaskSpec {
  return create(TaskSpecSchema, { ...options, prompt });
}

/** The TaskSpec of a TaskInput. */
export function toTaskSpec(input: TaskInput): TaskSpec {
  if (typeof input === "string") return create(TaskSpecSchema, { prompt: input });
  return create(TaskSpecSchema, input);
}
