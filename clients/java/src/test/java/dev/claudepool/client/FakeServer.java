package dev.claudepool.client;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-process gRPC server for the offline tests: the services a test fakes, and the headers of
 * every call it received. Not used by the conformance test, which talks to the real server.
 */
final class FakeServer implements AutoCloseable {
  /** The headers of each call, in arrival order, with the method name under ":method". */
  final List<Metadata> headers = new CopyOnWriteArrayList<>();
  final ManagedChannel channel;
  private final Server server;

  FakeServer(BindableService... services) {
    ServerInterceptor record = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata h,
          ServerCallHandler<Q, R> next) {
        h.put(Metadata.Key.of("x-test-method", Metadata.ASCII_STRING_MARSHALLER),
            call.getMethodDescriptor().getFullMethodName());
        headers.add(h);
        return next.startCall(call, h);
      }
    };
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
    for (BindableService service : services) {
      builder.addService(ServerInterceptors.intercept(service, record));
    }
    try {
      server = builder.build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  /** A builder for a client over this server's channel (the caller closes the server). */
  PoolClientBuilder client() {
    return PoolClient.builder(channel);
  }

  /** A status error with an ErrorInfo of {@code reason} (domain claude-pool.dev) and details. */
  static StatusRuntimeException error(Status.Code code, String reason, Message... details) {
    com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
        .setCode(code.value()).setMessage(code + " from the fake");
    if (reason != null) {
      status.addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason)
          .setDomain("claude-pool.dev").build()));
    }
    for (Message detail : details) {
      status.addDetails(Any.pack(detail));
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
  }
}
