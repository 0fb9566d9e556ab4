// PoolClient: one idiomatic method per PoolService RPC (43), a paging helper per List* RPC and
// typed, resumable streams. It wraps the generated Connect client; every call goes through the
// Caller (calls.ts), which adds the token, the deadline and the resend policy.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { type Client, type CallOptions as ConnectCallOptions, ConnectError, createClient } from "@connectrpc/connect";
import { type CallOptions, Caller, type MutateOptions, newRequestId } from "./calls.js";
import { Code, PoolError } from "./errors.js";
import { type ChainProgress, ChainStatus, type ChainStepSchema } from "./gen/claude_pool/v1/chain_pb.js";
import type {
  ContextEntry,
  DrainSummary,
  MetricsFilterSchema,
  PoolConfig,
  PoolStatus,
  SessionMetrics,
  Slot,
  SlotMessage,
  SlotState,
} from "./gen/claude_pool/v1/pool_pb.js";
import {
  type ChainSpecSchema,
  type DeleteContextResponse,
  type FanOutItem,
  type ListChainProgressResponse,
  type ListContextResponse,
  type ListSessionsResponse,
  type ListTasksResponse,
  PoolService,
  type RouteResponse,
  type WaitTaskResponse,
} from "./gen/claude_pool/v1/pool_service_pb.js";
import type { AutoConfigSchema, AutoResult, RouteSchema } from "./gen/claude_pool/v1/routing_pb.js";
import type { Session } from "./gen/claude_pool/v1/session_pb.js";
import type { Task, TaskEvent, TaskState } from "./gen/claude_pool/v1/task_pb.js";
import { Health, type HealthCheckResponse_ServingStatus } from "./gen/grpc/health/v1/health_pb.js";
import { paginate } from "./paging.js";
import { DEFAULT_RETRY_POLICY } from "./retry.js";
import { type TaskInput, toTaskSpec } from "./task-spec.js";
import { type ClientOptions, buildTransport } from "./transport.js";

/** A chain: `{ steps: [{ name, prompt, ... }], options?: { tags, isolation, workingDir } }`. */
export type ChainInput = MessageInitShape<typeof ChainSpecSchema>;
/** One chain step: `{ name, prompt, overrides?, failurePolicy?, outputVars? }`. */
export type ChainStepInput = MessageInitShape<typeof ChainStepSchema>;
/** Routing configuration: `{ customPrompt?, hints?, overrides? }`. */
export type AutoConfigInput = MessageInitShape<typeof AutoConfigSchema>;
/** A route: `{ route: { case: "single", value: { prompt } } }`, `parallel` or `chain`. */
export type RouteInput = MessageInitShape<typeof RouteSchema>;
/** Which tasks GetSessionMetrics aggregates: `{ startTime?, endTime?, tags?, model? }`. */
export type MetricsFilterInput = MessageInitShape<typeof MetricsFilterSchema>;

/** Filters of ListTasks (all optional; unset ones do not filter). */
export interface TaskFilter {
  state?: TaskState;
  slotId?: string;
  tags?: string[];
  chainId?: string;
  sessionId?: string;
}

/** A page request: its size (server default when unset) and the previous page's token. */
export interface PageRequest {
  pageSize?: number;
  pageToken?: string;
}

/** Options of the paging helpers: page size, and the call options of each page's call. */
export interface IterateOptions extends CallOptions {
  pageSize?: number;
}

/** Options of WatchTask and WatchChain. */
export interface WatchOptions extends CallOptions {
  /** Deliver only what comes after this `seq` (default 0: everything). */
  afterSeq?: bigint | number;
}

/** Options of RunStream. */
export interface RunStreamOptions extends MutateOptions {
  /** Cancel the task when the stream is dropped (default false: it keeps running). */
  cancelOnDisconnect?: boolean;
}

/** A slot filter of FindSlots (all given filters must match). */
export interface SlotFilter {
  name?: string;
  role?: string;
  state?: SlotState;
}

/**
 * A client of claude-pool's PoolService. Every method throws PoolError. Mutating methods send a
 * fresh UUID v4 `request_id` (or `opts.requestId`), the same on every resend.
 *
 * ```ts
 * const pool = new PoolClient({ address: "pool.example:50051", token, tls: { ca } });
 * for await (const event of pool.runStream("Write a haiku")) { ... }
 * pool.close();
 * ```
 */
