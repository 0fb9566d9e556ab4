"""The task lifecycle as one table: which transition may leave which state, for which states, with
which events and which money.

    (new) ──submit──▶ PENDING ──claim──▶ RUNNING ──finish──▶ COMPLETED | FAILED | PENDING_REVIEW
                        ▲  │                │  ├──requeue (lease expired)──▶ PENDING
                        │  │                │  └──interrupt (out of attempts)──▶ FAILED
                        │  └──cancel──▶ CANCELLED ◀──cancel──┘   (its run later records its cost)
    PENDING_REVIEW ──approve──▶ COMPLETED; ──reject──▶ PENDING (again) | FAILED; ──cancel──▶ ...

Every function here is pure: it takes the task as stored and returns the `Change` (the new task,
the events to append, the budget change). A store applies a whole Change atomically — one
transaction in Postgres, one critical section in memory — so no state is ever written without
its events, and no money moves without the state that explains it. Both stores share these
functions, so they cannot disagree about what a transition means.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from datetime import datetime

from claude_pool_server.domain.budget import BudgetChange, Limits
from claude_pool_server.domain.errors import IllegalState
from claude_pool_server.domain.tasks import (
    UNFINISHED_STATES,
    EventPayload,
    FailureKind,
    Finished,
    StateChanged,
    Task,
    TaskFailure,
    TaskResult,
    TaskState,
)

P, R, V = TaskState.PENDING, TaskState.RUNNING, TaskState.PENDING_REVIEW
C, F, X = TaskState.COMPLETED, TaskState.FAILED, TaskState.CANCELLED


class Transition(enum.Enum):
    SUBMIT = "submit"
    CLAIM = "claim"
    FINISH = "finish"
    CANCEL = "cancel"
    RECORD_CANCELLED_RUN = "record_cancelled_run"
    APPROVE = "approve"
    REJECT = "reject"
    REQUEUE = "requeue"
    INTERRUPT = "interrupt"
    RELEASE_ORPHANED = "release_orphaned"


# transition -> (the states it may start from, the states it may end in)
TABLE: dict[Transition, tuple[frozenset[TaskState], frozenset[TaskState]]] = {
    Transition.SUBMIT: (frozenset(), frozenset({P})),
    Transition.CLAIM: (frozenset({P}), frozenset({R})),
    Transition.FINISH: (frozenset({R}), frozenset({C, F, V})),
    Transition.CANCEL: (frozenset({P, R, V}), frozenset({X})),
    Transition.RECORD_CANCELLED_RUN: (frozenset({X}), frozenset({X})),
    Transition.APPROVE: (frozenset({V}), frozenset({C})),
    Transition.REJECT: (frozenset({V}), frozenset({P, F})),
    Transition.REQUEUE: (frozenset({R}), frozenset({P})),
    Transition.INTERRUPT: (frozenset({R}), frozenset({F})),
    Transition.RELEASE_ORPHANED: (frozenset({X}), frozenset({X})),
}

ACTIONS = {
    Transition.CANCEL: ("cancel", "pending, running or pending_review"),
    Transition.APPROVE: ("approve", "pending_review"),
    Transition.REJECT: ("reject", "pending_review"),
}


@dataclass(frozen=True)
class Change:
    """What one transition does. `events` may hold a Finished whose task the store replaces
    with the task as finally stored (with its new version and last_seq)."""

    transition: Transition
    task: Task
    events: list[EventPayload] = field(default_factory=list)
    budget: BudgetChange | None = None


def check(transition: Transition, task: Task) -> None:
    """Raise IllegalState when `transition` may not leave the task's state."""
    allowed, _ = TABLE[transition]
    if task.state not in allowed:
        action, expected = ACTIONS.get(
            transition, (transition.value, ", ".join(sorted(s.value for s in allowed)))
        )
        raise IllegalState(task.id, task.state.value, action, expected)


