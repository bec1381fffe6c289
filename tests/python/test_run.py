"""run(): the subprocess-shaped entry point, against the real library and kernel."""
import errno
import os
import socket
import subprocess

import pytest

import libward_sandbox as ward
from conftest import PY, alive


def test_run_captures_output_and_reports_start_and_exit_events():
    r = ward.run([PY, "-c", "import sys; print('out'); print('err', file=sys.stderr)"],
                 capture_output=True)
    assert r.returncode == 0 and r.code == 0
    assert r.stdout == b"out\n" and r.stderr == b"err\n"
    types = [e["type"] for e in r.events]
    assert types[0] == "start" and types[-1] == "exit"
    assert len(r.events[0]["policy_digest"]) == 64
    assert r.stats.reason == "exit" and r.stats.sandbox_id.startswith("ward-")
    assert r.stats.wall_ms >= 0 and r.denials == []


def test_text_and_input_round_trip():
    r = ward.run(["/bin/cat"], input="héllo\n", capture_output=True, text=True)
    assert (r.returncode, r.stdout, r.stderr) == (0, "héllo\n", "")


def test_bytes_input_and_stderr_to_stdout():
    r = ward.run(["/bin/sh", "-c", "cat; echo e >&2"], input=b"x\n", stdout=ward.PIPE,
                 stderr=ward.STDOUT)
    assert r.stdout == b"x\ne\n" and r.stderr is None


def test_output_to_a_file_and_devnull(workdir):
    path = os.path.join(workdir, "out.txt")
    with open(path, "wb") as f:
        r = ward.run(["/bin/echo", "to file"], stdout=f, stderr=ward.DEVNULL)
    assert r.returncode == 0 and r.stdout is None
    with open(path, "rb") as f:
        assert f.read() == b"to file\n"


def test_a_bare_string_is_refused_with_a_clear_type_error():
    with pytest.raises(TypeError, match="list of arguments, not a shell string"):
        ward.run("ls -l")
    with pytest.raises(TypeError, match="list of arguments"):
        ward.run(b"ls")
    with pytest.raises(ValueError, match="empty"):
        ward.run([])
    with pytest.raises(TypeError, match="int"):
        ward.run(["/bin/echo", 3])


def test_check_raises_called_process_error_with_the_result():
    with pytest.raises(ward.CalledProcessError) as e:
        ward.run(["/bin/sh", "-c", "echo bad >&2; exit 3"], capture_output=True, check=True)
    assert isinstance(e.value, subprocess.CalledProcessError)
    assert e.value.returncode == 3 and e.value.stderr == b"bad\n"
    assert e.value.result.stats.reason == "exit"
    assert ward.run(["/bin/true"], check=True).returncode == 0


def test_death_by_signal_is_negative_like_subprocess_and_128_plus_n_for_ward():
    r = ward.run(["/bin/sh", "-c", "kill -TERM $$"])
    assert r.returncode == -15 and r.code == 143 and r.stats.reason == "signal"


def test_timeout_kills_the_sandbox_and_keeps_partial_output():
    with pytest.raises(ward.TimeoutExpired) as e:
        # 3 s for sh to echo, however loaded the machine; then the timeout.
        ward.run(["/bin/sh", "-c", "echo started; exec sleep 60"], capture_output=True,
                 timeout=3)
    assert isinstance(e.value, subprocess.TimeoutExpired)
    assert e.value.timeout == 3
    assert e.value.stdout == b"started\n"


def test_policy_timeout_limit_is_reason_timeout_and_137():
    r = ward.run(["/bin/sleep", "60"], ward.Policy(limits={"timeout": "300ms"}))
    assert r.code == 137 and r.returncode == -9 and r.stats.reason == "timeout"
    assert any(e["type"] == "limit" and e["resource"] == "timeout" for e in r.events)