export class PoolClient {
  /** The generated Connect client this wraps, on the same transport (no token, no resends). */
  readonly stub: Client<typeof PoolService>;
  private readonly healthStub: Client<typeof Health>;
  private readonly calls: Caller;
  /** Health checks go without the token (CONFORMANCE.md §1). */
  private readonly healthCalls: Caller;
  private readonly closeTransport: () => void;

  constructor(options: ClientOptions) {
    const { transport, close } = buildTransport(options);
    this.closeTransport = close;
    this.stub = createClient(PoolService, transport);
    this.healthStub = createClient(Health, transport);
    const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    const defaultTimeoutMs = options.defaultTimeoutMs;
    this.calls = new Caller({ token: options.token, defaultTimeoutMs, policy });
    this.healthCalls = new Caller({ token: undefined, defaultTimeoutMs, policy });
  }

  /** Closes the connection this client opened; calls in flight fail. */
  close(): void {
    this.closeTransport();
  }

  /** `grpc.health.v1.Health/Check` (no token sent): the serving status of `service` ("" = the server). */
  async health(service = "", opts: CallOptions = {}): Promise<HealthCheckResponse_ServingStatus> {
    return (await this.healthCalls.unary((co) => this.healthStub.check({ service }, co), opts)).status;
  }

  // ---- tasks ----

  /** Run: runs a task and waits for it. A failed run is a task in state FAILED, not an error. */
  async run(task: TaskInput, opts: MutateOptions = {}): Promise<Task> {
    const req = { task: toTaskSpec(task), requestId: opts.requestId ?? newRequestId() };
    return must((await this.calls.unary((co) => this.stub.run(req, co), opts)).task);
  }

  /**
   * RunStream: runs a task and yields its events (state changes, text deltas, then `finished`,
   * the last one). If the stream breaks, it carries on with WatchTask from the last delivered
   * `seq`, so each event arrives once. Leaving the loop drops the stream; the task keeps running
   * unless `cancelOnDisconnect` is set.
   */
  runStream(task: TaskInput, opts: RunStreamOptions = {}): AsyncGenerator<TaskEvent> {
    const req = {
      task: toTaskSpec(task),
      requestId: opts.requestId ?? newRequestId(),
      cancelOnDisconnect: opts.cancelOnDisconnect ?? false,
    };
    let taskId = "";
    const stub = this.stub;
    async function* open(afterSeq: bigint, co: ConnectCallOptions): AsyncGenerator<TaskEvent> {
      if (taskId === "") {
        for await (const res of stub.runStream(req, co)) {
          const event = must(res.event);
          taskId = event.taskId;
          yield event;
        }
      } else {
        for await (const res of stub.watchTask({ taskId, afterSeq }, co)) yield must(res.event);
      }
    }
    return this.calls.resumable(open, { ...TASK_EVENTS, start: 0n, name: "RunStream" }, opts);
  }

  /** SubmitTask: queues a task and returns it at once (state PENDING). */
  async submitTask(task: TaskInput, opts: MutateOptions = {}): Promise<Task> {
    const req = { task: toTaskSpec(task), requestId: opts.requestId ?? newRequestId() };
    return must((await this.calls.unary((co) => this.stub.submitTask(req, co), opts)).task);
  }

  /** GetTask: returns a task. */
  async getTask(taskId: string, opts: CallOptions = {}): Promise<Task> {
    return must((await this.calls.unary((co) => this.stub.getTask({ taskId }, co), opts)).task);
  }

  /** ListTasks: one page of tasks, newest first. See `iterateTasks` for all of them. */
  listTasks(filter: TaskFilter & PageRequest = {}, opts: CallOptions = {}): Promise<ListTasksResponse> {
    return this.calls.unary((co) => this.stub.listTasks(filter, co), opts);
  }

  /** Every task matching `filter`, newest first, across pages of ListTasks. */
  iterateTasks(filter: TaskFilter = {}, opts: IterateOptions = {}): AsyncGenerator<Task> {
    return paginate(async (pageToken) => {
      const page = await this.listTasks({ ...filter, pageSize: opts.pageSize, pageToken }, opts);
      return { items: page.tasks, nextPageToken: page.nextPageToken };
    });
  }

