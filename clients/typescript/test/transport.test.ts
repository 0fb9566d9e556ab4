// The client over real sockets without the pool server: a local HTTP/2 (h2c) gRPC server built
// with connect-node, and a TCP server that drops every connection.
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import * as net from "node:net";
import { after, before, describe, it } from "node:test";
import type { AddressInfo } from "node:net";
import { type MessageInitShape, create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  Code,
  PoolClient,
  PoolError,
  PoolService,
  ServingStatus,
  type TaskEventSchema,
  WatchTaskRequestSchema,
  WatchTaskResponseSchema,
} from "../src/index.js";
import { Health, HealthCheckResponse_ServingStatus } from "../src/gen/grpc/health/v1/health_pb.js";

describe("over a socket", () => {
  let server: http2.Http2Server;
  let address = "";
  const headers: Record<string, string | null> = {};
  let watchCancelled = false;

  const pool: Partial<ServiceImpl<typeof PoolService>> = {
    getStatus(_req, ctx) {
      headers["GetStatus"] = ctx.requestHeader.get("authorization");
      return { status: { totalSlots: 2 } };
    },
    async *watchTask(req, ctx) {
      ctx.signal.addEventListener("abort", () => (watchCancelled = true));
      for (let seq = 1n; ; seq++) {
        yield { event: { taskId: req.taskId, seq, kind: { case: "textDelta", value: { text: "." } } } };
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };

  before(async () => {
    const routes = (router: ConnectRouter) => {
      router.service(PoolService, pool);
      router.service(Health, {
        check(_req, ctx) {
          headers["Check"] = ctx.requestHeader.get("authorization");
          return { status: HealthCheckResponse_ServingStatus.SERVING };
        },
      });
    };
    server = http2.createServer(connectNodeAdapter({ routes }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it("plaintext with tls: false, token on PoolService calls only", async () => {
    const client = new PoolClient({ address, tls: false, token: "t0k" });
    try {
      assert.equal((await client.getStatus()).totalSlots, 2);
      assert.equal(await client.health(), ServingStatus.SERVING);
      assert.equal(headers["GetStatus"], "Bearer t0k");
      assert.equal(headers["Check"], null, "no token on health");
    } finally {
      client.close();
    }
  });

  it("leaving a watch loop early cancels the stream on the server", async () => {
    const client = new PoolClient({ address, tls: false });
    try {
      for await (const e of client.watchTask("task-1")) if (e.seq === 2n) break;
      for (let i = 0; i < 50 && !watchCancelled; i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(watchCancelled, "the server saw the stream cancelled");
    } finally {
      client.close();
    }
  });

  it("a TLS client against a plaintext server fails UNAVAILABLE", async () => {
    const client = new PoolClient({ address, retry: { initialBackoffMs: 1 } });
    try {
      await assert.rejects(client.getStatus(), (e: PoolError) => e.code === Code.Unavailable);
    } finally {
      client.close();
    }
  });

  it("a server that drops every connection: UNAVAILABLE after 4 attempts", async () => {
    let connections = 0;
    const dropper = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dropper.listen(0, "127.0.0.1", resolve));
    const client = new PoolClient({
      address: `127.0.0.1:${(dropper.address() as AddressInfo).port}`,
      tls: false,
      retry: { initialBackoffMs: 1 },
    });
    try {
      await assert.rejects(client.getStatus({ timeoutMs: 10_000 }), (e: PoolError) => e.code === Code.Unavailable);
      assert.equal(connections, 4);
    } finally {
      client.close();
      dropper.close();
    }
  });

  it("a watch whose connection drops mid-stream resumes from the last seq", async () => {
    // A bare HTTP/2 server: the first WatchTask sends seq 1 and 2 and then kills the connection;
    // the next one serves what follows the request's after_seq and ends with an OK status.
    const opens: bigint[] = [];
    const grpcFrame = (seq: number) => {
      const kind: MessageInitShape<typeof TaskEventSchema>["kind"] =
        seq === 4 ? { case: "finished", value: {} } : { case: "textDelta", value: { text: String(seq) } };
      const body = toBinary(WatchTaskResponseSchema, create(WatchTaskResponseSchema, { event: { taskId: "t", seq: BigInt(seq), kind } }));
      const out = Buffer.alloc(5 + body.length);
      out.writeUInt32BE(body.length, 1);
      out.set(body, 5);
      return out;
    };
    const flaky = http2.createServer();
    flaky.on("stream", (stream) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const req = fromBinary(WatchTaskRequestSchema, Buffer.concat(chunks).subarray(5));
        opens.push(req.afterSeq);
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        if (opens.length === 1) {
          stream.write(grpcFrame(1));
          stream.write(grpcFrame(2), () => setTimeout(() => stream.session?.destroy(), 20));
          return;
        }
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        for (let seq = Number(req.afterSeq) + 1; seq <= 4; seq++) stream.write(grpcFrame(seq));
        stream.end();
      });
    });
    await new Promise<void>((resolve) => flaky.listen(0, "127.0.0.1", resolve));
    const client = new PoolClient({ address: `127.0.0.1:${(flaky.address() as AddressInfo).port}`, tls: false });
    try {
      const seqs: number[] = [];
      for await (const e of client.watchTask("t", { timeoutMs: 10_000 })) seqs.push(Number(e.seq));
      assert.deepEqual(seqs, [1, 2, 3, 4]);
      assert.deepEqual(opens, [0n, 2n]);
    } finally {
      client.close();
      flaky.close();
    }
  });
});
