// Connection options (clients/CONFORMANCE.md §1) and the gRPC transport built from them.
import type { SecureClientSessionOptions } from "node:http2";
import type { Interceptor, Transport } from "@connectrpc/connect";
import { Http2SessionManager, createGrpcTransport } from "@connectrpc/connect-node";
import type { RetryPolicy } from "./retry.js";

/** TLS settings. PEM contents, not file names: pass `readFileSync(path)`. */
export interface TlsOptions {
  /** CA certificate(s) that signed the server's certificate; the system roots when unset. */
  ca?: string | Buffer;
  /** Client certificate chain, for servers that require mutual TLS. Needs `key`. */
  cert?: string | Buffer;
  /** Private key of `cert`. */
  key?: string | Buffer;
  /** Name to verify the server's certificate against, when it differs from the address's host. */
  serverName?: string;
}

/** HTTP/2 keepalive: PING frames that keep idle connections open and find dead ones. */
export interface KeepaliveOptions {
  /** Send a PING after this long without traffic (connect-node's `pingIntervalMs`). */
  intervalMs?: number;
  /** Close the connection when a PING is not answered within this time (default 15 s). */
  timeoutMs?: number;
  /** Also PING while no call is open (default false). */
  withoutCalls?: boolean;
  /** Close a connection that had no call for this long (default 15 minutes). */
  idleConnectionTimeoutMs?: number;
}

/** How to reach and talk to a claude-pool server. */
export interface ClientOptions {
  /** `host:port`, or a URL (`https://host:port`). Not needed with `transport`. */
  address?: string;
  /** Bearer token, sent as `authorization: Bearer <token>` on every PoolService call. */
  token?: string;
  /**
   * TLS: `true` (the default) verifies the server with the system roots; an object sets a custom
   * CA and/or a client certificate (mutual TLS); `false` is plaintext HTTP/2 (loopback development).
   */
  tls?: boolean | TlsOptions;
  /** Deadline of every unary call that sets no `timeoutMs` itself; streams get none. Default: none. */
  defaultTimeoutMs?: number;
  /** Connect interceptors, the hook for metadata, logging and tracing. Run on every attempt. */
  interceptors?: Interceptor[];
  /** HTTP/2 keepalive. */
  keepalive?: KeepaliveOptions;
  /** Resend policy; the defaults follow clients/CONFORMANCE.md. */
  retry?: Partial<RetryPolicy>;
  /**
   * A transport you built yourself (e.g. `createGrpcTransport` with your own options); `address`,
   * `tls`, `keepalive` and `interceptors` are then ignored and `close()` leaves it open. The token
   * is still sent.
   */
  transport?: Transport;
}

/** A transport and a way to close the connection it owns. */
export interface OwnedTransport {
  transport: Transport;
  close(): void;
}

/** Builds the gRPC transport described by `options`. */
export function buildTransport(options: ClientOptions): OwnedTransport {
  if (options.transport) return { transport: options.transport, close: () => {} };
  if (!options.address) throw new TypeError("PoolClient needs an `address` (host:port) or a `transport`");
  const tls = options.tls ?? true;
  const baseUrl = baseUrlOf(options.address, tls !== false);
  const nodeOptions: SecureClientSessionOptions = {};
  if (typeof tls === "object") {
    if (tls.ca !== undefined) nodeOptions.ca = tls.ca;
    if (tls.cert !== undefined) nodeOptions.cert = tls.cert;
    if (tls.key !== undefined) nodeOptions.key = tls.key;
    if (tls.serverName !== undefined) nodeOptions.servername = tls.serverName;
  }
  const k = options.keepalive ?? {};
  const session = new Http2SessionManager(
    baseUrl,
    {
      pingIntervalMs: k.intervalMs,
      pingTimeoutMs: k.timeoutMs,
      pingIdleConnection: k.withoutCalls,
      idleConnectionTimeoutMs: k.idleConnectionTimeoutMs,
    },
    nodeOptions,
  );
  const transport = createGrpcTransport({
    baseUrl,
    sessionManager: session,
    interceptors: options.interceptors ?? [],
  });
  return { transport, close: () => session.abort() };
}

/** `host:port` -> `https://host:port` (or `http://` without TLS); URLs are kept as given. */
function baseUrlOf(address: string, tls: boolean): string {
  if (/^https?:\/\//.test(address)) return address;
  return `${tls ? "https" : "http"}://${address}`;
}