  /**
   * WaitTask: waits until the task stops producing output (terminal or PENDING_REVIEW), at most
   * `waitMs` (server default and maximum: 10 minutes; the call's deadline also bounds it). `done`
   * is false when the wait ended first.
   */
  waitTask(taskId: string, waitMs?: number, opts: CallOptions = {}): Promise<WaitTaskResponse> {
    const timeout = waitMs === undefined ? undefined : durationFromMs(waitMs);
    return this.calls.unary((co) => this.stub.waitTask({ taskId, timeout }, co), opts);
  }

  /**
   * WatchTask: yields the task's events after `afterSeq` until the `finished` event. A broken
   * stream is reopened from the last delivered `seq`, so nothing is lost or repeated.
   */
  watchTask(taskId: string, opts: WatchOptions = {}): AsyncGenerator<TaskEvent> {
    const stub = this.stub;
    async function* open(afterSeq: bigint, co: ConnectCallOptions): AsyncGenerator<TaskEvent> {
      for await (const res of stub.watchTask({ taskId, afterSeq }, co)) yield must(res.event);
    }
    return this.calls.resumable(open, { ...TASK_EVENTS, start: BigInt(opts.afterSeq ?? 0), name: "WatchTask" }, opts);
  }

  /** CancelTask: cancels a task and returns it (CANCELLED). A finished task is FAILED_PRECONDITION. */
  async cancelTask(taskId: string, opts: MutateOptions = {}): Promise<Task> {
    const req = { taskId, requestId: opts.requestId ?? newRequestId() };
    return must((await this.calls.unary((co) => this.stub.cancelTask(req, co), opts)).task);
  }

  /** DeleteTask: deletes a settled task and its events for good. */
  async deleteTask(taskId: string, opts: MutateOptions = {}): Promise<void> {
    const req = { taskId, requestId: opts.requestId ?? newRequestId() };
    await this.calls.unary((co) => this.stub.deleteTask(req, co), opts);
  }

  /** ClaimTask: makes an idle slot take the oldest pending task now; undefined when none was taken. */
  async claimTask(slotId: string, opts: MutateOptions = {}): Promise<Task | undefined> {
    const req = { slotId, requestId: opts.requestId ?? newRequestId() };
    return (await this.calls.unary((co) => this.stub.claimTask(req, co), opts)).task;
  }

  /** ApproveTask: a task in PENDING_REVIEW becomes COMPLETED. */
  async approveTask(taskId: string, opts: MutateOptions = {}): Promise<Task> {
    const req = { taskId, requestId: opts.requestId ?? newRequestId() };
    return must((await this.calls.unary((co) => this.stub.approveTask(req, co), opts)).task);
  }

  /** RejectTask: a task in PENDING_REVIEW runs again with `feedback` appended to its prompt. */
  async rejectTask(taskId: string, feedback: string, opts: MutateOptions = {}): Promise<Task> {
    const req = { taskId, feedback, requestId: opts.requestId ?? newRequestId() };
    return must((await this.calls.unary((co) => this.stub.rejectTask(req, co), opts)).task);
  }

  // ---- sessions ----

  /** GetSession: returns a session the caller owns. */
  async getSession(sessionId: string, opts: CallOptions = {}): Promise<Session> {
    return must((await this.calls.unary((co) => this.stub.getSession({ sessionId }, co), opts)).session);
  }

  /** ListSessions: one page of the caller's sessions, most recently used first. */
  listSessions(page: PageRequest = {}, opts: CallOptions = {}): Promise<ListSessionsResponse> {
    return this.calls.unary((co) => this.stub.listSessions(page, co), opts);
  }

  /** Every session of the caller, most recently used first, across pages of ListSessions. */
  iterateSessions(opts: IterateOptions = {}): AsyncGenerator<Session> {
    return paginate(async (pageToken) => {
      const page = await this.listSessions({ pageSize: opts.pageSize, pageToken }, opts);
      return { items: page.sessions, nextPageToken: page.nextPageToken };
    });
  }

  /** DeleteSession: deletes a session and its transcript; continuing it afterwards is NOT_FOUND. */
  async deleteSession(sessionId: string, opts: MutateOptions = {}): Promise<void> {
    const req = { sessionId, requestId: opts.requestId ?? newRequestId() };
    await this.calls.unary((co) => this.stub.deleteSession(req, co), opts);
  }