def _change(
    transition: Transition,
    before: Task,
    after: Task,
    events: list[EventPayload],
    *,
    reserve: int = 0,
    release: int = 0,
    spend: int = 0,
    limits: Limits | None = None,
) -> Change:
    _, ends = TABLE[transition]
    assert after.state in ends, f"{transition} cannot end in {after.state}"
    unfinished = int(after.state in UNFINISHED_STATES) - int(before.state in UNFINISHED_STATES)
    budget = BudgetChange(
        namespace=before.namespace,
        reserve=reserve,
        release=release,
        spend=spend,
        unfinished=unfinished,
        limits=limits or Limits(),
    )
    return Change(transition, after, events, None if budget.empty else budget)


def submitted(task: Task, limits: Limits) -> Change:
    """A new task, PENDING, holding its reservation and counted against the quota."""
    assert task.state is P
    unfinished = BudgetChange(
        namespace=task.namespace, reserve=task.reserved_micros, unfinished=1, limits=limits
    )
    return Change(Transition.SUBMIT, task, [StateChanged(P)], unfinished)


def claimed(task: Task, slot_id: str, replica_id: str, now: datetime) -> Change:
    check(Transition.CLAIM, task)
    running = dataclasses.replace(
        task,
        state=R,
        slot_id=slot_id,
        replica_id=replica_id,
        attempt=task.attempt + 1,
        start_time=now,
        session_id=task.continues or task.session_id,
    )
    return _change(Transition.CLAIM, task, running, [StateChanged(R, slot_id=slot_id)])


def finished(task: Task, result: TaskResult, now: datetime) -> Change:
    """The run of the current attempt ended: COMPLETED (or PENDING_REVIEW when a review is
    required) on success, FAILED otherwise. Settles the reservation to the run's real cost."""
    check(Transition.FINISH, task)
    state = (V if task.spec.review_required else C) if result.success else F
    done = dataclasses.replace(
        task,
        state=state,
        result=result,
        end_time=now,
        reserved_micros=0,
        session_id=result.session_id or task.session_id,
    )
    reason = result.failure.message[:200] if result.failure else ""
    events: list[EventPayload] = [StateChanged(state, slot_id=task.slot_id, reason=reason)]
    events.append(Finished(done))
    return _change(
        Transition.FINISH,
        task,
        done,
        events,
        spend=result.cost_micros,
        release=task.reserved_micros,
    )


def cancelled(task: Task, reason: str, now: datetime) -> Change:
    """CANCELLED for good. A running task keeps its reservation until its run reports what it
    cost (`record_cancelled_run`), or until recovery releases it when its replica died."""
    check(Transition.CANCEL, task)
    running = task.state is R
    release = 0 if running else task.reserved_micros
    done = dataclasses.replace(
        task, state=X, end_time=now, reserved_micros=task.reserved_micros - release
    )
    events: list[EventPayload] = [StateChanged(X, reason=reason), Finished(done)]
    return _change(Transition.CANCEL, task, done, events, release=release)


def record_cancelled_run(task: Task, result: TaskResult) -> Change:
    """The run of a task cancelled mid-run ended: keep it cancelled, account for its cost."""
    check(Transition.RECORD_CANCELLED_RUN, task)
    recorded = dataclasses.replace(task, result=result, reserved_micros=0)
    return _change(
        Transition.RECORD_CANCELLED_RUN,
        task,
        recorded,
        [],
        spend=result.cost_micros,
        release=task.reserved_micros,
    )


def holds_cancelled_run(task: Task) -> bool:
    """A task cancelled mid-run whose run has not yet reported its cost."""
    return task.state is X and task.result is None and task.reserved_micros > 0


def approved(task: Task, now: datetime) -> Change:
    check(Transition.APPROVE, task)
    done = dataclasses.replace(task, state=C, end_time=now)
    events: list[EventPayload] = [StateChanged(C, reason="approved"), Finished(done)]
    return _change(Transition.APPROVE, task, done, events)


def rejected_prompt(original: str, feedback: str, attempt: int, limit: int) -> str:
    return f"{original}\n\n--- Rejection feedback (attempt {attempt}/{limit}) ---\n{feedback}"


