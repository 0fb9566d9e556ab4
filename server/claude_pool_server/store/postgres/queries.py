"""Every statement PostgresStore runs, as named SQL (no SQL text anywhere else).

The hot path is written to cost one statement, one round trip each, with no transaction around
it: submitting a task (without limits), claiming one, appending a batch of output, finishing a
run. Each is a single statement whose data-modifying CTEs change the task, its events, the money,
the slot and the session together: Postgres runs a single statement atomically. The replicas are
told afterwards, by NOTIFY_ALL (notifier.py says why not inside the writes). Money is kept in
BUDGET_SHARDS rows per namespace, a task's always in the same one (store.budget_shard), so that
concurrent submissions and settlements do not queue on one row lock each held through a commit.
Transitions off the hot path (cancel, review, recovery) and submissions under a cap or quota run
in a short explicit transaction. Claims use FOR UPDATE SKIP LOCKED (checked with
EXPLAIN: an index scan on `ix_tasks_pending_seq_no`).
"""

from __future__ import annotations

NOTIFY_CHANNEL = "claude_pool"
SLOT_ALLOCATION_LOCK = 0x636C706F  # "clpo"
POOL = ""  # the budget rows of the whole pool
BUDGET_SHARDS = 16  # budget rows per namespace; the money is their sum

# Run once on each of the store's connections. A claim takes the oldest pending task through the
# partial index ix_tasks_pending_seq_no, in index order, and stops at the first row it can lock.
# With statistics taken while the queue was nearly empty, the planner may instead cache a plan
# that fetches every pending row by bitmap and sorts them: in bench.control_plane 996 of 1,020
# finish-and-claims sorted ~700 pending rows each, 2.1 ms against 1.3 ms for the index order, and
# the cost grows with the backlog. No statement of the store wants a bitmap scan.
SESSION_SETUP = "SET enable_bitmapscan = off"

TASK_COLUMNS = """
    id, namespace, owner, state, prompt, spec, slot_id, chain_id, replica_id, request_id,
    created_at, start_time, end_time, version, attempt, last_seq, rejection_count,
    reserved_micros, continues, forks, session_id, result
"""

# what SUBMIT_TASK and FINISH_RUN return: not the spec and result their caller just sent (the
# store keeps its own copies rather than decode them again)
WRITTEN_TASK_COLUMNS = """
    id, namespace, owner, state, prompt, slot_id, chain_id, replica_id, request_id,
    created_at, start_time, end_time, version, attempt, last_seq, rejection_count,
    reserved_micros, continues, forks, session_id
"""

TASK_COLUMNS_OF_TASKS = """
    tasks.id, tasks.namespace, tasks.owner, tasks.state, tasks.prompt, tasks.spec,
    tasks.slot_id, tasks.chain_id, tasks.replica_id, tasks.request_id, tasks.created_at,
    tasks.start_time, tasks.end_time, tasks.version, tasks.attempt, tasks.last_seq,
    tasks.rejection_count, tasks.reserved_micros, tasks.continues, tasks.forks,
    tasks.session_id, tasks.result
"""

# --- tasks: the hot path --------------------------------------------------------------------------

# $1 id, $2 namespace, $3 owner, $4 prompt, $5 spec, $6 pinned_slot_id, $7 chain_id,
# $8 request_id, $9 tags, $10 created_at, $11 reserved_micros, $12 continues, $13 forks,
# $14 first event payload, $15 budget shard
SUBMIT_TASK = f"""
WITH ins AS (
    INSERT INTO tasks (id, namespace, owner, state, prompt, spec, pinned_slot_id, chain_id,
                       request_id, tags, created_at, version, attempt, last_seq,
                       reserved_micros, continues, forks)
    VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9, $10, 0, 0, 1, $11, $12, $13)
    ON CONFLICT (namespace, request_id) WHERE request_id <> '' DO NOTHING
    RETURNING {WRITTEN_TASK_COLUMNS}
), event AS (
    INSERT INTO task_events (task_id, seq, time, payload) SELECT id, 1, $10, $14 FROM ins
), money AS (
    INSERT INTO budget (namespace, shard, reserved_micros, unfinished)
    SELECT ns, $15, $11, 1 FROM ins, (VALUES ($2), ('')) AS v(ns) ORDER BY ns
    ON CONFLICT (namespace, shard) DO UPDATE
    SET reserved_micros = budget.reserved_micros + EXCLUDED.reserved_micros,
        unfinished = budget.unfinished + 1
)
SELECT ins.* FROM ins
"""

