"""Sandbox.spawn() and Process: pipes, wait, poll, kill, signals, events, cleanup."""
import os
import signal
import time

import pytest

import libward_sandbox as ward
from conftest import PY, alive


def test_interactive_pipes():
    with ward.Sandbox().spawn(["/bin/cat"], stdin=ward.PIPE, stdout=ward.PIPE,
                              text=True) as p:
        assert p.poll() is None  # cat waits for input: deterministically running
        p.stdin.write("ping\n")
        p.stdin.flush()
        assert p.stdout.readline() == "ping\n"
        p.stdin.close()
        assert p.wait() == 0
        assert p.stdout.read() == ""
    assert p.poll() == 0 and p.stats.reason == "exit"


def test_communicate_and_result():
    with ward.Sandbox().spawn(["/bin/sh", "-c", "cat; echo done >&2"], stdin=ward.PIPE,
                              stdout=ward.PIPE, stderr=ward.PIPE) as p:
        out, err = p.communicate(b"abc")
    assert (out, err) == (b"abc", b"done\n")
    result = p.result(out, err)
    assert result.returncode == 0 and result.stats.sandbox_id == p.sandbox_id


def test_events_iterate_in_order_and_end_after_exit():
    with ward.Sandbox().spawn(["/bin/cat"], stdin=ward.PIPE) as p:
        events = p.events()
        assert next(events)["type"] == "start"  # while cat still waits for input
        p.stdin.close()
        rest = list(events)
    assert rest[-1]["type"] == "exit" and rest[-1]["code"] == 0
    again = list(p.events())  # a second pass replays them all, and ends
    assert [e["type"] for e in again] == ["start"] + [e["type"] for e in rest]
    assert all(e["sandbox"] == p.sandbox_id for e in again)


def test_kill_stops_every_process():
    with ward.Sandbox().spawn(["/bin/sh", "-c", "echo go; exec sleep 60"],
                              stdout=ward.PIPE) as p:
        assert p.stdout.readline() == b"go\n"
        pid = p.pid  # the host pid ($$ is a pid inside the sandbox's namespace)
        assert alive(pid)
        p.kill()
        assert p.wait() == -signal.SIGKILL
    assert p.stats.reason == "killed" and p.code == 137
    assert not alive(pid)


def test_terminate_and_send_signal():
    with ward.Sandbox().spawn(["/bin/sleep", "60"]) as p:
        p.terminate()
        assert p.wait() == -signal.SIGTERM
    with ward.Sandbox().spawn(["/bin/sleep", "60"]) as p:
        p.send_signal(signal.SIGUSR1)
        assert p.wait() == -signal.SIGUSR1
    p.send_signal(signal.SIGTERM)  # after the end: nothing, no error


def test_wait_timeout_does_not_kill():
    with ward.Sandbox().spawn(["/bin/cat"], stdin=ward.PIPE) as p:
        with pytest.raises(ward.TimeoutExpired):
            p.wait(timeout=0.2)
        assert p.poll() is None
        p.stdin.close()
        assert p.wait() == 0


def test_leaving_the_context_on_an_exception_kills_and_cleans_up():
    with pytest.raises(RuntimeError):
        with ward.Sandbox().spawn(["/bin/sh", "-c", "echo go; exec sleep 60"],
                                  stdout=ward.PIPE) as p:
            assert p.stdout.readline() == b"go\n"
            pid = p.pid  # the host pid, not $$ inside the pid namespace
            assert alive(pid)
            raise RuntimeError("boom")
    assert not alive(pid)
    assert p.poll() == -signal.SIGKILL
    assert p.stdout.closed


def test_private_tmp_is_removed_after_the_run():
    # TMPDIR is the sandbox's private tmpfs: a file made there reaches neither
    # the host's directory of that name nor the next sandbox.
    name = f"ward-pyfix-{os.getpid()}-{time.monotonic_ns()}"
    r = ward.run(["/bin/sh", "-c", f'echo $TMPDIR; touch "$TMPDIR/{name}" && ls "$TMPDIR/{name}"'],
                 capture_output=True, text=True)
    tmp = r.stdout.splitlines()[0] if r.stdout else ""
    assert r.returncode == 0 and tmp, r.stderr
    assert not os.path.exists(os.path.join(tmp, name))
    again = ward.run(["/bin/sh", "-c", f'test -e "$TMPDIR/{name}"'], capture_output=True)
    assert again.returncode == 1


def test_sandbox_context_kills_what_still_runs():
    with ward.Sandbox() as sb:
        procs = [sb.spawn(["/bin/sleep", "60"]) for _ in range(3)]
        pids = [p.pid for p in procs]
    assert all(p.poll() == -signal.SIGKILL for p in procs)
    assert not any(alive(pid) for pid in pids)


def test_sandbox_run_uses_its_policy():
    sb = ward.Sandbox(ward.Policy(limits={"timeout": "200ms"}))
    assert sb.run(["/bin/sleep", "30"]).stats.reason == "timeout"
    assert isinstance(sb.policy, ward.Policy)


def test_spawn_errors_leave_nothing_behind():
    before = set(os.listdir("/proc/self/fd"))
    with pytest.raises(ward.CommandNotFound):
        ward.Sandbox().spawn(["no-such-command-ward"], stdin=ward.PIPE, stdout=ward.PIPE)
    assert set(os.listdir("/proc/self/fd")) == before


def test_repr_and_bad_stdio_argument():
    with pytest.raises(TypeError):
        ward.Sandbox().spawn(["/bin/true"], stdout="file.txt")
    with ward.Sandbox().spawn([PY, "-c", "pass"]) as p:
        assert "Process" in repr(p)
