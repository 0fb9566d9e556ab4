import type { SecureClientSessionOptions } from "node:http2";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { type Client, ConnectError, type Interceptor, createClient } from "@connectrpc/connect";
import { Http2SessionManager, createGrpcTransport } from "@connectrpc/connect-node";
import { ErrorInfoSchema } from "./gen/google/rpc/error_details_pb.js";
import { type FanOutItem, PoolService } from "./gen/claude_pool/v1/pool_service_pb.js";
import {
  type ChainOptionsSchema,
  type ChainProgress,
  ChainStatus,
  type ChainStepSchema,
} from "./gen/claude_pool/v1/chain_pb.js";
import type { PoolStatus } from "./gen/claude_pool/v1/pool_pb.js";
import type { Task, TaskEvent, TaskSpecSchema } from "./gen/claude_pool/v1/task_pb.js";
import { Health, type HealthCheckResponse_ServingStatus } from "./gen/grpc/health/v1/health_pb.js";
import { Code, PoolError } from "./errors.js";

/** A prompt, or a full TaskSpec (`{ prompt, overrides, tags, ... }`). */
export type TaskInput = string | MessageInitShape<typeof TaskSpecSchema>;

/** One chain step: `{ name, prompt, overrides?, failurePolicy?, outputVars? }`. */
export type ChainStepInput = MessageInitShape<typeof ChainStepSchema>;

/** Chain options: `{ tags?, isolation?, workingDir? }`. */
export type ChainOptionsInput = MessageInitShape<typeof ChainOptionsSchema>;

export interface ConnectOptions {
  /** Bearer token, sent as `authorization: Bearer <token>` on every call. */
  token?: string;
  /** Use TLS (off by default); pass Node http2 options to set a CA, client cert, ... */
  tls?: boolean | SecureClientSessionOptions;
}

/** Per-call options: an AbortSignal and/or a deadline. */
export interface CallOpts {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Options of mutating calls. */
export interface MutateOpts extends CallOpts {
  /** Idempotency key (a UUID): a retry with the same key does the work once. */
  requestId?: string;
}

export interface WatchOpts extends CallOpts {
  /** Reconnects in a row without a new event before giving up (default 8). */
  maxReconnects?: number;
}

/**
 * A small client for claude-pool's PoolService. Methods throw PoolError. Everything not wrapped
 * here is reachable through `raw` (the generated Connect client, which throws ConnectError;
 * convert with `PoolError.from`).
 */
export class PoolClient {
  /** The generated PoolService client, sharing this client's connection and token. */
  readonly raw: Client<typeof PoolService>;
  private readonly healthClient: Client<typeof Health>;
  private readonly session: Http2SessionManager;

  private constructor(address: string, options: ConnectOptions) {
    const scheme = options.tls ? "https" : "http";
    const baseUrl = /^https?:\/\//.test(address) ? address : `${scheme}://${address}`;
    const nodeOptions = typeof options.tls === "object" ? options.tls : {};
    this.session = new Http2SessionManager(baseUrl, {}, nodeOptions);
    const interceptors: Interceptor[] = [];
    if (options.token !== undefined) {
      const value = `Bearer ${options.token}`;
      interceptors.push((next) => (req) => {
        req.header.set("authorization", value);
        return next(req);
      });
    }
    const transport = createGrpcTransport({ baseUrl, sessionManager: this.session, interceptors });
    this.raw = createClient(PoolService, transport);
    this.healthClient = createClient(Health, transport);
  }

  /** Connects to `host:port` (plaintext HTTP/2 unless `tls` is set). The connection opens lazily. */
  static connect(address: string, options: ConnectOptions = {}): PoolClient {
    return new PoolClient(address, options);
  }

  /** Closes the connection; calls in flight fail. */
  close(): void {
    this.session.abort();
  }

  /** `grpc.health.v1.Health/Check`; returns the serving status (1 = SERVING). */
  async health(service = "", opts: CallOpts = {}): Promise<HealthCheckResponse_ServingStatus> {
    return call(async () => (await this.healthClient.check({ service }, co(opts))).status);
  }

  /** Runs a task and waits for it to finish. A failed run is a task in state FAILED, not an error. */
  async run(input: TaskInput, opts: MutateOpts = {}): Promise<Task> {
    const res = await call(() => this.raw.run({ task: spec(input), requestId: opts.requestId ?? "" }, co(opts)));
    return must(res.task);
  }