# $1 namespace, $2 request_id
TASK_BY_REQUEST_ID = f"""
SELECT {TASK_COLUMNS} FROM tasks WHERE namespace = $1 AND request_id = $2
"""

# Budget rows are locked in one order everywhere, by (namespace, shard), the pool's ('') first:
# SUBMIT_TASK upserts them in that order, FINISH_RUN and APPLY_BUDGET lock them so (budget_rows)
# before updating, LOCK_BUDGET sorts. An UPDATE alone locks rows in whatever order it scans them,
# and a submission meeting a run's settlement the other way round was a deadlock (seen with 50
# concurrent submitters, bench.control_plane).
# Under a cap or quota: lock all the pool's and the namespace's budget rows first (in this order,
# always), add them up and check the limits in Python, then SUBMIT_TASK in the same transaction.
# $1 namespace
LOCK_BUDGET = """
SELECT namespace, spent_micros, reserved_micros, unfinished FROM budget
WHERE namespace IN ('', $1) ORDER BY namespace, shard FOR UPDATE
"""

# $1 namespace
ENSURE_BUDGET_ROWS = f"""
INSERT INTO budget (namespace, shard)
SELECT ns, shard FROM (VALUES (''), ($1)) AS v(ns), generate_series(0, {BUDGET_SHARDS - 1}) AS shard
ON CONFLICT DO NOTHING
"""


def _claiming(slot: str, replica: str, now: str, lease: str, *, only_if: str = "true") -> str:
    """The CTEs `candidate` and `claimed` of a claim for `slot` (the parameters' $n): the oldest
    claimable pending task (not pinned to another slot; not continuing a session a running task
    holds), RUNNING with a lease on the database clock. CLAIM_TASK and FINISH_AND_CLAIM share
    them so that what is claimable is said once."""
    return f"""candidate AS (
    SELECT id FROM tasks
    WHERE state = 'pending'
      AND (pinned_slot_id = '' OR pinned_slot_id = {slot})
      AND (continues = '' OR NOT EXISTS (
            SELECT 1 FROM tasks running
            WHERE running.state = 'running' AND running.session_id = tasks.continues))
      AND {only_if}
    ORDER BY seq_no
    LIMIT 1
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE tasks SET state = 'running', slot_id = {slot}, replica_id = {replica},
        attempt = attempt + 1, start_time = {now},
        lease_expires_at = clock_timestamp() + make_interval(secs => {lease}),
        version = version + 1, last_seq = last_seq + 1,
        session_id = CASE WHEN continues <> '' THEN continues ELSE session_id END
    FROM candidate WHERE tasks.id = candidate.id
    RETURNING {TASK_COLUMNS_OF_TASKS}
)"""


# $1 slot id, $2 replica id, $3 now, $4 lease length (seconds, on the database clock),
# $5 running event payload, $6 slot record (jsonb, current task filled in here); `more`: another
# task was pending (a hint, see PoolStore.claim_task)
CLAIM_TASK = f"""
WITH {_claiming("$1", "$2", "$3", "$4")}, event AS (
    INSERT INTO task_events (task_id, seq, time, payload) SELECT id, last_seq, $3, $5 FROM claimed
), slot AS (
    INSERT INTO slots (id, replica_id, state, data)
    SELECT $1, $2, 'busy', $6::jsonb || jsonb_build_object(
            'state', 'busy', 'current_task_id', claimed.id, 'current_namespace', claimed.namespace)
    FROM claimed
    ON CONFLICT (id) DO UPDATE SET state = 'busy', replica_id = $2, data = EXCLUDED.data
)
SELECT claimed.*, EXISTS (
    SELECT 1 FROM tasks WHERE state = 'pending' AND id <> claimed.id
) AS more
FROM claimed
"""

