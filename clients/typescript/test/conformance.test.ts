// The client conformance scenario (clients/CONFORMANCE.md §3, steps 1-14) against a live server,
// over mutual TLS with the token, through PoolClient's wrapper methods only.
// Run under the harness: python -m tests.support.live_server -- bash clients/typescript/ci.sh
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import {
  type ChainProgress,
  ChainStatus,
  type ClientOptions,
  Code,
  ErrorReason,
  type FanOutItem,
  PoolClient,
  PoolError,
  ServingStatus,
  type TaskEvent,
  TaskState,
  type TlsOptions,
  taskSpec,
} from "../src/index.js";

const env = process.env;
const ADDR = env.CLAUDE_POOL_TEST_ADDR;
const STEP_MS = 60_000;
const SKIP = ADDR
  ? false
  : "CLAUDE_POOL_TEST_ADDR is unset: run under the live-server harness, " +
    "`python -m tests.support.live_server -- bash clients/typescript/ci.sh`";

/** The harness's TLS files (CA, client certificate, key); plaintext when it runs with --plaintext. */
function harnessTls(): TlsOptions | false {
  const read = (name: string) => (env[name] ? readFileSync(env[name]!) : undefined);
  const ca = read("CLAUDE_POOL_TEST_TLS_CA");
  if (ca === undefined) return false;
  return { ca, cert: read("CLAUDE_POOL_TEST_TLS_CERT"), key: read("CLAUDE_POOL_TEST_TLS_KEY") };
}

/** Runs `fn` with a signal that aborts every call of the step shortly before the step timeout. */
function step(name: string, fn: (signal: AbortSignal) => Promise<void>): void {
  it(name, { timeout: STEP_MS, skip: SKIP }, () => fn(AbortSignal.timeout(STEP_MS - 2_000)));
}

async function rejectsWith(promise: Promise<unknown>, code: Code, reason?: ErrorReason): Promise<PoolError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PoolError, `expected a PoolError, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${Code[code]}, got ${err.message}`);
    if (reason !== undefined) {
      assert.equal(err.reason, reason, `expected reason ${ErrorReason[reason]}, got ${err.message}`);
      assert.equal(err.domain, "claude-pool.dev");
    }
    return err;
  }
  assert.fail(`expected the call to fail with ${Code[code]}`);
}

