// PoolError decoding without a server: ErrorInfo (reason enum with its unknown fallback, domain,
// metadata), BadRequest violations, RetryInfo, and transport failures named UNAVAILABLE.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { ConnectError } from "@connectrpc/connect";
import { Code, ErrorReason, PoolError, parseReason, toPoolError } from "../src/index.js";
import { BadRequestSchema, RetryInfoSchema } from "../src/gen/google/rpc/error_details_pb.js";
import { fakePool, serverError } from "./fake-pool.js";

describe("PoolError", () => {
  it("carries code, message, reason, domain and metadata from a server error", async () => {
    const pool = fakePool({
      getTask(req) {
        throw serverError(`task not found: '${req.taskId}'`, Code.NotFound, ErrorReason.TASK_NOT_FOUND, { task_id: req.taskId });
      },
    });
    const err = await pool.getTask("task-x").catch((e: unknown) => e);
    assert.ok(err instanceof PoolError);
    assert.equal(err.code, Code.NotFound);
    assert.equal(err.codeName, "NOT_FOUND");
    assert.equal(err.rawMessage, "task not found: 'task-x'");
    assert.equal(err.reason, ErrorReason.TASK_NOT_FOUND);
    assert.equal(err.reasonName, "TASK_NOT_FOUND");
    assert.equal(err.domain, "claude-pool.dev");
    assert.deepEqual(err.metadata, { task_id: "task-x" });
    assert.equal(err.retryDelayMs, undefined);
    assert.equal(err.message, "NOT_FOUND (TASK_NOT_FOUND): task not found: 'task-x'");
  });

  it("carries BadRequest field violations and the RetryInfo delay", async () => {
    const bad = create(BadRequestSchema, { fieldViolations: [{ field: "task.prompt", description: "required" }] });
    const retry = create(RetryInfoSchema, { retryDelay: durationFromMs(2500) });
    const pool = fakePool({
      submitTask() {
        throw serverError("bad", Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, {}, [
          { desc: BadRequestSchema, value: bad },
          { desc: RetryInfoSchema, value: retry },
        ]);
      },
    });
    const err = await pool.submitTask("").catch((e: unknown) => e);
    assert.ok(err instanceof PoolError);
    assert.deepEqual(err.fieldViolations, [{ field: "task.prompt", description: "required" }]);
    assert.equal(err.retryDelayMs, 2500);
  });

  it("falls back to UNSPECIFIED for a reason this version does not know, keeping its name", () => {
    const err = new PoolError(serverError("x", Code.Unavailable, "INJECTED_FAULT"));
    assert.equal(err.reason, ErrorReason.UNSPECIFIED);
    assert.equal(err.reasonName, "INJECTED_FAULT");
    assert.equal(parseReason("ERROR_REASON_SESSION_NOT_FOUND"), ErrorReason.SESSION_NOT_FOUND);
    assert.equal(parseReason("1"), ErrorReason.UNSPECIFIED, "not a reverse-mapped enum number");
    assert.equal(parseReason(""), ErrorReason.UNSPECIFIED);
  });

  it("names a failure the server never answered UNAVAILABLE, unless the caller aborted", () => {
    const reset = new ConnectError("http/2 stream closed with error code CANCEL (0x8)", Code.Canceled);
    assert.equal(toPoolError(reset).code, Code.Unavailable);
    const tls = new ConnectError("unable to verify the first certificate", Code.Internal);
    assert.equal(toPoolError(tls).code, Code.Unavailable);
    const aborted = AbortSignal.abort();
    assert.equal(toPoolError(reset, aborted).code, Code.Canceled);
    assert.equal(toPoolError(new ConnectError("timed out", Code.DeadlineExceeded)).code, Code.DeadlineExceeded);
    const answered = new ConnectError("boom", Code.Internal, { "grpc-status": "13" });
    assert.equal(toPoolError(answered).code, Code.Internal, "a status from the server is kept");
  });
});