# $1 task id, $2 replica id, $3 now, $4 lease length (seconds), $5 running event payload
CLAIM_TASK_BY_ID = f"""
WITH claimed AS (
    UPDATE tasks SET state = 'running', replica_id = $2, attempt = attempt + 1,
        start_time = $3, lease_expires_at = clock_timestamp() + make_interval(secs => $4),
        version = version + 1, last_seq = last_seq + 1,
        session_id = CASE WHEN continues <> '' THEN continues ELSE session_id END
    WHERE id = $1 AND state = 'pending'
    RETURNING {TASK_COLUMNS}
), event AS (
    INSERT INTO task_events (task_id, seq, time, payload) SELECT id, last_seq, $3, $5 FROM claimed
)
SELECT claimed.* FROM claimed
"""

# A run's end while its attempt still owns the running task: state, result, two events (the
# state change, and `finished` holding the task as stored), money settled for the pool and the
# namespace, the slot, and the session turn — one statement.
# $1 id, $2 attempt, $3 new state, $4 result, $5 now, $6 session id, $7 state event payload,
# $8 finished payload (task document; version and last_seq are filled in here), $9 spend,
# $10 unfinished change, $11 slot id ("" for none), $12 slot record, $13 slot state,
# $14 session turn? (bool), $15 transcript chunk, $16 model, $17 forked_from, $18 start_key,
# $19 session slot id, $20 budget shard, $21 the reservation released (the task's as claimed:
# it changes only with the state, and the statement applies only to the running attempt)
_FINISHING = f"""
done AS (
    UPDATE tasks SET state = $3, result = $4, end_time = $5, reserved_micros = 0,
        session_id = $6, lease_expires_at = NULL, version = version + 1, last_seq = last_seq + 2
    WHERE id = $1 AND attempt = $2 AND state = 'running'
    RETURNING {WRITTEN_TASK_COLUMNS}
), events AS (
    INSERT INTO task_events (task_id, seq, time, payload)
    SELECT id, last_seq - 1, $5, $7 FROM done
    UNION ALL
    SELECT id, last_seq, $5,
           jsonb_set(jsonb_set($8::jsonb, '{{data,task,version}}', to_jsonb(version)),
                     '{{data,task,last_seq}}', to_jsonb(last_seq))
    FROM done
), budget_rows AS (
    SELECT budget.namespace FROM budget, done
    WHERE budget.namespace IN (done.namespace, '') AND budget.shard = $20
    ORDER BY budget.namespace FOR UPDATE OF budget
), money AS (
    UPDATE budget SET spent_micros = budget.spent_micros + $9,
        reserved_micros = greatest(0, budget.reserved_micros - $21),
        unfinished = greatest(0, budget.unfinished + $10)
    FROM done, budget_rows WHERE budget.namespace = budget_rows.namespace AND budget.shard = $20
), session AS (
    INSERT INTO sessions (id, namespace, owner, create_time, update_time, forked_from,
                          first_task_id, last_task_id, turns, cost_micros, model,
                          transcript_bytes, slot_id, start_key)
    SELECT $6, namespace, owner, $5, $5, $17, id, id, 1, $9, $16, octet_length($15::bytea), $19,
           $18
    FROM done WHERE $14::boolean
    ON CONFLICT (id) DO UPDATE SET update_time = $5, last_task_id = EXCLUDED.last_task_id,
        turns = sessions.turns + 1, cost_micros = sessions.cost_micros + $9,
        model = CASE WHEN $16 <> '' THEN $16 ELSE sessions.model END,
        transcript_bytes = sessions.transcript_bytes + octet_length($15::bytea), slot_id = $19
), chunk AS (
    INSERT INTO session_chunks (session_id, chunk)
    SELECT $6, $15::bytea FROM done WHERE $14::boolean
)"""

