package dev.claudepool.client;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.UUID;

/**
 * Idempotency keys: every mutating request of the contract has a {@code request_id} field, and a
 * resend with the same id gets the first call's reply instead of doing the work twice.
 *
 * <p>The client fills it once per call, before the first attempt, so every resend of that call
 * carries the same id. Which requests are mutating is read from the message itself (does it have
 * a {@code request_id} field?), so a new mutating RPC is covered without a list to keep in step.
 */
final class RequestIds {
  private static final String FIELD = "request_id";

  private RequestIds() {}

  /** True when requests of this type carry an idempotency key. */
  static boolean isMutating(com.google.protobuf.Descriptors.Descriptor type) {
    FieldDescriptor field = type.findFieldByName(FIELD);
    return field != null && field.getType() == FieldDescriptor.Type.STRING;
  }

  /** The request with a fresh UUID v4 as its {@code request_id}, unless it has one (or none). */
  @SuppressWarnings("unchecked")
  static <Q extends Message> Q ensure(Q request) {
    if (!isMutating(request.getDescriptorForType())) {
      return request;
    }
    FieldDescriptor field = request.getDescriptorForType().findFieldByName(FIELD);
    if (!((String) request.getField(field)).isEmpty()) {
      return request;
    }
    return (Q) request.toBuilder().setField(field, UUID.randomUUID().toString()).build();
  }
}
