import * as http2 from "node:http2";
import { toBinary, create } from "@bufbuild/protobuf";
import { PoolClient, WatchTaskResponseSchema } from "../dist/src/index.js";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { PoolService } from "../dist/src/gen/claude_pool/v1/pool_service_pb.js";
function frame(seq) {
  const bytes = toBinary(WatchTaskResponseSchema, create(WatchTaskResponseSchema, { event: { taskId: "t", seq: BigInt(seq), kind: { case: "textDelta", value: { text: "x" } } } }));
  const b = Buffer.alloc(5 + bytes.length); b.writeUInt32BE(bytes.length, 1); Buffer.from(bytes).copy(b, 5); return b;
}
const mode = process.argv[2];
const server = http2.createServer();
server.on("stream", (stream) => {
  stream.respond({ ":status": 200, "content-type": "application/grpc" });
  stream.write(frame(1)); stream.write(frame(2));
  setTimeout(() => {
    if (mode === "session") stream.session.destroy();
    else if (mode === "rst") stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    else if (mode === "cancel") stream.close(http2.constants.NGHTTP2_CANCEL);
    else if (mode === "end") stream.end();
    else if (mode === "socket") stream.session.socket.destroy();
  }, 50);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const port = server.address().port;
const raw = createClient(PoolService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
try { for await (const m of raw.watchTask({ taskId: "t" })) console.log("msg", m.event.seq); } catch (err) { console.log(mode, "code", err.code, err.rawMessage, "meta", [...err.metadata.keys()]); }
server.close(); process.exit(0);
