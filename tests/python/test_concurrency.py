"""Many sandboxes at once, from threads and from asyncio."""
import asyncio
import concurrent.futures
import os

import pytest

import libward_sandbox as ward
from conftest import PY, alive

N = 20


# The memory limit is only a guard here, not what is tested: without root no
# cgroup holds it per sandbox, so it may be held per process (RLIMIT_AS).
DEGRADED = [] if os.geteuid() == 0 else ["limits"]


def one(i, policy_fn=None):
    return ward.run([PY, "-c", f"import sys; print({i} * {i}); sys.exit({i % 4})"],
                    ward.Policy(limits={"memory": "256M", "timeout": "120s"},
                                allow_degraded=DEGRADED),
                    capture_output=True, text=True, policy_fn=policy_fn, timeout=120)


def test_twenty_sandboxes_from_threads():
    with concurrent.futures.ThreadPoolExecutor(N) as pool:
        results = list(pool.map(one, range(N)))
    for i, r in enumerate(results):
        assert (r.stdout, r.returncode) == (f"{i * i}\n", i % 4), r.stderr
    assert len({r.stats.sandbox_id for r in results}) == N


def test_twenty_sandboxes_with_policy_fns_from_threads():
    calls = []

    def fn(ev):
        calls.append(ev.pid)
        return True
    with concurrent.futures.ThreadPoolExecutor(N) as pool:
        results = list(pool.map(lambda i: one(i, fn), range(N)))
    assert [r.returncode for r in results] == [i % 4 for i in range(N)]
    assert len(calls) == N  # one exec each


def test_run_async():
    async def main():
        return await ward.run_async(["/bin/echo", "async"], capture_output=True, text=True)
    r = asyncio.run(main())
    assert (r.returncode, r.stdout) == (0, "async\n")


def test_twenty_sandboxes_with_asyncio_gather():
    async def main():
        return await asyncio.gather(*[
            ward.run_async([PY, "-c", f"print({i})"], capture_output=True, text=True,
                           timeout=120)
            for i in range(N)])
    results = asyncio.run(main())
    assert [r.stdout for r in results] == [f"{i}\n" for i in range(N)]


def test_async_errors_propagate():
    async def main():
        await ward.run_async(["no-such-command-ward"])
    with pytest.raises(ward.CommandNotFound):
        asyncio.run(main())
    with pytest.raises(TypeError):
        asyncio.run(ward.run_async("echo hi"))


def test_cancelling_the_task_kills_the_sandbox():
    async def main():
        loop = asyncio.get_running_loop()
        started = asyncio.Event()
        pids = []

        def on_event(ev):
            if ev["type"] == "start":
                pids.append(ev["pid"])
                loop.call_soon_threadsafe(started.set)
        task = asyncio.ensure_future(ward.run_async(["/bin/sleep", "60"], on_event=on_event))
        await asyncio.wait_for(started.wait(), 20)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return pids[0]
    pid = asyncio.run(main())
    assert not alive(pid)


def test_sandbox_run_async_and_the_loop_stays_responsive():
    async def main():
        sb = ward.Sandbox(ward.Policy())
        ticks = 0
        run = asyncio.ensure_future(sb.run_async(["/bin/sh", "-c", "read x"], input=b"x\n"))
        while not run.done():
            ticks += 1
            await asyncio.sleep(0)  # yields to the loop: it is never blocked
        return (await run).returncode, ticks
    rc, ticks = asyncio.run(main())
    assert rc == 0 and ticks > 0