def test_cwd_and_env_apply_to_one_run():
    r = ward.run(["/bin/pwd"], cwd="/usr", capture_output=True, text=True)
    assert r.stdout == "/usr\n"
    r = ward.run(["/usr/bin/env"], env={"FOO": "bar", "PATH": "/usr/bin:/bin"},
                 capture_output=True, text=True)
    names = {line.split("=", 1)[0] for line in r.stdout.splitlines()}
    assert "FOO=bar" in r.stdout.splitlines()
    assert names <= {"FOO", "PATH", "HOME", "TMPDIR"}, names
    # The caller's own environment is not touched.
    assert os.environ.get("FOO") is None


def test_missing_command_is_command_not_found_127():
    with pytest.raises(ward.CommandNotFound) as e:
        ward.run(["no-such-command-ward"])
    assert isinstance(e.value, FileNotFoundError) and e.value.exit_status == 127
    assert "no-such-command-ward" in str(e.value)


def test_a_file_that_cannot_be_executed_is_126(workdir):
    path = os.path.join(workdir, "script")
    with open(path, "w") as f:
        f.write("#!/bin/sh\necho hi\n")
    os.chmod(path, 0o644)
    policy = ward.Policy(fs={"read": [workdir]})
    with pytest.raises(ward.CannotExecute) as e:
        ward.run([path], policy)
    assert e.value.exit_status == 126


def test_read_outside_the_grant_is_denied_and_granted_read_works(workdir):
    secret = os.path.join(workdir, "secret")
    with open(secret, "w") as f:
        f.write("s3cret")
    probe = ("import sys\ntry:\n print(open(sys.argv[1]).read())\n"
             "except OSError as e:\n print('errno', e.errno); sys.exit(1)\n")
    denied = ward.run([PY, "-c", probe, secret], capture_output=True, text=True)
    # ENOENT: not in the sandbox's own root; EACCES: Landlock (no mount ns).
    assert denied.returncode == 1
    assert denied.stdout in (f"errno {errno.ENOENT}\n", f"errno {errno.EACCES}\n")
    allowed = ward.run([PY, "-c", probe, secret], ward.Policy(fs={"read": [workdir]}),
                       capture_output=True, text=True)
    assert (allowed.returncode, allowed.stdout) == (0, "s3cret\n")


def _listener():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    return srv, srv.getsockname()[1]


CONNECT = ("import socket, sys\ntry:\n s = socket.socket()\n"
           " s.connect(('127.0.0.1', int(sys.argv[1]))); print('connected')\n"
           "except OSError as e:\n print('errno', e.errno); sys.exit(1)\n")


def test_no_network_by_default_and_a_loopback_allow_rule_connects():
    srv, port = _listener()
    with srv:
        srv.setblocking(False)
        denied = ward.run([PY, "-c", CONNECT, str(port)], capture_output=True, text=True)
        assert denied.returncode == 1
        # ECONNREFUSED: the sandbox's own network namespace (lo only) has no
        # listener there; EACCES/EPERM: seccomp/Landlock without that namespace.
        assert denied.stdout in (f"errno {errno.ECONNREFUSED}\n", f"errno {errno.EACCES}\n",
                                 f"errno {errno.EPERM}\n")
        with pytest.raises(BlockingIOError):
            srv.accept()  # the host's listener was never reached
        srv.setblocking(True)
        policy = ward.Policy(net={"allow": [f"tcp://127.0.0.1:{port}"]})
        allowed = ward.run([PY, "-c", CONNECT, str(port)], policy, capture_output=True,
                           text=True)
        assert (allowed.returncode, allowed.stdout) == (0, "connected\n"), allowed.stderr


BIND = ("import socket, sys\ntry:\n s = socket.socket()\n"
        " s.bind(('127.0.0.1', int(sys.argv[1]))); print('bound')\n"
        "except OSError as e:\n print('errno', e.errno)\n")