FINISH_RUN = f"""
WITH {_FINISHING}, slot AS (
    INSERT INTO slots (id, replica_id, state, data)
    SELECT $11, $12::jsonb ->> 'replica_id', $13, $12::jsonb FROM done WHERE $11 <> ''
    ON CONFLICT (id) DO UPDATE SET state = $13, data = $12::jsonb
)
SELECT done.* FROM done
"""

# FINISH_RUN, and for the slot ($11, IDLE again in $12) its next task as CLAIM_TASK takes it,
# when the finish applied: a busy slot's next claim costs no round trip of its own. The slot is
# written once, BUSY with the claimed task or as $12. A continuation of the session just
# finished is not claimable here (the statement's snapshot still sees it running); the
# notification after it wakes a slot for it. Rows: kind 'done' (no spec or result: the caller
# has them), then kind 'claimed' when a task was claimed.
# $1-$21 as FINISH_RUN, $22 replica id, $23 lease length (seconds), $24 running event payload
_CLAIMING_NEXT = _claiming("$11", "$22", "$5", "$23", only_if="EXISTS (SELECT 1 FROM done)")
FINISH_AND_CLAIM = f"""
WITH {_FINISHING}, {_CLAIMING_NEXT}, claim_event AS (
    INSERT INTO task_events (task_id, seq, time, payload)
    SELECT id, last_seq, $5, $24 FROM claimed
), slot AS (
    INSERT INTO slots (id, replica_id, state, data)
    SELECT $11, $12::jsonb ->> 'replica_id',
           CASE WHEN claimed.id IS NULL THEN $13 ELSE 'busy' END,
           CASE WHEN claimed.id IS NULL THEN $12::jsonb
                ELSE $12::jsonb || jsonb_build_object('state', 'busy',
                    'current_task_id', claimed.id, 'current_namespace', claimed.namespace)
           END
    FROM done LEFT JOIN claimed ON true
    ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, data = EXCLUDED.data
)
SELECT 'done' AS kind, id, namespace, owner, state, prompt, NULL::jsonb AS spec, slot_id,
       chain_id, replica_id, request_id, created_at, start_time, end_time, version, attempt,
       last_seq, rejection_count, reserved_micros, continues, forks, session_id,
       NULL::jsonb AS result
FROM done
UNION ALL
SELECT 'claimed', claimed.* FROM claimed
"""

# $1 task id, $2 count, $3 time, $4 payloads (jsonb[])
APPEND_EVENTS = """
WITH task AS (
    UPDATE tasks SET last_seq = last_seq + $2 WHERE id = $1 RETURNING last_seq
), events AS (
    INSERT INTO task_events (task_id, seq, time, payload)
    SELECT $1, task.last_seq - $2 + item.position, $3, item.payload
    FROM task, unnest($4::jsonb[]) WITH ORDINALITY AS item(payload, position)
)
SELECT last_seq FROM task
"""

# --- tasks: reads and the general transition ----------------------------------------------------

TASK_BY_ID = f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"
LOCK_TASK = f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1 FOR UPDATE"

# $1 id, then the mutable columns; $15: whether the task keeps its lease (a running task, or one
# cancelled mid-run whose run has not reported yet), $16 the events appended with the change
WRITE_TASK = """
UPDATE tasks SET state = $2, prompt = $3, slot_id = $4, replica_id = $5, start_time = $6,
    end_time = $7, attempt = $8, rejection_count = $9, reserved_micros = $10, continues = $11,
    forks = $12, session_id = $13, result = $14,
    lease_expires_at = CASE WHEN $15::boolean THEN lease_expires_at END,
    version = version + 1, last_seq = last_seq + $16
WHERE id = $1
RETURNING version, last_seq
"""

