// An in-memory PoolService for the unit tests: Connect's router transport, so the client's real
// code path (encoding, headers, deadlines, errors, resends) runs without a server or a socket.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl, createRouterTransport } from "@connectrpc/connect";
import { ErrorReason, PoolClient, PoolService, type ClientOptions } from "../src/index.js";
import { ErrorInfoSchema } from "../src/gen/google/rpc/error_details_pb.js";

/** A detail a ConnectError sends: `{ desc, value }`. */
type OutgoingDetail = NonNullable<ConstructorParameters<typeof ConnectError>[3]>[number];

/** A PoolClient over an in-memory server implementing `impl`, with fast resends. */
export function fakePool(impl: Partial<ServiceImpl<typeof PoolService>>, options: Partial<ClientOptions> = {}): PoolClient {
  const transport = createRouterTransport((router) => router.service(PoolService, impl));
  return new PoolClient({ transport, retry: { initialBackoffMs: 1, maxBackoffMs: 10 }, ...options });
}

/** The error the harness's --inject-faults sends: UNAVAILABLE with an ErrorInfo. */
export function unavailable(message = "refused once on purpose"): ConnectError {
  return serverError(message, Code.Unavailable, "INJECTED_FAULT");
}

/** A server error carrying an ErrorInfo (domain claude-pool.dev). */
export function serverError(
  message: string,
  code: Code,
  reason: string | ErrorReason,
  metadata: Record<string, string> = {},
  more: OutgoingDetail[] = [],
): ConnectError {
  const name = typeof reason === "string" ? reason : ErrorReason[reason];
  const info = create(ErrorInfoSchema, { reason: name, domain: "claude-pool.dev", metadata });
  return new ConnectError(message, code, undefined, [{ desc: ErrorInfoSchema, value: info }, ...more]);
}
