import { readFileSync } from "node:fs";
import { PoolClient } from "../dist/src/index.js";
const env = process.env;
const log = [];
const pool = new PoolClient({
  address: env.CLAUDE_POOL_TEST_ADDR, token: env.CLAUDE_POOL_TEST_TOKEN,
  tls: { ca: readFileSync(env.CLAUDE_POOL_TEST_TLS_CA), cert: readFileSync(env.CLAUDE_POOL_TEST_TLS_CERT), key: readFileSync(env.CLAUDE_POOL_TEST_TLS_KEY) },
  interceptors: [(next) => async (req) => {
    if (req.method.name === "WatchTask") log.push(`open after=${req.message.afterSeq}`);
    try {
      const res = await next(req);
      if (!res.stream) return res;
      return { ...res, message: (async function* () { try { for await (const m of res.message) { log.push(`recv ${m.event.seq} ${m.event.kind.case}`); yield m; } } catch (e) { log.push(`err ${e.code} ${e.rawMessage}`); throw e; } })() };
    } catch (e) { log.push(`err ${req.method.name} ${e.code} ${e.rawMessage}`); throw e; }
  }],
});
for (let round = 0; round < Number(process.argv[2] ?? 5); round++) {
  log.length = 0;
  const task = await pool.submitTask("conformance watch [[reply:a b c d e f]] [[chunks:6]] [[slow:0.3]]");
  const events = [];
  for await (const e of pool.watchTask(task.id)) { events.push(e); if (e.kind.case === "textDelta") break; }
  const first = events.length;
  for await (const e of pool.watchTask(task.id, { afterSeq: events.at(-1).seq })) events.push(e);
  const seqs = events.map((e) => Number(e.seq));
  const ok = seqs.every((s, i) => s === i + 1);
  console.log(round, ok ? "OK" : "GAP", seqs.join(","), "first", first);
  if (!ok) console.log(log.join("\n"));
}
pool.close();