  // ---- fan-out ----

  /**
   * FanOut: runs tasks concurrently and returns one item per input, in input order: the finished
   * `task`, or (when it could not be submitted) `errorCode`/`errorMessage`.
   */
  async fanOut(tasks: readonly TaskInput[], opts: MutateOptions = {}): Promise<FanOutItem[]> {
    const req = { tasks: tasks.map(toTaskSpec), requestId: opts.requestId ?? newRequestId() };
    const res = await this.calls.unary((co) => this.stub.fanOut(req, co), opts);
    return [...res.items].sort((a, b) => a.index - b.index);
  }

  /** FanOutStream: like fanOut, but yields each item as soon as its task finishes (`index` says which). */
  fanOutStream(tasks: readonly TaskInput[], opts: MutateOptions = {}): AsyncGenerator<FanOutItem> {
    const req = { tasks: tasks.map(toTaskSpec), requestId: opts.requestId ?? newRequestId() };
    const stub = this.stub;
    async function* open(co: ConnectCallOptions): AsyncGenerator<FanOutItem> {
      for await (const res of stub.fanOutStream(req, co)) yield must(res.item);
    }
    return this.calls.stream(open, opts);
  }

  // ---- chains ----

  /**
   * SubmitChain: submits dependent steps and returns the chain's initial progress at once. A
   * step's prompt may use `{previous_output}` and `{steps.NAME.VAR}`. Follow it with `watchChain`.
   */
  async submitChain(chain: ChainInput, opts: MutateOptions = {}): Promise<ChainProgress> {
    const req = { steps: chain.steps, options: chain.options, requestId: opts.requestId ?? newRequestId() };
    return must((await this.calls.unary((co) => this.stub.submitChain(req, co), opts)).chain);
  }

  /** FanOutChains: submits several chains, each running on its own; progress in input order. */
  async fanOutChains(chains: readonly ChainInput[], opts: MutateOptions = {}): Promise<ChainProgress[]> {
    const req = { chains: [...chains], requestId: opts.requestId ?? newRequestId() };
    return (await this.calls.unary((co) => this.stub.fanOutChains(req, co), opts)).chains;
  }

  /** GetChainProgress: returns a chain's progress. */
  async getChainProgress(chainId: string, opts: CallOptions = {}): Promise<ChainProgress> {
    return must((await this.calls.unary((co) => this.stub.getChainProgress({ chainId }, co), opts)).chain);
  }

  /** ListChainProgress: one page of chains, newest first. */
  listChainProgress(
    filter: { status?: ChainStatus } & PageRequest = {},
    opts: CallOptions = {},
  ): Promise<ListChainProgressResponse> {
    return this.calls.unary((co) => this.stub.listChainProgress(filter, co), opts);
  }

  /** Every chain (with `status`, if given), newest first, across pages of ListChainProgress. */
  iterateChainProgress(filter: { status?: ChainStatus } = {}, opts: IterateOptions = {}): AsyncGenerator<ChainProgress> {
    return paginate(async (pageToken) => {
      const page = await this.listChainProgress({ ...filter, pageSize: opts.pageSize, pageToken }, opts);
      return { items: page.chains, nextPageToken: page.nextPageToken };
    });
  }

  /**
   * WatchChain: yields progress snapshots newer than `afterSeq` (0: the current one first), each
   * with a greater `seq` (fast changes may be coalesced), ending after the terminal one
   * (COMPLETED, FAILED or CANCELLED, with `result`). A broken stream is reopened from the last `seq`.
   */
  watchChain(chainId: string, opts: WatchOptions = {}): AsyncGenerator<ChainProgress> {
    const stub = this.stub;
    async function* open(afterSeq: bigint, co: ConnectCallOptions): AsyncGenerator<ChainProgress> {
      for await (const res of stub.watchChain({ chainId, afterSeq }, co)) yield must(res.chain);
    }
    return this.calls.resumable(
      open,
      {
        start: BigInt(opts.afterSeq ?? 0),
        position: (c) => c.seq,
        isLast: (c) => isTerminalChain(c.status) && c.endTime !== undefined,
        endsAfter: (c) => isTerminalChain(c.status),
        name: "WatchChain",
      },
      opts,
    );
  }