  /**
   * Runs a task and yields its events (state changes, text deltas, then `finished`). If the stream
   * drops after the first event, it continues with `watch` from the last seen seq. Breaking out
   * of the loop or aborting the signal drops the stream; the task keeps running.
   */
  async *stream(input: TaskInput, opts: MutateOpts = {}): AsyncGenerator<TaskEvent> {
    let taskId = "";
    let lastSeq = 0n;
    try {
      const req = { task: spec(input), requestId: opts.requestId ?? "" };
      for await (const res of this.raw.runStream(req, co(opts))) {
        const event = must(res.event);
        taskId = event.taskId;
        lastSeq = event.seq;
        yield event;
        if (event.kind.case === "finished") return;
      }
    } catch (err) {
      if (!taskId || !resumable(err, opts.signal)) throw PoolError.from(err);
    }
    if (!taskId) throw new PoolError(new ConnectError("RunStream ended before any event", Code.Unavailable));
    yield* this.watch(taskId, lastSeq, opts);
  }

  /** Queues a task and returns it at once (state PENDING). */
  async submit(input: TaskInput, opts: MutateOpts = {}): Promise<Task> {
    const res = await call(() => this.raw.submitTask({ task: spec(input), requestId: opts.requestId ?? "" }, co(opts)));
    return must(res.task);
  }

  /** Returns a task. */
  async get(taskId: string, opts: CallOpts = {}): Promise<Task> {
    return must((await call(() => this.raw.getTask({ taskId }, co(opts)))).task);
  }

  /**
   * Waits until the task is terminal (or PENDING_REVIEW) and returns it. With `waitMs`, waits at
   * most that long and returns the task as it stands (check `task.state`).
   */
  async wait(taskId: string, opts: CallOpts & { waitMs?: number } = {}): Promise<Task> {
    for (;;) {
      const timeout = opts.waitMs === undefined ? undefined : durationOf(opts.waitMs);
      const res = await call(() => this.raw.waitTask({ taskId, timeout }, co(opts)));
      if (res.done || opts.waitMs !== undefined) return must(res.task);
    }
  }

  /**
   * Yields the task's events after `afterSeq` until the `finished` event. On UNAVAILABLE or a
   * dropped stream it reconnects from the last seen seq, so nothing is lost or repeated.
   */
  async *watch(taskId: string, afterSeq: bigint | number = 0, opts: WatchOpts = {}): AsyncGenerator<TaskEvent> {
    let last = BigInt(afterSeq);
    const maxReconnects = opts.maxReconnects ?? 8;
    let failures = 0;
    for (;;) {
      let error: unknown = new ConnectError(`WatchTask ended before the finished event (after seq ${last})`, Code.Unavailable);
      try {
        for await (const res of this.raw.watchTask({ taskId, afterSeq: last }, co(opts))) {
          const event = must(res.event);
          if (event.seq <= last) continue; // never repeat an event
          last = event.seq;
          failures = 0;
          yield event;
          if (event.kind.case === "finished") return;
        }
      } catch (err) {
        if (!resumable(err, opts.signal)) throw PoolError.from(err);
        error = err;
      }
      if (++failures > maxReconnects) throw PoolError.from(error);
      await sleep(Math.min(100 * 2 ** (failures - 1), 2000), opts.signal);
    }
  }

  /** Cancels a task and returns it (CANCELLED). */
  async cancel(taskId: string, opts: MutateOpts = {}): Promise<Task> {
    return must((await call(() => this.raw.cancelTask({ taskId, requestId: opts.requestId ?? "" }, co(opts)))).task);
  }

  /**
   * Runs several tasks concurrently and returns one item per input, in input order. Each item has
   * the finished `task`, or (when it could not be submitted) no task and `errorCode`/`errorMessage`.
   */
  async fanOut(inputs: readonly TaskInput[], opts: MutateOpts = {}): Promise<FanOutItem[]> {
    const req = { tasks: inputs.map(spec), requestId: opts.requestId ?? "" };
    const res = await call(() => this.raw.fanOut(req, co(opts)));
    return [...res.items].sort((a, b) => a.index - b.index);
  }

