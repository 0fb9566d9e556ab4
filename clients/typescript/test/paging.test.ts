// The paging helpers follow next_page_token across pages, lazily, with the caller's page size.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ContextEntrySchema, TaskSchema, paginate } from "../src/index.js";
import { fakePool } from "./fake-pool.js";

describe("paging", () => {
  it("iterateTasks yields every task across pages and keeps the filter", async () => {
    const requests: { pageToken: string; pageSize: number; tags: string[] }[] = [];
    const pool = fakePool({
      listTasks(req) {
        requests.push({ pageToken: req.pageToken, pageSize: req.pageSize, tags: [...req.tags] });
        const start = req.pageToken === "" ? 0 : Number(req.pageToken);
        const ids = [0, 1, 2, 3, 4].slice(start, start + req.pageSize).map((i) => create(TaskSchema, { id: `task-${i}` }));
        const next = start + req.pageSize < 5 ? String(start + req.pageSize) : "";
        return { tasks: ids, nextPageToken: next };
      },
    });
    const ids: string[] = [];
    for await (const task of pool.iterateTasks({ tags: ["a"] }, { pageSize: 2 })) ids.push(task.id);
    assert.deepEqual(ids, ["task-0", "task-1", "task-2", "task-3", "task-4"]);
    assert.deepEqual(requests.map((r) => r.pageToken), ["", "2", "4"]);
    assert.ok(requests.every((r) => r.pageSize === 2 && r.tags[0] === "a"));
  });

  it("iterateContext fetches the next page only when the caller gets there", async () => {
    let calls = 0;
    const pool = fakePool({
      listContext(req) {
        calls++;
        const entry = create(ContextEntrySchema, { key: `k${req.pageToken || "0"}` });
        return { entries: [entry], nextPageToken: String(Number(req.pageToken || "0") + 1) };
      },
    });
    for await (const entry of pool.iterateContext()) {
      if (entry.key === "k2") break;
    }
    assert.equal(calls, 3);
  });

  it("stops on a page token the server repeats", async () => {
    const pages = paginate(async () => ({ items: [1], nextPageToken: "same" }));
    await assert.rejects(async () => {
      for await (const _ of pages) {
        // drain
      }
    }, /repeated page token/);
  });
});
