"""The API gateway's cost per call: the same streamed Messages call sent straight to the stub
API and through the gateway (admission, forwarding with the real key, SSE metering), interleaved.

    python -m bench.gateway [--calls 400] [--chunks 8]

Reports p50/p99 of the time to the last byte of each call, both ways, the difference, and the
server process's CPU time per call. Run by hand; record the output in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import time

import aiohttp

from claude_pool_server.gateway.server import ApiGateway, Envelope
from tests.support.stub_anthropic import StubAnthropic


def body(chunks: int) -> dict[str, object]:
    prompt = f"[[reply:a short answer for the benchmark]] [[chunks:{chunks}]]"
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "stream": True,
        "messages": [{"role": "user", "content": prompt}],
    }


async def one_call(session: aiohttp.ClientSession, url: str, key: str, chunks: int) -> float:
    started = time.perf_counter()
    headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
    async with session.post(f"{url}/v1/messages", json=body(chunks), headers=headers) as reply:
        assert reply.status == 200, await reply.text()
        async for _ in reply.content.iter_any():
            pass
    return time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def main(calls: int, chunks: int) -> None:
    with StubAnthropic() as stub:
        gateway = ApiGateway(stub.url, {"x-api-key": "sk-real"})
        await gateway.start()
        key = gateway.issue_key()
        gateway.assign(key, Envelope("bench", None))
        direct: list[float] = []
        through: list[float] = []
        cpu_direct = cpu_through = 0.0
        async with aiohttp.ClientSession() as session:
            for _ in range(20):  # warm both paths up
                await one_call(session, stub.url, "sk-real", chunks)
                await one_call(session, gateway.url, key, chunks)
            for _ in range(calls):
                before = resource.getrusage(resource.RUSAGE_SELF)
                direct.append(await one_call(session, stub.url, "sk-real", chunks))
                middle = resource.getrusage(resource.RUSAGE_SELF)
                through.append(await one_call(session, gateway.url, key, chunks))
                after = resource.getrusage(resource.RUSAGE_SELF)
                cpu_direct += (middle.ru_utime + middle.ru_stime) - (
                    before.ru_utime + before.ru_stime
                )
                cpu_through += (after.ru_utime + after.ru_stime) - (
                    middle.ru_utime + middle.ru_stime
                )
        await gateway.close()
    ms = 1000.0
    print(
        f"{calls} calls, {chunks} text deltas each, interleaved; this process runs client, "
        "gateway and stub, so CPU is the sum of all three"
    )
    print("| path | p50 ms | p99 ms | mean ms | CPU ms per call |")
    print("|---|---|---|---|---|")
    for name, values, cpu in (("direct", direct, cpu_direct), ("gateway", through, cpu_through)):
        print(
            f"| {name} | {percentile(values, 0.5) * ms:.2f} | {percentile(values, 0.99) * ms:.2f} "
            f"| {statistics.mean(values) * ms:.2f} | {cpu / calls * ms:.2f} |"
        )
    added = [t - d for t, d in zip(through, direct, strict=True)]
    print(
        f"added by the gateway: p50 {percentile(added, 0.5) * ms:.2f} ms, "
        f"p99 {percentile(added, 0.99) * ms:.2f} ms, "
        f"CPU {(cpu_through - cpu_direct) / calls * ms:.2f} ms per call"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--chunks", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.chunks))