  /** CancelChain: stops the running step, skips the rest; returns the progress (CANCELLED). */
  async cancelChain(chainId: string, opts: MutateOptions = {}): Promise<ChainProgress> {
    const req = { chainId, requestId: opts.requestId ?? newRequestId() };
    return must((await this.calls.unary((co) => this.stub.cancelChain(req, co), opts)).chain);
  }

  // ---- routing ----

  /** Route: asks the router which route suits `prompt` (single, parallel, chain), without running it. */
  route(prompt: string, config?: AutoConfigInput, opts: CallOptions = {}): Promise<RouteResponse> {
    return this.calls.unary((co) => this.stub.route({ prompt, config }, co), opts);
  }

  /** Auto: routes `prompt` and runs the route (as a single task if routing fails). */
  async auto(prompt: string, config?: AutoConfigInput, opts: MutateOptions = {}): Promise<AutoResult> {
    const req = { prompt, config, requestId: opts.requestId ?? newRequestId() };
    return must((await this.calls.unary((co) => this.stub.auto(req, co), opts)).result);
  }

  /** ExecuteRoute: runs a given route. */
  async executeRoute(route: RouteInput, opts: MutateOptions = {}): Promise<AutoResult> {
    const req = { route, requestId: opts.requestId ?? newRequestId() };
    return must((await this.calls.unary((co) => this.stub.executeRoute(req, co), opts)).result);
  }

  // ---- shared context ----

  /** SetContext: sets a shared-context entry (injected into every task's system prompt). */
  async setContext(key: string, value: string, opts: MutateOptions = {}): Promise<ContextEntry> {
    const req = { key, value, requestId: opts.requestId ?? newRequestId() };
    return must((await this.calls.unary((co) => this.stub.setContext(req, co), opts)).entry);
  }

  /** GetContext: returns a shared-context entry (NOT_FOUND `CONTEXT_NOT_FOUND` when unset). */
  async getContext(key: string, opts: CallOptions = {}): Promise<ContextEntry> {
    return must((await this.calls.unary((co) => this.stub.getContext({ key }, co), opts)).entry);
  }

  /** DeleteContext: deletes an entry; `deleted` says whether it existed. */
  deleteContext(key: string, opts: MutateOptions = {}): Promise<DeleteContextResponse> {
    const req = { key, requestId: opts.requestId ?? newRequestId() };
    return this.calls.unary((co) => this.stub.deleteContext(req, co), opts);
  }

  /** ListContext: one page of entries, by key. */
  listContext(page: PageRequest = {}, opts: CallOptions = {}): Promise<ListContextResponse> {
    return this.calls.unary((co) => this.stub.listContext(page, co), opts);
  }

  /** Every shared-context entry, by key, across pages of ListContext. */
  iterateContext(opts: IterateOptions = {}): AsyncGenerator<ContextEntry> {
    return paginate(async (pageToken) => {
      const page = await this.listContext({ pageSize: opts.pageSize, pageToken }, opts);
      return { items: page.entries, nextPageToken: page.nextPageToken };
    });
  }

  // ---- slot messages ----

  /** SendMessage: a message to a slot, put before its next prompt. `fromSlotId` may be any label. */
  async sendMessage(
    message: { fromSlotId: string; toSlotId: string; content: string },
    opts: MutateOptions = {},
  ): Promise<SlotMessage> {
    const req = { ...message, requestId: opts.requestId ?? newRequestId() };
    return must((await this.calls.unary((co) => this.stub.sendMessage(req, co), opts)).message);
  }

  /** BroadcastMessage: a message to every other active slot; one stored message per recipient. */
  async broadcastMessage(
    message: { fromSlotId: string; content: string },
    opts: MutateOptions = {},
  ): Promise<SlotMessage[]> {
    const req = { ...message, requestId: opts.requestId ?? newRequestId() };
    return (await this.calls.unary((co) => this.stub.broadcastMessage(req, co), opts)).messages;
  }

  /** ReadMessages: returns and removes a slot's unread messages, oldest first. */
  async readMessages(slotId: string, opts: MutateOptions = {}): Promise<SlotMessage[]> {
    const req = { slotId, requestId: opts.requestId ?? newRequestId() };
    return (await this.calls.unary((co) => this.stub.readMessages(req, co), opts)).messages;
  }

