// The client conformance scenario (clients/CONFORMANCE.md, steps 1-10) against a live server.
// Run under the harness: python -m tests.support.live_server -- bash clients/typescript/ci.sh
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type ChainProgress,
  ChainStatus,
  Code,
  PoolClient,
  PoolError,
  ServingStatus,
  type TaskEvent,
  TaskState,
} from "../src/index.js";

const ADDR = process.env.CLAUDE_POOL_TEST_ADDR;
const TOKEN = process.env.CLAUDE_POOL_TEST_TOKEN;
const STEP_MS = 60_000;
const SKIP = ADDR
  ? false
  : "CLAUDE_POOL_TEST_ADDR is unset: run under the live-server harness, " +
    "`python -m tests.support.live_server -- bash clients/typescript/ci.sh`";

/** Runs `fn` with a signal that aborts every call of the step shortly before the step timeout. */
function step(name: string, fn: (signal: AbortSignal) => Promise<void>): void {
  it(name, { timeout: STEP_MS, skip: SKIP }, () => fn(AbortSignal.timeout(STEP_MS - 2_000)));
}

async function rejectsWith(promise: Promise<unknown>, code: Code): Promise<PoolError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PoolError, `expected PoolError, got ${String(err)}`);
    assert.equal(err.code, code, `expected code ${Code[code]}, got ${err.codeName}: ${err.message}`);
    return err;
  }
  assert.fail(`expected the call to fail with ${Code[code]}`);
}

function deltas(events: TaskEvent[]): string[] {
  return events.flatMap((e) => (e.kind.case === "textDelta" ? [e.kind.value.text] : []));
}