# $1 task id, $2 first seq, $3 time, $4 payloads (jsonb[])
INSERT_EVENTS = """
INSERT INTO task_events (task_id, seq, time, payload)
SELECT $1, $2 + item.position - 1, $3, item.payload
FROM unnest($4::jsonb[]) WITH ORDINALITY AS item(payload, position)
"""

# $1 namespace, $2 reserve, $3 release, $4 spend, $5 unfinished change, $6 budget shard
APPLY_BUDGET = """
WITH budget_rows AS (
    SELECT namespace FROM budget WHERE namespace IN ('', $1) AND shard = $6
    ORDER BY namespace FOR UPDATE
)
UPDATE budget SET spent_micros = spent_micros + $4,
    reserved_micros = greatest(0, reserved_micros - $3) + $2,
    unfinished = greatest(0, unfinished + $5)
FROM budget_rows WHERE budget.namespace = budget_rows.namespace AND budget.shard = $6
"""

READ_BUDGET = """
SELECT coalesce(sum(spent_micros), 0)::bigint AS spent_micros,
       coalesce(sum(reserved_micros), 0)::bigint AS reserved_micros,
       coalesce(sum(unfinished), 0)::bigint AS unfinished
FROM budget WHERE namespace = $1
"""

# $1 namespace, $2 state or NULL, $3 slot, $4 chain, $5 session, $6 tags or NULL,
# $7 before seq_no or NULL, $8 limit
LIST_TASKS = f"""
SELECT {TASK_COLUMNS}, seq_no FROM tasks
WHERE namespace = $1
  AND ($2::text IS NULL OR state = $2)
  AND ($3 = '' OR slot_id = $3)
  AND ($4 = '' OR chain_id = $4)
  AND ($5 = '' OR session_id = $5)
  AND ($6::text[] IS NULL OR tags && $6)
  AND ($7::bigint IS NULL OR seq_no < $7)
ORDER BY seq_no DESC
LIMIT $8
"""

# $1 namespace or NULL
TASK_COUNTS = """
SELECT state, count(*) FROM tasks WHERE $1::text IS NULL OR namespace = $1 GROUP BY state
"""

# $1 id
DELETE_TASK = """
WITH gone AS (
    DELETE FROM tasks
    WHERE id = $1 AND state IN ('completed', 'failed', 'cancelled') AND lease_expires_at IS NULL
    RETURNING id
), events AS (DELETE FROM task_events WHERE task_id IN (SELECT id FROM gone))
SELECT count(*) FROM gone
"""

# $1 ended before
PURGE_TASKS = """
WITH gone AS (
    DELETE FROM tasks
    WHERE state IN ('completed', 'failed', 'cancelled') AND end_time < $1
      AND lease_expires_at IS NULL
    RETURNING id
), events AS (DELETE FROM task_events WHERE task_id IN (SELECT id FROM gone))
SELECT count(*) FROM gone
"""

# $1 after seq, $2 limit, $3 task id
READ_EVENTS = """
SELECT seq, time, payload FROM task_events WHERE task_id = $3 AND seq > $1 ORDER BY seq LIMIT $2
"""

LOCK_EXPIRED_LEASES = f"""
SELECT {TASK_COLUMNS} FROM tasks WHERE lease_expires_at < clock_timestamp() ORDER BY seq_no
FOR UPDATE SKIP LOCKED
"""


# --- sessions ---------------------------------------------------------------------------------

SESSION_COLUMNS = """
    id, namespace, owner, create_time, update_time, forked_from, first_task_id, last_task_id,
    turns, cost_micros, model, transcript_bytes, slot_id, start_key
"""
SESSION_BY_ID = f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1"
# $1 namespace, $2 owner, $3 limit, $4 offset
LIST_SESSIONS = f"""
SELECT {SESSION_COLUMNS} FROM sessions WHERE namespace = $1 AND owner = $2
ORDER BY update_time DESC, id LIMIT $3 OFFSET $4
"""
LOAD_TRANSCRIPT = "SELECT chunk FROM session_chunks WHERE session_id = $1 ORDER BY seq_no"
DELETE_SESSION = """
WITH gone AS (DELETE FROM sessions WHERE id = $1 RETURNING id),
     chunks AS (DELETE FROM session_chunks WHERE session_id = $1)
SELECT count(*) FROM gone
"""