  /** PeekMessages: a slot's unread messages, oldest first, left unread. */
  async peekMessages(slotId: string, opts: CallOptions = {}): Promise<SlotMessage[]> {
    return (await this.calls.unary((co) => this.stub.peekMessages({ slotId }, co), opts)).messages;
  }

  /** CountMessages: how many unread messages a slot has. */
  async countMessages(slotId: string, opts: CallOptions = {}): Promise<number> {
    return Number((await this.calls.unary((co) => this.stub.countMessages({ slotId }, co), opts)).count);
  }

  // ---- slots and the pool ----

  /** FindSlots: slots matching every given filter, by id. */
  async findSlots(filter: SlotFilter = {}, opts: CallOptions = {}): Promise<Slot[]> {
    return (await this.calls.unary((co) => this.stub.findSlots(filter, co), opts)).slots;
  }

  /** ScaleUp: adds `count` slots (within `max_slots`); returns the slots after scaling. */
  async scaleUp(count: number, opts: MutateOptions = {}): Promise<number> {
    const req = { count, requestId: opts.requestId ?? newRequestId() };
    return (await this.calls.unary((co) => this.stub.scaleUp(req, co), opts)).totalSlots;
  }

  /**
   * ScaleDown: removes `count` slots, idle and least used first (within `min_slots`); a busy slot
   * gets `busyTimeoutMs` (server default 30 s) before its task is cancelled. Returns the slots left.
   */
  async scaleDown(count: number, busyTimeoutMs?: number, opts: MutateOptions = {}): Promise<number> {
    const busyTimeout = busyTimeoutMs === undefined ? undefined : durationFromMs(busyTimeoutMs);
    const req = { count, busyTimeout, requestId: opts.requestId ?? newRequestId() };
    return (await this.calls.unary((co) => this.stub.scaleDown(req, co), opts)).totalSlots;
  }

  /** SetTargetSlots: scales up or down to `target` slots; returns the slots after scaling. */
  async setTargetSlots(target: number, opts: MutateOptions = {}): Promise<number> {
    const req = { target, requestId: opts.requestId ?? newRequestId() };
    return (await this.calls.unary((co) => this.stub.setTargetSlots(req, co), opts)).totalSlots;
  }

  /** GetStatus: counts of slots and tasks, spend and budget (of the caller's namespace). */
  async getStatus(opts: CallOptions = {}): Promise<PoolStatus> {
    return must((await this.calls.unary((co) => this.stub.getStatus({}, co), opts)).status);
  }

  /** GetConfig: the server's effective configuration (no secrets). */
  async getConfig(opts: CallOptions = {}): Promise<PoolConfig> {
    return must((await this.calls.unary((co) => this.stub.getConfig({}, co), opts)).config);
  }

  /**
   * Drain: stops accepting work, waits up to `drainTimeoutMs` (server default 5 minutes) for running
   * tasks, cancels the rest and stops the slots.
   */
  async drain(drainTimeoutMs?: number, opts: MutateOptions = {}): Promise<DrainSummary> {
    const timeout = drainTimeoutMs === undefined ? undefined : durationFromMs(drainTimeoutMs);
    const req = { timeout, requestId: opts.requestId ?? newRequestId() };
    return must((await this.calls.unary((co) => this.stub.drain(req, co), opts)).summary);
  }

  /** GetSessionMetrics: task outcomes, spend and timings over `filter` (all tasks when unset). */
  async getSessionMetrics(filter?: MetricsFilterInput, opts: CallOptions = {}): Promise<SessionMetrics> {
    return must((await this.calls.unary((co) => this.stub.getSessionMetrics({ filter }, co), opts)).metrics);
  }
}

/** True for COMPLETED, FAILED and CANCELLED. */
export function isTerminalChain(status: ChainStatus): boolean {
  return status === ChainStatus.COMPLETED || status === ChainStatus.FAILED || status === ChainStatus.CANCELLED;
}

/** How a task's event stream is positioned and when it is complete. */
const TASK_EVENTS = {
  position: (e: TaskEvent) => e.seq,
  isLast: (e: TaskEvent) => e.kind.case === "finished",
};

/** A reply field the contract always sets; its absence is a broken server. */
function must<T>(value: T | undefined): T {
  if (value === undefined) throw new PoolError(new ConnectError("reply is missing a required field", Code.Internal));
  return value;
}
