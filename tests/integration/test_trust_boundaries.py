"""Trust boundaries (issue F): who may call what, who sees what, and what crosses the wire.

Run over a real socket with raw generated stubs (no client wrapper), so each test shows exactly
what an attacker with a socket and a token can and cannot do.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from claude_pool.v1 import pool_service_pb2 as pb
from claude_pool.v1 import pool_service_pb2_grpc, task_pb2
from claude_pool_server.api.methods import METHODS
from claude_pool_server.config import parse_tokens
from claude_pool_server.domain.callers import SCOPES
from claude_pool_server.domain.policy import NamespacePolicy
from claude_pool_server.driver.fake import FakeDriver, FakeReply
from claude_pool_server.server import RunningServer
from tests.conftest import ServerFactory
from tests.support.certificates import TlsFiles, make_tls_files

pytestmark = pytest.mark.asyncio

SERVICE = pb.DESCRIPTOR.services_by_name["PoolService"]
TOKENS = """
admin-token read,submit,admin name=operator
reader-token read name=dashboard
submitter-token submit name=worker
alice-token read,submit namespace=team-a name=alice
alice2-token read,submit namespace=team-a name=alice-2
bob-token read,submit namespace=team-b name=bob
"""


def metadata(token: str | None) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),) if token else ()


def stub_for(channel: grpc.aio.Channel) -> pool_service_pb2_grpc.PoolServiceStub:
    return pool_service_pb2_grpc.PoolServiceStub(channel)


def error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    info = error_details_pb2.ErrorInfo()
    if status is not None:
        for detail in status.details:
            if detail.Is(info.DESCRIPTOR):
                detail.Unpack(info)
    return info


def field_of(error: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    bad = error_details_pb2.BadRequest()
    assert status is not None
    for detail in status.details:
        if detail.Is(bad.DESCRIPTOR):
            detail.Unpack(bad)
            return bad.field_violations[0].field
    return ""


async def call(stub: Any, name: str, request: Message, token: str | None) -> Any:
    """Call one RPC (unary, or the first message of a stream); return the response or error."""
    method = getattr(stub, name)
    try:
        if SERVICE.methods_by_name[name].server_streaming:
            stream = method(request, metadata=metadata(token), timeout=10)
            async for item in stream:
                stream.cancel()
                return item
            return None
        return await method(request, metadata=metadata(token), timeout=10)
    except grpc.aio.AioRpcError as error:
        return error


async def tokens_server(
    make_server: ServerFactory, driver: FakeDriver | None = None, **settings: Any
) -> RunningServer:
    credentials = parse_tokens(TOKENS, "tokens")
    harness = await make_server(
        driver=driver or FakeDriver(), server={"credentials": credentials}, **settings
    )
    return harness.server


# --- scopes ---------------------------------------------------------------------------------------


async def test_every_rpc_of_the_contract_has_a_scope() -> None:
    assert set(METHODS) == {m.name for m in SERVICE.methods}
    assert {m.scope for m in METHODS.values()} <= set(SCOPES)


async def test_each_scope_reaches_exactly_its_methods(make_server: ServerFactory) -> None:
    """A token with one scope gets PERMISSION_DENIED (SCOPE_DENIED) from every method of
    another scope, and reaches every method of its own (it may fail there for other reasons:
    the requests are empty)."""
    server = await tokens_server(make_server)
    tokens = {"read": "reader-token", "submit": "submitter-token"}
    async with grpc.aio.insecure_channel(server.address) as channel:
        stub = stub_for(channel)
        for method in SERVICE.methods:
            request = pb.__dict__[method.input_type.name]()
            for scope, token in tokens.items():
                outcome = await call(stub, method.name, request, token)
                denied = isinstance(outcome, grpc.aio.AioRpcError) and (
                    outcome.code() is grpc.StatusCode.PERMISSION_DENIED
                    and error_info(outcome).reason == "SCOPE_DENIED"
                )
                allowed = METHODS[method.name].scope == scope
                assert denied is not allowed, (method.name, scope, outcome)
            for token in (None, "wrong-token"):
                outcome = await call(stub, method.name, request, token)
                assert isinstance(outcome, grpc.aio.AioRpcError), method.name
                assert outcome.code() is grpc.StatusCode.UNAUTHENTICATED, method.name


async def test_health_and_reflection_need_no_token(make_server: ServerFactory) -> None:
    server = await tokens_server(make_server)
    async with grpc.aio.insecure_channel(server.address) as channel:
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        assert health.status == health_pb2.HealthCheckResponse.SERVING


async def test_a_corrupt_body_without_a_token_is_unauthenticated_not_parsed(
    make_server: ServerFactory,
) -> None:
    server = await tokens_server(make_server)
    async with grpc.aio.insecure_channel(server.address) as channel:
        raw = channel.unary_unary(
            "/claude_pool.v1.PoolService/GetTask",
            request_serializer=lambda b: b,
            response_deserializer=lambda b: b,
        )
        for token, code in ((None, "UNAUTHENTICATED"), ("reader-token", "INVALID_ARGUMENT")):
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await raw(b"\xff\xff\xff\x0a\x05ab", metadata=metadata(token))
            assert caught.value.code().name == code
        with pytest.raises(grpc.aio.AioRpcError) as bad_utf8:
            await raw(b"\x0a\x03a\xffc", metadata=metadata("reader-token"))
        assert bad_utf8.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert "UTF-8" in (bad_utf8.value.details() or "")


# --- namespaces -----------------------------------------------------------------------------------


async def test_another_namespace_gets_not_found_for_everything(make_server: ServerFactory) -> None:
    server = await tokens_server(make_server)
    async with grpc.aio.insecure_channel(server.address) as channel:
        stub = stub_for(channel)
        alice = metadata("alice-token")
        done = await stub.Run(
            pb.RunRequest(task=task_pb2.TaskSpec(prompt="alice's secret")), metadata=alice
        )
        task = done.task
        assert task.state == task_pb2.TASK_STATE_COMPLETED and task.session_id
        await stub.SetContext(pb.SetContextRequest(key="repo", value="secret"), metadata=alice)
        chain = await stub.SubmitChain(
            pb.SubmitChainRequest(steps=[{"name": "a", "prompt": "x"}]), metadata=alice
        )
        for token in ("bob-token", "alice2-token"):
            other = metadata(token)
            # sessions belong to their principal; everything else to the namespace
            probes = [
                stub.GetSession(pb.GetSessionRequest(session_id=task.session_id), metadata=other),
                stub.DeleteSession(
                    pb.DeleteSessionRequest(session_id=task.session_id), metadata=other
                ),
                stub.SubmitTask(
                    pb.SubmitTaskRequest(
                        task=task_pb2.TaskSpec(prompt="peek", continue_from=task.session_id)
                    ),
                    metadata=other,
                ),
            ]
            if token == "bob-token":
                probes += [
                    stub.GetTask(pb.GetTaskRequest(task_id=task.id), metadata=other),
                    stub.CancelTask(pb.CancelTaskRequest(task_id=task.id), metadata=other),
                    stub.DeleteTask(pb.DeleteTaskRequest(task_id=task.id), metadata=other),
                    stub.SubmitTask(
                        pb.SubmitTaskRequest(
                            task=task_pb2.TaskSpec(prompt="peek", continue_from=task.id)
                        ),
                        metadata=other,
                    ),
                    stub.GetContext(pb.GetContextRequest(key="repo"), metadata=other),
                    stub.GetChainProgress(
                        pb.GetChainProgressRequest(chain_id=chain.chain.chain_id), metadata=other
                    ),
                ]
            for probe in probes:
                with pytest.raises(grpc.aio.AioRpcError) as caught:
                    await probe
                assert caught.value.code() is grpc.StatusCode.NOT_FOUND, caught.value.details()
        bob = metadata("bob-token")
        listed = await stub.ListTasks(pb.ListTasksRequest(), metadata=bob)
        assert list(listed.tasks) == []
        sessions = await stub.ListSessions(pb.ListSessionsRequest(), metadata=bob)
        assert list(sessions.sessions) == []
        status = await stub.GetStatus(pb.GetStatusRequest(), metadata=bob)
        assert (status.status.completed_tasks, status.status.namespace) == (0, "team-b")
        slots = await stub.FindSlots(pb.FindSlotsRequest(), metadata=bob)
        assert all(not s.current_task_id and not s.session_id for s in slots.slots)


async def test_one_namespaces_request_id_never_replays_anothers(make_server: ServerFactory) -> None:
    server = await tokens_server(make_server)
    async with grpc.aio.insecure_channel(server.address) as channel:
        stub = stub_for(channel)
        request = pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt="same id"), request_id="r-1")
        first = await stub.SubmitTask(request, metadata=metadata("alice-token"))
        second = await stub.SubmitTask(request, metadata=metadata("bob-token"))
        assert first.task.id != second.task.id
        again = await stub.SubmitTask(request, metadata=metadata("alice-token"))
        assert again.task.id == first.task.id


# --- policy, quotas, limits -----------------------------------------------------------------------


async def test_the_namespace_policy_decides_what_a_task_may_ask_for(
    make_server: ServerFactory,
) -> None:
    policy = NamespacePolicy(
        "team-a", models=("claude-sonnet-4-5",), tools=("Read", "Grep"), mcp_servers=("docs",)
    )
    server = await tokens_server(
        make_server,
        policies={"team-a": policy},
        mcp_servers={"docs": {"command": "/usr/bin/true"}, "shell": {"command": "/bin/sh"}},
    )
    async with grpc.aio.insecure_channel(server.address) as channel:
        stub = stub_for(channel)
        alice = metadata("alice-token")
        cases = [
            (task_pb2.TaskOverrides(model="claude-opus-4-1"), "task.overrides.model"),
            (
                task_pb2.TaskOverrides(allowed_tools=["Read", "Bash"]),
                "task.overrides.allowed_tools[1]",
            ),
            (task_pb2.TaskOverrides(mcp_servers=["shell"]), "task.overrides.mcp_servers[0]"),
        ]
        for overrides, field in cases:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub.SubmitTask(
                    pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt="x", overrides=overrides)),
                    metadata=alice,
                )
            assert caught.value.code() is grpc.StatusCode.PERMISSION_DENIED
            info = error_info(caught.value)
            assert info.reason == "POLICY_DENIED" and info.metadata["field"] == field
        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await stub.SubmitTask(
                pb.SubmitTaskRequest(
                    task=task_pb2.TaskSpec(
                        prompt="x", overrides=task_pb2.TaskOverrides(mcp_servers=["/bin/sh -c id"])
                    )
                ),
                metadata=alice,
            )
        assert unknown.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert field_of(unknown.value) == "task.overrides.mcp_servers[0]"
        allowed = task_pb2.TaskOverrides(
            model="claude-sonnet-4-5", allowed_tools=["Read"], mcp_servers=["docs"]
        )
        ok = await stub.SubmitTask(
            pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt="fine", overrides=allowed)),
            metadata=alice,
        )
        assert ok.task.id
        config = await stub.GetConfig(pb.GetConfigRequest(), metadata=alice)
        assert list(config.config.policy.mcp_servers) == ["docs"]
        assert config.config.policy.namespace == "team-a"


async def test_quotas_and_rate_limits_are_resource_exhausted_with_retry_info(
    make_server: ServerFactory,
) -> None:
    slow = FakeDriver(reply=lambda r: FakeReply(chunks=("x",), delay=2.0))
    server = await tokens_server(
        make_server,
        slow,
        policies={
            "team-a": NamespacePolicy("team-a", max_concurrent_tasks=1),
            "team-b": NamespacePolicy("team-b", submits_per_second=1),
        },
    )
    async with grpc.aio.insecure_channel(server.address) as channel:
        stub = stub_for(channel)
        request = pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt="work"))
        await stub.SubmitTask(request, metadata=metadata("alice-token"))
        with pytest.raises(grpc.aio.AioRpcError) as quota:
            await stub.SubmitTask(request, metadata=metadata("alice-token"))
        assert quota.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert error_info(quota.value).reason == "QUOTA_EXCEEDED"
        await stub.SubmitTask(request, metadata=metadata("bob-token"))
        with pytest.raises(grpc.aio.AioRpcError) as rate:
            await stub.SubmitTask(request, metadata=metadata("bob-token"))
        assert rate.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert error_info(rate.value).reason == "RATE_LIMITED"
        status = rpc_status.from_call(rate.value)  # type: ignore[arg-type]
        assert status is not None
        retry = error_details_pb2.RetryInfo()
        assert any(d.Unpack(retry) for d in status.details if d.Is(retry.DESCRIPTOR))
        assert retry.retry_delay.ToNanoseconds() > 0


@pytest.mark.parametrize(
    ("request_message", "field"),
    [
        (pb.GetTaskRequest(task_id="task-\x00"), "task_id"),
        (pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt="a\x00b")), "task.prompt"),
        (pb.ListTasksRequest(tags=["ok", "bad\x00"]), "tags[1]"),
        (pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt="x", working_dir="/tmp/\x00")), "task.working_dir"),
        (pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt="x"), request_id="r" * 1_000_000), "request_id"),
        (pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt="x", overrides=task_pb2.TaskOverrides(model="m" * 1_000_000))), "task.overrides.model"),
        (pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt="x", overrides=task_pb2.TaskOverrides(system_prompt="s" * 1_000_000))), "task.overrides.system_prompt"),
        (pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt="x", overrides=task_pb2.TaskOverrides(allowed_tools=["Read"] * 100))), "task.overrides.allowed_tools"),
        (pb.SetContextRequest(key="k\x00", value="v"), "key"),
    ],
)  # fmt: skip
async def test_every_field_is_checked_at_the_edge(
    make_server: ServerFactory, request_message: Message, field: str
) -> None:
    harness = await make_server(driver=FakeDriver())
    name = {
        "GetTaskRequest": "GetTask",
        "SubmitTaskRequest": "SubmitTask",
        "ListTasksRequest": "ListTasks",
        "SetContextRequest": "SetContext",
    }[type(request_message).__name__]
    async with grpc.aio.insecure_channel(
        harness.server.address, options=[("grpc.max_send_message_length", 16 * 1024 * 1024)]
    ) as channel:
        outcome = await call(stub_for(channel), name, request_message, None)
    assert isinstance(outcome, grpc.aio.AioRpcError)
    assert outcome.code() is grpc.StatusCode.INVALID_ARGUMENT, outcome.details()
    assert field_of(outcome) == field


async def test_a_sibling_directory_named_like_a_root_is_outside_it(
    make_server: ServerFactory,
) -> None:
    harness = await make_server(driver=FakeDriver())
    evil = harness.work_root.parent / f"{harness.work_root.name}-evil"
    evil.mkdir()
    async with grpc.aio.insecure_channel(harness.server.address) as channel:
        outcome = await call(
            stub_for(channel),
            "SubmitTask",
            pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt="x", working_dir=str(evil))),
            None,
        )
    assert isinstance(outcome, grpc.aio.AioRpcError)
    assert outcome.code() is grpc.StatusCode.PERMISSION_DENIED
    assert error_info(outcome).reason == "WORKING_DIR_OUTSIDE_ROOTS"


# --- TLS ------------------------------------------------------------------------------------------


async def tls_server(
    make_server: ServerFactory, tmp_path: Path, mutual: bool
) -> tuple[RunningServer, TlsFiles]:
    files = make_tls_files(tmp_path / "tls", "svc-client")
    credentials = parse_tokens("cert:svc-client read,submit namespace=team-a\ntok read", "t")
    server_options: dict[str, Any] = {
        "credentials": credentials,
        "tls_cert": str(files.server_cert),
        "tls_key": str(files.server_key),
        "tls_client_ca": str(files.ca) if mutual else "",
    }
    harness = await make_server(driver=FakeDriver(), server=server_options)
    return harness.server, files


async def status_over(channel: grpc.aio.Channel, token: str | None = None) -> Any:
    return await call(stub_for(channel), "GetStatus", pb.GetStatusRequest(), token)


async def test_tls_refuses_plaintext_and_serves_tls(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    server, files = await tls_server(make_server, tmp_path, mutual=False)
    async with grpc.aio.insecure_channel(server.address) as plaintext:
        refused = await status_over(plaintext, "tok")
        assert isinstance(refused, grpc.aio.AioRpcError)
        assert refused.code() is grpc.StatusCode.UNAVAILABLE
    credentials = grpc.ssl_channel_credentials(files.ca.read_bytes())
    async with grpc.aio.secure_channel(server.address, credentials) as tls:
        reply = await status_over(tls, "tok")
        assert not isinstance(reply, grpc.aio.AioRpcError), reply
        assert reply.status.total_slots >= 1


async def test_mtls_refuses_a_client_without_a_certificate_and_maps_one_to_a_principal(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    server, files = await tls_server(make_server, tmp_path, mutual=True)
    no_certificate = grpc.ssl_channel_credentials(files.ca.read_bytes())
    async with grpc.aio.secure_channel(server.address, no_certificate) as channel:
        refused = await status_over(channel, "tok")
        assert isinstance(refused, grpc.aio.AioRpcError)
        assert refused.code() is grpc.StatusCode.UNAVAILABLE
    root, key, chain = files.client_pair()
    with_certificate = grpc.ssl_channel_credentials(root, key, chain)
    async with grpc.aio.secure_channel(server.address, with_certificate) as channel:
        reply = await status_over(channel)  # no token: the certificate names the principal
        assert not isinstance(reply, grpc.aio.AioRpcError), reply
        assert reply.status.namespace == "team-a"


async def test_certificates_reload_when_the_files_change(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    server, files = await tls_server(make_server, tmp_path, mutual=False)
    renewed = make_tls_files(tmp_path / "renewed")
    files.server_cert.write_bytes(renewed.server_cert.read_bytes())
    files.server_key.write_bytes(renewed.server_key.read_bytes())
    old_ca = grpc.ssl_channel_credentials(files.ca.read_bytes())
    new_ca = grpc.ssl_channel_credentials(renewed.ca.read_bytes())
    async with grpc.aio.secure_channel(server.address, new_ca) as channel:
        reply = await status_over(channel, "tok")
        assert not isinstance(reply, grpc.aio.AioRpcError), reply
    async with grpc.aio.secure_channel(server.address, old_ca) as channel:
        refused = await status_over(channel, "tok")
        assert isinstance(refused, grpc.aio.AioRpcError)


# --- audit ----------------------------------------------------------------------------------------


async def test_every_mutating_call_is_audited_without_its_prompt(
    make_server: ServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    server = await tokens_server(make_server)
    caplog.set_level(logging.INFO, logger="claude_pool_server.audit")
    async with grpc.aio.insecure_channel(server.address) as channel:
        stub = stub_for(channel)
        submitted = await stub.SubmitTask(
            pb.SubmitTaskRequest(
                task=task_pb2.TaskSpec(prompt="top secret prompt"), request_id="a-1"
            ),
            metadata=metadata("alice-token"),
        )
        await call(stub, "CancelTask", pb.CancelTaskRequest(task_id=submitted.task.id), "bob-token")
        await call(stub, "GetStatus", pb.GetStatusRequest(), "alice-token")  # a read: no line
    entries = [
        json.loads(r.getMessage()) for r in caplog.records if r.name == "claude_pool_server.audit"
    ]
    assert [(e["audit"], e["principal"], e["namespace"], e["outcome"]) for e in entries] == [
        ("SubmitTask", "alice", "team-a", "OK"),
        ("CancelTask", "bob", "team-b", "NOT_FOUND"),
    ]
    assert entries[0]["idempotency_key"] == "a-1"
    assert entries[1]["task_id"] == submitted.task.id
    assert "top secret" not in json.dumps(entries)


async def test_working_dir_must_stay_inside_the_work_roots(make_server: ServerFactory) -> None:
    harness = await make_server(driver=FakeDriver())
    inside = harness.work_root / "project"
    inside.mkdir()
    outside = harness.work_root.parent / "elsewhere"
    outside.mkdir()
    escape = harness.work_root / "escape"
    escape.symlink_to(outside)
    async with grpc.aio.insecure_channel(harness.server.address) as channel:
        stub = stub_for(channel)
        ok = await stub.Run(
            pb.RunRequest(task=task_pb2.TaskSpec(prompt="ok", working_dir=str(inside)))
        )
        assert ok.task.state == task_pb2.TASK_STATE_COMPLETED
        for attempt in (
            str(outside), str(escape), str(harness.work_root / ".." / "elsewhere"), "/etc"
        ):  # fmt: skip
            outcome = await call(
                stub,
                "SubmitTask",
                pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt="no", working_dir=attempt)),
                None,
            )
            assert isinstance(outcome, grpc.aio.AioRpcError), attempt
            assert outcome.code() is grpc.StatusCode.PERMISSION_DENIED
            assert error_info(outcome).reason == "WORKING_DIR_OUTSIDE_ROOTS"
