"""policy_fn: a Python callable deciding trapped operations at run time."""
import os
import errno
import socket
import threading

import pytest

import libward_sandbox as ward
from conftest import PY

SCRIPT = "/bin/echo one; /bin/echo two; echo rc=$?"


def run_judged(fn, **kw):
    return ward.run(["/bin/sh", "-c", SCRIPT], policy_fn=fn, capture_output=True, text=True,
                    **kw)


def second_echo(ev):
    return ev.category == "exec" and ev.argv == ("/bin/echo", "two")


@pytest.mark.parametrize("answer,expected_rc", [
    (True, "0"), ("allow", "0"), (ward.Verdict.ALLOW, "0"), ("audit", "0"),
    (False, "126"), ("deny", "126"), (ward.Verdict.DENY, "126"),
    (ward.Verdict.deny(errno.EACCES), "126"), (None, "126"), ("nonsense", "126"),
])
def test_verdicts(answer, expected_rc):
    r = run_judged(lambda ev: answer if second_echo(ev) else True)
    lines = r.stdout.splitlines()
    assert lines[0] == "one" and lines[-1] == f"rc={expected_rc}", (r.stdout, r.stderr)
    assert ("two" in lines) == (expected_rc == "0")
    if expected_rc != "0":
        assert [d["detail"]["argv"] for d in r.denials] == [["/bin/echo", "two"]]
        assert r.denials[0]["rule"] == "callback"


def test_deny_errno_reaches_the_program():
    r = run_judged(lambda ev: ward.Verdict.deny(errno.EACCES) if second_echo(ev) else True)
    assert "Permission denied" in r.stderr
    assert r.denials[0]["errno"] == "EACCES"


def test_kill_verdict_kills_the_sandbox():
    r = run_judged(lambda ev: "kill" if second_echo(ev) else True)
    assert r.returncode == -9 and "rc=" not in r.stdout
    assert any(e["type"] == "kill" for e in r.events)


def test_audit_verdict_allows_and_reports():
    r = run_judged(lambda ev: "audit" if second_echo(ev) else True)
    assert "two" in r.stdout and any(e["type"] == "audit" for e in r.events)


def test_event_fields_for_exec():
    seen = []
    r = run_judged(lambda ev: seen.append(ev) or True)
    assert r.returncode == 0
    first = seen[0]
    assert first.syscall == "execve" and first.category == "exec"
    assert first.argv == ("/bin/sh", "-c", SCRIPT) and first.pid > 0
    assert [ev.argv for ev in seen[1:]] == [("/bin/echo", "one"), ("/bin/echo", "two")]
    assert seen[1].exec_path == "/bin/echo"


def test_an_exception_in_policy_fn_denies_and_is_reported():
    def fn(ev):
        if second_echo(ev):
            raise ValueError("bug in the callback")
        return True
    r = run_judged(fn)
    assert r.stdout.splitlines()[-1] == "rc=126"
    assert len(r.callback_errors) == 1 and isinstance(r.callback_errors[0], ValueError)


def test_network_events_carry_the_address_and_port():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    port = srv.getsockname()[1]
    seen = []

    def fn(ev):
        if ev.category == "network":
            seen.append(ev)
            return ev.port != port
        return True
    connect = ("import socket, sys\ntry:\n socket.create_connection(('127.0.0.1', "
               f"{port})); print('connected')\nexcept OSError as e:\n print('errno', e.errno)\n")
    policy = ward.Policy(net={"allow": [f"tcp://127.0.0.1:{port}"]})
    with srv:
        r = ward.run([PY, "-c", connect], policy, policy_fn=fn, capture_output=True, text=True)
        assert r.stdout == f"errno {errno.EPERM}\n", r.stderr
        ev = seen[0]
        assert (ev.address, ev.port, ev.protocol, ev.syscall) == ("127.0.0.1", port, "tcp",
                                                                    "connect")
        allowed = ward.run([PY, "-c", connect], policy, policy_fn=lambda ev: True,
                           capture_output=True, text=True)
        assert allowed.stdout == "connected\n", allowed.stderr


def test_file_category():
    seen = []

    def fn(ev):
        if ev.category == "file":
            seen.append(ev.path)
        return True
    # The supervisor opens the file on the program's behalf inside the
    # sandbox's own root (no chroot: it works unprivileged too).
    r = ward.run(["/bin/cat", "/etc/hostname"], policy_fn=fn,
                 policy_fn_categories=["file"], capture_output=True)
    assert r.returncode == 0 and "/etc/hostname" in seen, r.stderr
    with open("/etc/hostname", "rb") as f:
        assert r.stdout == f.read()


def test_file_category_deny_is_the_real_errno(workdir):
    # A file verdict is enforced on the open the supervisor makes: the
    # denied path fails with the verdict's errno, the control beside it opens.
    for name in ("no", "yes"):
        with open(os.path.join(workdir, name), "w") as f:
            f.write(name)
    probe = ("import sys\nfor p in sys.argv[1:]:\n try:\n  print(open(p).read())\n"
             " except OSError as e:\n  print('errno', e.errno)\n")

    def fn(ev):
        if ev.category == "file" and ev.path and ev.path.endswith("/no"):
            return ward.Verdict.deny(errno.EROFS)
        return True
    r = ward.run([PY, "-c", probe, os.path.join(workdir, "no"), os.path.join(workdir, "yes")],
                 ward.Policy(fs={"read": [workdir]}), policy_fn=fn,
                 policy_fn_categories=["file"], capture_output=True, text=True)
    assert r.stdout.splitlines() == [f"errno {errno.EROFS}", "yes"], r.stderr
    with pytest.raises(ValueError, match="unknown policy_fn category"):
        ward.run(["/bin/true"], policy_fn=fn, policy_fn_categories=["disk"])


def test_a_slow_policy_fn_times_out_into_a_deny():
    release = threading.Event()

    def fn(ev):
        if second_echo(ev):
            release.wait(10)  # never set: only the timeout ends this call early
        return True
    # The timed-out call still runs in ward's callback thread; the deny event
    # releases it, so that the cleanup (which joins that thread) is prompt.
    try:
        r = run_judged(fn, policy_fn_timeout=0.3,
                       on_event=lambda e: e["type"] == "deny" and release.set())
    finally:
        release.set()
    assert r.stdout.splitlines()[-1] == "rc=126"
    assert r.stats.wall_ms < 9000


def test_policy_fn_runs_alongside_python_threads_and_locks():
    lock = threading.Lock()
    counter = {"calls": 0, "ticks": 0}
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            with lock:
                counter["ticks"] += 1
            stop.wait(0.001)

    def fn(ev):
        with lock:  # shared with a Python thread: no deadlock with the GIL
            counter["calls"] += 1
        return True
    t = threading.Thread(target=ticker)
    t.start()
    try:
        for _ in range(5):
            assert run_judged(fn).returncode == 0
    finally:
        stop.set()
        t.join()
    assert counter["calls"] == 15 and counter["ticks"] > 0


def test_policy_fn_must_be_callable():
    with pytest.raises(TypeError):
        ward.run(["/bin/true"], policy_fn="allow")
