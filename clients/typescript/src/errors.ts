import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "./gen/google/rpc/error_details_pb.js";

/** One invalid field named by a `google.rpc.BadRequest` detail. */
export interface FieldViolation {
  field: string;
  description: string;
  reason: string;
}

/** gRPC status names, indexed by code (0..16). */
const CODE_NAMES = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
  "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
  "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
] as const;

/**
 * Every failed call of PoolClient throws a PoolError: the gRPC status code plus the
 * `google.rpc.ErrorInfo` and `google.rpc.BadRequest` details the server put in the
 * `grpc-status-details-bin` trailer.
 */
export class PoolError extends Error {
  override readonly name = "PoolError";
  /** The gRPC status code (connect's `Code` uses the gRPC numbers). */
  readonly code: Code;
  /** The status message as the server sent it. */
  readonly rawMessage: string;
  /** ErrorInfo reason, e.g. `TASK_NOT_FOUND`; undefined when the error carried no ErrorInfo. */
  readonly reason: string | undefined;
  /** ErrorInfo domain, `claude-pool.dev` for the pool's own errors. */
  readonly domain: string | undefined;
  /** ErrorInfo metadata (dynamic values such as `task_id`). */
  readonly metadata: Readonly<Record<string, string>>;
  /** BadRequest field violations (INVALID_ARGUMENT). */
  readonly fieldViolations: readonly FieldViolation[];
  /** The underlying ConnectError. */
  override readonly cause: ConnectError;

  constructor(cause: ConnectError) {
    const info = cause.findDetails(ErrorInfoSchema)[0];
    const violations = cause
      .findDetails(BadRequestSchema)
      .flatMap((b) => b.fieldViolations)
      .map((v) => ({ field: v.field, description: v.description, reason: v.reason }));
    const name = CODE_NAMES[cause.code] ?? String(cause.code);
    super(`${name}${info ? ` ${info.reason}` : ""}: ${cause.rawMessage}`);
    this.code = cause.code;
    this.rawMessage = cause.rawMessage;
    this.reason = info?.reason;
    this.domain = info?.domain;
    this.metadata = { ...(info?.metadata ?? {}) };
    this.fieldViolations = violations;
    this.cause = cause;
  }

  /** The gRPC name of the code, e.g. `NOT_FOUND`. */
  get codeName(): string {
    return CODE_NAMES[this.code] ?? String(this.code);
  }

  /** Turns anything thrown by a call into a PoolError (a PoolError is returned as is). */
  static from(err: unknown): PoolError {
    if (err instanceof PoolError) return err;
    return new PoolError(ConnectError.from(err));
  }
}

export { Code };