def rejected(task: Task, feedback: str, reserve: int, limits: Limits, now: datetime) -> Change:
    """Back to PENDING with the feedback appended to the ORIGINAL prompt and a fresh
    reservation; FAILED (kind REJECTED) at `max_rejections`."""
    check(Transition.REJECT, task)
    count = task.rejection_count + 1
    limit = task.spec.max_rejections
    if count >= limit:
        message = f"task rejected {count} times (max: {limit}). Last feedback: {feedback}"
        previous = task.result or TaskResult(output="", success=False)
        result = dataclasses.replace(
            previous, success=False, failure=TaskFailure(FailureKind.REJECTED, message)
        )
        failed = dataclasses.replace(
            task, state=F, rejection_count=count, result=result, end_time=now
        )
        events: list[EventPayload] = [
            StateChanged(F, reason=f"rejected: {feedback}"),
            Finished(failed),
        ]
        return _change(Transition.REJECT, task, failed, events)
    # The run again continues the rejected run's session, so the model sees its answer and the
    # feedback together (as the original Pool's slot session did).
    queued = dataclasses.replace(
        task,
        state=P,
        continues=task.session_id or task.continues,
        forks="" if task.session_id else task.forks,
        prompt=rejected_prompt(task.spec.prompt, feedback, count, limit),
        rejection_count=count,
        slot_id="",
        result=None,
        reserved_micros=reserve,
        start_time=None,
        end_time=None,
    )
    events = [StateChanged(P, reason=f"rejected: {feedback}")]
    return _change(Transition.REJECT, task, queued, events, reserve=reserve, limits=limits)


def given_back(
    task: Task, replica_id: str, attempt: int, max_attempts: int, now: datetime
) -> Change:
    """A replica declared dead gives back a task it still runs before stopping the run, so the
    run's end is a stale report rather than a failure (as if its lease had expired)."""
    if task.replica_id != replica_id or task.attempt != attempt or not holds_lease(task):
        raise IllegalState(task.id, task.state.value, "give back", "running on this replica")
    return lease_expired(task, max_attempts, now)


def lease_expired(task: Task, max_attempts: int, now: datetime) -> Change:
    """The replica running the task stopped heartbeating: back to PENDING keeping `attempt`
    (the next claim bumps it, which fences the dead run), or FAILED (INTERRUPTED) once
    `max_attempts` runs were started or when no slot ran it (a routing call). A task cancelled
    mid-run stays CANCELLED and gets its reservation back."""
    if task.state is X:
        released = dataclasses.replace(task, reserved_micros=0)
        return _change(
            Transition.RELEASE_ORPHANED, task, released, [], release=task.reserved_micros
        )
    if not task.slot_id or task.attempt >= max_attempts:
        if not task.slot_id:
            message = "the replica making this call (a routing call, run by no slot) stopped"
        else:
            message = (
                f"the replica running attempt {task.attempt} stopped and the task is out of "
                f"attempts (max_attempts={max_attempts})"
            )
        failure = TaskFailure(FailureKind.INTERRUPTED, message)
        result = TaskResult(output="", success=False, failure=failure)
        failed = dataclasses.replace(task, state=F, result=result, end_time=now, reserved_micros=0)
        events: list[EventPayload] = [StateChanged(F, reason=message), Finished(failed)]
        return _change(Transition.INTERRUPT, task, failed, events, release=task.reserved_micros)
    requeued = dataclasses.replace(task, state=P, slot_id="", replica_id="", start_time=None)
    reason = f"re-queued after attempt {task.attempt}: its replica stopped"
    return _change(Transition.REQUEUE, task, requeued, [StateChanged(P, reason=reason)])


def holds_lease(task: Task) -> bool:
    """A running task, or one cancelled mid-run whose run has not yet reported its cost (its
    reservation is released by that report, or by recovery if the replica died)."""
    return task.state is R or holds_cancelled_run(task)