describe("claude-pool conformance", () => {
  let pool: PoolClient;
  let anonymous: PoolClient;

  before(() => {
    if (SKIP) return;
    pool = PoolClient.connect(ADDR!, { token: TOKEN });
    anonymous = PoolClient.connect(ADDR!);
  });
  after(() => {
    pool?.close();
    anonymous?.close();
  });

  step("1. health: Check('') is SERVING without a token", async (signal) => {
    assert.equal(await anonymous.health("", { signal }), ServingStatus.SERVING);
  });

  step("2. auth: GetStatus needs the token", async (signal) => {
    await rejectsWith(anonymous.status({ signal }), Code.Unauthenticated);
    const status = await pool.status({ signal });
    assert.ok(status.totalSlots >= 1, `total_slots = ${status.totalSlots}`);
  });

  step("3. run: a finished task with the reply", async (signal) => {
    const task = await pool.run("conformance run [[reply:hello from the pool]]", { signal });
    assert.equal(task.state, TaskState.COMPLETED, `state ${TaskState[task.state]}`);
    assert.equal(task.result?.output, "hello from the pool");
    assert.equal(task.result?.success, true);
  });

  step("4. stream: ordered deltas, then finished", async (signal) => {
    const events: TaskEvent[] = [];
    for await (const event of pool.stream("conformance stream [[reply:one two three four]] [[chunks:4]]", { signal })) {
      events.push(event);
    }
    const last = events.at(-1);
    assert.equal(last?.kind.case, "finished", "the last event is `finished`");
    assert.ok(deltas(events).length >= 2, `text deltas: ${deltas(events).length}`);
    for (let i = 1; i < events.length; i++) {
      assert.ok(events[i]!.seq > events[i - 1]!.seq, `seq ${events[i]!.seq} after ${events[i - 1]!.seq}`);
    }
    const finished = last.kind.value.task;
    assert.equal(deltas(events).join(""), finished?.result?.output);
    assert.equal(finished?.result?.output, "one two three four");
  });

  step("5. submit + watch + resume: seq 1..N, no gap, no repeat", async (signal) => {
    const task = await pool.submit("conformance watch [[reply:a b c d e f]] [[chunks:6]] [[slow:0.3]]", { signal });
    const events: TaskEvent[] = [];
    for await (const event of pool.watch(task.id, 0, { signal })) {
      events.push(event);
      if (event.kind.case === "textDelta") break; // drops the stream
    }
    assert.equal(events.at(-1)?.kind.case, "textDelta", "saw a text delta on the first stream");
    const firstLen = events.length;
    for await (const event of pool.watch(task.id, events.at(-1)!.seq, { signal })) {
      events.push(event);
    }
    assert.ok(events.length > firstLen, "the second stream delivered events");
    assert.equal(events.at(-1)?.kind.case, "finished");
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => BigInt(i + 1)),
      "seq values are exactly 1..N",
    );
    assert.equal(deltas(events).join(""), "a b c d e f");
  });

  step("6. cancel: a running task ends CANCELLED", async (signal) => {
    const task = await pool.submit("conformance cancel [[slow:5]] [[chunks:10]]", { signal });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const state = (await pool.get(task.id, { signal })).state;
      if (state === TaskState.RUNNING) break;
      assert.ok(Date.now() < deadline, `task still ${TaskState[state]} after 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await pool.cancel(task.id, { signal });
    const done = await pool.wait(task.id, { signal });
    assert.equal(done.state, TaskState.CANCELLED, `state ${TaskState[done.state]}`);
  });

  step("7. error details: NOT_FOUND carries ErrorInfo TASK_NOT_FOUND", async (signal) => {
    const err = await rejectsWith(pool.get("task-does-not-exist", { signal }), Code.NotFound);
    assert.equal(err.reason, "TASK_NOT_FOUND");
    assert.equal(err.domain, "claude-pool.dev");
  });

  step("8. bad input: an empty prompt is INVALID_ARGUMENT", async (signal) => {
    await rejectsWith(pool.submit("", { signal }), Code.InvalidArgument);
  });

  step("9. fan-out: two tasks, results in input order", async (signal) => {
    const items = await pool.fanOut(["[[reply:x]]", "[[reply:y]]"], { signal });
    assert.equal(items.length, 2, `items: ${items.length}`);
    assert.deepEqual(items.map((i) => i.index), [0, 1]);
    for (const item of items) {
      assert.ok(item.task, `item ${item.index} has no task: ${item.errorCode} ${item.errorMessage}`);
      assert.equal(item.task.state, TaskState.COMPLETED, `item ${item.index} state ${TaskState[item.task.state]}`);
    }
    assert.deepEqual(items.map((i) => i.task?.result?.output), ["x", "y"]);
  });

  step("10. chain with progress: watch to COMPLETED, previous_output substituted", async (signal) => {
    const submitted = await pool.submitChain(
      [
        { name: "first", prompt: "[[reply:first]]" },
        { name: "second", prompt: "use {previous_output}" },
      ],
      undefined,
      { signal },
    );
    const snapshots: ChainProgress[] = [];
    for await (const chain of pool.watchChain(submitted.chainId, 0, { signal })) {
      snapshots.push(chain);
    }
    const statuses = snapshots.map((c) => ChainStatus[c.status]).join(", ");
    for (let i = 1; i < snapshots.length; i++) {
      assert.ok(snapshots[i]!.seq > snapshots[i - 1]!.seq, `seq ${snapshots[i]!.seq} after ${snapshots[i - 1]!.seq}`);
    }
    assert.ok(snapshots.some((c) => c.status === ChainStatus.RUNNING), `a RUNNING snapshot among: ${statuses}`);
    const last = snapshots.at(-1);
    assert.equal(last?.status, ChainStatus.COMPLETED, `statuses: ${statuses}`);
    const steps = last.result?.steps ?? [];
    assert.equal(steps.length, 2, `result steps: ${steps.length}`);
    assert.ok(steps.every((s) => s.success), `step success: ${steps.map((s) => `${s.name}=${s.success}`).join(", ")}`);
    const second = await pool.get(steps[1]!.taskId, { signal });
    assert.equal(second.prompt, "use first");
  });
});