function deltas(events: TaskEvent[]): string[] {
  return events.flatMap((e) => (e.kind.case === "textDelta" ? [e.kind.value.text] : []));
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("claude-pool conformance", () => {
  const clients: PoolClient[] = [];
  let pool: PoolClient;
  /** A client with the client certificate but no token. */
  let tokenless: PoolClient;
  const connect = (options: Partial<ClientOptions>) => {
    const client = new PoolClient({ address: ADDR!, tls: harnessTls(), ...options });
    clients.push(client);
    return client;
  };

  before(() => {
    if (SKIP) return;
    pool = connect({ token: env.CLAUDE_POOL_TEST_TOKEN });
    tokenless = connect({});
  });
  after(() => {
    for (const client of clients) client.close();
  });

  step("1. health: Check('') is SERVING without a token", async (signal) => {
    assert.equal(await tokenless.health("", { signal }), ServingStatus.SERVING);
  });

  step("2. auth: GetStatus needs the token", async (signal) => {
    await rejectsWith(tokenless.getStatus({ signal }), Code.Unauthenticated);
    const status = await pool.getStatus({ signal });
    assert.ok(status.totalSlots >= 1, `total_slots = ${status.totalSlots}`);
  });

  step("3. run: a finished task with the reply (first attempt refused, resent)", async (signal) => {
    const task = await pool.run("conformance run [[reply:hello from the pool]]", { signal });
    assert.equal(task.state, TaskState.COMPLETED, `state ${TaskState[task.state]}`);
    assert.equal(task.result?.output, "hello from the pool");
    assert.equal(task.result?.success, true);
  });

  step("4. run stream: ordered deltas, then finished", async (signal) => {
    const events = await collect(pool.runStream("conformance stream [[reply:one two three four]] [[chunks:4]]", { signal }));
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
    const task = await pool.submitTask("conformance watch [[reply:a b c d e f]] [[chunks:6]] [[slow:0.3]]", { signal });
    const events: TaskEvent[] = [];
    for await (const event of pool.watchTask(task.id, { afterSeq: 0, signal })) {
      events.push(event);
      if (event.kind.case === "textDelta") break; // drops (cancels) the stream
    }
    assert.equal(events.at(-1)?.kind.case, "textDelta", "saw a text delta on the first stream");
    const firstLen = events.length;
    events.push(...(await collect(pool.watchTask(task.id, { afterSeq: events.at(-1)!.seq, signal }))));
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
    const task = await pool.submitTask("conformance cancel [[slow:5]] [[chunks:10]]", { signal });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const state = (await pool.getTask(task.id, { signal })).state;
      if (state === TaskState.RUNNING) break;
      assert.ok(Date.now() < deadline, `task still ${TaskState[state]} after 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await pool.cancelTask(task.id, { signal });
    const { task: done } = await pool.waitTask(task.id, undefined, { signal });
    assert.equal(done?.state, TaskState.CANCELLED, `state ${TaskState[done?.state ?? 0]}`);
  });

  step("7. error details: NOT_FOUND carries ErrorInfo TASK_NOT_FOUND", async (signal) => {
    const err = await rejectsWith(pool.getTask("task-does-not-exist", { signal }), Code.NotFound, ErrorReason.TASK_NOT_FOUND);
    assert.equal(err.reasonName, "TASK_NOT_FOUND");
  });

  step("8. bad input: empty prompt and a NUL byte are INVALID_ARGUMENT naming the field", async (signal) => {
    const empty = await rejectsWith(pool.submitTask("", { signal }), Code.InvalidArgument);
    assert.ok(
      empty.fieldViolations.some((v) => v.field === "task.prompt"),
      `violations: ${JSON.stringify(empty.fieldViolations)}`,
    );
    const nul = await rejectsWith(pool.getTask("task-\u0000", { signal }), Code.InvalidArgument);
    assert.ok(
      nul.fieldViolations.some((v) => v.field === "task_id"),
      `violations: ${JSON.stringify(nul.fieldViolations)}`,
    );
  });

  step("9. fan-out: two tasks in input order; the stream yields both", async (signal) => {
    const prompts = ["[[reply:x]]", "[[reply:y]]"];
    const items = await pool.fanOut(prompts, { signal });
    assert.deepEqual(items.map((i) => i.index), [0, 1]);
    const completed = (item: FanOutItem) => {
      assert.ok(item.task, `item ${item.index} has no task: ${item.errorCode} ${item.errorMessage}`);
      assert.equal(item.task.state, TaskState.COMPLETED, `item ${item.index} state ${TaskState[item.task.state]}`);
    };
    items.forEach(completed);
    assert.deepEqual(items.map((i) => i.task?.result?.output), ["x", "y"]);

    const streamed = await collect(pool.fanOutStream(prompts, { signal }));
    assert.deepEqual(streamed.map((i) => i.index).sort(), [0, 1]);
    streamed.forEach(completed);
  });

  step("10. chain with progress: watch to COMPLETED, previous_output substituted", async (signal) => {
    const submitted = await pool.submitChain(
      {
        steps: [
          { name: "first", prompt: "[[reply:first]]" },
          { name: "second", prompt: "use {previous_output}" },
        ],
      },
      { signal },
    );
    const snapshots: ChainProgress[] = await collect(pool.watchChain(submitted.chainId, { afterSeq: 0, signal }));
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
    assert.equal((await pool.getTask(steps[1]!.taskId, { signal })).prompt, "use first");

    let listed = false;
    for await (const chain of pool.iterateChainProgress({}, { pageSize: 2, signal })) {
      if (chain.chainId === submitted.chainId) listed = true;
    }
    assert.ok(listed, "ListChainProgress (paging) includes the chain");
  });

  step("11. sessions: continue, recall, get, list, delete", async (signal) => {
    const a = await pool.run("[[reply:blue-42]]", { signal });
    const sessionId = a.result?.sessionId ?? "";
    assert.ok(sessionId, "task A reports its session");
    const followUp = await pool.run(taskSpec("what was it? [[recall]]", { continueFrom: a.id }), { signal });
    assert.equal(followUp.result?.output, "RECALL[blue-42]");
    assert.equal(followUp.result?.sessionId, sessionId);
    const fresh = await pool.run("unrelated [[recall]]", { signal });
    assert.equal(fresh.result?.output, "RECALL[]");

    const session = await pool.getSession(sessionId, { signal });
    assert.equal(session.turns, 2n);
    let listed = false;
    for await (const s of pool.iterateSessions({ pageSize: 2, signal })) if (s.id === sessionId) listed = true;
    assert.ok(listed, "ListSessions (paging) includes the session");

    await pool.deleteSession(sessionId, { signal });
    await rejectsWith(pool.getSession(sessionId, { signal }), Code.NotFound, ErrorReason.SESSION_NOT_FOUND);
    await rejectsWith(
      pool.run(taskSpec("again [[recall]]", { continueFrom: sessionId }), { signal }),
      Code.NotFound,
      ErrorReason.SESSION_NOT_FOUND,
    );
    await rejectsWith(
      pool.submitTask(taskSpec("both", { continueFrom: a.id, forkFrom: a.id }), { signal }),
      Code.InvalidArgument,
    );
  });

  step("12. context, messages, slots, metrics, config, task paging", async (signal) => {
    assert.equal((await pool.setContext("conformance.key", "v", { signal })).value, "v");
    assert.equal((await pool.getContext("conformance.key", { signal })).value, "v");
    const keys: string[] = [];
    for await (const entry of pool.iterateContext({ pageSize: 1, signal })) keys.push(entry.key);
    assert.ok(keys.includes("conformance.key"), `ListContext keys: ${keys.join(", ")}`);
    assert.equal((await pool.deleteContext("conformance.key", { signal })).deleted, true);

    const slots = await pool.findSlots({}, { signal });
    assert.ok(slots.length >= 1, "FindSlots returns a slot");
    const slotId = slots[0]!.id;
    await pool.sendMessage({ fromSlotId: "conformance", toSlotId: slotId, content: "hello slot" }, { signal });
    assert.ok((await pool.countMessages(slotId, { signal })) >= 1, "CountMessages >= 1");
    assert.ok((await pool.peekMessages(slotId, { signal })).some((m) => m.content === "hello slot"), "PeekMessages shows it");
    assert.ok((await pool.readMessages(slotId, { signal })).some((m) => m.content === "hello slot"), "ReadMessages returns it");
    assert.deepEqual(await pool.readMessages(slotId, { signal }), [], "a second ReadMessages returns none");

    assert.ok((await pool.getConfig({ signal })).serverVersion, "GetConfig has a server_version");
    const metrics = await pool.getSessionMetrics(undefined, { signal });
    assert.ok(metrics.totalTasks >= 1n, `total_tasks = ${metrics.totalTasks}`);

    const ids: string[] = [];
    for await (const task of pool.iterateTasks({}, { pageSize: 2, signal })) ids.push(task.id);
    assert.ok(ids.length > 2, `ListTasks yielded ${ids.length} tasks`);
    assert.equal(new Set(ids).size, ids.length, "no task twice across pages");
  });

  step("13. TLS: plaintext and certificate-less clients fail UNAVAILABLE", async (signal) => {
    const tls = harnessTls();
    assert.ok(tls, "the harness runs with TLS");
    const token = env.CLAUDE_POOL_TEST_TOKEN;
    await rejectsWith(connect({ token, tls: false }).getStatus({ signal }), Code.Unavailable);
    await rejectsWith(connect({ token, tls: { ca: tls.ca } }).getStatus({ signal }), Code.Unavailable);
  });

  step("14. review: reject, approve, delete", async (signal) => {
    const task = await pool.submitTask(taskSpec("[[reply:draft]]", { reviewRequired: true }), { signal });
    const waitState = async () => {
      const { task: t } = await pool.waitTask(task.id, undefined, { signal });
      return TaskState[t?.state ?? 0];
    };
    assert.equal(await waitState(), "PENDING_REVIEW");
    await pool.rejectTask(task.id, "again", { signal });
    assert.equal(await waitState(), "PENDING_REVIEW");
    assert.equal((await pool.approveTask(task.id, { signal })).state, TaskState.COMPLETED);
    await pool.deleteTask(task.id, { signal });
    await rejectsWith(pool.getTask(task.id, { signal }), Code.NotFound);
  });
});
