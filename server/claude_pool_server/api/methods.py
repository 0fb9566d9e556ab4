"""What each RPC of the contract needs: the scope a caller must hold, and whether it changes
anything (mutating calls are audited and may be replayed by `request_id`).

Explicit for every method, with no default: a method added to the contract without a row here
fails tests/unit/test_method_table.py, instead of silently landing in some scope.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Method:
    scope: str
    mutating: bool


READ = Method("read", mutating=False)
SUBMIT = Method("submit", mutating=True)
ADMIN = Method("admin", mutating=True)

METHODS: dict[str, Method] = {
    # tasks
    "Run": SUBMIT,
    "RunStream": SUBMIT,
    "SubmitTask": SUBMIT,
    "GetTask": READ,
    "ListTasks": READ,
    "WaitTask": READ,
    "WatchTask": READ,
    "CancelTask": SUBMIT,
    "DeleteTask": SUBMIT,
    "ClaimTask": ADMIN,  # makes a slot take the oldest task of any namespace: pool management
    "ApproveTask": SUBMIT,
    "RejectTask": SUBMIT,
    # sessions
    "GetSession": READ,
    "ListSessions": READ,
    "DeleteSession": SUBMIT,
    # fan-out and chains
    "FanOut": SUBMIT,
    "FanOutStream": SUBMIT,
    "SubmitChain": SUBMIT,
    "FanOutChains": SUBMIT,
    "GetChainProgress": READ,
    "ListChainProgress": READ,
    "WatchChain": READ,
    "CancelChain": SUBMIT,
    # routing (Route runs a paid CLI call, so it needs submit although it changes nothing)
    "Route": Method("submit", mutating=False),
    "Auto": SUBMIT,
    "ExecuteRoute": SUBMIT,
    # context and messages (the caller's namespace's own)
    "SetContext": SUBMIT,
    "GetContext": READ,
    "DeleteContext": SUBMIT,
    "ListContext": READ,
    "SendMessage": SUBMIT,
    "BroadcastMessage": SUBMIT,
    "ReadMessages": SUBMIT,  # reading removes the messages
    "PeekMessages": READ,
    "CountMessages": READ,
    # the pool itself
    "FindSlots": READ,
    "ScaleUp": ADMIN,
    "ScaleDown": ADMIN,
    "SetTargetSlots": ADMIN,
    "GetStatus": READ,
    "GetConfig": READ,
    "Drain": ADMIN,
    "GetSessionMetrics": READ,
}


def method_name(full_method: str) -> str:
    """`/claude_pool.v1.PoolService/Run` -> `Run`."""
    return full_method.rsplit("/", 1)[-1]
