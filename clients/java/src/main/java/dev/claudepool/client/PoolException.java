package dev.claudepool.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import dev.claudepool.v1.ErrorReason;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A failed call to claude-pool, the one error type every wrapper method throws.
 *
 * <p>It carries the gRPC status code and message plus the details the server packs into the
 * {@code grpc-status-details-bin} trailer: the {@code google.rpc.ErrorInfo} (reason, domain,
 * metadata), the {@code google.rpc.BadRequest} field violations and the {@code
 * google.rpc.RetryInfo} delay. The reason is offered both as the raw string and as the contract's
 * {@link ErrorReason} enum, so code can switch on it without string compares and still cope with
 * reasons a newer server adds.
 */
public final class PoolException extends RuntimeException {
  private static final long serialVersionUID = 2L;

  /** The gRPC status code. */
  private final Status.Code code;
  /** The status message without the code prefix. */
  private final String statusMessage;
  private final transient ErrorInfo errorInfo;
  private final transient List<BadRequest.FieldViolation> fieldViolations;
  private final transient Duration retryDelay;

  PoolException(Status.Code code, String statusMessage, ErrorInfo errorInfo,
      List<BadRequest.FieldViolation> fieldViolations, Duration retryDelay, Throwable cause) {
    super(code + (statusMessage == null || statusMessage.isEmpty() ? "" : ": " + statusMessage)
        + (errorInfo == null || errorInfo.getReason().isEmpty() ? "" : " [" + errorInfo.getReason()
        + "]"), cause);
    this.code = code;
    this.statusMessage = statusMessage == null ? "" : statusMessage;
    this.errorInfo = errorInfo == null ? ErrorInfo.getDefaultInstance() : errorInfo;
    this.fieldViolations = fieldViolations == null ? List.of() : List.copyOf(fieldViolations);
    this.retryDelay = retryDelay;
  }

  /** An error the client raises itself (no server details), e.g. a stream that ended early. */
  static PoolException local(Status.Code code, String message, Throwable cause) {
    return new PoolException(code, message, null, null, null, cause);
  }

  /**
   * Converts a throwable from a gRPC call (normally a {@code StatusRuntimeException}) and decodes
   * its status details. A {@code PoolException} is returned as it is; anything else becomes
   * {@code UNKNOWN}.
   *
   * @param t the throwable to convert
   * @return the typed error
   */
  public static PoolException from(Throwable t) {
    if (t instanceof PoolException pe) {
      return pe;
    }
    Status status = Status.fromThrowable(t);
    ErrorInfo info = null;
    List<BadRequest.FieldViolation> violations = null;
    Duration delay = null;
    com.google.rpc.Status details = StatusProto.fromThrowable(t);
    if (details != null) {
      for (Any any : details.getDetailsList()) {
        try {
          if (info == null && any.is(ErrorInfo.class)) {
            info = any.unpack(ErrorInfo.class);
          } else if (violations == null && any.is(BadRequest.class)) {
            violations = any.unpack(BadRequest.class).getFieldViolationsList();
          } else if (delay == null && any.is(RetryInfo.class)) {
            com.google.protobuf.Duration d = any.unpack(RetryInfo.class).getRetryDelay();
            delay = Duration.ofSeconds(d.getSeconds(), d.getNanos());
          }
        } catch (InvalidProtocolBufferException ignored) {
          // A malformed detail is skipped: the status code still says what happened.
        }
      }
    }
    return new PoolException(status.getCode(), status.getDescription(), info, violations, delay, t);
  }

  /**
   * The gRPC status code, e.g. {@code NOT_FOUND}.
   *
   * @return the code
   */
  public Status.Code code() {
    return code;
  }

  /**
   * The status message as the server (or gRPC) wrote it, without the code prefix of {@link
   * #getMessage()}.
   *
   * @return the message; empty when there was none
   */
  public String statusMessage() {
    return statusMessage;
  }

  /**
   * The raw {@code ErrorInfo.reason}, e.g. {@code "TASK_NOT_FOUND"}.
   *
   * @return the reason; empty when the server sent no ErrorInfo
   */
  public String reason() {
    return errorInfo.getReason();
  }

  /**
   * The reason as the contract's enum. {@code ERROR_REASON_UNSPECIFIED} when the error carries no
   * reason; {@code UNRECOGNIZED} when it carries one this client version does not know (read it
   * with {@link #reason()}).
   *
   * @return the enum value
   */
  public ErrorReason errorReason() {
    String reason = reason();
    if (reason.isEmpty()) {
      return ErrorReason.ERROR_REASON_UNSPECIFIED;
    }
    try {
      ErrorReason known = ErrorReason.valueOf("ERROR_REASON_" + reason);
      return known == ErrorReason.ERROR_REASON_UNSPECIFIED ? ErrorReason.UNRECOGNIZED : known;
    } catch (IllegalArgumentException unknown) {
      return ErrorReason.UNRECOGNIZED;
    }
  }

  /**
   * The {@code ErrorInfo.domain}: {@code "claude-pool.dev"} for the server's own errors.
   *
   * @return the domain; empty when the server sent no ErrorInfo
   */
  public String domain() {
    return errorInfo.getDomain();
  }

  /**
   * The {@code ErrorInfo.metadata}: the dynamic values the reason names (e.g. {@code task_id}).
   *
   * @return an unmodifiable map, empty when none
   */
  public Map<String, String> metadata() {
    return errorInfo.getMetadataMap();
  }

  /**
   * The {@code BadRequest} field violations of an {@code INVALID_ARGUMENT} error.
   *
   * @return the violations (field and description), empty when none
   */
  public List<BadRequest.FieldViolation> fieldViolations() {
    return fieldViolations;
  }

  /**
   * The fields named by {@link #fieldViolations()}, e.g. {@code task.prompt}.
   *
   * @return the field paths in the server's order
   */
  public List<String> violatedFields() {
    return fieldViolations.stream().map(BadRequest.FieldViolation::getField).toList();
  }

  /**
   * The {@code RetryInfo.retry_delay}: how long the server asks the caller to wait before a resend
   * (sent with {@code RATE_LIMITED}).
   *
   * @return the delay, or empty when the error carries no RetryInfo
   */
  public Optional<Duration> retryDelay() {
    return Optional.ofNullable(retryDelay);
  }
}