  /**
   * Submits a chain of dependent steps and returns its initial progress at once. A step's prompt
   * may use `{previous_output}` and `{steps.NAME.VAR}`. Follow it with `watchChain`.
   */
  async submitChain(
    steps: readonly ChainStepInput[],
    options?: ChainOptionsInput,
    opts: MutateOpts = {},
  ): Promise<ChainProgress> {
    const req = { steps: [...steps], options, requestId: opts.requestId ?? "" };
    return must((await call(() => this.raw.submitChain(req, co(opts)))).chain);
  }

  /** Returns a chain's progress. */
  async getChain(chainId: string, opts: CallOpts = {}): Promise<ChainProgress> {
    return must((await call(() => this.raw.getChainProgress({ chainId }, co(opts)))).chain);
  }

  /**
   * Yields the chain's progress snapshots newer than `afterSeq` (0: the current one first), each
   * with a greater `seq`, ending after the snapshot with a terminal status (COMPLETED, FAILED,
   * CANCELLED) that carries the chain's end. Fast changes may be coalesced into one snapshot. On
   * UNAVAILABLE or a dropped stream it reconnects from the last seen seq.
   */
  async *watchChain(chainId: string, afterSeq: bigint | number = 0, opts: WatchOpts = {}): AsyncGenerator<ChainProgress> {
    let last = BigInt(afterSeq);
    let terminal = false;
    const maxReconnects = opts.maxReconnects ?? 8;
    let failures = 0;
    for (;;) {
      let error: unknown = new ConnectError(`WatchChain ended before a terminal status (after seq ${last})`, Code.Unavailable);
      try {
        for await (const res of this.raw.watchChain({ chainId, afterSeq: last }, co(opts))) {
          const chain = must(res.chain);
          if (chain.seq <= last) continue; // never repeat a snapshot
          last = chain.seq;
          failures = 0;
          terminal = isTerminalChain(chain.status);
          yield chain;
          if (terminal && chain.endTime !== undefined) return;
        }
        // The server ends the stream once the chain is terminal and finished.
        if (terminal) return;
      } catch (err) {
        if (!resumable(err, opts.signal)) throw PoolError.from(err);
        error = err;
      }
      if (++failures > maxReconnects) throw PoolError.from(error);
      await sleep(Math.min(100 * 2 ** (failures - 1), 2000), opts.signal);
    }
  }

  /** Cancels a chain (the running step is stopped, the rest skipped) and returns its progress. */
  async cancelChain(chainId: string, opts: MutateOpts = {}): Promise<ChainProgress> {
    const req = { chainId, requestId: opts.requestId ?? "" };
    return must((await call(() => this.raw.cancelChain(req, co(opts)))).chain);
  }

  /** Returns the pool's status (slots, tasks, spend). */
  async status(opts: CallOpts = {}): Promise<PoolStatus> {
    return must((await call(() => this.raw.getStatus({}, co(opts)))).status);
  }
}

// ---- helpers ----

/** True for COMPLETED, FAILED and CANCELLED. */
export function isTerminalChain(status: ChainStatus): boolean {
  return status === ChainStatus.COMPLETED || status === ChainStatus.FAILED || status === ChainStatus.CANCELLED;
}

/** The connect call options of our per-call options. */
function co(opts: CallOpts): { signal?: AbortSignal; timeoutMs?: number } {
  return { signal: opts.signal, timeoutMs: opts.timeoutMs };
}

function spec(input: TaskInput): MessageInitShape<typeof TaskSpecSchema> {
  return typeof input === "string" ? { prompt: input } : input;
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw PoolError.from(err);
  }
}

function must<T>(value: T | undefined): T {
  if (value === undefined) {
    throw new PoolError(new ConnectError("response is missing a required field", Code.Internal));
  }
  return value;
}

/** Transport-level failures that a read-only stream may retry (never a caller's abort). */
function resumable(err: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return false;
  const ce = err instanceof PoolError ? err.cause : ConnectError.from(err);
  if (ce.code === Code.Unavailable || ce.code === Code.Aborted) return true;
  // A reset HTTP/2 stream surfaces as INTERNAL with no ErrorInfo; the server's own errors carry one.
  return ce.code === Code.Internal && ce.findDetails(ErrorInfoSchema).length === 0;
}

function durationOf(ms: number): { seconds: bigint; nanos: number } {
  const whole = Math.floor(ms);
  return { seconds: BigInt(Math.floor(whole / 1000)), nanos: (whole % 1000) * 1_000_000 };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(PoolError.from(signal.reason));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(PoolError.from(signal?.reason));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
