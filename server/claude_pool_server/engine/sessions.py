"""Sessions as a resource: which conversation a task runs in, and the session RPCs.

A task starts a new session unless it continues one (`continue_from`) or forks one
(`fork_from`), by session id or by the id of a settled task that ran in it. A session belongs to
the principal that started it: to anyone else, and after DeleteSession, it is NOT_FOUND.

With the `slot` session policy (the original Pool's rule) a task that names no session continues
its slot's session, but only when that session belongs to the same principal and everything
fixed at its start (system prompt with shared context, model, tools, MCP servers, working
directory) is unchanged; otherwise it starts a new one. A failed run ends the slot's session.
"""

from __future__ import annotations

from claude_pool_server.domain.callers import Caller
from claude_pool_server.domain.errors import (
    IllegalState,
    InvalidArgument,
    SessionNotFound,
    SessionTooLarge,
    TaskNotFound,
)
from claude_pool_server.domain.ports import PoolStore
from claude_pool_server.domain.runs import SessionMode, SessionPlan
from claude_pool_server.domain.sessions import Session, SessionPage, SessionPolicy
from claude_pool_server.domain.slots import Slot
from claude_pool_server.domain.tasks import Task, TaskSpec
from claude_pool_server.engine.settings import PoolSettings

MAX_PAGE_SIZE = 500


def owned_by(session: Session | None, namespace: str, owner: str) -> bool:
    return session is not None and session.namespace == namespace and session.owner == owner


class SessionService:
    def __init__(self, store: PoolStore, settings: PoolSettings) -> None:
        self.store = store
        self.settings = settings

    # resolving a task's session at submission ------------------------------------------------

    async def resolve(self, caller: Caller, spec: TaskSpec, field: str = "task") -> tuple[str, str]:
        """(continues, forks): the session ids the spec's `continue_from` / `fork_from` name."""
        if spec.continue_from and spec.fork_from:
            raise InvalidArgument(
                f"{field}.fork_from", "continue_from and fork_from exclude each other: set one"
            )
        if spec.continue_from:
            return await self._find(caller, spec.continue_from), ""
        if spec.fork_from:
            return "", await self._find(caller, spec.fork_from)
        return "", ""

    async def _find(self, caller: Caller, reference: str) -> str:
        """The caller's stored session named by a session id or a settled task's id."""
        session_id = reference
        if reference.startswith("task-"):
            task = await self.store.get_task(reference)
            if task is None or task.namespace != caller.namespace:
                raise TaskNotFound(reference)
            if not task.state.is_settled:
                raise IllegalState(
                    reference, task.state.value, "continue from", "a settled task (wait for it)"
                )
            session_id = task.session_id
            if not session_id:
                raise SessionNotFound(reference)
        session = await self.store.get_session(session_id)
        if session is None or not owned_by(session, caller.namespace, caller.principal):
            raise SessionNotFound(session_id)
        if session.transcript_bytes > self.settings.max_session_bytes:
            raise SessionTooLarge(
                session_id, session.transcript_bytes, self.settings.max_session_bytes
            )
        return session_id

    # planning a run --------------------------------------------------------------------------

    async def plan(self, task: Task, slot: Slot | None, start_key: str) -> SessionPlan:
        """The session the task's run uses (see the module docstring for the slot policy)."""
        if task.continues:
            return self._plan(SessionMode.CONTINUE, task.continues)
        if task.forks:
            return self._plan(SessionMode.FORK, task.forks)
        if self.settings.session_policy is SessionPolicy.SLOT and slot and slot.session_id:
            kept = await self.store.get_session(slot.session_id)
            if (
                owned_by(kept, task.namespace, task.owner)
                and kept is not None
                and kept.start_key == start_key
                and kept.transcript_bytes <= self.settings.max_session_bytes
            ):
                return self._plan(SessionMode.CONTINUE, kept.id)
        return SessionPlan()

    def _plan(self, mode: SessionMode, session_id: str) -> SessionPlan:
        async def load() -> list[bytes]:
            return await self.store.load_transcript(session_id)

        return SessionPlan(mode, session_id, load)

    # the session RPCs ------------------------------------------------------------------------

    async def get(self, caller: Caller, session_id: str) -> Session:
        if not session_id:
            raise InvalidArgument("session_id", "is required")
        session = await self.store.get_session(session_id)
        if session is None or not owned_by(session, caller.namespace, caller.principal):
            raise SessionNotFound(session_id)
        return session

    async def list(self, caller: Caller, page_size: int, page_token: str) -> SessionPage:
        if page_size < 0:
            raise InvalidArgument("page_size", "must not be negative")
        size = min(page_size or 50, MAX_PAGE_SIZE)
        return await self.store.list_sessions(caller.namespace, caller.principal, size, page_token)

    async def delete(self, caller: Caller, session_id: str) -> None:
        await self.get(caller, session_id)
        if not await self.store.delete_session(session_id):
            raise SessionNotFound(session_id)
