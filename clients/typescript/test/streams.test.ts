// Typed, resumable streams without a server: WatchTask, RunStream and WatchChain reopen from the
// last delivered seq after a break; FanOutStream is resent only while nothing was delivered.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type MessageInitShape, create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import {
  ChainProgressSchema,
  ChainStatus,
  PoolError,
  type TaskEvent,
  TaskEventSchema,
  TaskSchema,
} from "../src/index.js";
import { fakePool, serverError, unavailable } from "./fake-pool.js";

/** Event `seq` of a task whose log is `a` `b` `c` deltas, then `finished` (seq 4). */
function event(taskId: string, seq: number): MessageInitShape<typeof TaskEventSchema> {
  if (seq === 4) return { taskId, seq: 4n, kind: { case: "finished", value: { task: create(TaskSchema, { id: taskId }) } } };
  return { taskId, seq: BigInt(seq), kind: { case: "textDelta", value: { text: "abc"[seq - 1]! } } };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const seqs = (events: TaskEvent[]) => events.map((e) => Number(e.seq));

describe("resumable streams", () => {
  it("watchTask reopens after UNAVAILABLE from the last seq and delivers each event once", async () => {
    const opens: bigint[] = [];
    const pool = fakePool({
      async *watchTask(req) {
        opens.push(req.afterSeq);
        // The first stream breaks after seq 2; later ones ignore after_seq (sending old events too).
        for (let seq = opens.length === 1 ? Number(req.afterSeq) + 1 : 1; seq <= 4; seq++) {
          yield { event: event(req.taskId, seq) };
          if (opens.length === 1 && seq === 2) throw unavailable("connection lost");
        }
      },
    });
    const events = await collect(pool.watchTask("task-1"));
    assert.deepEqual(seqs(events), [1, 2, 3, 4]);
    assert.deepEqual(opens, [0n, 2n]);
  });

  it("watchTask reopens a stream that ends before `finished`", async () => {
    const opens: bigint[] = [];
    const pool = fakePool({
      async *watchTask(req) {
        opens.push(req.afterSeq);
        const last = opens.length === 1 ? 1 : 4;
        for (let seq = Number(req.afterSeq) + 1; seq <= last; seq++) yield { event: event(req.taskId, seq) };
      },
    });
    assert.deepEqual(seqs(await collect(pool.watchTask("task-1", { afterSeq: 0 }))), [1, 2, 3, 4]);
    assert.deepEqual(opens, [0n, 1n]);
  });

  it("watchTask gives up after 4 attempts in a row without progress", async () => {
    let opens = 0;
    const pool = fakePool({
      // eslint-disable-next-line require-yield
      async *watchTask() {
        opens++;
        throw unavailable();
      },
    });
    await assert.rejects(collect(pool.watchTask("task-1")), (e: PoolError) => e.code === Code.Unavailable);
    assert.equal(opens, 4);
  });

  it("watchTask does not reopen on a server error such as NOT_FOUND", async () => {
    let opens = 0;
    const pool = fakePool({
      // eslint-disable-next-line require-yield
      async *watchTask() {
        opens++;
        throw serverError("no such task", Code.NotFound, "TASK_NOT_FOUND");
      },
    });
    await assert.rejects(collect(pool.watchTask("task-1")), (e: PoolError) => e.code === Code.NotFound);
    assert.equal(opens, 1);
  });

  it("runStream resends a refused open with the same request_id, then resumes with WatchTask", async () => {
    const runIds: string[] = [];
    const watches: bigint[] = [];
    const pool = fakePool({
      async *runStream(req) {
        runIds.push(req.requestId);
        if (runIds.length === 1) throw unavailable();
        yield { event: event("task-9", 1) };
        yield { event: event("task-9", 2) };
        throw unavailable("connection lost");
      },
      async *watchTask(req) {
        watches.push(req.afterSeq);
        for (let seq = Number(req.afterSeq) + 1; seq <= 4; seq++) yield { event: event(req.taskId, seq) };
      },
    });
    const events = await collect(pool.runStream("hello"));
    assert.deepEqual(seqs(events), [1, 2, 3, 4]);
    assert.equal(events.at(-1)?.kind.case, "finished");
    assert.equal(runIds.length, 2);
    assert.equal(runIds[0], runIds[1], "the resend keeps the request_id");
    assert.deepEqual(watches, [2n]);
  });

  it("watchChain resumes from the last seq and ends after the terminal snapshot", async () => {
    const opens: bigint[] = [];
    const snapshot = (seq: number) =>
      create(ChainProgressSchema, {
        chainId: "chain-1",
        seq: BigInt(seq),
        status: seq < 3 ? ChainStatus.RUNNING : ChainStatus.COMPLETED,
        endTime: seq < 3 ? undefined : { seconds: 1n },
      });
    const pool = fakePool({
      async *watchChain(req) {
        opens.push(req.afterSeq);
        for (let seq = Number(req.afterSeq) + 1; seq <= 3; seq++) {
          yield { chain: snapshot(seq) };
          if (opens.length === 1 && seq === 1) throw unavailable();
        }
      },
    });
    const chains = await collect(pool.watchChain("chain-1"));
    assert.deepEqual(chains.map((c) => Number(c.seq)), [1, 2, 3]);
    assert.deepEqual(opens, [0n, 1n]);
  });

  it("fanOutStream resends a refused open, but not a break after an item", async () => {
    const ids: string[] = [];
    const pool = fakePool({
      async *fanOutStream(req) {
        ids.push(req.requestId);
        if (ids.length === 1) throw unavailable();
        yield { item: { index: 1, task: { id: "task-b" } } };
        throw unavailable("connection lost");
      },
    });
    const items: number[] = [];
    await assert.rejects(async () => {
      for await (const item of pool.fanOutStream(["a", "b"])) items.push(item.index);
    }, (e: PoolError) => e.code === Code.Unavailable);
    assert.deepEqual(items, [1]);
    assert.equal(ids.length, 2);
    assert.equal(ids[0], ids[1]);
  });
});
