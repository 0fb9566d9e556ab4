package dev.claudepool.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * PoolService runs prompts on a pool of Claude Code CLI slots.
 * Errors carry a `google.rpc.ErrorInfo` (domain `claude-pool.dev`, reason from ErrorReason) and,
 * for bad input, a `google.rpc.BadRequest` naming the field. Mutating calls take an optional
 * `request_id`: a retry with the same id returns the first call's result instead of doing the work
 * twice. With bearer-token auth configured, every call needs `authorization: Bearer &lt;token&gt;` (or a
 * client certificate the server maps to a principal).
 * Every caller is a principal in a namespace. Tasks, sessions, chains, context, messages, metrics
 * and spend belong to a namespace: a caller sees and acts only inside its own, and another
 * namespace's ids answer NOT_FOUND. Slots, scaling and drain are the pool's own (admin scope).
 * Every string field refuses NUL bytes and has a length limit stated on it (4 KiB where none is
 * stated); every list holds at most 1024 items unless stated. A breach is INVALID_ARGUMENT naming
 * the field.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class PoolServiceGrpc {

  private PoolServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "claude_pool.v1.PoolService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.RunRequest,
      dev.claudepool.v1.RunResponse> getRunMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Run",
      requestType = dev.claudepool.v1.RunRequest.class,
      responseType = dev.claudepool.v1.RunResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.RunRequest,
      dev.claudepool.v1.RunResponse> getRunMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.RunRequest, dev.claudepool.v1.RunResponse> getRunMethod;
    if ((getRunMethod = PoolServiceGrpc.getRunMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getRunMethod = PoolServiceGrpc.getRunMethod) == null) {
          PoolServiceGrpc.getRunMethod = getRunMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.RunRequest, dev.claudepool.v1.RunResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Run"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.RunRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.RunResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("Run"))
              .build();
        }
      }
    }
    return getRunMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.RunStreamRequest,
      dev.claudepool.v1.RunStreamResponse> getRunStreamMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RunStream",
      requestType = dev.claudepool.v1.RunStreamRequest.class,
      responseType = dev.claudepool.v1.RunStreamResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.RunStreamRequest,
      dev.claudepool.v1.RunStreamResponse> getRunStreamMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.RunStreamRequest, dev.claudepool.v1.RunStreamResponse> getRunStreamMethod;
    if ((getRunStreamMethod = PoolServiceGrpc.getRunStreamMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getRunStreamMethod = PoolServiceGrpc.getRunStreamMethod) == null) {
          PoolServiceGrpc.getRunStreamMethod = getRunStreamMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.RunStreamRequest, dev.claudepool.v1.RunStreamResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RunStream"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.RunStreamRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.RunStreamResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("RunStream"))
              .build();
        }
      }
    }
    return getRunStreamMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.SubmitTaskRequest,
      dev.claudepool.v1.SubmitTaskResponse> getSubmitTaskMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SubmitTask",
      requestType = dev.claudepool.v1.SubmitTaskRequest.class,
      responseType = dev.claudepool.v1.SubmitTaskResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.SubmitTaskRequest,
      dev.claudepool.v1.SubmitTaskResponse> getSubmitTaskMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.SubmitTaskRequest, dev.claudepool.v1.SubmitTaskResponse> getSubmitTaskMethod;
    if ((getSubmitTaskMethod = PoolServiceGrpc.getSubmitTaskMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getSubmitTaskMethod = PoolServiceGrpc.getSubmitTaskMethod) == null) {
          PoolServiceGrpc.getSubmitTaskMethod = getSubmitTaskMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.SubmitTaskRequest, dev.claudepool.v1.SubmitTaskResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SubmitTask"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.SubmitTaskRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.SubmitTaskResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("SubmitTask"))
              .build();
        }
      }
    }
    return getSubmitTaskMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.GetTaskRequest,
      dev.claudepool.v1.GetTaskResponse> getGetTaskMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetTask",
      requestType = dev.claudepool.v1.GetTaskRequest.class,
      responseType = dev.claudepool.v1.GetTaskResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.GetTaskRequest,
      dev.claudepool.v1.GetTaskResponse> getGetTaskMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.GetTaskRequest, dev.claudepool.v1.GetTaskResponse> getGetTaskMethod;
    if ((getGetTaskMethod = PoolServiceGrpc.getGetTaskMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getGetTaskMethod = PoolServiceGrpc.getGetTaskMethod) == null) {
          PoolServiceGrpc.getGetTaskMethod = getGetTaskMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.GetTaskRequest, dev.claudepool.v1.GetTaskResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetTask"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.GetTaskRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.GetTaskResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("GetTask"))
              .build();
        }
      }
    }
    return getGetTaskMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.ListTasksRequest,
      dev.claudepool.v1.ListTasksResponse> getListTasksMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListTasks",
      requestType = dev.claudepool.v1.ListTasksRequest.class,
      responseType = dev.claudepool.v1.ListTasksResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.ListTasksRequest,
      dev.claudepool.v1.ListTasksResponse> getListTasksMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.ListTasksRequest, dev.claudepool.v1.ListTasksResponse> getListTasksMethod;
    if ((getListTasksMethod = PoolServiceGrpc.getListTasksMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getListTasksMethod = PoolServiceGrpc.getListTasksMethod) == null) {
          PoolServiceGrpc.getListTasksMethod = getListTasksMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.ListTasksRequest, dev.claudepool.v1.ListTasksResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListTasks"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ListTasksRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ListTasksResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("ListTasks"))
              .build();
        }
      }
    }
    return getListTasksMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.WaitTaskRequest,
      dev.claudepool.v1.WaitTaskResponse> getWaitTaskMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WaitTask",
      requestType = dev.claudepool.v1.WaitTaskRequest.class,
      responseType = dev.claudepool.v1.WaitTaskResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.WaitTaskRequest,
      dev.claudepool.v1.WaitTaskResponse> getWaitTaskMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.WaitTaskRequest, dev.claudepool.v1.WaitTaskResponse> getWaitTaskMethod;
    if ((getWaitTaskMethod = PoolServiceGrpc.getWaitTaskMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getWaitTaskMethod = PoolServiceGrpc.getWaitTaskMethod) == null) {
          PoolServiceGrpc.getWaitTaskMethod = getWaitTaskMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.WaitTaskRequest, dev.claudepool.v1.WaitTaskResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WaitTask"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.WaitTaskRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.WaitTaskResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("WaitTask"))
              .build();
        }
      }
    }
    return getWaitTaskMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.WatchTaskRequest,
      dev.claudepool.v1.WatchTaskResponse> getWatchTaskMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WatchTask",
      requestType = dev.claudepool.v1.WatchTaskRequest.class,
      responseType = dev.claudepool.v1.WatchTaskResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.WatchTaskRequest,
      dev.claudepool.v1.WatchTaskResponse> getWatchTaskMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.WatchTaskRequest, dev.claudepool.v1.WatchTaskResponse> getWatchTaskMethod;
    if ((getWatchTaskMethod = PoolServiceGrpc.getWatchTaskMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getWatchTaskMethod = PoolServiceGrpc.getWatchTaskMethod) == null) {
          PoolServiceGrpc.getWatchTaskMethod = getWatchTaskMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.WatchTaskRequest, dev.claudepool.v1.WatchTaskResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WatchTask"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.WatchTaskRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.WatchTaskResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("WatchTask"))
              .build();
        }
      }
    }
    return getWatchTaskMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.CancelTaskRequest,
      dev.claudepool.v1.CancelTaskResponse> getCancelTaskMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CancelTask",
      requestType = dev.claudepool.v1.CancelTaskRequest.class,
      responseType = dev.claudepool.v1.CancelTaskResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.CancelTaskRequest,
      dev.claudepool.v1.CancelTaskResponse> getCancelTaskMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.CancelTaskRequest, dev.claudepool.v1.CancelTaskResponse> getCancelTaskMethod;
    if ((getCancelTaskMethod = PoolServiceGrpc.getCancelTaskMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getCancelTaskMethod = PoolServiceGrpc.getCancelTaskMethod) == null) {
          PoolServiceGrpc.getCancelTaskMethod = getCancelTaskMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.CancelTaskRequest, dev.claudepool.v1.CancelTaskResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CancelTask"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.CancelTaskRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.CancelTaskResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("CancelTask"))
              .build();
        }
      }
    }
    return getCancelTaskMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.DeleteTaskRequest,
      dev.claudepool.v1.DeleteTaskResponse> getDeleteTaskMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteTask",
      requestType = dev.claudepool.v1.DeleteTaskRequest.class,
      responseType = dev.claudepool.v1.DeleteTaskResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.DeleteTaskRequest,
      dev.claudepool.v1.DeleteTaskResponse> getDeleteTaskMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.DeleteTaskRequest, dev.claudepool.v1.DeleteTaskResponse> getDeleteTaskMethod;
    if ((getDeleteTaskMethod = PoolServiceGrpc.getDeleteTaskMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getDeleteTaskMethod = PoolServiceGrpc.getDeleteTaskMethod) == null) {
          PoolServiceGrpc.getDeleteTaskMethod = getDeleteTaskMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.DeleteTaskRequest, dev.claudepool.v1.DeleteTaskResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteTask"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.DeleteTaskRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.DeleteTaskResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("DeleteTask"))
              .build();
        }
      }
    }
    return getDeleteTaskMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.ClaimTaskRequest,
      dev.claudepool.v1.ClaimTaskResponse> getClaimTaskMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ClaimTask",
      requestType = dev.claudepool.v1.ClaimTaskRequest.class,
      responseType = dev.claudepool.v1.ClaimTaskResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.ClaimTaskRequest,
      dev.claudepool.v1.ClaimTaskResponse> getClaimTaskMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.ClaimTaskRequest, dev.claudepool.v1.ClaimTaskResponse> getClaimTaskMethod;
    if ((getClaimTaskMethod = PoolServiceGrpc.getClaimTaskMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getClaimTaskMethod = PoolServiceGrpc.getClaimTaskMethod) == null) {
          PoolServiceGrpc.getClaimTaskMethod = getClaimTaskMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.ClaimTaskRequest, dev.claudepool.v1.ClaimTaskResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ClaimTask"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ClaimTaskRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ClaimTaskResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("ClaimTask"))
              .build();
        }
      }
    }
    return getClaimTaskMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.ApproveTaskRequest,
      dev.claudepool.v1.ApproveTaskResponse> getApproveTaskMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ApproveTask",
      requestType = dev.claudepool.v1.ApproveTaskRequest.class,
      responseType = dev.claudepool.v1.ApproveTaskResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.ApproveTaskRequest,
      dev.claudepool.v1.ApproveTaskResponse> getApproveTaskMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.ApproveTaskRequest, dev.claudepool.v1.ApproveTaskResponse> getApproveTaskMethod;
    if ((getApproveTaskMethod = PoolServiceGrpc.getApproveTaskMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getApproveTaskMethod = PoolServiceGrpc.getApproveTaskMethod) == null) {
          PoolServiceGrpc.getApproveTaskMethod = getApproveTaskMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.ApproveTaskRequest, dev.claudepool.v1.ApproveTaskResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ApproveTask"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ApproveTaskRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ApproveTaskResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("ApproveTask"))
              .build();
        }
      }
    }
    return getApproveTaskMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.RejectTaskRequest,
      dev.claudepool.v1.RejectTaskResponse> getRejectTaskMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RejectTask",
      requestType = dev.claudepool.v1.RejectTaskRequest.class,
      responseType = dev.claudepool.v1.RejectTaskResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.RejectTaskRequest,
      dev.claudepool.v1.RejectTaskResponse> getRejectTaskMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.RejectTaskRequest, dev.claudepool.v1.RejectTaskResponse> getRejectTaskMethod;
    if ((getRejectTaskMethod = PoolServiceGrpc.getRejectTaskMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getRejectTaskMethod = PoolServiceGrpc.getRejectTaskMethod) == null) {
          PoolServiceGrpc.getRejectTaskMethod = getRejectTaskMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.RejectTaskRequest, dev.claudepool.v1.RejectTaskResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RejectTask"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.RejectTaskRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.RejectTaskResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("RejectTask"))
              .build();
        }
      }
    }
    return getRejectTaskMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.GetSessionRequest,
      dev.claudepool.v1.GetSessionResponse> getGetSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetSession",
      requestType = dev.claudepool.v1.GetSessionRequest.class,
      responseType = dev.claudepool.v1.GetSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.GetSessionRequest,
      dev.claudepool.v1.GetSessionResponse> getGetSessionMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.GetSessionRequest, dev.claudepool.v1.GetSessionResponse> getGetSessionMethod;
    if ((getGetSessionMethod = PoolServiceGrpc.getGetSessionMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getGetSessionMethod = PoolServiceGrpc.getGetSessionMethod) == null) {
          PoolServiceGrpc.getGetSessionMethod = getGetSessionMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.GetSessionRequest, dev.claudepool.v1.GetSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.GetSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.GetSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("GetSession"))
              .build();
        }
      }
    }
    return getGetSessionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.ListSessionsRequest,
      dev.claudepool.v1.ListSessionsResponse> getListSessionsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListSessions",
      requestType = dev.claudepool.v1.ListSessionsRequest.class,
      responseType = dev.claudepool.v1.ListSessionsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.ListSessionsRequest,
      dev.claudepool.v1.ListSessionsResponse> getListSessionsMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.ListSessionsRequest, dev.claudepool.v1.ListSessionsResponse> getListSessionsMethod;
    if ((getListSessionsMethod = PoolServiceGrpc.getListSessionsMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getListSessionsMethod = PoolServiceGrpc.getListSessionsMethod) == null) {
          PoolServiceGrpc.getListSessionsMethod = getListSessionsMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.ListSessionsRequest, dev.claudepool.v1.ListSessionsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListSessions"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ListSessionsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ListSessionsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("ListSessions"))
              .build();
        }
      }
    }
    return getListSessionsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.DeleteSessionRequest,
      dev.claudepool.v1.DeleteSessionResponse> getDeleteSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteSession",
      requestType = dev.claudepool.v1.DeleteSessionRequest.class,
      responseType = dev.claudepool.v1.DeleteSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.DeleteSessionRequest,
      dev.claudepool.v1.DeleteSessionResponse> getDeleteSessionMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.DeleteSessionRequest, dev.claudepool.v1.DeleteSessionResponse> getDeleteSessionMethod;
    if ((getDeleteSessionMethod = PoolServiceGrpc.getDeleteSessionMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getDeleteSessionMethod = PoolServiceGrpc.getDeleteSessionMethod) == null) {
          PoolServiceGrpc.getDeleteSessionMethod = getDeleteSessionMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.DeleteSessionRequest, dev.claudepool.v1.DeleteSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.DeleteSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.DeleteSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("DeleteSession"))
              .build();
        }
      }
    }
    return getDeleteSessionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.FanOutRequest,
      dev.claudepool.v1.FanOutResponse> getFanOutMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "FanOut",
      requestType = dev.claudepool.v1.FanOutRequest.class,
      responseType = dev.claudepool.v1.FanOutResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.FanOutRequest,
      dev.claudepool.v1.FanOutResponse> getFanOutMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.FanOutRequest, dev.claudepool.v1.FanOutResponse> getFanOutMethod;
    if ((getFanOutMethod = PoolServiceGrpc.getFanOutMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getFanOutMethod = PoolServiceGrpc.getFanOutMethod) == null) {
          PoolServiceGrpc.getFanOutMethod = getFanOutMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.FanOutRequest, dev.claudepool.v1.FanOutResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "FanOut"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.FanOutRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.FanOutResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("FanOut"))
              .build();
        }
      }
    }
    return getFanOutMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.FanOutStreamRequest,
      dev.claudepool.v1.FanOutStreamResponse> getFanOutStreamMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "FanOutStream",
      requestType = dev.claudepool.v1.FanOutStreamRequest.class,
      responseType = dev.claudepool.v1.FanOutStreamResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.FanOutStreamRequest,
      dev.claudepool.v1.FanOutStreamResponse> getFanOutStreamMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.FanOutStreamRequest, dev.claudepool.v1.FanOutStreamResponse> getFanOutStreamMethod;
    if ((getFanOutStreamMethod = PoolServiceGrpc.getFanOutStreamMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getFanOutStreamMethod = PoolServiceGrpc.getFanOutStreamMethod) == null) {
          PoolServiceGrpc.getFanOutStreamMethod = getFanOutStreamMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.FanOutStreamRequest, dev.claudepool.v1.FanOutStreamResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "FanOutStream"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.FanOutStreamRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.FanOutStreamResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("FanOutStream"))
              .build();
        }
      }
    }
    return getFanOutStreamMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.SubmitChainRequest,
      dev.claudepool.v1.SubmitChainResponse> getSubmitChainMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SubmitChain",
      requestType = dev.claudepool.v1.SubmitChainRequest.class,
      responseType = dev.claudepool.v1.SubmitChainResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.SubmitChainRequest,
      dev.claudepool.v1.SubmitChainResponse> getSubmitChainMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.SubmitChainRequest, dev.claudepool.v1.SubmitChainResponse> getSubmitChainMethod;
    if ((getSubmitChainMethod = PoolServiceGrpc.getSubmitChainMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getSubmitChainMethod = PoolServiceGrpc.getSubmitChainMethod) == null) {
          PoolServiceGrpc.getSubmitChainMethod = getSubmitChainMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.SubmitChainRequest, dev.claudepool.v1.SubmitChainResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SubmitChain"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.SubmitChainRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.SubmitChainResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("SubmitChain"))
              .build();
        }
      }
    }
    return getSubmitChainMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.FanOutChainsRequest,
      dev.claudepool.v1.FanOutChainsResponse> getFanOutChainsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "FanOutChains",
      requestType = dev.claudepool.v1.FanOutChainsRequest.class,
      responseType = dev.claudepool.v1.FanOutChainsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.FanOutChainsRequest,
      dev.claudepool.v1.FanOutChainsResponse> getFanOutChainsMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.FanOutChainsRequest, dev.claudepool.v1.FanOutChainsResponse> getFanOutChainsMethod;
    if ((getFanOutChainsMethod = PoolServiceGrpc.getFanOutChainsMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getFanOutChainsMethod = PoolServiceGrpc.getFanOutChainsMethod) == null) {
          PoolServiceGrpc.getFanOutChainsMethod = getFanOutChainsMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.FanOutChainsRequest, dev.claudepool.v1.FanOutChainsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "FanOutChains"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.FanOutChainsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.FanOutChainsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("FanOutChains"))
              .build();
        }
      }
    }
    return getFanOutChainsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.GetChainProgressRequest,
      dev.claudepool.v1.GetChainProgressResponse> getGetChainProgressMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetChainProgress",
      requestType = dev.claudepool.v1.GetChainProgressRequest.class,
      responseType = dev.claudepool.v1.GetChainProgressResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.GetChainProgressRequest,
      dev.claudepool.v1.GetChainProgressResponse> getGetChainProgressMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.GetChainProgressRequest, dev.claudepool.v1.GetChainProgressResponse> getGetChainProgressMethod;
    if ((getGetChainProgressMethod = PoolServiceGrpc.getGetChainProgressMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getGetChainProgressMethod = PoolServiceGrpc.getGetChainProgressMethod) == null) {
          PoolServiceGrpc.getGetChainProgressMethod = getGetChainProgressMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.GetChainProgressRequest, dev.claudepool.v1.GetChainProgressResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetChainProgress"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.GetChainProgressRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.GetChainProgressResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("GetChainProgress"))
              .build();
        }
      }
    }
    return getGetChainProgressMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.ListChainProgressRequest,
      dev.claudepool.v1.ListChainProgressResponse> getListChainProgressMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListChainProgress",
      requestType = dev.claudepool.v1.ListChainProgressRequest.class,
      responseType = dev.claudepool.v1.ListChainProgressResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.ListChainProgressRequest,
      dev.claudepool.v1.ListChainProgressResponse> getListChainProgressMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.ListChainProgressRequest, dev.claudepool.v1.ListChainProgressResponse> getListChainProgressMethod;
    if ((getListChainProgressMethod = PoolServiceGrpc.getListChainProgressMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getListChainProgressMethod = PoolServiceGrpc.getListChainProgressMethod) == null) {
          PoolServiceGrpc.getListChainProgressMethod = getListChainProgressMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.ListChainProgressRequest, dev.claudepool.v1.ListChainProgressResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListChainProgress"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ListChainProgressRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ListChainProgressResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("ListChainProgress"))
              .build();
        }
      }
    }
    return getListChainProgressMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.WatchChainRequest,
      dev.claudepool.v1.WatchChainResponse> getWatchChainMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WatchChain",
      requestType = dev.claudepool.v1.WatchChainRequest.class,
      responseType = dev.claudepool.v1.WatchChainResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.WatchChainRequest,
      dev.claudepool.v1.WatchChainResponse> getWatchChainMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.WatchChainRequest, dev.claudepool.v1.WatchChainResponse> getWatchChainMethod;
    if ((getWatchChainMethod = PoolServiceGrpc.getWatchChainMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getWatchChainMethod = PoolServiceGrpc.getWatchChainMethod) == null) {
          PoolServiceGrpc.getWatchChainMethod = getWatchChainMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.WatchChainRequest, dev.claudepool.v1.WatchChainResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WatchChain"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.WatchChainRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.WatchChainResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("WatchChain"))
              .build();
        }
      }
    }
    return getWatchChainMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.CancelChainRequest,
      dev.claudepool.v1.CancelChainResponse> getCancelChainMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CancelChain",
      requestType = dev.claudepool.v1.CancelChainRequest.class,
      responseType = dev.claudepool.v1.CancelChainResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.CancelChainRequest,
      dev.claudepool.v1.CancelChainResponse> getCancelChainMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.CancelChainRequest, dev.claudepool.v1.CancelChainResponse> getCancelChainMethod;
    if ((getCancelChainMethod = PoolServiceGrpc.getCancelChainMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getCancelChainMethod = PoolServiceGrpc.getCancelChainMethod) == null) {
          PoolServiceGrpc.getCancelChainMethod = getCancelChainMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.CancelChainRequest, dev.claudepool.v1.CancelChainResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CancelChain"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.CancelChainRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.CancelChainResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("CancelChain"))
              .build();
        }
      }
    }
    return getCancelChainMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.RouteRequest,
      dev.claudepool.v1.RouteResponse> getRouteMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Route",
      requestType = dev.claudepool.v1.RouteRequest.class,
      responseType = dev.claudepool.v1.RouteResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.RouteRequest,
      dev.claudepool.v1.RouteResponse> getRouteMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.RouteRequest, dev.claudepool.v1.RouteResponse> getRouteMethod;
    if ((getRouteMethod = PoolServiceGrpc.getRouteMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getRouteMethod = PoolServiceGrpc.getRouteMethod) == null) {
          PoolServiceGrpc.getRouteMethod = getRouteMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.RouteRequest, dev.claudepool.v1.RouteResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Route"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.RouteRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.RouteResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("Route"))
              .build();
        }
      }
    }
    return getRouteMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.AutoRequest,
      dev.claudepool.v1.AutoResponse> getAutoMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Auto",
      requestType = dev.claudepool.v1.AutoRequest.class,
      responseType = dev.claudepool.v1.AutoResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.AutoRequest,
      dev.claudepool.v1.AutoResponse> getAutoMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.AutoRequest, dev.claudepool.v1.AutoResponse> getAutoMethod;
    if ((getAutoMethod = PoolServiceGrpc.getAutoMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getAutoMethod = PoolServiceGrpc.getAutoMethod) == null) {
          PoolServiceGrpc.getAutoMethod = getAutoMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.AutoRequest, dev.claudepool.v1.AutoResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Auto"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.AutoRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.AutoResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("Auto"))
              .build();
        }
      }
    }
    return getAutoMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.ExecuteRouteRequest,
      dev.claudepool.v1.ExecuteRouteResponse> getExecuteRouteMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ExecuteRoute",
      requestType = dev.claudepool.v1.ExecuteRouteRequest.class,
      responseType = dev.claudepool.v1.ExecuteRouteResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.ExecuteRouteRequest,
      dev.claudepool.v1.ExecuteRouteResponse> getExecuteRouteMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.ExecuteRouteRequest, dev.claudepool.v1.ExecuteRouteResponse> getExecuteRouteMethod;
    if ((getExecuteRouteMethod = PoolServiceGrpc.getExecuteRouteMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getExecuteRouteMethod = PoolServiceGrpc.getExecuteRouteMethod) == null) {
          PoolServiceGrpc.getExecuteRouteMethod = getExecuteRouteMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.ExecuteRouteRequest, dev.claudepool.v1.ExecuteRouteResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ExecuteRoute"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ExecuteRouteRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ExecuteRouteResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("ExecuteRoute"))
              .build();
        }
      }
    }
    return getExecuteRouteMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.SetContextRequest,
      dev.claudepool.v1.SetContextResponse> getSetContextMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SetContext",
      requestType = dev.claudepool.v1.SetContextRequest.class,
      responseType = dev.claudepool.v1.SetContextResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.SetContextRequest,
      dev.claudepool.v1.SetContextResponse> getSetContextMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.SetContextRequest, dev.claudepool.v1.SetContextResponse> getSetContextMethod;
    if ((getSetContextMethod = PoolServiceGrpc.getSetContextMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getSetContextMethod = PoolServiceGrpc.getSetContextMethod) == null) {
          PoolServiceGrpc.getSetContextMethod = getSetContextMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.SetContextRequest, dev.claudepool.v1.SetContextResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SetContext"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.SetContextRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.SetContextResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("SetContext"))
              .build();
        }
      }
    }
    return getSetContextMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.GetContextRequest,
      dev.claudepool.v1.GetContextResponse> getGetContextMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetContext",
      requestType = dev.claudepool.v1.GetContextRequest.class,
      responseType = dev.claudepool.v1.GetContextResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.GetContextRequest,
      dev.claudepool.v1.GetContextResponse> getGetContextMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.GetContextRequest, dev.claudepool.v1.GetContextResponse> getGetContextMethod;
    if ((getGetContextMethod = PoolServiceGrpc.getGetContextMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getGetContextMethod = PoolServiceGrpc.getGetContextMethod) == null) {
          PoolServiceGrpc.getGetContextMethod = getGetContextMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.GetContextRequest, dev.claudepool.v1.GetContextResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetContext"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.GetContextRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.GetContextResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("GetContext"))
              .build();
        }
      }
    }
    return getGetContextMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.DeleteContextRequest,
      dev.claudepool.v1.DeleteContextResponse> getDeleteContextMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteContext",
      requestType = dev.claudepool.v1.DeleteContextRequest.class,
      responseType = dev.claudepool.v1.DeleteContextResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.DeleteContextRequest,
      dev.claudepool.v1.DeleteContextResponse> getDeleteContextMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.DeleteContextRequest, dev.claudepool.v1.DeleteContextResponse> getDeleteContextMethod;
    if ((getDeleteContextMethod = PoolServiceGrpc.getDeleteContextMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getDeleteContextMethod = PoolServiceGrpc.getDeleteContextMethod) == null) {
          PoolServiceGrpc.getDeleteContextMethod = getDeleteContextMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.DeleteContextRequest, dev.claudepool.v1.DeleteContextResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteContext"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.DeleteContextRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.DeleteContextResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("DeleteContext"))
              .build();
        }
      }
    }
    return getDeleteContextMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.ListContextRequest,
      dev.claudepool.v1.ListContextResponse> getListContextMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListContext",
      requestType = dev.claudepool.v1.ListContextRequest.class,
      responseType = dev.claudepool.v1.ListContextResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.ListContextRequest,
      dev.claudepool.v1.ListContextResponse> getListContextMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.ListContextRequest, dev.claudepool.v1.ListContextResponse> getListContextMethod;
    if ((getListContextMethod = PoolServiceGrpc.getListContextMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getListContextMethod = PoolServiceGrpc.getListContextMethod) == null) {
          PoolServiceGrpc.getListContextMethod = getListContextMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.ListContextRequest, dev.claudepool.v1.ListContextResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListContext"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ListContextRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ListContextResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("ListContext"))
              .build();
        }
      }
    }
    return getListContextMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.SendMessageRequest,
      dev.claudepool.v1.SendMessageResponse> getSendMessageMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SendMessage",
      requestType = dev.claudepool.v1.SendMessageRequest.class,
      responseType = dev.claudepool.v1.SendMessageResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.SendMessageRequest,
      dev.claudepool.v1.SendMessageResponse> getSendMessageMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.SendMessageRequest, dev.claudepool.v1.SendMessageResponse> getSendMessageMethod;
    if ((getSendMessageMethod = PoolServiceGrpc.getSendMessageMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getSendMessageMethod = PoolServiceGrpc.getSendMessageMethod) == null) {
          PoolServiceGrpc.getSendMessageMethod = getSendMessageMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.SendMessageRequest, dev.claudepool.v1.SendMessageResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SendMessage"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.SendMessageRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.SendMessageResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("SendMessage"))
              .build();
        }
      }
    }
    return getSendMessageMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.BroadcastMessageRequest,
      dev.claudepool.v1.BroadcastMessageResponse> getBroadcastMessageMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "BroadcastMessage",
      requestType = dev.claudepool.v1.BroadcastMessageRequest.class,
      responseType = dev.claudepool.v1.BroadcastMessageResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.BroadcastMessageRequest,
      dev.claudepool.v1.BroadcastMessageResponse> getBroadcastMessageMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.BroadcastMessageRequest, dev.claudepool.v1.BroadcastMessageResponse> getBroadcastMessageMethod;
    if ((getBroadcastMessageMethod = PoolServiceGrpc.getBroadcastMessageMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getBroadcastMessageMethod = PoolServiceGrpc.getBroadcastMessageMethod) == null) {
          PoolServiceGrpc.getBroadcastMessageMethod = getBroadcastMessageMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.BroadcastMessageRequest, dev.claudepool.v1.BroadcastMessageResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "BroadcastMessage"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.BroadcastMessageRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.BroadcastMessageResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("BroadcastMessage"))
              .build();
        }
      }
    }
    return getBroadcastMessageMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.ReadMessagesRequest,
      dev.claudepool.v1.ReadMessagesResponse> getReadMessagesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ReadMessages",
      requestType = dev.claudepool.v1.ReadMessagesRequest.class,
      responseType = dev.claudepool.v1.ReadMessagesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.ReadMessagesRequest,
      dev.claudepool.v1.ReadMessagesResponse> getReadMessagesMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.ReadMessagesRequest, dev.claudepool.v1.ReadMessagesResponse> getReadMessagesMethod;
    if ((getReadMessagesMethod = PoolServiceGrpc.getReadMessagesMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getReadMessagesMethod = PoolServiceGrpc.getReadMessagesMethod) == null) {
          PoolServiceGrpc.getReadMessagesMethod = getReadMessagesMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.ReadMessagesRequest, dev.claudepool.v1.ReadMessagesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ReadMessages"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ReadMessagesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ReadMessagesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("ReadMessages"))
              .build();
        }
      }
    }
    return getReadMessagesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.PeekMessagesRequest,
      dev.claudepool.v1.PeekMessagesResponse> getPeekMessagesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "PeekMessages",
      requestType = dev.claudepool.v1.PeekMessagesRequest.class,
      responseType = dev.claudepool.v1.PeekMessagesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.PeekMessagesRequest,
      dev.claudepool.v1.PeekMessagesResponse> getPeekMessagesMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.PeekMessagesRequest, dev.claudepool.v1.PeekMessagesResponse> getPeekMessagesMethod;
    if ((getPeekMessagesMethod = PoolServiceGrpc.getPeekMessagesMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getPeekMessagesMethod = PoolServiceGrpc.getPeekMessagesMethod) == null) {
          PoolServiceGrpc.getPeekMessagesMethod = getPeekMessagesMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.PeekMessagesRequest, dev.claudepool.v1.PeekMessagesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "PeekMessages"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.PeekMessagesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.PeekMessagesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("PeekMessages"))
              .build();
        }
      }
    }
    return getPeekMessagesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.CountMessagesRequest,
      dev.claudepool.v1.CountMessagesResponse> getCountMessagesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CountMessages",
      requestType = dev.claudepool.v1.CountMessagesRequest.class,
      responseType = dev.claudepool.v1.CountMessagesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.CountMessagesRequest,
      dev.claudepool.v1.CountMessagesResponse> getCountMessagesMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.CountMessagesRequest, dev.claudepool.v1.CountMessagesResponse> getCountMessagesMethod;
    if ((getCountMessagesMethod = PoolServiceGrpc.getCountMessagesMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getCountMessagesMethod = PoolServiceGrpc.getCountMessagesMethod) == null) {
          PoolServiceGrpc.getCountMessagesMethod = getCountMessagesMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.CountMessagesRequest, dev.claudepool.v1.CountMessagesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CountMessages"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.CountMessagesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.CountMessagesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("CountMessages"))
              .build();
        }
      }
    }
    return getCountMessagesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.FindSlotsRequest,
      dev.claudepool.v1.FindSlotsResponse> getFindSlotsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "FindSlots",
      requestType = dev.claudepool.v1.FindSlotsRequest.class,
      responseType = dev.claudepool.v1.FindSlotsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.FindSlotsRequest,
      dev.claudepool.v1.FindSlotsResponse> getFindSlotsMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.FindSlotsRequest, dev.claudepool.v1.FindSlotsResponse> getFindSlotsMethod;
    if ((getFindSlotsMethod = PoolServiceGrpc.getFindSlotsMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getFindSlotsMethod = PoolServiceGrpc.getFindSlotsMethod) == null) {
          PoolServiceGrpc.getFindSlotsMethod = getFindSlotsMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.FindSlotsRequest, dev.claudepool.v1.FindSlotsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "FindSlots"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.FindSlotsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.FindSlotsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("FindSlots"))
              .build();
        }
      }
    }
    return getFindSlotsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.ScaleUpRequest,
      dev.claudepool.v1.ScaleUpResponse> getScaleUpMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ScaleUp",
      requestType = dev.claudepool.v1.ScaleUpRequest.class,
      responseType = dev.claudepool.v1.ScaleUpResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.ScaleUpRequest,
      dev.claudepool.v1.ScaleUpResponse> getScaleUpMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.ScaleUpRequest, dev.claudepool.v1.ScaleUpResponse> getScaleUpMethod;
    if ((getScaleUpMethod = PoolServiceGrpc.getScaleUpMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getScaleUpMethod = PoolServiceGrpc.getScaleUpMethod) == null) {
          PoolServiceGrpc.getScaleUpMethod = getScaleUpMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.ScaleUpRequest, dev.claudepool.v1.ScaleUpResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ScaleUp"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ScaleUpRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ScaleUpResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("ScaleUp"))
              .build();
        }
      }
    }
    return getScaleUpMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.ScaleDownRequest,
      dev.claudepool.v1.ScaleDownResponse> getScaleDownMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ScaleDown",
      requestType = dev.claudepool.v1.ScaleDownRequest.class,
      responseType = dev.claudepool.v1.ScaleDownResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.ScaleDownRequest,
      dev.claudepool.v1.ScaleDownResponse> getScaleDownMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.ScaleDownRequest, dev.claudepool.v1.ScaleDownResponse> getScaleDownMethod;
    if ((getScaleDownMethod = PoolServiceGrpc.getScaleDownMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getScaleDownMethod = PoolServiceGrpc.getScaleDownMethod) == null) {
          PoolServiceGrpc.getScaleDownMethod = getScaleDownMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.ScaleDownRequest, dev.claudepool.v1.ScaleDownResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ScaleDown"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ScaleDownRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.ScaleDownResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("ScaleDown"))
              .build();
        }
      }
    }
    return getScaleDownMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.SetTargetSlotsRequest,
      dev.claudepool.v1.SetTargetSlotsResponse> getSetTargetSlotsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SetTargetSlots",
      requestType = dev.claudepool.v1.SetTargetSlotsRequest.class,
      responseType = dev.claudepool.v1.SetTargetSlotsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.SetTargetSlotsRequest,
      dev.claudepool.v1.SetTargetSlotsResponse> getSetTargetSlotsMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.SetTargetSlotsRequest, dev.claudepool.v1.SetTargetSlotsResponse> getSetTargetSlotsMethod;
    if ((getSetTargetSlotsMethod = PoolServiceGrpc.getSetTargetSlotsMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getSetTargetSlotsMethod = PoolServiceGrpc.getSetTargetSlotsMethod) == null) {
          PoolServiceGrpc.getSetTargetSlotsMethod = getSetTargetSlotsMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.SetTargetSlotsRequest, dev.claudepool.v1.SetTargetSlotsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SetTargetSlots"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.SetTargetSlotsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.SetTargetSlotsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("SetTargetSlots"))
              .build();
        }
      }
    }
    return getSetTargetSlotsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.GetStatusRequest,
      dev.claudepool.v1.GetStatusResponse> getGetStatusMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetStatus",
      requestType = dev.claudepool.v1.GetStatusRequest.class,
      responseType = dev.claudepool.v1.GetStatusResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.GetStatusRequest,
      dev.claudepool.v1.GetStatusResponse> getGetStatusMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.GetStatusRequest, dev.claudepool.v1.GetStatusResponse> getGetStatusMethod;
    if ((getGetStatusMethod = PoolServiceGrpc.getGetStatusMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getGetStatusMethod = PoolServiceGrpc.getGetStatusMethod) == null) {
          PoolServiceGrpc.getGetStatusMethod = getGetStatusMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.GetStatusRequest, dev.claudepool.v1.GetStatusResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetStatus"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.GetStatusRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.GetStatusResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("GetStatus"))
              .build();
        }
      }
    }
    return getGetStatusMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.GetConfigRequest,
      dev.claudepool.v1.GetConfigResponse> getGetConfigMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetConfig",
      requestType = dev.claudepool.v1.GetConfigRequest.class,
      responseType = dev.claudepool.v1.GetConfigResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.GetConfigRequest,
      dev.claudepool.v1.GetConfigResponse> getGetConfigMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.GetConfigRequest, dev.claudepool.v1.GetConfigResponse> getGetConfigMethod;
    if ((getGetConfigMethod = PoolServiceGrpc.getGetConfigMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getGetConfigMethod = PoolServiceGrpc.getGetConfigMethod) == null) {
          PoolServiceGrpc.getGetConfigMethod = getGetConfigMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.GetConfigRequest, dev.claudepool.v1.GetConfigResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetConfig"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.GetConfigRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.GetConfigResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("GetConfig"))
              .build();
        }
      }
    }
    return getGetConfigMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.DrainRequest,
      dev.claudepool.v1.DrainResponse> getDrainMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Drain",
      requestType = dev.claudepool.v1.DrainRequest.class,
      responseType = dev.claudepool.v1.DrainResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.DrainRequest,
      dev.claudepool.v1.DrainResponse> getDrainMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.DrainRequest, dev.claudepool.v1.DrainResponse> getDrainMethod;
    if ((getDrainMethod = PoolServiceGrpc.getDrainMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getDrainMethod = PoolServiceGrpc.getDrainMethod) == null) {
          PoolServiceGrpc.getDrainMethod = getDrainMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.DrainRequest, dev.claudepool.v1.DrainResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Drain"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.DrainRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.DrainResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("Drain"))
              .build();
        }
      }
    }
    return getDrainMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.claudepool.v1.GetSessionMetricsRequest,
      dev.claudepool.v1.GetSessionMetricsResponse> getGetSessionMetricsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetSessionMetrics",
      requestType = dev.claudepool.v1.GetSessionMetricsRequest.class,
      responseType = dev.claudepool.v1.GetSessionMetricsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.claudepool.v1.GetSessionMetricsRequest,
      dev.claudepool.v1.GetSessionMetricsResponse> getGetSessionMetricsMethod() {
    io.grpc.MethodDescriptor<dev.claudepool.v1.GetSessionMetricsRequest, dev.claudepool.v1.GetSessionMetricsResponse> getGetSessionMetricsMethod;
    if ((getGetSessionMetricsMethod = PoolServiceGrpc.getGetSessionMetricsMethod) == null) {
      synchronized (PoolServiceGrpc.class) {
        if ((getGetSessionMetricsMethod = PoolServiceGrpc.getGetSessionMetricsMethod) == null) {
          PoolServiceGrpc.getGetSessionMetricsMethod = getGetSessionMetricsMethod =
              io.grpc.MethodDescriptor.<dev.claudepool.v1.GetSessionMetricsRequest, dev.claudepool.v1.GetSessionMetricsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetSessionMetrics"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.GetSessionMetricsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.claudepool.v1.GetSessionMetricsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PoolServiceMethodDescriptorSupplier("GetSessionMetrics"))
              .build();
        }
      }
    }
    return getGetSessionMetricsMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static PoolServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PoolServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<PoolServiceStub>() {
        @java.lang.Override
        public PoolServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new PoolServiceStub(channel, callOptions);
        }
      };
    return PoolServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static PoolServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PoolServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<PoolServiceBlockingV2Stub>() {
        @java.lang.Override
        public PoolServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new PoolServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return PoolServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static PoolServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PoolServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<PoolServiceBlockingStub>() {
        @java.lang.Override
        public PoolServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new PoolServiceBlockingStub(channel, callOptions);
        }
      };
    return PoolServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static PoolServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PoolServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<PoolServiceFutureStub>() {
        @java.lang.Override
        public PoolServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new PoolServiceFutureStub(channel, callOptions);
        }
      };
    return PoolServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * PoolService runs prompts on a pool of Claude Code CLI slots.
   * Errors carry a `google.rpc.ErrorInfo` (domain `claude-pool.dev`, reason from ErrorReason) and,
   * for bad input, a `google.rpc.BadRequest` naming the field. Mutating calls take an optional
   * `request_id`: a retry with the same id returns the first call's result instead of doing the work
   * twice. With bearer-token auth configured, every call needs `authorization: Bearer &lt;token&gt;` (or a
   * client certificate the server maps to a principal).
   * Every caller is a principal in a namespace. Tasks, sessions, chains, context, messages, metrics
   * and spend belong to a namespace: a caller sees and acts only inside its own, and another
   * namespace's ids answer NOT_FOUND. Slots, scaling and drain are the pool's own (admin scope).
   * Every string field refuses NUL bytes and has a length limit stated on it (4 KiB where none is
   * stated); every list holds at most 1024 items unless stated. A breach is INVALID_ARGUMENT naming
   * the field.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Runs one task and waits for it to finish. Returns the finished task (a failed run is a task in
     * state FAILED, not an RPC error).
     * </pre>
     */
    default void run(dev.claudepool.v1.RunRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.RunResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRunMethod(), responseObserver);
    }

    /**
     * <pre>
     * Runs one task and streams its events: state changes, text deltas in order, then the finished
     * task. Dropping the stream does not cancel the task unless `cancel_on_disconnect` is set.
     * </pre>
     */
    default void runStream(dev.claudepool.v1.RunStreamRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.RunStreamResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRunStreamMethod(), responseObserver);
    }

    /**
     * <pre>
     * Queues one task and returns it at once (state PENDING).
     * </pre>
     */
    default void submitTask(dev.claudepool.v1.SubmitTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.SubmitTaskResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSubmitTaskMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns a task.
     * </pre>
     */
    default void getTask(dev.claudepool.v1.GetTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.GetTaskResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetTaskMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists tasks, newest first, with filters and pagination.
     * </pre>
     */
    default void listTasks(dev.claudepool.v1.ListTasksRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ListTasksResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListTasksMethod(), responseObserver);
    }

    /**
     * <pre>
     * Waits until a task stops producing output (terminal or PENDING_REVIEW), or the timeout passes.
     * </pre>
     */
    default void waitTask(dev.claudepool.v1.WaitTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.WaitTaskResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWaitTaskMethod(), responseObserver);
    }

    /**
     * <pre>
     * Streams a task's events from `after_seq` on: first every stored event after it, then the live
     * tail, ending after the `finished` event. Resuming with the last seen `seq` loses nothing and
     * repeats nothing.
     * </pre>
     */
    default void watchTask(dev.claudepool.v1.WatchTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.WatchTaskResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchTaskMethod(), responseObserver);
    }

    /**
     * <pre>
     * Cancels a task. A running task's CLI process (and its tool processes) is stopped within a
     * second. The task ends CANCELLED and stays so. Cancelling a terminal task is FAILED_PRECONDITION.
     * </pre>
     */
    default void cancelTask(dev.claudepool.v1.CancelTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.CancelTaskResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCancelTaskMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes a settled task (terminal) and its event log for good. A task still pending, running or
     * in review is FAILED_PRECONDITION: cancel it first.
     * </pre>
     */
    default void deleteTask(dev.claudepool.v1.DeleteTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.DeleteTaskResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteTaskMethod(), responseObserver);
    }

    /**
     * <pre>
     * Makes an idle slot take the oldest pending task that is not pinned elsewhere, now. Returns no
     * task when the slot is busy or nothing is pending.
     * </pre>
     */
    default void claimTask(dev.claudepool.v1.ClaimTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ClaimTaskResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getClaimTaskMethod(), responseObserver);
    }

    /**
     * <pre>
     * Approves a task in PENDING_REVIEW: it becomes COMPLETED.
     * </pre>
     */
    default void approveTask(dev.claudepool.v1.ApproveTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ApproveTaskResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getApproveTaskMethod(), responseObserver);
    }

    /**
     * <pre>
     * Rejects a task in PENDING_REVIEW: the feedback is appended to the original prompt and the task
     * is queued again; at `max_rejections` it fails instead.
     * </pre>
     */
    default void rejectTask(dev.claudepool.v1.RejectTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.RejectTaskResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRejectTaskMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns a session the caller owns.
     * </pre>
     */
    default void getSession(dev.claudepool.v1.GetSessionRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.GetSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetSessionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's sessions, most recently used first, with pagination.
     * </pre>
     */
    default void listSessions(dev.claudepool.v1.ListSessionsRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ListSessionsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListSessionsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes a session and its stored transcript for good; continuing it afterwards is NOT_FOUND.
     * Tasks that ran in it stay.
     * </pre>
     */
    default void deleteSession(dev.claudepool.v1.DeleteSessionRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.DeleteSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteSessionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Runs several tasks concurrently and returns them in input order, each with its own outcome.
     * </pre>
     */
    default void fanOut(dev.claudepool.v1.FanOutRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.FanOutResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getFanOutMethod(), responseObserver);
    }

    /**
     * <pre>
     * Like FanOut, but streams each task as soon as it finishes.
     * </pre>
     */
    default void fanOutStream(dev.claudepool.v1.FanOutStreamRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.FanOutStreamResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getFanOutStreamMethod(), responseObserver);
    }

    /**
     * <pre>
     * Submits a chain of dependent steps and returns its progress at once.
     * </pre>
     */
    default void submitChain(dev.claudepool.v1.SubmitChainRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.SubmitChainResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSubmitChainMethod(), responseObserver);
    }

    /**
     * <pre>
     * Submits several chains; each runs independently.
     * </pre>
     */
    default void fanOutChains(dev.claudepool.v1.FanOutChainsRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.FanOutChainsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getFanOutChainsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns a chain's progress.
     * </pre>
     */
    default void getChainProgress(dev.claudepool.v1.GetChainProgressRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.GetChainProgressResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetChainProgressMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists chains, newest first, with pagination.
     * </pre>
     */
    default void listChainProgress(dev.claudepool.v1.ListChainProgressRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ListChainProgressResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListChainProgressMethod(), responseObserver);
    }

    /**
     * <pre>
     * Streams a chain's progress whenever it changes, ending when the chain is terminal.
     * </pre>
     */
    default void watchChain(dev.claudepool.v1.WatchChainRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.WatchChainResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchChainMethod(), responseObserver);
    }

    /**
     * <pre>
     * Cancels a chain: the running step is stopped, the rest are skipped, the chain ends CANCELLED.
     * </pre>
     */
    default void cancelChain(dev.claudepool.v1.CancelChainRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.CancelChainResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCancelChainMethod(), responseObserver);
    }

    /**
     * <pre>
     * Asks the router which route suits a prompt (single, parallel or chain), without running it.
     * </pre>
     */
    default void route(dev.claudepool.v1.RouteRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.RouteResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRouteMethod(), responseObserver);
    }

    /**
     * <pre>
     * Routes a prompt and runs the route. If routing fails, the prompt runs as a single task.
     * </pre>
     */
    default void auto(dev.claudepool.v1.AutoRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.AutoResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getAutoMethod(), responseObserver);
    }

    /**
     * <pre>
     * Runs a given route.
     * </pre>
     */
    default void executeRoute(dev.claudepool.v1.ExecuteRouteRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ExecuteRouteResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getExecuteRouteMethod(), responseObserver);
    }

    /**
     * <pre>
     * Sets a shared-context entry (injected into every task's system prompt).
     * </pre>
     */
    default void setContext(dev.claudepool.v1.SetContextRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.SetContextResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSetContextMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns a shared-context entry.
     * </pre>
     */
    default void getContext(dev.claudepool.v1.GetContextRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.GetContextResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetContextMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes a shared-context entry.
     * </pre>
     */
    default void deleteContext(dev.claudepool.v1.DeleteContextRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.DeleteContextResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteContextMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists shared-context entries by key.
     * </pre>
     */
    default void listContext(dev.claudepool.v1.ListContextRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ListContextResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListContextMethod(), responseObserver);
    }

    /**
     * <pre>
     * Sends a message to a slot; it is put before the slot's next prompt.
     * </pre>
     */
    default void sendMessage(dev.claudepool.v1.SendMessageRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.SendMessageResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSendMessageMethod(), responseObserver);
    }

    /**
     * <pre>
     * Sends a message to every other active slot.
     * </pre>
     */
    default void broadcastMessage(dev.claudepool.v1.BroadcastMessageRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.BroadcastMessageResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getBroadcastMessageMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns and removes a slot's unread messages, oldest first.
     * </pre>
     */
    default void readMessages(dev.claudepool.v1.ReadMessagesRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ReadMessagesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getReadMessagesMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns a slot's unread messages without removing them.
     * </pre>
     */
    default void peekMessages(dev.claudepool.v1.PeekMessagesRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.PeekMessagesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getPeekMessagesMethod(), responseObserver);
    }

    /**
     * <pre>
     * Counts a slot's unread messages.
     * </pre>
     */
    default void countMessages(dev.claudepool.v1.CountMessagesRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.CountMessagesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCountMessagesMethod(), responseObserver);
    }

    /**
     * <pre>
     * Finds slots by name, role and state (all given filters must match).
     * </pre>
     */
    default void findSlots(dev.claudepool.v1.FindSlotsRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.FindSlotsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getFindSlotsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Adds slots, within `max_slots`.
     * </pre>
     */
    default void scaleUp(dev.claudepool.v1.ScaleUpRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ScaleUpResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getScaleUpMethod(), responseObserver);
    }

    /**
     * <pre>
     * Removes slots, idle and least-used first, within `min_slots`.
     * </pre>
     */
    default void scaleDown(dev.claudepool.v1.ScaleDownRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ScaleDownResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getScaleDownMethod(), responseObserver);
    }

    /**
     * <pre>
     * Scales up or down to a target number of slots.
     * </pre>
     */
    default void setTargetSlots(dev.claudepool.v1.SetTargetSlotsRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.SetTargetSlotsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSetTargetSlotsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns counts of slots and tasks, spend and budget.
     * </pre>
     */
    default void getStatus(dev.claudepool.v1.GetStatusRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.GetStatusResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetStatusMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns the effective pool configuration.
     * </pre>
     */
    default void getConfig(dev.claudepool.v1.GetConfigRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.GetConfigResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetConfigMethod(), responseObserver);
    }

    /**
     * <pre>
     * Stops accepting work, waits for running tasks, and stops the slots.
     * </pre>
     */
    default void drain(dev.claudepool.v1.DrainRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.DrainResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDrainMethod(), responseObserver);
    }

    /**
     * <pre>
     * Aggregates task outcomes, spend and timings over a filter.
     * </pre>
     */
    default void getSessionMetrics(dev.claudepool.v1.GetSessionMetricsRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.GetSessionMetricsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetSessionMetricsMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service PoolService.
   * <pre>
   * PoolService runs prompts on a pool of Claude Code CLI slots.
   * Errors carry a `google.rpc.ErrorInfo` (domain `claude-pool.dev`, reason from ErrorReason) and,
   * for bad input, a `google.rpc.BadRequest` naming the field. Mutating calls take an optional
   * `request_id`: a retry with the same id returns the first call's result instead of doing the work
   * twice. With bearer-token auth configured, every call needs `authorization: Bearer &lt;token&gt;` (or a
   * client certificate the server maps to a principal).
   * Every caller is a principal in a namespace. Tasks, sessions, chains, context, messages, metrics
   * and spend belong to a namespace: a caller sees and acts only inside its own, and another
   * namespace's ids answer NOT_FOUND. Slots, scaling and drain are the pool's own (admin scope).
   * Every string field refuses NUL bytes and has a length limit stated on it (4 KiB where none is
   * stated); every list holds at most 1024 items unless stated. A breach is INVALID_ARGUMENT naming
   * the field.
   * </pre>
   */
  public static abstract class PoolServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return PoolServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service PoolService.
   * <pre>
   * PoolService runs prompts on a pool of Claude Code CLI slots.
   * Errors carry a `google.rpc.ErrorInfo` (domain `claude-pool.dev`, reason from ErrorReason) and,
   * for bad input, a `google.rpc.BadRequest` naming the field. Mutating calls take an optional
   * `request_id`: a retry with the same id returns the first call's result instead of doing the work
   * twice. With bearer-token auth configured, every call needs `authorization: Bearer &lt;token&gt;` (or a
   * client certificate the server maps to a principal).
   * Every caller is a principal in a namespace. Tasks, sessions, chains, context, messages, metrics
   * and spend belong to a namespace: a caller sees and acts only inside its own, and another
   * namespace's ids answer NOT_FOUND. Slots, scaling and drain are the pool's own (admin scope).
   * Every string field refuses NUL bytes and has a length limit stated on it (4 KiB where none is
   * stated); every list holds at most 1024 items unless stated. A breach is INVALID_ARGUMENT naming
   * the field.
   * </pre>
   */
  public static final class PoolServiceStub
      extends io.grpc.stub.AbstractAsyncStub<PoolServiceStub> {
    private PoolServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PoolServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PoolServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Runs one task and waits for it to finish. Returns the finished task (a failed run is a task in
     * state FAILED, not an RPC error).
     * </pre>
     */
    public void run(dev.claudepool.v1.RunRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.RunResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRunMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Runs one task and streams its events: state changes, text deltas in order, then the finished
     * task. Dropping the stream does not cancel the task unless `cancel_on_disconnect` is set.
     * </pre>
     */
    public void runStream(dev.claudepool.v1.RunStreamRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.RunStreamResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getRunStreamMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Queues one task and returns it at once (state PENDING).
     * </pre>
     */
    public void submitTask(dev.claudepool.v1.SubmitTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.SubmitTaskResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSubmitTaskMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns a task.
     * </pre>
     */
    public void getTask(dev.claudepool.v1.GetTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.GetTaskResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetTaskMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists tasks, newest first, with filters and pagination.
     * </pre>
     */
    public void listTasks(dev.claudepool.v1.ListTasksRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ListTasksResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListTasksMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Waits until a task stops producing output (terminal or PENDING_REVIEW), or the timeout passes.
     * </pre>
     */
    public void waitTask(dev.claudepool.v1.WaitTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.WaitTaskResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getWaitTaskMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Streams a task's events from `after_seq` on: first every stored event after it, then the live
     * tail, ending after the `finished` event. Resuming with the last seen `seq` loses nothing and
     * repeats nothing.
     * </pre>
     */
    public void watchTask(dev.claudepool.v1.WatchTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.WatchTaskResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchTaskMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Cancels a task. A running task's CLI process (and its tool processes) is stopped within a
     * second. The task ends CANCELLED and stays so. Cancelling a terminal task is FAILED_PRECONDITION.
     * </pre>
     */
    public void cancelTask(dev.claudepool.v1.CancelTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.CancelTaskResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCancelTaskMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes a settled task (terminal) and its event log for good. A task still pending, running or
     * in review is FAILED_PRECONDITION: cancel it first.
     * </pre>
     */
    public void deleteTask(dev.claudepool.v1.DeleteTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.DeleteTaskResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteTaskMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Makes an idle slot take the oldest pending task that is not pinned elsewhere, now. Returns no
     * task when the slot is busy or nothing is pending.
     * </pre>
     */
    public void claimTask(dev.claudepool.v1.ClaimTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ClaimTaskResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getClaimTaskMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Approves a task in PENDING_REVIEW: it becomes COMPLETED.
     * </pre>
     */
    public void approveTask(dev.claudepool.v1.ApproveTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ApproveTaskResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getApproveTaskMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Rejects a task in PENDING_REVIEW: the feedback is appended to the original prompt and the task
     * is queued again; at `max_rejections` it fails instead.
     * </pre>
     */
    public void rejectTask(dev.claudepool.v1.RejectTaskRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.RejectTaskResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRejectTaskMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns a session the caller owns.
     * </pre>
     */
    public void getSession(dev.claudepool.v1.GetSessionRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.GetSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetSessionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's sessions, most recently used first, with pagination.
     * </pre>
     */
    public void listSessions(dev.claudepool.v1.ListSessionsRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ListSessionsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListSessionsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes a session and its stored transcript for good; continuing it afterwards is NOT_FOUND.
     * Tasks that ran in it stay.
     * </pre>
     */
    public void deleteSession(dev.claudepool.v1.DeleteSessionRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.DeleteSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteSessionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Runs several tasks concurrently and returns them in input order, each with its own outcome.
     * </pre>
     */
    public void fanOut(dev.claudepool.v1.FanOutRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.FanOutResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getFanOutMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Like FanOut, but streams each task as soon as it finishes.
     * </pre>
     */
    public void fanOutStream(dev.claudepool.v1.FanOutStreamRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.FanOutStreamResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getFanOutStreamMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Submits a chain of dependent steps and returns its progress at once.
     * </pre>
     */
    public void submitChain(dev.claudepool.v1.SubmitChainRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.SubmitChainResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSubmitChainMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Submits several chains; each runs independently.
     * </pre>
     */
    public void fanOutChains(dev.claudepool.v1.FanOutChainsRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.FanOutChainsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getFanOutChainsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns a chain's progress.
     * </pre>
     */
    public void getChainProgress(dev.claudepool.v1.GetChainProgressRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.GetChainProgressResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetChainProgressMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists chains, newest first, with pagination.
     * </pre>
     */
    public void listChainProgress(dev.claudepool.v1.ListChainProgressRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ListChainProgressResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListChainProgressMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Streams a chain's progress whenever it changes, ending when the chain is terminal.
     * </pre>
     */
    public void watchChain(dev.claudepool.v1.WatchChainRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.WatchChainResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchChainMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Cancels a chain: the running step is stopped, the rest are skipped, the chain ends CANCELLED.
     * </pre>
     */
    public void cancelChain(dev.claudepool.v1.CancelChainRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.CancelChainResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCancelChainMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Asks the router which route suits a prompt (single, parallel or chain), without running it.
     * </pre>
     */
    public void route(dev.claudepool.v1.RouteRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.RouteResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRouteMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Routes a prompt and runs the route. If routing fails, the prompt runs as a single task.
     * </pre>
     */
    public void auto(dev.claudepool.v1.AutoRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.AutoResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getAutoMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Runs a given route.
     * </pre>
     */
    public void executeRoute(dev.claudepool.v1.ExecuteRouteRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ExecuteRouteResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getExecuteRouteMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Sets a shared-context entry (injected into every task's system prompt).
     * </pre>
     */
    public void setContext(dev.claudepool.v1.SetContextRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.SetContextResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSetContextMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns a shared-context entry.
     * </pre>
     */
    public void getContext(dev.claudepool.v1.GetContextRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.GetContextResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetContextMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes a shared-context entry.
     * </pre>
     */
    public void deleteContext(dev.claudepool.v1.DeleteContextRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.DeleteContextResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteContextMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists shared-context entries by key.
     * </pre>
     */
    public void listContext(dev.claudepool.v1.ListContextRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ListContextResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListContextMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Sends a message to a slot; it is put before the slot's next prompt.
     * </pre>
     */
    public void sendMessage(dev.claudepool.v1.SendMessageRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.SendMessageResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSendMessageMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Sends a message to every other active slot.
     * </pre>
     */
    public void broadcastMessage(dev.claudepool.v1.BroadcastMessageRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.BroadcastMessageResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getBroadcastMessageMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns and removes a slot's unread messages, oldest first.
     * </pre>
     */
    public void readMessages(dev.claudepool.v1.ReadMessagesRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ReadMessagesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getReadMessagesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns a slot's unread messages without removing them.
     * </pre>
     */
    public void peekMessages(dev.claudepool.v1.PeekMessagesRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.PeekMessagesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getPeekMessagesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Counts a slot's unread messages.
     * </pre>
     */
    public void countMessages(dev.claudepool.v1.CountMessagesRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.CountMessagesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCountMessagesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Finds slots by name, role and state (all given filters must match).
     * </pre>
     */
    public void findSlots(dev.claudepool.v1.FindSlotsRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.FindSlotsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getFindSlotsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Adds slots, within `max_slots`.
     * </pre>
     */
    public void scaleUp(dev.claudepool.v1.ScaleUpRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ScaleUpResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getScaleUpMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Removes slots, idle and least-used first, within `min_slots`.
     * </pre>
     */
    public void scaleDown(dev.claudepool.v1.ScaleDownRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.ScaleDownResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getScaleDownMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Scales up or down to a target number of slots.
     * </pre>
     */
    public void setTargetSlots(dev.claudepool.v1.SetTargetSlotsRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.SetTargetSlotsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSetTargetSlotsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns counts of slots and tasks, spend and budget.
     * </pre>
     */
    public void getStatus(dev.claudepool.v1.GetStatusRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.GetStatusResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetStatusMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns the effective pool configuration.
     * </pre>
     */
    public void getConfig(dev.claudepool.v1.GetConfigRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.GetConfigResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetConfigMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Stops accepting work, waits for running tasks, and stops the slots.
     * </pre>
     */
    public void drain(dev.claudepool.v1.DrainRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.DrainResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDrainMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Aggregates task outcomes, spend and timings over a filter.
     * </pre>
     */
    public void getSessionMetrics(dev.claudepool.v1.GetSessionMetricsRequest request,
        io.grpc.stub.StreamObserver<dev.claudepool.v1.GetSessionMetricsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetSessionMetricsMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service PoolService.
   * <pre>
   * PoolService runs prompts on a pool of Claude Code CLI slots.
   * Errors carry a `google.rpc.ErrorInfo` (domain `claude-pool.dev`, reason from ErrorReason) and,
   * for bad input, a `google.rpc.BadRequest` naming the field. Mutating calls take an optional
   * `request_id`: a retry with the same id returns the first call's result instead of doing the work
   * twice. With bearer-token auth configured, every call needs `authorization: Bearer &lt;token&gt;` (or a
   * client certificate the server maps to a principal).
   * Every caller is a principal in a namespace. Tasks, sessions, chains, context, messages, metrics
   * and spend belong to a namespace: a caller sees and acts only inside its own, and another
   * namespace's ids answer NOT_FOUND. Slots, scaling and drain are the pool's own (admin scope).
   * Every string field refuses NUL bytes and has a length limit stated on it (4 KiB where none is
   * stated); every list holds at most 1024 items unless stated. A breach is INVALID_ARGUMENT naming
   * the field.
   * </pre>
   */
  public static final class PoolServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<PoolServiceBlockingV2Stub> {
    private PoolServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PoolServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PoolServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Runs one task and waits for it to finish. Returns the finished task (a failed run is a task in
     * state FAILED, not an RPC error).
     * </pre>
     */
    public dev.claudepool.v1.RunResponse run(dev.claudepool.v1.RunRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getRunMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Runs one task and streams its events: state changes, text deltas in order, then the finished
     * task. Dropping the stream does not cancel the task unless `cancel_on_disconnect` is set.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<?, dev.claudepool.v1.RunStreamResponse>
        runStream(dev.claudepool.v1.RunStreamRequest request) {
      return io.grpc.stub.ClientCalls.blockingV2ServerStreamingCall(
          getChannel(), getRunStreamMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Queues one task and returns it at once (state PENDING).
     * </pre>
     */
    public dev.claudepool.v1.SubmitTaskResponse submitTask(dev.claudepool.v1.SubmitTaskRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getSubmitTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a task.
     * </pre>
     */
    public dev.claudepool.v1.GetTaskResponse getTask(dev.claudepool.v1.GetTaskRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists tasks, newest first, with filters and pagination.
     * </pre>
     */
    public dev.claudepool.v1.ListTasksResponse listTasks(dev.claudepool.v1.ListTasksRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListTasksMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Waits until a task stops producing output (terminal or PENDING_REVIEW), or the timeout passes.
     * </pre>
     */
    public dev.claudepool.v1.WaitTaskResponse waitTask(dev.claudepool.v1.WaitTaskRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getWaitTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams a task's events from `after_seq` on: first every stored event after it, then the live
     * tail, ending after the `finished` event. Resuming with the last seen `seq` loses nothing and
     * repeats nothing.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<?, dev.claudepool.v1.WatchTaskResponse>
        watchTask(dev.claudepool.v1.WatchTaskRequest request) {
      return io.grpc.stub.ClientCalls.blockingV2ServerStreamingCall(
          getChannel(), getWatchTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Cancels a task. A running task's CLI process (and its tool processes) is stopped within a
     * second. The task ends CANCELLED and stays so. Cancelling a terminal task is FAILED_PRECONDITION.
     * </pre>
     */
    public dev.claudepool.v1.CancelTaskResponse cancelTask(dev.claudepool.v1.CancelTaskRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCancelTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a settled task (terminal) and its event log for good. A task still pending, running or
     * in review is FAILED_PRECONDITION: cancel it first.
     * </pre>
     */
    public dev.claudepool.v1.DeleteTaskResponse deleteTask(dev.claudepool.v1.DeleteTaskRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getDeleteTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Makes an idle slot take the oldest pending task that is not pinned elsewhere, now. Returns no
     * task when the slot is busy or nothing is pending.
     * </pre>
     */
    public dev.claudepool.v1.ClaimTaskResponse claimTask(dev.claudepool.v1.ClaimTaskRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getClaimTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Approves a task in PENDING_REVIEW: it becomes COMPLETED.
     * </pre>
     */
    public dev.claudepool.v1.ApproveTaskResponse approveTask(dev.claudepool.v1.ApproveTaskRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getApproveTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Rejects a task in PENDING_REVIEW: the feedback is appended to the original prompt and the task
     * is queued again; at `max_rejections` it fails instead.
     * </pre>
     */
    public dev.claudepool.v1.RejectTaskResponse rejectTask(dev.claudepool.v1.RejectTaskRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getRejectTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a session the caller owns.
     * </pre>
     */
    public dev.claudepool.v1.GetSessionResponse getSession(dev.claudepool.v1.GetSessionRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the caller's sessions, most recently used first, with pagination.
     * </pre>
     */
    public dev.claudepool.v1.ListSessionsResponse listSessions(dev.claudepool.v1.ListSessionsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListSessionsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a session and its stored transcript for good; continuing it afterwards is NOT_FOUND.
     * Tasks that ran in it stay.
     * </pre>
     */
    public dev.claudepool.v1.DeleteSessionResponse deleteSession(dev.claudepool.v1.DeleteSessionRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getDeleteSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Runs several tasks concurrently and returns them in input order, each with its own outcome.
     * </pre>
     */
    public dev.claudepool.v1.FanOutResponse fanOut(dev.claudepool.v1.FanOutRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getFanOutMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Like FanOut, but streams each task as soon as it finishes.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<?, dev.claudepool.v1.FanOutStreamResponse>
        fanOutStream(dev.claudepool.v1.FanOutStreamRequest request) {
      return io.grpc.stub.ClientCalls.blockingV2ServerStreamingCall(
          getChannel(), getFanOutStreamMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Submits a chain of dependent steps and returns its progress at once.
     * </pre>
     */
    public dev.claudepool.v1.SubmitChainResponse submitChain(dev.claudepool.v1.SubmitChainRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getSubmitChainMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Submits several chains; each runs independently.
     * </pre>
     */
    public dev.claudepool.v1.FanOutChainsResponse fanOutChains(dev.claudepool.v1.FanOutChainsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getFanOutChainsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a chain's progress.
     * </pre>
     */
    public dev.claudepool.v1.GetChainProgressResponse getChainProgress(dev.claudepool.v1.GetChainProgressRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetChainProgressMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists chains, newest first, with pagination.
     * </pre>
     */
    public dev.claudepool.v1.ListChainProgressResponse listChainProgress(dev.claudepool.v1.ListChainProgressRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListChainProgressMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams a chain's progress whenever it changes, ending when the chain is terminal.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<?, dev.claudepool.v1.WatchChainResponse>
        watchChain(dev.claudepool.v1.WatchChainRequest request) {
      return io.grpc.stub.ClientCalls.blockingV2ServerStreamingCall(
          getChannel(), getWatchChainMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Cancels a chain: the running step is stopped, the rest are skipped, the chain ends CANCELLED.
     * </pre>
     */
    public dev.claudepool.v1.CancelChainResponse cancelChain(dev.claudepool.v1.CancelChainRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCancelChainMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Asks the router which route suits a prompt (single, parallel or chain), without running it.
     * </pre>
     */
    public dev.claudepool.v1.RouteResponse route(dev.claudepool.v1.RouteRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getRouteMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Routes a prompt and runs the route. If routing fails, the prompt runs as a single task.
     * </pre>
     */
    public dev.claudepool.v1.AutoResponse auto(dev.claudepool.v1.AutoRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getAutoMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Runs a given route.
     * </pre>
     */
    public dev.claudepool.v1.ExecuteRouteResponse executeRoute(dev.claudepool.v1.ExecuteRouteRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getExecuteRouteMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sets a shared-context entry (injected into every task's system prompt).
     * </pre>
     */
    public dev.claudepool.v1.SetContextResponse setContext(dev.claudepool.v1.SetContextRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getSetContextMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a shared-context entry.
     * </pre>
     */
    public dev.claudepool.v1.GetContextResponse getContext(dev.claudepool.v1.GetContextRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetContextMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a shared-context entry.
     * </pre>
     */
    public dev.claudepool.v1.DeleteContextResponse deleteContext(dev.claudepool.v1.DeleteContextRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getDeleteContextMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists shared-context entries by key.
     * </pre>
     */
    public dev.claudepool.v1.ListContextResponse listContext(dev.claudepool.v1.ListContextRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListContextMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sends a message to a slot; it is put before the slot's next prompt.
     * </pre>
     */
    public dev.claudepool.v1.SendMessageResponse sendMessage(dev.claudepool.v1.SendMessageRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getSendMessageMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sends a message to every other active slot.
     * </pre>
     */
    public dev.claudepool.v1.BroadcastMessageResponse broadcastMessage(dev.claudepool.v1.BroadcastMessageRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getBroadcastMessageMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns and removes a slot's unread messages, oldest first.
     * </pre>
     */
    public dev.claudepool.v1.ReadMessagesResponse readMessages(dev.claudepool.v1.ReadMessagesRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getReadMessagesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a slot's unread messages without removing them.
     * </pre>
     */
    public dev.claudepool.v1.PeekMessagesResponse peekMessages(dev.claudepool.v1.PeekMessagesRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getPeekMessagesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Counts a slot's unread messages.
     * </pre>
     */
    public dev.claudepool.v1.CountMessagesResponse countMessages(dev.claudepool.v1.CountMessagesRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCountMessagesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Finds slots by name, role and state (all given filters must match).
     * </pre>
     */
    public dev.claudepool.v1.FindSlotsResponse findSlots(dev.claudepool.v1.FindSlotsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getFindSlotsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Adds slots, within `max_slots`.
     * </pre>
     */
    public dev.claudepool.v1.ScaleUpResponse scaleUp(dev.claudepool.v1.ScaleUpRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getScaleUpMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Removes slots, idle and least-used first, within `min_slots`.
     * </pre>
     */
    public dev.claudepool.v1.ScaleDownResponse scaleDown(dev.claudepool.v1.ScaleDownRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getScaleDownMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Scales up or down to a target number of slots.
     * </pre>
     */
    public dev.claudepool.v1.SetTargetSlotsResponse setTargetSlots(dev.claudepool.v1.SetTargetSlotsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getSetTargetSlotsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns counts of slots and tasks, spend and budget.
     * </pre>
     */
    public dev.claudepool.v1.GetStatusResponse getStatus(dev.claudepool.v1.GetStatusRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetStatusMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns the effective pool configuration.
     * </pre>
     */
    public dev.claudepool.v1.GetConfigResponse getConfig(dev.claudepool.v1.GetConfigRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetConfigMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Stops accepting work, waits for running tasks, and stops the slots.
     * </pre>
     */
    public dev.claudepool.v1.DrainResponse drain(dev.claudepool.v1.DrainRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getDrainMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Aggregates task outcomes, spend and timings over a filter.
     * </pre>
     */
    public dev.claudepool.v1.GetSessionMetricsResponse getSessionMetrics(dev.claudepool.v1.GetSessionMetricsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetSessionMetricsMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service PoolService.
   * <pre>
   * PoolService runs prompts on a pool of Claude Code CLI slots.
   * Errors carry a `google.rpc.ErrorInfo` (domain `claude-pool.dev`, reason from ErrorReason) and,
   * for bad input, a `google.rpc.BadRequest` naming the field. Mutating calls take an optional
   * `request_id`: a retry with the same id returns the first call's result instead of doing the work
   * twice. With bearer-token auth configured, every call needs `authorization: Bearer &lt;token&gt;` (or a
   * client certificate the server maps to a principal).
   * Every caller is a principal in a namespace. Tasks, sessions, chains, context, messages, metrics
   * and spend belong to a namespace: a caller sees and acts only inside its own, and another
   * namespace's ids answer NOT_FOUND. Slots, scaling and drain are the pool's own (admin scope).
   * Every string field refuses NUL bytes and has a length limit stated on it (4 KiB where none is
   * stated); every list holds at most 1024 items unless stated. A breach is INVALID_ARGUMENT naming
   * the field.
   * </pre>
   */
  public static final class PoolServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<PoolServiceBlockingStub> {
    private PoolServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PoolServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PoolServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Runs one task and waits for it to finish. Returns the finished task (a failed run is a task in
     * state FAILED, not an RPC error).
     * </pre>
     */
    public dev.claudepool.v1.RunResponse run(dev.claudepool.v1.RunRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRunMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Runs one task and streams its events: state changes, text deltas in order, then the finished
     * task. Dropping the stream does not cancel the task unless `cancel_on_disconnect` is set.
     * </pre>
     */
    public java.util.Iterator<dev.claudepool.v1.RunStreamResponse> runStream(
        dev.claudepool.v1.RunStreamRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getRunStreamMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Queues one task and returns it at once (state PENDING).
     * </pre>
     */
    public dev.claudepool.v1.SubmitTaskResponse submitTask(dev.claudepool.v1.SubmitTaskRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSubmitTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a task.
     * </pre>
     */
    public dev.claudepool.v1.GetTaskResponse getTask(dev.claudepool.v1.GetTaskRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists tasks, newest first, with filters and pagination.
     * </pre>
     */
    public dev.claudepool.v1.ListTasksResponse listTasks(dev.claudepool.v1.ListTasksRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListTasksMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Waits until a task stops producing output (terminal or PENDING_REVIEW), or the timeout passes.
     * </pre>
     */
    public dev.claudepool.v1.WaitTaskResponse waitTask(dev.claudepool.v1.WaitTaskRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getWaitTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams a task's events from `after_seq` on: first every stored event after it, then the live
     * tail, ending after the `finished` event. Resuming with the last seen `seq` loses nothing and
     * repeats nothing.
     * </pre>
     */
    public java.util.Iterator<dev.claudepool.v1.WatchTaskResponse> watchTask(
        dev.claudepool.v1.WatchTaskRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Cancels a task. A running task's CLI process (and its tool processes) is stopped within a
     * second. The task ends CANCELLED and stays so. Cancelling a terminal task is FAILED_PRECONDITION.
     * </pre>
     */
    public dev.claudepool.v1.CancelTaskResponse cancelTask(dev.claudepool.v1.CancelTaskRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCancelTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a settled task (terminal) and its event log for good. A task still pending, running or
     * in review is FAILED_PRECONDITION: cancel it first.
     * </pre>
     */
    public dev.claudepool.v1.DeleteTaskResponse deleteTask(dev.claudepool.v1.DeleteTaskRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Makes an idle slot take the oldest pending task that is not pinned elsewhere, now. Returns no
     * task when the slot is busy or nothing is pending.
     * </pre>
     */
    public dev.claudepool.v1.ClaimTaskResponse claimTask(dev.claudepool.v1.ClaimTaskRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getClaimTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Approves a task in PENDING_REVIEW: it becomes COMPLETED.
     * </pre>
     */
    public dev.claudepool.v1.ApproveTaskResponse approveTask(dev.claudepool.v1.ApproveTaskRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getApproveTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Rejects a task in PENDING_REVIEW: the feedback is appended to the original prompt and the task
     * is queued again; at `max_rejections` it fails instead.
     * </pre>
     */
    public dev.claudepool.v1.RejectTaskResponse rejectTask(dev.claudepool.v1.RejectTaskRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRejectTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a session the caller owns.
     * </pre>
     */
    public dev.claudepool.v1.GetSessionResponse getSession(dev.claudepool.v1.GetSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the caller's sessions, most recently used first, with pagination.
     * </pre>
     */
    public dev.claudepool.v1.ListSessionsResponse listSessions(dev.claudepool.v1.ListSessionsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListSessionsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a session and its stored transcript for good; continuing it afterwards is NOT_FOUND.
     * Tasks that ran in it stay.
     * </pre>
     */
    public dev.claudepool.v1.DeleteSessionResponse deleteSession(dev.claudepool.v1.DeleteSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Runs several tasks concurrently and returns them in input order, each with its own outcome.
     * </pre>
     */
    public dev.claudepool.v1.FanOutResponse fanOut(dev.claudepool.v1.FanOutRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getFanOutMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Like FanOut, but streams each task as soon as it finishes.
     * </pre>
     */
    public java.util.Iterator<dev.claudepool.v1.FanOutStreamResponse> fanOutStream(
        dev.claudepool.v1.FanOutStreamRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getFanOutStreamMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Submits a chain of dependent steps and returns its progress at once.
     * </pre>
     */
    public dev.claudepool.v1.SubmitChainResponse submitChain(dev.claudepool.v1.SubmitChainRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSubmitChainMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Submits several chains; each runs independently.
     * </pre>
     */
    public dev.claudepool.v1.FanOutChainsResponse fanOutChains(dev.claudepool.v1.FanOutChainsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getFanOutChainsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a chain's progress.
     * </pre>
     */
    public dev.claudepool.v1.GetChainProgressResponse getChainProgress(dev.claudepool.v1.GetChainProgressRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetChainProgressMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists chains, newest first, with pagination.
     * </pre>
     */
    public dev.claudepool.v1.ListChainProgressResponse listChainProgress(dev.claudepool.v1.ListChainProgressRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListChainProgressMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams a chain's progress whenever it changes, ending when the chain is terminal.
     * </pre>
     */
    public java.util.Iterator<dev.claudepool.v1.WatchChainResponse> watchChain(
        dev.claudepool.v1.WatchChainRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchChainMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Cancels a chain: the running step is stopped, the rest are skipped, the chain ends CANCELLED.
     * </pre>
     */
    public dev.claudepool.v1.CancelChainResponse cancelChain(dev.claudepool.v1.CancelChainRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCancelChainMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Asks the router which route suits a prompt (single, parallel or chain), without running it.
     * </pre>
     */
    public dev.claudepool.v1.RouteResponse route(dev.claudepool.v1.RouteRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRouteMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Routes a prompt and runs the route. If routing fails, the prompt runs as a single task.
     * </pre>
     */
    public dev.claudepool.v1.AutoResponse auto(dev.claudepool.v1.AutoRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getAutoMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Runs a given route.
     * </pre>
     */
    public dev.claudepool.v1.ExecuteRouteResponse executeRoute(dev.claudepool.v1.ExecuteRouteRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getExecuteRouteMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sets a shared-context entry (injected into every task's system prompt).
     * </pre>
     */
    public dev.claudepool.v1.SetContextResponse setContext(dev.claudepool.v1.SetContextRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSetContextMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a shared-context entry.
     * </pre>
     */
    public dev.claudepool.v1.GetContextResponse getContext(dev.claudepool.v1.GetContextRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetContextMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a shared-context entry.
     * </pre>
     */
    public dev.claudepool.v1.DeleteContextResponse deleteContext(dev.claudepool.v1.DeleteContextRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteContextMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists shared-context entries by key.
     * </pre>
     */
    public dev.claudepool.v1.ListContextResponse listContext(dev.claudepool.v1.ListContextRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListContextMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sends a message to a slot; it is put before the slot's next prompt.
     * </pre>
     */
    public dev.claudepool.v1.SendMessageResponse sendMessage(dev.claudepool.v1.SendMessageRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSendMessageMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sends a message to every other active slot.
     * </pre>
     */
    public dev.claudepool.v1.BroadcastMessageResponse broadcastMessage(dev.claudepool.v1.BroadcastMessageRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getBroadcastMessageMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns and removes a slot's unread messages, oldest first.
     * </pre>
     */
    public dev.claudepool.v1.ReadMessagesResponse readMessages(dev.claudepool.v1.ReadMessagesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getReadMessagesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a slot's unread messages without removing them.
     * </pre>
     */
    public dev.claudepool.v1.PeekMessagesResponse peekMessages(dev.claudepool.v1.PeekMessagesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getPeekMessagesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Counts a slot's unread messages.
     * </pre>
     */
    public dev.claudepool.v1.CountMessagesResponse countMessages(dev.claudepool.v1.CountMessagesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCountMessagesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Finds slots by name, role and state (all given filters must match).
     * </pre>
     */
    public dev.claudepool.v1.FindSlotsResponse findSlots(dev.claudepool.v1.FindSlotsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getFindSlotsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Adds slots, within `max_slots`.
     * </pre>
     */
    public dev.claudepool.v1.ScaleUpResponse scaleUp(dev.claudepool.v1.ScaleUpRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getScaleUpMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Removes slots, idle and least-used first, within `min_slots`.
     * </pre>
     */
    public dev.claudepool.v1.ScaleDownResponse scaleDown(dev.claudepool.v1.ScaleDownRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getScaleDownMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Scales up or down to a target number of slots.
     * </pre>
     */
    public dev.claudepool.v1.SetTargetSlotsResponse setTargetSlots(dev.claudepool.v1.SetTargetSlotsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSetTargetSlotsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns counts of slots and tasks, spend and budget.
     * </pre>
     */
    public dev.claudepool.v1.GetStatusResponse getStatus(dev.claudepool.v1.GetStatusRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetStatusMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns the effective pool configuration.
     * </pre>
     */
    public dev.claudepool.v1.GetConfigResponse getConfig(dev.claudepool.v1.GetConfigRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetConfigMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Stops accepting work, waits for running tasks, and stops the slots.
     * </pre>
     */
    public dev.claudepool.v1.DrainResponse drain(dev.claudepool.v1.DrainRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDrainMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Aggregates task outcomes, spend and timings over a filter.
     * </pre>
     */
    public dev.claudepool.v1.GetSessionMetricsResponse getSessionMetrics(dev.claudepool.v1.GetSessionMetricsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetSessionMetricsMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service PoolService.
   * <pre>
   * PoolService runs prompts on a pool of Claude Code CLI slots.
   * Errors carry a `google.rpc.ErrorInfo` (domain `claude-pool.dev`, reason from ErrorReason) and,
   * for bad input, a `google.rpc.BadRequest` naming the field. Mutating calls take an optional
   * `request_id`: a retry with the same id returns the first call's result instead of doing the work
   * twice. With bearer-token auth configured, every call needs `authorization: Bearer &lt;token&gt;` (or a
   * client certificate the server maps to a principal).
   * Every caller is a principal in a namespace. Tasks, sessions, chains, context, messages, metrics
   * and spend belong to a namespace: a caller sees and acts only inside its own, and another
   * namespace's ids answer NOT_FOUND. Slots, scaling and drain are the pool's own (admin scope).
   * Every string field refuses NUL bytes and has a length limit stated on it (4 KiB where none is
   * stated); every list holds at most 1024 items unless stated. A breach is INVALID_ARGUMENT naming
   * the field.
   * </pre>
   */
  public static final class PoolServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<PoolServiceFutureStub> {
    private PoolServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PoolServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PoolServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Runs one task and waits for it to finish. Returns the finished task (a failed run is a task in
     * state FAILED, not an RPC error).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.RunResponse> run(
        dev.claudepool.v1.RunRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRunMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Queues one task and returns it at once (state PENDING).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.SubmitTaskResponse> submitTask(
        dev.claudepool.v1.SubmitTaskRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSubmitTaskMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns a task.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.GetTaskResponse> getTask(
        dev.claudepool.v1.GetTaskRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetTaskMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists tasks, newest first, with filters and pagination.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.ListTasksResponse> listTasks(
        dev.claudepool.v1.ListTasksRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListTasksMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Waits until a task stops producing output (terminal or PENDING_REVIEW), or the timeout passes.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.WaitTaskResponse> waitTask(
        dev.claudepool.v1.WaitTaskRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getWaitTaskMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Cancels a task. A running task's CLI process (and its tool processes) is stopped within a
     * second. The task ends CANCELLED and stays so. Cancelling a terminal task is FAILED_PRECONDITION.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.CancelTaskResponse> cancelTask(
        dev.claudepool.v1.CancelTaskRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCancelTaskMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes a settled task (terminal) and its event log for good. A task still pending, running or
     * in review is FAILED_PRECONDITION: cancel it first.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.DeleteTaskResponse> deleteTask(
        dev.claudepool.v1.DeleteTaskRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteTaskMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Makes an idle slot take the oldest pending task that is not pinned elsewhere, now. Returns no
     * task when the slot is busy or nothing is pending.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.ClaimTaskResponse> claimTask(
        dev.claudepool.v1.ClaimTaskRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getClaimTaskMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Approves a task in PENDING_REVIEW: it becomes COMPLETED.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.ApproveTaskResponse> approveTask(
        dev.claudepool.v1.ApproveTaskRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getApproveTaskMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Rejects a task in PENDING_REVIEW: the feedback is appended to the original prompt and the task
     * is queued again; at `max_rejections` it fails instead.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.RejectTaskResponse> rejectTask(
        dev.claudepool.v1.RejectTaskRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRejectTaskMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns a session the caller owns.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.GetSessionResponse> getSession(
        dev.claudepool.v1.GetSessionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetSessionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the caller's sessions, most recently used first, with pagination.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.ListSessionsResponse> listSessions(
        dev.claudepool.v1.ListSessionsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListSessionsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes a session and its stored transcript for good; continuing it afterwards is NOT_FOUND.
     * Tasks that ran in it stay.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.DeleteSessionResponse> deleteSession(
        dev.claudepool.v1.DeleteSessionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteSessionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Runs several tasks concurrently and returns them in input order, each with its own outcome.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.FanOutResponse> fanOut(
        dev.claudepool.v1.FanOutRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getFanOutMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Submits a chain of dependent steps and returns its progress at once.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.SubmitChainResponse> submitChain(
        dev.claudepool.v1.SubmitChainRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSubmitChainMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Submits several chains; each runs independently.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.FanOutChainsResponse> fanOutChains(
        dev.claudepool.v1.FanOutChainsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getFanOutChainsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns a chain's progress.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.GetChainProgressResponse> getChainProgress(
        dev.claudepool.v1.GetChainProgressRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetChainProgressMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists chains, newest first, with pagination.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.ListChainProgressResponse> listChainProgress(
        dev.claudepool.v1.ListChainProgressRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListChainProgressMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Cancels a chain: the running step is stopped, the rest are skipped, the chain ends CANCELLED.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.CancelChainResponse> cancelChain(
        dev.claudepool.v1.CancelChainRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCancelChainMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Asks the router which route suits a prompt (single, parallel or chain), without running it.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.RouteResponse> route(
        dev.claudepool.v1.RouteRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRouteMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Routes a prompt and runs the route. If routing fails, the prompt runs as a single task.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.AutoResponse> auto(
        dev.claudepool.v1.AutoRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getAutoMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Runs a given route.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.ExecuteRouteResponse> executeRoute(
        dev.claudepool.v1.ExecuteRouteRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getExecuteRouteMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Sets a shared-context entry (injected into every task's system prompt).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.SetContextResponse> setContext(
        dev.claudepool.v1.SetContextRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSetContextMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns a shared-context entry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.GetContextResponse> getContext(
        dev.claudepool.v1.GetContextRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetContextMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes a shared-context entry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.DeleteContextResponse> deleteContext(
        dev.claudepool.v1.DeleteContextRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteContextMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists shared-context entries by key.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.ListContextResponse> listContext(
        dev.claudepool.v1.ListContextRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListContextMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Sends a message to a slot; it is put before the slot's next prompt.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.SendMessageResponse> sendMessage(
        dev.claudepool.v1.SendMessageRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSendMessageMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Sends a message to every other active slot.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.BroadcastMessageResponse> broadcastMessage(
        dev.claudepool.v1.BroadcastMessageRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getBroadcastMessageMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns and removes a slot's unread messages, oldest first.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.ReadMessagesResponse> readMessages(
        dev.claudepool.v1.ReadMessagesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getReadMessagesMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns a slot's unread messages without removing them.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.PeekMessagesResponse> peekMessages(
        dev.claudepool.v1.PeekMessagesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getPeekMessagesMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Counts a slot's unread messages.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.CountMessagesResponse> countMessages(
        dev.claudepool.v1.CountMessagesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCountMessagesMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Finds slots by name, role and state (all given filters must match).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.FindSlotsResponse> findSlots(
        dev.claudepool.v1.FindSlotsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getFindSlotsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Adds slots, within `max_slots`.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.ScaleUpResponse> scaleUp(
        dev.claudepool.v1.ScaleUpRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getScaleUpMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Removes slots, idle and least-used first, within `min_slots`.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.ScaleDownResponse> scaleDown(
        dev.claudepool.v1.ScaleDownRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getScaleDownMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Scales up or down to a target number of slots.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.SetTargetSlotsResponse> setTargetSlots(
        dev.claudepool.v1.SetTargetSlotsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSetTargetSlotsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns counts of slots and tasks, spend and budget.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.GetStatusResponse> getStatus(
        dev.claudepool.v1.GetStatusRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetStatusMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns the effective pool configuration.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.GetConfigResponse> getConfig(
        dev.claudepool.v1.GetConfigRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetConfigMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Stops accepting work, waits for running tasks, and stops the slots.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.DrainResponse> drain(
        dev.claudepool.v1.DrainRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDrainMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Aggregates task outcomes, spend and timings over a filter.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.claudepool.v1.GetSessionMetricsResponse> getSessionMetrics(
        dev.claudepool.v1.GetSessionMetricsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetSessionMetricsMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_RUN = 0;
  private static final int METHODID_RUN_STREAM = 1;
  private static final int METHODID_SUBMIT_TASK = 2;
  private static final int METHODID_GET_TASK = 3;
  private static final int METHODID_LIST_TASKS = 4;
  private static final int METHODID_WAIT_TASK = 5;
  private static final int METHODID_WATCH_TASK = 6;
  private static final int METHODID_CANCEL_TASK = 7;
  private static final int METHODID_DELETE_TASK = 8;
  private static final int METHODID_CLAIM_TASK = 9;
  private static final int METHODID_APPROVE_TASK = 10;
  private static final int METHODID_REJECT_TASK = 11;
  private static final int METHODID_GET_SESSION = 12;
  private static final int METHODID_LIST_SESSIONS = 13;
  private static final int METHODID_DELETE_SESSION = 14;
  private static final int METHODID_FAN_OUT = 15;
  private static final int METHODID_FAN_OUT_STREAM = 16;
  private static final int METHODID_SUBMIT_CHAIN = 17;
  private static final int METHODID_FAN_OUT_CHAINS = 18;
  private static final int METHODID_GET_CHAIN_PROGRESS = 19;
  private static final int METHODID_LIST_CHAIN_PROGRESS = 20;
  private static final int METHODID_WATCH_CHAIN = 21;
  private static final int METHODID_CANCEL_CHAIN = 22;
  private static final int METHODID_ROUTE = 23;
  private static final int METHODID_AUTO = 24;
  private static final int METHODID_EXECUTE_ROUTE = 25;
  private static final int METHODID_SET_CONTEXT = 26;
  private static final int METHODID_GET_CONTEXT = 27;
  private static final int METHODID_DELETE_CONTEXT = 28;
  private static final int METHODID_LIST_CONTEXT = 29;
  private static final int METHODID_SEND_MESSAGE = 30;
  private static final int METHODID_BROADCAST_MESSAGE = 31;
  private static final int METHODID_READ_MESSAGES = 32;
  private static final int METHODID_PEEK_MESSAGES = 33;
  private static final int METHODID_COUNT_MESSAGES = 34;
  private static final int METHODID_FIND_SLOTS = 35;
  private static final int METHODID_SCALE_UP = 36;
  private static final int METHODID_SCALE_DOWN = 37;
  private static final int METHODID_SET_TARGET_SLOTS = 38;
  private static final int METHODID_GET_STATUS = 39;
  private static final int METHODID_GET_CONFIG = 40;
  private static final int METHODID_DRAIN = 41;
  private static final int METHODID_GET_SESSION_METRICS = 42;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final AsyncService serviceImpl;
    private final int methodId;

    MethodHandlers(AsyncService serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_RUN:
          serviceImpl.run((dev.claudepool.v1.RunRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.RunResponse>) responseObserver);
          break;
        case METHODID_RUN_STREAM:
          serviceImpl.runStream((dev.claudepool.v1.RunStreamRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.RunStreamResponse>) responseObserver);
          break;
        case METHODID_SUBMIT_TASK:
          serviceImpl.submitTask((dev.claudepool.v1.SubmitTaskRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.SubmitTaskResponse>) responseObserver);
          break;
        case METHODID_GET_TASK:
          serviceImpl.getTask((dev.claudepool.v1.GetTaskRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.GetTaskResponse>) responseObserver);
          break;
        case METHODID_LIST_TASKS:
          serviceImpl.listTasks((dev.claudepool.v1.ListTasksRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.ListTasksResponse>) responseObserver);
          break;
        case METHODID_WAIT_TASK:
          serviceImpl.waitTask((dev.claudepool.v1.WaitTaskRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.WaitTaskResponse>) responseObserver);
          break;
        case METHODID_WATCH_TASK:
          serviceImpl.watchTask((dev.claudepool.v1.WatchTaskRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.WatchTaskResponse>) responseObserver);
          break;
        case METHODID_CANCEL_TASK:
          serviceImpl.cancelTask((dev.claudepool.v1.CancelTaskRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.CancelTaskResponse>) responseObserver);
          break;
        case METHODID_DELETE_TASK:
          serviceImpl.deleteTask((dev.claudepool.v1.DeleteTaskRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.DeleteTaskResponse>) responseObserver);
          break;
        case METHODID_CLAIM_TASK:
          serviceImpl.claimTask((dev.claudepool.v1.ClaimTaskRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.ClaimTaskResponse>) responseObserver);
          break;
        case METHODID_APPROVE_TASK:
          serviceImpl.approveTask((dev.claudepool.v1.ApproveTaskRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.ApproveTaskResponse>) responseObserver);
          break;
        case METHODID_REJECT_TASK:
          serviceImpl.rejectTask((dev.claudepool.v1.RejectTaskRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.RejectTaskResponse>) responseObserver);
          break;
        case METHODID_GET_SESSION:
          serviceImpl.getSession((dev.claudepool.v1.GetSessionRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.GetSessionResponse>) responseObserver);
          break;
        case METHODID_LIST_SESSIONS:
          serviceImpl.listSessions((dev.claudepool.v1.ListSessionsRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.ListSessionsResponse>) responseObserver);
          break;
        case METHODID_DELETE_SESSION:
          serviceImpl.deleteSession((dev.claudepool.v1.DeleteSessionRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.DeleteSessionResponse>) responseObserver);
          break;
        case METHODID_FAN_OUT:
          serviceImpl.fanOut((dev.claudepool.v1.FanOutRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.FanOutResponse>) responseObserver);
          break;
        case METHODID_FAN_OUT_STREAM:
          serviceImpl.fanOutStream((dev.claudepool.v1.FanOutStreamRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.FanOutStreamResponse>) responseObserver);
          break;
        case METHODID_SUBMIT_CHAIN:
          serviceImpl.submitChain((dev.claudepool.v1.SubmitChainRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.SubmitChainResponse>) responseObserver);
          break;
        case METHODID_FAN_OUT_CHAINS:
          serviceImpl.fanOutChains((dev.claudepool.v1.FanOutChainsRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.FanOutChainsResponse>) responseObserver);
          break;
        case METHODID_GET_CHAIN_PROGRESS:
          serviceImpl.getChainProgress((dev.claudepool.v1.GetChainProgressRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.GetChainProgressResponse>) responseObserver);
          break;
        case METHODID_LIST_CHAIN_PROGRESS:
          serviceImpl.listChainProgress((dev.claudepool.v1.ListChainProgressRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.ListChainProgressResponse>) responseObserver);
          break;
        case METHODID_WATCH_CHAIN:
          serviceImpl.watchChain((dev.claudepool.v1.WatchChainRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.WatchChainResponse>) responseObserver);
          break;
        case METHODID_CANCEL_CHAIN:
          serviceImpl.cancelChain((dev.claudepool.v1.CancelChainRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.CancelChainResponse>) responseObserver);
          break;
        case METHODID_ROUTE:
          serviceImpl.route((dev.claudepool.v1.RouteRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.RouteResponse>) responseObserver);
          break;
        case METHODID_AUTO:
          serviceImpl.auto((dev.claudepool.v1.AutoRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.AutoResponse>) responseObserver);
          break;
        case METHODID_EXECUTE_ROUTE:
          serviceImpl.executeRoute((dev.claudepool.v1.ExecuteRouteRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.ExecuteRouteResponse>) responseObserver);
          break;
        case METHODID_SET_CONTEXT:
          serviceImpl.setContext((dev.claudepool.v1.SetContextRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.SetContextResponse>) responseObserver);
          break;
        case METHODID_GET_CONTEXT:
          serviceImpl.getContext((dev.claudepool.v1.GetContextRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.GetContextResponse>) responseObserver);
          break;
        case METHODID_DELETE_CONTEXT:
          serviceImpl.deleteContext((dev.claudepool.v1.DeleteContextRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.DeleteContextResponse>) responseObserver);
          break;
        case METHODID_LIST_CONTEXT:
          serviceImpl.listContext((dev.claudepool.v1.ListContextRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.ListContextResponse>) responseObserver);
          break;
        case METHODID_SEND_MESSAGE:
          serviceImpl.sendMessage((dev.claudepool.v1.SendMessageRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.SendMessageResponse>) responseObserver);
          break;
        case METHODID_BROADCAST_MESSAGE:
          serviceImpl.broadcastMessage((dev.claudepool.v1.BroadcastMessageRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.BroadcastMessageResponse>) responseObserver);
          break;
        case METHODID_READ_MESSAGES:
          serviceImpl.readMessages((dev.claudepool.v1.ReadMessagesRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.ReadMessagesResponse>) responseObserver);
          break;
        case METHODID_PEEK_MESSAGES:
          serviceImpl.peekMessages((dev.claudepool.v1.PeekMessagesRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.PeekMessagesResponse>) responseObserver);
          break;
        case METHODID_COUNT_MESSAGES:
          serviceImpl.countMessages((dev.claudepool.v1.CountMessagesRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.CountMessagesResponse>) responseObserver);
          break;
        case METHODID_FIND_SLOTS:
          serviceImpl.findSlots((dev.claudepool.v1.FindSlotsRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.FindSlotsResponse>) responseObserver);
          break;
        case METHODID_SCALE_UP:
          serviceImpl.scaleUp((dev.claudepool.v1.ScaleUpRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.ScaleUpResponse>) responseObserver);
          break;
        case METHODID_SCALE_DOWN:
          serviceImpl.scaleDown((dev.claudepool.v1.ScaleDownRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.ScaleDownResponse>) responseObserver);
          break;
        case METHODID_SET_TARGET_SLOTS:
          serviceImpl.setTargetSlots((dev.claudepool.v1.SetTargetSlotsRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.SetTargetSlotsResponse>) responseObserver);
          break;
        case METHODID_GET_STATUS:
          serviceImpl.getStatus((dev.claudepool.v1.GetStatusRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.GetStatusResponse>) responseObserver);
          break;
        case METHODID_GET_CONFIG:
          serviceImpl.getConfig((dev.claudepool.v1.GetConfigRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.GetConfigResponse>) responseObserver);
          break;
        case METHODID_DRAIN:
          serviceImpl.drain((dev.claudepool.v1.DrainRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.DrainResponse>) responseObserver);
          break;
        case METHODID_GET_SESSION_METRICS:
          serviceImpl.getSessionMetrics((dev.claudepool.v1.GetSessionMetricsRequest) request,
              (io.grpc.stub.StreamObserver<dev.claudepool.v1.GetSessionMetricsResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  public static final io.grpc.ServerServiceDefinition bindService(AsyncService service) {
    return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
        .addMethod(
          getRunMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.RunRequest,
              dev.claudepool.v1.RunResponse>(
                service, METHODID_RUN)))
        .addMethod(
          getRunStreamMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              dev.claudepool.v1.RunStreamRequest,
              dev.claudepool.v1.RunStreamResponse>(
                service, METHODID_RUN_STREAM)))
        .addMethod(
          getSubmitTaskMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.SubmitTaskRequest,
              dev.claudepool.v1.SubmitTaskResponse>(
                service, METHODID_SUBMIT_TASK)))
        .addMethod(
          getGetTaskMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.GetTaskRequest,
              dev.claudepool.v1.GetTaskResponse>(
                service, METHODID_GET_TASK)))
        .addMethod(
          getListTasksMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.ListTasksRequest,
              dev.claudepool.v1.ListTasksResponse>(
                service, METHODID_LIST_TASKS)))
        .addMethod(
          getWaitTaskMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.WaitTaskRequest,
              dev.claudepool.v1.WaitTaskResponse>(
                service, METHODID_WAIT_TASK)))
        .addMethod(
          getWatchTaskMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              dev.claudepool.v1.WatchTaskRequest,
              dev.claudepool.v1.WatchTaskResponse>(
                service, METHODID_WATCH_TASK)))
        .addMethod(
          getCancelTaskMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.CancelTaskRequest,
              dev.claudepool.v1.CancelTaskResponse>(
                service, METHODID_CANCEL_TASK)))
        .addMethod(
          getDeleteTaskMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.DeleteTaskRequest,
              dev.claudepool.v1.DeleteTaskResponse>(
                service, METHODID_DELETE_TASK)))
        .addMethod(
          getClaimTaskMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.ClaimTaskRequest,
              dev.claudepool.v1.ClaimTaskResponse>(
                service, METHODID_CLAIM_TASK)))
        .addMethod(
          getApproveTaskMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.ApproveTaskRequest,
              dev.claudepool.v1.ApproveTaskResponse>(
                service, METHODID_APPROVE_TASK)))
        .addMethod(
          getRejectTaskMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.RejectTaskRequest,
              dev.claudepool.v1.RejectTaskResponse>(
                service, METHODID_REJECT_TASK)))
        .addMethod(
          getGetSessionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.GetSessionRequest,
              dev.claudepool.v1.GetSessionResponse>(
                service, METHODID_GET_SESSION)))
        .addMethod(
          getListSessionsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.ListSessionsRequest,
              dev.claudepool.v1.ListSessionsResponse>(
                service, METHODID_LIST_SESSIONS)))
        .addMethod(
          getDeleteSessionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.DeleteSessionRequest,
              dev.claudepool.v1.DeleteSessionResponse>(
                service, METHODID_DELETE_SESSION)))
        .addMethod(
          getFanOutMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.FanOutRequest,
              dev.claudepool.v1.FanOutResponse>(
                service, METHODID_FAN_OUT)))
        .addMethod(
          getFanOutStreamMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              dev.claudepool.v1.FanOutStreamRequest,
              dev.claudepool.v1.FanOutStreamResponse>(
                service, METHODID_FAN_OUT_STREAM)))
        .addMethod(
          getSubmitChainMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.SubmitChainRequest,
              dev.claudepool.v1.SubmitChainResponse>(
                service, METHODID_SUBMIT_CHAIN)))
        .addMethod(
          getFanOutChainsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.FanOutChainsRequest,
              dev.claudepool.v1.FanOutChainsResponse>(
                service, METHODID_FAN_OUT_CHAINS)))
        .addMethod(
          getGetChainProgressMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.GetChainProgressRequest,
              dev.claudepool.v1.GetChainProgressResponse>(
                service, METHODID_GET_CHAIN_PROGRESS)))
        .addMethod(
          getListChainProgressMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.ListChainProgressRequest,
              dev.claudepool.v1.ListChainProgressResponse>(
                service, METHODID_LIST_CHAIN_PROGRESS)))
        .addMethod(
          getWatchChainMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              dev.claudepool.v1.WatchChainRequest,
              dev.claudepool.v1.WatchChainResponse>(
                service, METHODID_WATCH_CHAIN)))
        .addMethod(
          getCancelChainMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.CancelChainRequest,
              dev.claudepool.v1.CancelChainResponse>(
                service, METHODID_CANCEL_CHAIN)))
        .addMethod(
          getRouteMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.RouteRequest,
              dev.claudepool.v1.RouteResponse>(
                service, METHODID_ROUTE)))
        .addMethod(
          getAutoMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.AutoRequest,
              dev.claudepool.v1.AutoResponse>(
                service, METHODID_AUTO)))
        .addMethod(
          getExecuteRouteMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.ExecuteRouteRequest,
              dev.claudepool.v1.ExecuteRouteResponse>(
                service, METHODID_EXECUTE_ROUTE)))
        .addMethod(
          getSetContextMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.SetContextRequest,
              dev.claudepool.v1.SetContextResponse>(
                service, METHODID_SET_CONTEXT)))
        .addMethod(
          getGetContextMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.GetContextRequest,
              dev.claudepool.v1.GetContextResponse>(
                service, METHODID_GET_CONTEXT)))
        .addMethod(
          getDeleteContextMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.DeleteContextRequest,
              dev.claudepool.v1.DeleteContextResponse>(
                service, METHODID_DELETE_CONTEXT)))
        .addMethod(
          getListContextMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.ListContextRequest,
              dev.claudepool.v1.ListContextResponse>(
                service, METHODID_LIST_CONTEXT)))
        .addMethod(
          getSendMessageMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.SendMessageRequest,
              dev.claudepool.v1.SendMessageResponse>(
                service, METHODID_SEND_MESSAGE)))
        .addMethod(
          getBroadcastMessageMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.BroadcastMessageRequest,
              dev.claudepool.v1.BroadcastMessageResponse>(
                service, METHODID_BROADCAST_MESSAGE)))
        .addMethod(
          getReadMessagesMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.ReadMessagesRequest,
              dev.claudepool.v1.ReadMessagesResponse>(
                service, METHODID_READ_MESSAGES)))
        .addMethod(
          getPeekMessagesMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.PeekMessagesRequest,
              dev.claudepool.v1.PeekMessagesResponse>(
                service, METHODID_PEEK_MESSAGES)))
        .addMethod(
          getCountMessagesMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.CountMessagesRequest,
              dev.claudepool.v1.CountMessagesResponse>(
                service, METHODID_COUNT_MESSAGES)))
        .addMethod(
          getFindSlotsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.FindSlotsRequest,
              dev.claudepool.v1.FindSlotsResponse>(
                service, METHODID_FIND_SLOTS)))
        .addMethod(
          getScaleUpMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.ScaleUpRequest,
              dev.claudepool.v1.ScaleUpResponse>(
                service, METHODID_SCALE_UP)))
        .addMethod(
          getScaleDownMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.ScaleDownRequest,
              dev.claudepool.v1.ScaleDownResponse>(
                service, METHODID_SCALE_DOWN)))
        .addMethod(
          getSetTargetSlotsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.SetTargetSlotsRequest,
              dev.claudepool.v1.SetTargetSlotsResponse>(
                service, METHODID_SET_TARGET_SLOTS)))
        .addMethod(
          getGetStatusMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.GetStatusRequest,
              dev.claudepool.v1.GetStatusResponse>(
                service, METHODID_GET_STATUS)))
        .addMethod(
          getGetConfigMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.GetConfigRequest,
              dev.claudepool.v1.GetConfigResponse>(
                service, METHODID_GET_CONFIG)))
        .addMethod(
          getDrainMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.DrainRequest,
              dev.claudepool.v1.DrainResponse>(
                service, METHODID_DRAIN)))
        .addMethod(
          getGetSessionMetricsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.claudepool.v1.GetSessionMetricsRequest,
              dev.claudepool.v1.GetSessionMetricsResponse>(
                service, METHODID_GET_SESSION_METRICS)))
        .build();
  }

  private static abstract class PoolServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    PoolServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.claudepool.v1.PoolServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("PoolService");
    }
  }

  private static final class PoolServiceFileDescriptorSupplier
      extends PoolServiceBaseDescriptorSupplier {
    PoolServiceFileDescriptorSupplier() {}
  }

  private static final class PoolServiceMethodDescriptorSupplier
      extends PoolServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    PoolServiceMethodDescriptorSupplier(java.lang.String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (PoolServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new PoolServiceFileDescriptorSupplier())
              .addMethod(getRunMethod())
              .addMethod(getRunStreamMethod())
              .addMethod(getSubmitTaskMethod())
              .addMethod(getGetTaskMethod())
              .addMethod(getListTasksMethod())
              .addMethod(getWaitTaskMethod())
              .addMethod(getWatchTaskMethod())
              .addMethod(getCancelTaskMethod())
              .addMethod(getDeleteTaskMethod())
              .addMethod(getClaimTaskMethod())
              .addMethod(getApproveTaskMethod())
              .addMethod(getRejectTaskMethod())
              .addMethod(getGetSessionMethod())
              .addMethod(getListSessionsMethod())
              .addMethod(getDeleteSessionMethod())
              .addMethod(getFanOutMethod())
              .addMethod(getFanOutStreamMethod())
              .addMethod(getSubmitChainMethod())
              .addMethod(getFanOutChainsMethod())
              .addMethod(getGetChainProgressMethod())
              .addMethod(getListChainProgressMethod())
              .addMethod(getWatchChainMethod())
              .addMethod(getCancelChainMethod())
              .addMethod(getRouteMethod())
              .addMethod(getAutoMethod())
              .addMethod(getExecuteRouteMethod())
              .addMethod(getSetContextMethod())
              .addMethod(getGetContextMethod())
              .addMethod(getDeleteContextMethod())
              .addMethod(getListContextMethod())
              .addMethod(getSendMessageMethod())
              .addMethod(getBroadcastMessageMethod())
              .addMethod(getReadMessagesMethod())
              .addMethod(getPeekMessagesMethod())
              .addMethod(getCountMessagesMethod())
              .addMethod(getFindSlotsMethod())
              .addMethod(getScaleUpMethod())
              .addMethod(getScaleDownMethod())
              .addMethod(getSetTargetSlotsMethod())
              .addMethod(getGetStatusMethod())
              .addMethod(getGetConfigMethod())
              .addMethod(getDrainMethod())
              .addMethod(getGetSessionMetricsMethod())
              .build();
        }
      }
    }
    return result;
  }
}
