"""Ctrl-C: a real SIGINT to this process while a sandbox runs raises
KeyboardInterrupt promptly and leaves no sandbox behind."""
import os
import signal
import threading
import time

import pytest

import libward_sandbox as ward
from conftest import alive


def sigint_soon():
    """os.kill(SIGINT) from a timer thread, as a terminal would send it."""
    threading.Thread(target=os.kill, args=(os.getpid(), signal.SIGINT)).start()


def sandbox_threads_end(deadline_s=20.0):
    """Waits (bounded) for every ward-sandbox thread to finish its cleanup."""
    for t in threading.enumerate():
        if t.name == "ward-sandbox":
            t.join(deadline_s)
            assert not t.is_alive(), "a sandbox thread did not finish its cleanup"


@pytest.fixture(autouse=True)
def default_sigint():
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    yield
    sandbox_threads_end()


def test_sigint_during_run_kills_the_sandbox_and_raises():
    pids = []

    def on_event(ev):
        if ev["type"] == "start":
            pids.append(ev["pid"])
            sigint_soon()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        ward.run(["/bin/sleep", "60"], capture_output=True, on_event=on_event)
    assert time.monotonic() - started < 10
    assert pids and not alive(pids[0])


def test_sigint_during_wait():
    with pytest.raises(KeyboardInterrupt):
        with ward.Sandbox().spawn(["/bin/sleep", "60"],
                                  ) as p:
            sigint_soon()
            p.wait()
    assert p.poll() == -signal.SIGKILL and not alive(p.pid)


def test_sigint_while_policy_fn_is_blocked_is_not_held_by_the_callback():
    # The callback is stuck in user code far longer than any bound below
    # (and than the cleanup's own patience): only a cleanup that does not
    # wait for it can raise while it is still inside.
    release = threading.Event()
    in_callback = threading.Event()
    returned = threading.Event()
    pids = []

    def on_event(ev):
        if ev["type"] == "start":
            pids.append(ev["pid"])

    def fn(ev):
        if ev.argv[:1] == ("/bin/true",):
            in_callback.set()
            sigint_soon()
            release.wait(120)
            returned.set()
        return True
    try:
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            ward.run(["/bin/sh", "-c", "/bin/true; exec sleep 60"], policy_fn=fn,
                     policy_fn_timeout=300, on_event=on_event)
        elapsed = time.monotonic() - started
        assert in_callback.is_set()
        assert not returned.is_set(), "the interrupt waited for the callback to return"
        assert elapsed < 10, f"KeyboardInterrupt took {elapsed:.1f} s"
        assert pids and not alive(pids[0]), "the sandbox outlived the interrupt"
    finally:
        release.set()
    # Released, the callback returns into ward's abandoned worker, which
    # ends on its own (nothing is left blocked).
    assert returned.wait(20), "the released callback did not return"


def test_sigint_in_communicate_with_output_pending():
    with pytest.raises(KeyboardInterrupt):
        with ward.Sandbox().spawn(["/bin/sh", "-c", "echo go; exec sleep 60"],
                                  stdout=ward.PIPE) as p:
            assert p.stdout.readline() == b"go\n"
            pid = p.pid  # the host pid, not $$ inside the pid namespace
            sigint_soon()
            p.communicate()
    assert not alive(pid)


def test_sigint_under_asyncio_run_kills_the_sandbox():
    import asyncio
    pids = []

    async def main():
        def on_event(ev):
            if ev["type"] == "start":
                pids.append(ev["pid"])
                sigint_soon()
        await ward.run_async(["/bin/sleep", "60"], on_event=on_event)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(main())
    assert time.monotonic() - started < 10
    assert pids and not alive(pids[0])


def test_interpreter_exit_kills_running_sandboxes(workdir):
    import subprocess
    from conftest import ROOT
    code = ("import sys; sys.path.insert(0, sys.argv[1])\n"
            "import libward_sandbox as w\n"
            "p = w.Sandbox().spawn(['/bin/sleep', '60'])\n"
            "print(p.pid, flush=True)\n")  # and exit without waiting
    started = time.monotonic()
    r = subprocess.run(["/usr/bin/python3", "-c", code, os.path.join(ROOT, "bindings", "python")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - started < 20
    assert not alive(int(r.stdout))


def test_a_reader_left_by_an_interrupt_never_steals_later_output():
    # After Ctrl-C in communicate(), its reader thread owns the pipe until
    # EOF; a later sandbox's pipe must not be read by that old thread.
    with pytest.raises(KeyboardInterrupt):
        with ward.Sandbox().spawn(["/bin/sh", "-c", "echo go; exec sleep 60"],
                                  stdout=ward.PIPE) as p:
            p.stdout.readline()
            sigint_soon()
            p.communicate()
    for _ in range(20):
        r = ward.run(["/bin/echo", "mine"], capture_output=True)
        assert r.stdout == b"mine\n"


def test_sigint_delivered_to_another_thread_still_interrupts_the_wait():
    # The kernel may deliver a process-directed SIGINT to any thread that
    # does not block it; Python runs the handler only in the main thread,
    # so the main thread's wait must wake up on its own to notice it.
    parked = threading.Event()
    release = threading.Event()

    def bystander():
        parked.set()
        release.wait(30)
    t = threading.Thread(target=bystander)
    t.start()
    assert parked.wait(20)
    try:
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            with ward.Sandbox().spawn(["/bin/sleep", "60"]) as p:
                signal.pthread_kill(t.ident, signal.SIGINT)
                p.wait()
        assert time.monotonic() - started < 10
        assert p.poll() == -signal.SIGKILL and not alive(p.pid)
    finally:
        release.set()
        t.join()