def test_bind_ports_rule():
    # Two free ports, found by binding and releasing them out here.
    ports = []
    for _ in range(2):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    # A bind rule alone leaves sockets refused (seccomp's "no network"):
    # an allow rule opens socket creation, Landlock then decides the bind.
    policy = ward.Policy(net={"allow": ["tcp://127.0.0.1:1"], "bind": [ports[0]]})
    ok = ward.run([PY, "-c", BIND, str(ports[0])], policy, capture_output=True, text=True)
    assert ok.stdout == "bound\n", ok.stderr
    other = ward.run([PY, "-c", BIND, str(ports[1])], policy, capture_output=True, text=True)
    assert other.stdout == f"errno {errno.EACCES}\n"


def test_argv_rule_denies_one_exec_and_reports_it():
    policy = ward.Policy(exec={"deny": [{"argv": ["echo", "forbidden*"]}]})
    r = ward.run(["/bin/sh", "-c", "/bin/echo allowed; /bin/echo forbidden-thing; echo rc=$?"],
                 policy, capture_output=True, text=True)
    assert r.stdout.splitlines()[0] == "allowed"
    assert r.stdout.splitlines()[-1] in ("rc=126", "rc=127")
    assert "forbidden-thing" not in r.stdout.splitlines()
    assert len(r.denials) == 1 and r.denials[0]["layer"] == "supervisor"
    assert r.denials[0]["detail"]["argv"] == ["/bin/echo", "forbidden-thing"]


def test_memory_limit_kills_a_memory_hog():
    hog = "x = bytearray(512 * 1024 * 1024); print('allocated')"
    policy = ward.Policy(limits={"memory": "256M"})
    if os.geteuid() != 0:
        # No cgroup holds it per sandbox: enforce mode refuses the weaker
        # per-process limit unless asked; asked, RLIMIT_AS still stops one hog.
        with pytest.raises(ward.LayerUnavailable, match="per process, not per sandbox"):
            ward.run(["/bin/true"], policy)
        policy = ward.Policy(limits={"memory": "256M"}, allow_degraded=["limits"])
    r = ward.run([PY, "-c", hog], policy, capture_output=True)
    assert r.returncode != 0 and b"allocated" not in r.stdout
    control = ward.run([PY, "-c", "x = bytearray(16 * 1024 * 1024); print('allocated')"],
                       policy, capture_output=True)
    assert control.stdout == b"allocated\n"


def test_hostname_in_a_uts_namespace():
    policy = ward.Policy(process={"namespaces": ["uts", "user"], "hostname": "sbx"})
    try:
        r = ward.run(["/bin/hostname"], policy, capture_output=True, text=True)
    except ward.LayerUnavailable as e:
        pytest.skip(f"namespaces unavailable here: {e}")
    assert r.stdout == "sbx\n"


def test_close_fds_keeps_the_callers_descriptors_from_the_program():
    r, w = os.pipe()
    os.set_inheritable(w, True)  # as a careless caller would leave it
    try:
        listing = [PY, "-c", "import os; print(sorted(int(f) for f in os.listdir('/proc/self/fd')))"]
        closed = ward.run(listing, capture_output=True, text=True)
        assert str(w) not in closed.stdout.strip("[]\n").replace(" ", "").split(",")
        # Only descriptors passed by number (ward_spawn_config.pass_fds,
        # --pass-fd) reach the program (issue 8 item 7): close_fds=False no
        # longer lets an unlisted inheritable one through.
        kept = ward.run(listing, capture_output=True, text=True, close_fds=False)
        assert str(w) not in kept.stdout.strip("[]\n").replace(" ", "").split(",")
    finally:
        os.close(r)
        os.close(w)


def test_the_process_is_gone_after_run():
    # $$ is a pid inside the sandbox's pid namespace; the host pid comes from
    # the start event.
    pids = []

    def on_event(ev):
        if ev["type"] == "start":
            pids.append(ev["pid"])
    r = ward.run(["/bin/sh", "-c", "echo $$"], capture_output=True, text=True,
                 on_event=on_event)
    assert r.returncode == 0 and r.stdout.strip().isdigit()
    assert pids and pids[0] > 0 and not alive(pids[0])


def test_str_input_without_text_is_a_type_error():
    with pytest.raises(TypeError, match="input must be bytes"):
        ward.run(["/bin/cat"], input="text", capture_output=True)
