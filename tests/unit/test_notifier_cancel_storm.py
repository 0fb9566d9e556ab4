"""The in-process notifier under a storm of cancelled waiters.

Round 2 found the pool stalled for good under load: `asyncio.wait_for` around
`Condition.wait_for` on Python 3.11 could swallow a cancel (a slot worker or a watcher that
never stops, SIGTERM that never finishes) or break the condition's lock (`RuntimeError: Lock is
not acquired`). These tests cancel thousands of waiters at random moments while topics are
published, and require every waiter to stop at once, no error, and the notifier to still wake.
"""

from __future__ import annotations

import asyncio
import random

import pytest

from claude_pool_server.store.local_notifier import LocalNotifier

pytestmark = pytest.mark.asyncio


async def _storm(seed: int, waiters: int, rounds: int) -> list[str]:
    rnd = random.Random(seed)
    notifier = LocalNotifier()
    errors: list[str] = []

    async def waiter() -> None:
        # Like a watcher (wait) or an idle slot worker (wait_turn): wait, re-check, wait again,
        # until cancelled.
        turns = rnd.random() < 0.5
        try:
            while True:
                seen, own = notifier.version("tasks"), notifier.version("tasks:s")
                timeout = rnd.choice([0.0, 0.0005, 0.001, 0.01])
                if turns:
                    await notifier.wait_turn("tasks", seen, "tasks:s", own, timeout)
                else:
                    await notifier.wait("tasks", seen, timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the test reports any error at all
            errors.append(repr(exc))

    async def publisher() -> None:
        while True:
            await notifier.publish("tasks")
            await asyncio.sleep(rnd.choice([0.0, 0.0005]))

    publishers = [asyncio.create_task(publisher()) for _ in range(4)]
    running = [asyncio.create_task(waiter()) for _ in range(waiters)]
    cancelled: list[asyncio.Task[None]] = []
    for _ in range(rounds):
        await asyncio.sleep(rnd.choice([0.0, 0.0005, 0.001]))
        victims = rnd.sample(running, min(10, len(running)))
        for victim in victims:
            victim.cancel()
        cancelled.extend(victims)
        running = [t for t in running if t not in victims]
        running.extend(asyncio.create_task(waiter()) for _ in victims)
    everything = [*running, *publishers]
    for task in everything:
        task.cancel()
    # A swallowed cancel leaves a waiter looping for ever: give them all a bounded time.
    done, pending = await asyncio.wait([*everything, *cancelled], timeout=10)
    for task in pending:
        errors.append(f"{task.get_name()} ignored its cancel")
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            errors.append(repr(task.exception()))
    # The notifier still works after the storm (a broken lock would block here for ever).
    seen = notifier.version("tasks")
    woken = asyncio.create_task(notifier.wait("tasks", seen, 5.0))
    await asyncio.sleep(0.01)
    try:
        await asyncio.wait_for(notifier.publish("tasks"), 2.0)
        if await asyncio.wait_for(woken, 2.0) <= seen:
            errors.append("a publish after the storm did not wake a waiter")
    except TimeoutError:
        errors.append("publish or wait blocked after the storm")
    # ... and a turn still goes to a live turn-waiter, not to one cancelled in the storm
    turn = asyncio.create_task(notifier.wait_turn("tasks", notifier.version("tasks"), "x", 0, 5))
    await asyncio.sleep(0.01)
    notifier.bump("tasks")
    try:
        if not await asyncio.wait_for(turn, 2.0):
            errors.append("a bump after the storm gave no turn")
    except TimeoutError:
        errors.append("a bump after the storm woke no turn-waiter")
    if notifier.waiting():
        errors.append(f"{notifier.waiting()} waiters still parked after the storm")
    return errors


@pytest.mark.parametrize("seed", range(2))
async def test_thousands_of_cancelled_waiters_all_stop_and_the_notifier_still_wakes(
    seed: int,
) -> None:
    assert await _storm(seed, waiters=1000, rounds=150) == []


async def test_a_waiter_wakes_on_publish_and_times_out_otherwise() -> None:
    notifier = LocalNotifier()
    seen = notifier.version("a")
    # no publish: returns after the timeout with the same version
    assert await notifier.wait("a", seen, 0.01) == seen
    # already newer: returns at once
    notifier.bump("a")
    assert await asyncio.wait_for(notifier.wait("a", seen, 60.0), 1.0) == seen + 1
    # another topic does not wake it
    waiting = asyncio.create_task(notifier.wait("a", seen + 1, 0.2))
    await asyncio.sleep(0.01)
    await notifier.publish("b")
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await notifier.publish("a")
    assert await asyncio.wait_for(waiting, 1.0) == seen + 2


async def test_a_waiter_without_a_deadline_waits_for_the_publish() -> None:
    notifier = LocalNotifier()
    waiting = asyncio.create_task(notifier.wait("a", 0, float("inf")))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    notifier.bump("a")
    assert await asyncio.wait_for(waiting, 1.0) == 1


async def test_each_change_wakes_one_turn_waiter_in_parking_order() -> None:
    """Idle slot workers wait for turns: a submission wakes one of them, not all."""
    notifier = LocalNotifier()
    woken: list[tuple[str, bool]] = []

    async def worker(name: str) -> None:
        seen = notifier.version("tasks")
        turn = await notifier.wait_turn("tasks", seen, f"tasks:{name}", 0, 5.0)
        woken.append((name, turn))

    workers = {}
    for name in ("a", "b", "c", "d"):
        workers[name] = asyncio.create_task(worker(name))
        await asyncio.sleep(0.005)
    notifier.bump("tasks")
    await asyncio.sleep(0.02)
    assert woken == [("a", True)]  # one change, one waiter: the longest parked
    notifier.pass_turn("tasks")
    await asyncio.sleep(0.02)
    assert woken == [("a", True), ("b", True)]
    notifier.bump("tasks:d")  # a task pinned to d's slot wakes d, out of turn
    await asyncio.sleep(0.02)
    assert woken[-1] == ("d", False)
    workers["e"] = asyncio.create_task(worker("e"))
    await asyncio.sleep(0.01)
    workers["c"].cancel()  # a cancelled waiter does not swallow the next turn
    await asyncio.sleep(0.01)
    notifier.bump("tasks")
    await asyncio.sleep(0.02)
    assert woken[-1] == ("e", True) and notifier.waiting() == 0


async def test_a_turn_waiter_that_missed_a_change_does_not_park() -> None:
    notifier = LocalNotifier()
    seen = notifier.version("tasks")
    notifier.bump("tasks")  # changed while it was claiming
    assert await asyncio.wait_for(notifier.wait_turn("tasks", seen, "o", 0, 60), 1) is False
    notifier.bump("o")
    assert await asyncio.wait_for(notifier.wait_turn("tasks", seen + 1, "o", 0, 60), 1) is False


async def test_a_turn_given_to_a_waiter_cancelled_before_it_woke_goes_to_the_next() -> None:
    notifier = LocalNotifier()
    first = asyncio.create_task(notifier.wait_turn("tasks", 0, "a", 0, 5.0))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(notifier.wait_turn("tasks", 0, "b", 0, 5.0))
    await asyncio.sleep(0.01)
    notifier.bump("tasks")  # the turn is the first's ...
    first.cancel()  # ... but it is cancelled before it runs again
    assert await asyncio.wait_for(second, 1.0) is True
    assert first.cancelled()
