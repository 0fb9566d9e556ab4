package dev.claudepool.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import dev.claudepool.v1.ErrorReason;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.Map;

/**
 * A failed call to claude-pool: the gRPC status code plus the {@code google.rpc.ErrorInfo} and
 * {@code google.rpc.BadRequest} details decoded from the {@code grpc-status-details-bin} trailer.
 */
public final class PoolException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Status.Code code;
  private final transient ErrorInfo errorInfo;
  private final transient List<BadRequest.FieldViolation> fieldViolations;

  PoolException(Status.Code code, String message, ErrorInfo errorInfo,
      List<BadRequest.FieldViolation> fieldViolations, Throwable cause) {
    super(code + (message == null || message.isEmpty() ? "" : ": " + message), cause);
    this.code = code;
    this.errorInfo = errorInfo == null ? ErrorInfo.getDefaultInstance() : errorInfo;
    this.fieldViolations = fieldViolations == null ? List.of() : List.copyOf(fieldViolations);
  }

  /** Converts any throwable from a gRPC call (e.g. a {@code StatusRuntimeException}). */
  public static PoolException from(Throwable t) {
    if (t instanceof PoolException pe) {
      return pe;
    }
    Status status = Status.fromThrowable(t);
    ErrorInfo info = null;
    List<BadRequest.FieldViolation> violations = null;
    com.google.rpc.Status details = StatusProto.fromThrowable(t);
    if (details != null) {
      for (Any any : details.getDetailsList()) {
        try {
          if (info == null && any.is(ErrorInfo.class)) {
            info = any.unpack(ErrorInfo.class);
          } else if (violations == null && any.is(BadRequest.class)) {
            violations = any.unpack(BadRequest.class).getFieldViolationsList();
          }
        } catch (InvalidProtocolBufferException ignored) {
          // A malformed detail is skipped; the status code still says what happened.
        }
      }
    }
    return new PoolException(status.getCode(), status.getDescription(), info, violations, t);
  }

  /** The gRPC status code, e.g. {@code NOT_FOUND}. */
  public Status.Code code() {
    return code;
  }

  /** The ErrorInfo reason, e.g. {@code "TASK_NOT_FOUND"}; empty when the server sent none. */
  public String reason() {
    return errorInfo.getReason();
  }

  /** The reason as the contract's enum; {@code ERROR_REASON_UNSPECIFIED} when absent or unknown. */
  public ErrorReason errorReason() {
    try {
      return ErrorReason.valueOf("ERROR_REASON_" + reason());
    } catch (IllegalArgumentException unknown) {
      return ErrorReason.ERROR_REASON_UNSPECIFIED;
    }
  }

  /** The ErrorInfo domain, {@code "claude-pool.dev"} for the server's own errors. */
  public String domain() {
    return errorInfo.getDomain();
  }

  /** The ErrorInfo metadata (dynamic values such as {@code task_id}). */
  public Map<String, String> metadata() {
    return errorInfo.getMetadataMap();
  }

  /** The BadRequest field violations (for INVALID_ARGUMENT); empty when none. */
  public List<BadRequest.FieldViolation> fieldViolations() {
    return fieldViolations;
  }
}
