// How one PoolService call is made: token header, deadline, resends and error conversion, the
// same for every RPC, so the wrapper methods in client.ts only build requests and unwrap replies.
import { randomUUID } from "node:crypto";
import { type CallOptions as ConnectCallOptions, ConnectError } from "@connectrpc/connect";
import { Code, PoolError, abortError, toPoolError } from "./errors.js";
import { Deadline, type RetryPolicy, retryDelayMs, sleep, withRetries } from "./retry.js";

/** Options every call takes. */
export interface CallOptions {
  /** Aborts the call (and its resends, and a stream's reconnects). */
  signal?: AbortSignal;
  /**
   * Deadline in milliseconds for the whole call, resends included. Unary calls default to the
   * client's `defaultTimeoutMs`; streams have none unless given here.
   */
  timeoutMs?: number;
  /** Extra request metadata for this call. */
  headers?: Record<string, string>;
}

/** Options of mutating calls. */
export interface MutateOptions extends CallOptions {
  /**
   * Idempotency key (at most 128 bytes). A fresh UUID v4 when unset; the same key is sent on every
   * resend, so the server does the work once.
   */
  requestId?: string;
}

/** A new idempotency key: a random UUID v4. */
export function newRequestId(): string {
  return randomUUID();
}

/** The settings a Caller shares across calls. */
export interface CallerConfig {
  token: string | undefined;
  defaultTimeoutMs: number | undefined;
  policy: RetryPolicy;
}

/** One attempt of a call, given connect's call options for it. */
export type Attempt<T> = (options: ConnectCallOptions) => Promise<T>;

/** Opens one attempt of a server stream. */
export type Open<T> = (options: ConnectCallOptions) => AsyncIterable<T>;

export class Caller {
  constructor(private readonly config: CallerConfig) {}

  /** A unary call: resent per the policy, within the call's (or the default) deadline. */
  unary<T>(attempt: Attempt<T>, opts: CallOptions = {}): Promise<T> {
    const deadline = Deadline.after(opts.timeoutMs ?? this.config.defaultTimeoutMs);
    return withRetries(() => attempt(this.connectOptions(opts, deadline)), {
      policy: this.config.policy,
      deadline,
      signal: opts.signal,
    });
  }

  /**
   * A server stream that is resent per the policy until its first message arrives (opening it is
   * safe to repeat); a break after that is thrown to the caller as a PoolError.
   */
  async *stream<T>(open: Open<T>, opts: CallOptions = {}): AsyncGenerator<T> {
    const deadline = Deadline.after(opts.timeoutMs);
    for (let attempt = 1; ; attempt++) {
      let received = false;
      try {
        for await (const message of this.attempt(open, opts, deadline)) {
          received = true;
          yield message;
        }
        return;
      } catch (err) {
        const error = toPoolError(err, opts.signal);
        const wait = received ? undefined : retryDelayMs(error, attempt, this.config.policy);
        if (wait === undefined || !deadline.allows(wait)) throw error;
        await sleep(wait, opts.signal);
      }
    }
  }

  /**
   * A stream that resumes where it broke: `open(last)` must reopen it after the last delivered
   * position. Messages at or before that position are dropped, so the caller sees each once.
   * A break (UNAVAILABLE, a lost connection, or an end before `isLast`) is reopened per the
   * policy; the attempt count starts again after every delivered message.
   */
  async *resumable<T>(
    open: (last: bigint, options: ConnectCallOptions) => AsyncIterable<T>,
    stream: {
      start: bigint;
      position: (message: T) => bigint;
      /** True for the message after which the stream is complete. */
      isLast: (message: T) => boolean;
      /** True when a clean end of the server stream right after `message` completes it. */
      endsAfter?: (message: T) => boolean;
      name: string;
    },
    opts: CallOptions = {},
  ): AsyncGenerator<T> {
    const deadline = Deadline.after(opts.timeoutMs);
    let last = stream.start;
    let previous: T | undefined;
    for (let attempt = 1; ; attempt++) {
      let error: PoolError;
      try {
        for await (const message of this.attempt((co) => open(last, co), opts, deadline)) {
          const position = stream.position(message);
          if (position <= last) continue;
          last = position;
          previous = message;
          attempt = 1;
          yield message;
          if (stream.isLast(message)) return;
        }
        if (previous !== undefined && stream.endsAfter?.(previous)) return;
        error = new PoolError(new ConnectError(`${stream.name} ended early (after ${last})`, Code.Unavailable));
      } catch (err) {
        error = toPoolError(err, opts.signal);
      }
      const wait = retryDelayMs(error, attempt, this.config.policy);
      if (wait === undefined || !deadline.allows(wait)) throw error;
      await sleep(wait, opts.signal);
    }
  }

  /**
   * One attempt of a stream, on its own AbortController: connect's stream iterables cannot be
   * closed, so when the caller leaves its loop (or the attempt ends) the HTTP/2 stream is
   * cancelled through the signal instead. The caller's signal still aborts it.
   */
  private async *attempt<T>(open: Open<T>, opts: CallOptions, deadline: Deadline): AsyncGenerator<T> {
    const options = this.connectOptions(opts, deadline);
    const controller = new AbortController();
    const onAbort = () => controller.abort(opts.signal?.reason);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      yield* open({ ...options, signal: controller.signal });
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
      controller.abort();
    }
  }

  /** Connect's options for one attempt: the token, the caller's headers, the time left. */
  private connectOptions(opts: CallOptions, deadline: Deadline): ConnectCallOptions {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const headers: Record<string, string> = { ...opts.headers };
    if (this.config.token !== undefined) headers["authorization"] = `Bearer ${this.config.token}`;
    const remaining = deadline.remainingMs();
    return { signal: opts.signal, timeoutMs: remaining === undefined ? undefined : Math.max(1, remaining), headers };
  }
}