# --- slots ------------------------------------------------------------------------------------

UPSERT_SLOT = """
INSERT INTO slots (id, replica_id, state, data) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO UPDATE SET replica_id = EXCLUDED.replica_id, state = EXCLUDED.state,
    data = EXCLUDED.data
"""
SLOT_BY_ID = "SELECT data FROM slots WHERE id = $1"
ALL_SLOTS = "SELECT data FROM slots"
LOCK_SLOT_ALLOCATION = f"SELECT pg_advisory_xact_lock({SLOT_ALLOCATION_LOCK})"
SLOT_OWNERS = "SELECT id, replica_id, state FROM slots"
# $1 replica ids
STOP_SLOTS_OF_REPLICAS = """
UPDATE slots SET state = 'stopped',
    data = data || '{"state": "stopped", "current_task_id": "", "current_namespace": ""}'::jsonb
WHERE replica_id = ANY($1) AND state <> 'stopped'
"""

# --- context ----------------------------------------------------------------------------------

UPSERT_CONTEXT = """
INSERT INTO context_entries (namespace, key, value, update_time) VALUES ($1, $2, $3, $4)
ON CONFLICT (namespace, key) DO UPDATE SET value = EXCLUDED.value,
    update_time = EXCLUDED.update_time
"""
CONTEXT_BY_KEY = (
    "SELECT key, value, update_time FROM context_entries WHERE namespace = $1 AND key = $2"
)
DELETE_CONTEXT = """
DELETE FROM context_entries WHERE namespace = $1 AND key = $2 RETURNING key, value, update_time
"""
# $1 namespace, $2 after key or NULL, $3 limit
LIST_CONTEXT = """
SELECT key, value, update_time FROM context_entries
WHERE namespace = $1 AND ($2::text IS NULL OR key > $2) ORDER BY key LIMIT $3
"""

# --- chains -----------------------------------------------------------------------------------

CHAIN_COLUMNS = "data, seq, seq_no"
# $1 id, $2 namespace, $3 status, $4 seq, $5 request id, $6 create time, $7 data
INSERT_CHAIN = f"""
INSERT INTO chains (id, namespace, status, seq, request_id, create_time, data)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT DO NOTHING
RETURNING {CHAIN_COLUMNS}
"""
CHAIN_BY_ID = f"SELECT {CHAIN_COLUMNS} FROM chains WHERE id = $1"
CHAIN_BY_REQUEST_ID = f"SELECT {CHAIN_COLUMNS} FROM chains WHERE namespace = $1 AND request_id = $2"
# $1 id, $2 expected seq, $3 status, $4 new seq, $5 data
CAS_UPDATE_CHAIN = f"""
UPDATE chains SET status = $3, seq = $4, data = $5 WHERE id = $1 AND seq = $2
RETURNING {CHAIN_COLUMNS}
"""
# $1 namespace or NULL, $2 status or NULL, $3 before seq_no or NULL, $4 limit
LIST_CHAINS = f"""
SELECT {CHAIN_COLUMNS} FROM chains
WHERE ($1::text IS NULL OR namespace = $1) AND ($2::text IS NULL OR status = $2)
  AND ($3::bigint IS NULL OR seq_no < $3)
ORDER BY seq_no DESC LIMIT $4
"""

# --- messages ---------------------------------------------------------------------------------

