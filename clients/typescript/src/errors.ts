// The one error type every PoolClient call throws, decoded from the gRPC status and its
// google.rpc details (ErrorInfo, BadRequest, RetryInfo), as clients/CONFORMANCE.md §1 asks.
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorReason } from "./gen/claude_pool/v1/errors_pb.js";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "./gen/google/rpc/error_details_pb.js";

/** One invalid field named by a `google.rpc.BadRequest` detail, e.g. `task.prompt`. */
export interface FieldViolation {
  field: string;
  description: string;
}

/** gRPC status names, indexed by code (0..16). */
const CODE_NAMES = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
  "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
  "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
] as const;

/**
 * A failed call. `code` is the gRPC status code (connect's `Code` uses the gRPC numbers), `reason`
 * the server's `ErrorReason`; the rest comes from the `google.rpc` details the server attached.
 *
 * `reason` is `ErrorReason.UNSPECIFIED` when the error carried no ErrorInfo (a transport failure,
 * a local deadline) or a reason this client version does not know; `reasonName` keeps the string
 * the server sent either way.
 */
export class PoolError extends Error {
  override readonly name = "PoolError";
  /** The gRPC status code. */
  readonly code: Code;
  /** The status message as the server (or the transport) gave it. */
  readonly rawMessage: string;
  /** `ErrorInfo.reason` as the enum; `ErrorReason.UNSPECIFIED` when absent or unknown. */
  readonly reason: ErrorReason;
  /** `ErrorInfo.reason` as sent, e.g. `TASK_NOT_FOUND`; `""` without an ErrorInfo. */
  readonly reasonName: string;
  /** `ErrorInfo.domain`, `claude-pool.dev` for the pool's own errors; `""` without one. */
  readonly domain: string;
  /** `ErrorInfo.metadata`: the dynamic values of the error, e.g. `task_id`. */
  readonly metadata: Readonly<Record<string, string>>;
  /** `BadRequest` field violations (INVALID_ARGUMENT). */
  readonly fieldViolations: readonly FieldViolation[];
  /** `RetryInfo.retry_delay` in milliseconds, when the server said when to try again. */
  readonly retryDelayMs: number | undefined;
  /** The ConnectError this was decoded from. */
  override readonly cause: ConnectError;

  constructor(cause: ConnectError) {
    const info = cause.findDetails(ErrorInfoSchema)[0];
    const retry = cause.findDetails(RetryInfoSchema)[0]?.retryDelay;
    const codeName = CODE_NAMES[cause.code] ?? String(cause.code);
    super(`${codeName}${info?.reason ? ` (${info.reason})` : ""}: ${cause.rawMessage}`);
    this.code = cause.code;
    this.rawMessage = cause.rawMessage;
    this.reasonName = info?.reason ?? "";
    this.reason = parseReason(this.reasonName);
    this.domain = info?.domain ?? "";
    this.metadata = { ...(info?.metadata ?? {}) };
    this.fieldViolations = cause
      .findDetails(BadRequestSchema)
      .flatMap((b) => b.fieldViolations)
      .map((v) => ({ field: v.field, description: v.description }));
    this.retryDelayMs = retry ? durationMs(retry) : undefined;
    this.cause = cause;
  }

  /** The gRPC name of the code, e.g. `NOT_FOUND`. */
  get codeName(): string {
    return CODE_NAMES[this.code] ?? String(this.code);
  }

  /** Turns anything a call threw into a PoolError (a PoolError is returned as is). */
  static from(err: unknown): PoolError {
    if (err instanceof PoolError) return err;
    return new PoolError(ConnectError.from(err));
  }
}

/** `TASK_NOT_FOUND` (or `ERROR_REASON_TASK_NOT_FOUND`) -> `ErrorReason.TASK_NOT_FOUND`. */
export function parseReason(name: string): ErrorReason {
  const key = name.startsWith("ERROR_REASON_") ? name.slice("ERROR_REASON_".length) : name;
  const value: unknown = (ErrorReason as unknown as Record<string, unknown>)[key];
  return typeof value === "number" ? (value as ErrorReason) : ErrorReason.UNSPECIFIED;
}

/**
 * Converts what a call threw into a PoolError, naming transport failures UNAVAILABLE.
 *
 * Connect reports a connection that failed or dropped under a call with whatever code the Node
 * error maps to: CANCELLED for an HTTP/2 stream reset (also what a TLS server does to a plaintext
 * or certificate-less client), INTERNAL for a TLS verification error or a stream cut before its
 * status, ABORTED for ECONNRESET. gRPC calls all of these UNAVAILABLE, and the resend policy and
 * the resumable streams rely on that. An error the server sent always carries response metadata
 * (`grpc-status` at least); one that carries none never came from the server, and becomes
 * UNAVAILABLE unless it is the caller's own cancellation or the local deadline.
 */
export function toPoolError(err: unknown, signal?: AbortSignal): PoolError {
  if (err instanceof PoolError) return err;
  const ce = ConnectError.from(err);
  const fromServer = [...ce.metadata.keys()].length > 0;
  const local = ce.code === Code.DeadlineExceeded || signal?.aborted === true;
  if (!fromServer && !local && TRANSPORT_CODES.has(ce.code)) {
    const unavailable = new ConnectError(`connection failed: ${ce.rawMessage}`, Code.Unavailable, undefined, undefined, ce);
    return new PoolError(unavailable);
  }
  return new PoolError(ce);
}

/** The error of a call the caller aborted: CANCELLED, or DEADLINE_EXCEEDED for a timeout signal. */
export function abortError(signal: AbortSignal): PoolError {
  const reason: unknown = signal.reason;
  if (reason instanceof ConnectError || reason instanceof PoolError) return PoolError.from(reason);
  const timeout = reason instanceof Error && reason.name === "TimeoutError";
  const message = reason instanceof Error ? reason.message : "the operation was aborted";
  return new PoolError(
    new ConnectError(message, timeout ? Code.DeadlineExceeded : Code.Canceled, undefined, undefined, reason),
  );
}

const TRANSPORT_CODES: ReadonlySet<Code> = new Set([Code.Canceled, Code.Unknown, Code.Aborted, Code.Internal]);

export { Code, ErrorReason };
