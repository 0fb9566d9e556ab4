package dev.claudepool.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import dev.claudepool.v1.ErrorReason;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Decoding google.rpc.Status details into the typed error; no server needed. */
class PoolExceptionTest {
  private static PoolException decode(Status.Code code, Any... details) {
    com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
        .setCode(code.value()).setMessage("boom");
    for (Any d : details) {
      status.addDetails(d);
    }
    return PoolException.from(StatusProto.toStatusRuntimeException(status.build()));
  }

  private static Any info(String reason) {
    return Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain("claude-pool.dev")
        .putMetadata("task_id", "task-9").build());
  }

  @Test
  void everyDetailIsDecoded() {
    PoolException e = decode(Status.Code.INVALID_ARGUMENT, info("INVALID_ARGUMENT"),
        Any.pack(BadRequest.newBuilder()
            .addFieldViolations(BadRequest.FieldViolation.newBuilder().setField("task.prompt")
                .setDescription("must not be empty"))
            .addFieldViolations(BadRequest.FieldViolation.newBuilder().setField("task.tags"))
            .build()),
        Any.pack(RetryInfo.newBuilder().setRetryDelay(
            com.google.protobuf.Duration.newBuilder().setSeconds(1).setNanos(500_000_000))
            .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
    assertEquals("boom", e.statusMessage());
    assertEquals(ErrorReason.ERROR_REASON_INVALID_ARGUMENT, e.errorReason());
    assertEquals("INVALID_ARGUMENT", e.reason());
    assertEquals("claude-pool.dev", e.domain());
    assertEquals(Map.of("task_id", "task-9"), e.metadata());
    assertEquals(List.of("task.prompt", "task.tags"), e.violatedFields());
    assertEquals("must not be empty", e.fieldViolations().get(0).getDescription());
    assertEquals(Duration.ofMillis(1500), e.retryDelay().orElseThrow());
    assertTrue(e.getMessage().startsWith("INVALID_ARGUMENT: boom"), e.getMessage());
  }

  @Test
  void everyReasonOfTheContractMapsToItsEnumValue() {
    for (ErrorReason reason : ErrorReason.values()) {
      if (reason == ErrorReason.UNRECOGNIZED || reason == ErrorReason.ERROR_REASON_UNSPECIFIED) {
        continue;
      }
      String wire = reason.name().substring("ERROR_REASON_".length());
      assertEquals(reason, decode(Status.Code.NOT_FOUND, info(wire)).errorReason(), wire);
    }
  }

  @Test
  void anUnknownReasonIsUnrecognizedAndKeptRaw() {
    PoolException e = decode(Status.Code.UNAVAILABLE, info("INJECTED_FAULT"));
    assertEquals(ErrorReason.UNRECOGNIZED, e.errorReason());
    assertEquals("INJECTED_FAULT", e.reason());
    assertEquals(ErrorReason.UNRECOGNIZED,
        decode(Status.Code.UNKNOWN, info("UNSPECIFIED")).errorReason());
  }

  @Test
  void noDetailsMeansEmptyValues() {
    PoolException e = PoolException.from(Status.UNAVAILABLE.withDescription("down")
        .asRuntimeException());
    assertEquals(Status.Code.UNAVAILABLE, e.code());
    assertEquals(ErrorReason.ERROR_REASON_UNSPECIFIED, e.errorReason());
    assertEquals("", e.reason());
    assertEquals(Map.of(), e.metadata());
    assertEquals(List.of(), e.fieldViolations());
    assertTrue(e.retryDelay().isEmpty());
  }

  @Test
  void anyOtherThrowableIsUnknown() {
    PoolException e = PoolException.from(new IllegalStateException("bug"));
    assertEquals(Status.Code.UNKNOWN, e.code());
    assertTrue(e.getCause() instanceof IllegalStateException);
    assertEquals(e, PoolException.from(e), "a PoolException is returned as it is");
  }
}
