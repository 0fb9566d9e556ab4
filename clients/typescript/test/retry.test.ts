// The resend policy (CONFORMANCE.md §1) without a server: the delay schedule, what is resent, the
// request_id kept across resends, the attempt limit and the deadline.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { ConnectError } from "@connectrpc/connect";
import { Code, DEFAULT_RETRY_POLICY, ErrorReason, PoolError, TaskSchema, retryDelayMs } from "../src/index.js";
import { RetryInfoSchema } from "../src/gen/google/rpc/error_details_pb.js";
import { fakePool, serverError, unavailable } from "./fake-pool.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const error = (code: Code, reason = "") => new PoolError(reason ? serverError("x", code, reason) : new ConnectError("x", code));

describe("retryDelayMs", () => {
  it("waits 100, 200, 400 ms (at the middle of the jitter) and stops after 4 attempts", () => {
    const e = error(Code.Unavailable);
    assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(e, n, DEFAULT_RETRY_POLICY, () => 0.5)), [100, 200, 400, undefined]);
  });

  it("spreads each wait by ±20 %", () => {
    const e = error(Code.Unavailable);
    assert.equal(retryDelayMs(e, 2, DEFAULT_RETRY_POLICY, () => 0), 160);
    assert.equal(retryDelayMs(e, 2, DEFAULT_RETRY_POLICY, () => 1), 240);
  });

  it("caps a wait at maxBackoffMs", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 10 };
    assert.equal(retryDelayMs(error(Code.Unavailable), 7, policy, () => 1), 2000);
  });

  it("resends nothing but UNAVAILABLE and RATE_LIMITED with a RetryInfo", () => {
    for (const code of [Code.Internal, Code.DeadlineExceeded, Code.Unknown, Code.NotFound, Code.Canceled]) {
      assert.equal(retryDelayMs(error(code), 1), undefined, Code[code]);
    }
    assert.equal(retryDelayMs(error(Code.ResourceExhausted, "BUDGET_EXHAUSTED"), 1), undefined);
    assert.equal(retryDelayMs(error(Code.ResourceExhausted, "RATE_LIMITED"), 1), undefined, "no RetryInfo");
    const retryInfo = { desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: durationFromMs(1500) }) };
    const withInfo = new PoolError(serverError("slow down", Code.ResourceExhausted, "RATE_LIMITED", {}, [retryInfo]));
    assert.equal(withInfo.reason, ErrorReason.RATE_LIMITED);
    assert.equal(retryDelayMs(withInfo, 1), 1500);
    assert.equal(retryDelayMs(withInfo, 4), undefined, "within the same 4 attempts");
  });
});

describe("resending through PoolClient", () => {
  it("resends a refused mutating call with the same generated UUID v4 request_id", async () => {
    const ids: string[] = [];
    const pool = fakePool({
      submitTask(req) {
        ids.push(req.requestId);
        if (ids.length < 4) throw unavailable();
        return { task: create(TaskSchema, { id: "task-1" }) };
      },
    });
    assert.equal((await pool.submitTask("hi")).id, "task-1");
    assert.equal(ids.length, 4);
    assert.match(ids[0]!, UUID_V4);
    assert.deepEqual(new Set(ids).size, 1, "one request_id across resends");
  });

  it("uses the caller's request_id, and a fresh one per call otherwise", async () => {
    const ids: string[] = [];
    const pool = fakePool({
      cancelTask(req) {
        ids.push(req.requestId);
        return { task: create(TaskSchema, { id: req.taskId }) };
      },
    });
    await pool.cancelTask("t", { requestId: "mine" });
    await pool.cancelTask("t");
    await pool.cancelTask("t");
    assert.equal(ids[0], "mine");
    assert.notEqual(ids[1], ids[2]);
  });

  it("gives up after 4 attempts with the UNAVAILABLE error", async () => {
    let calls = 0;
    const pool = fakePool({
      getStatus() {
        calls++;
        throw unavailable("down");
      },
    });
    await assert.rejects(pool.getStatus(), (e: PoolError) => e.code === Code.Unavailable && e.reasonName === "INJECTED_FAULT");
    assert.equal(calls, 4);
  });

  it("does not resend INTERNAL, DEADLINE_EXCEEDED or a budget RESOURCE_EXHAUSTED", async () => {
    for (const [code, reason] of [
      [Code.Internal, "X"],
      [Code.DeadlineExceeded, "X"],
      [Code.ResourceExhausted, "BUDGET_EXHAUSTED"],
    ] as const) {
      let calls = 0;
      const pool = fakePool({
        run() {
          calls++;
          throw serverError("no", code, reason);
        },
      });
      await assert.rejects(pool.run("x"), (e: PoolError) => e.code === code);
      assert.equal(calls, 1, Code[code]);
    }
  });

  it("never waits past the deadline", async () => {
    let calls = 0;
    const pool = fakePool(
      {
        getStatus() {
          calls++;
          throw unavailable();
        },
      },
      { retry: { initialBackoffMs: 100 } },
    );
    const start = Date.now();
    // waits 80-120 ms, then 160-240 ms (±20 % jitter): within 230 ms the second attempt always
    // starts and a third never would
    await assert.rejects(pool.getStatus({ timeoutMs: 230 }), (e: PoolError) => e.code === Code.Unavailable);
    assert.ok(Date.now() - start < 230, `took ${Date.now() - start} ms`);
    assert.equal(calls, 2, "100 ms fits, then 200 ms would not");
  });

  it("applies the default deadline to unary calls, not to streams, and sends the token", async () => {
    const seen: { method: string; timeoutMs: number | undefined; auth: string | null }[] = [];
    const pool = fakePool(
      {
        getConfig(_req, ctx) {
          seen.push({ method: "GetConfig", timeoutMs: ctx.timeoutMs(), auth: ctx.requestHeader.get("authorization") });
          return { config: {} };
        },
        async *watchTask(req, ctx) {
          seen.push({ method: "WatchTask", timeoutMs: ctx.timeoutMs(), auth: ctx.requestHeader.get("authorization") });
          yield { event: { taskId: req.taskId, seq: 1n, kind: { case: "finished", value: {} } } };
        },
      },
      { defaultTimeoutMs: 5000, token: "s3cret" },
    );
    await pool.getConfig();
    for await (const _ of pool.watchTask("t")) {
      // drain
    }
    assert.equal(seen[0]!.auth, "Bearer s3cret");
    assert.ok(seen[0]!.timeoutMs! > 4000 && seen[0]!.timeoutMs! <= 5000, `unary deadline ${seen[0]!.timeoutMs}`);
    assert.equal(seen[1]!.timeoutMs, undefined, "streams have no default deadline");
    assert.equal(seen[1]!.auth, "Bearer s3cret");
  });
});