MESSAGE_COLUMNS = "id, from_slot_id, to_slot_id, content, create_time, seq_no"
# $1 ids, $2 namespace, $3 from, $4 to, $5 contents, $6 times (arrays, one entry per message)
INSERT_MESSAGES = """
INSERT INTO slot_messages (id, namespace, from_slot_id, to_slot_id, content, create_time)
SELECT item.id, $2, item.from_slot, item.to_slot, item.content, item.time
FROM unnest($1::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
     AS item(id, from_slot, to_slot, content, time)
"""
TAKE_MESSAGES = f"""
DELETE FROM slot_messages WHERE namespace = $1 AND to_slot_id = $2 RETURNING {MESSAGE_COLUMNS}
"""
PEEK_MESSAGES = f"""
SELECT {MESSAGE_COLUMNS} FROM slot_messages WHERE namespace = $1 AND to_slot_id = $2
ORDER BY seq_no
"""
COUNT_MESSAGES = "SELECT count(*) FROM slot_messages WHERE namespace = $1 AND to_slot_id = $2"

# --- remembered replies -----------------------------------------------------------------------

INSERT_PENDING_REPLY = """
INSERT INTO request_replies (key, fingerprint, reply, replica_id, create_time)
VALUES ($1, $2, NULL, $3, $4) ON CONFLICT (key) DO NOTHING
"""
LOCK_REPLY = "SELECT fingerprint, reply, replica_id FROM request_replies WHERE key = $1 FOR UPDATE"
TAKE_OVER_REPLY = """
UPDATE request_replies SET fingerprint = $2, replica_id = $3, create_time = $4 WHERE key = $1
"""
FINISH_REPLY = """
WITH done AS (UPDATE request_replies SET reply = $2, create_time = $3 WHERE key = $1)
DELETE FROM request_replies WHERE create_time < $4 AND reply IS NOT NULL
"""
ABANDON_REPLY = """
DELETE FROM request_replies WHERE key = $1 AND replica_id = $2 AND reply IS NULL
"""

# --- replicas ---------------------------------------------------------------------------------

UPSERT_REPLICA = """
INSERT INTO replicas (id, started_at, heartbeat_at, stopped)
VALUES ($1, clock_timestamp(), clock_timestamp(), 0)
ON CONFLICT (id) DO UPDATE SET heartbeat_at = clock_timestamp(), stopped = 0
"""
# $1 replica, $2 lease length (seconds), $3 ids of the tasks it runs: the heartbeat and the
# renewal of those leases in one statement, timed by the database clock; also how many other
# replicas are live (a replica alone sends no NOTIFY)
HEARTBEAT = """
WITH beat AS (
    UPDATE replicas SET heartbeat_at = clock_timestamp() WHERE id = $1 AND stopped = 0
    RETURNING id
), leases AS (
    UPDATE tasks SET lease_expires_at = clock_timestamp() + make_interval(secs => $2)
    WHERE id = ANY($3::text[]) AND replica_id = $1 AND lease_expires_at IS NOT NULL
      AND EXISTS (SELECT 1 FROM beat)
)
SELECT (SELECT count(*) FROM beat) AS beats,
       (SELECT count(*) FROM replicas
        WHERE id <> $1 AND stopped = 0
          AND heartbeat_at >= clock_timestamp() - make_interval(secs => $2)) AS others
"""
STOP_REPLICA = "UPDATE replicas SET stopped = 1 WHERE id = $1"
LIVE_REPLICA_IDS = """
SELECT id FROM replicas
WHERE stopped = 0 AND heartbeat_at >= clock_timestamp() - make_interval(secs => $1)
"""
# $1 lease length (seconds): replicas that stopped heartbeating are marked stopped (they must
# register again), and their ids returned with the ones already stopped
MARK_DEAD_REPLICAS = """
WITH marked AS (
    UPDATE replicas SET stopped = 1
    WHERE stopped = 0 AND heartbeat_at < clock_timestamp() - make_interval(secs => $1)
    RETURNING id
)
SELECT id FROM marked UNION SELECT id FROM replicas WHERE stopped = 1
"""

# $1 payloads (text[]): one notification each, in one transaction that writes nothing
NOTIFY_ALL = f"""
SELECT count(pg_notify('{NOTIFY_CHANNEL}', payload)) FROM unnest($1::text[]) AS payload
"""
