"""The parts of run()/Result/Sandbox that issue 13 lists and no other file
exercises: check_returncode(), encoding=/errors= as subprocess decodes, and
Sandbox.run() with the sandbox's own policy and policy_fn."""
import pytest

import libward_sandbox as ward


def test_check_returncode_raises_called_process_error():
    ok = ward.run(["/bin/true"])
    ok.check_returncode()  # 0: nothing raised
    bad = ward.run(["/bin/sh", "-c", "exit 3"])
    with pytest.raises(ward.CalledProcessError) as e:
        bad.check_returncode()
    assert e.value.returncode == 3


def test_encoding_and_errors_decode_like_subprocess():
    cmd = ["/usr/bin/printf", "caf\\351\\n"]  # latin-1 bytes, invalid UTF-8
    r = ward.run(cmd, capture_output=True, encoding="latin-1")
    assert r.stdout == "caf\u00e9\n"
    r = ward.run(cmd, capture_output=True, encoding="utf-8", errors="replace")
    assert r.stdout == "caf\ufffd\n"
    with pytest.raises(UnicodeDecodeError):
        ward.run(cmd, capture_output=True, text=True)  # strict UTF-8, as subprocess


def test_sandbox_run_uses_its_policy_and_policy_fn():
    asked = []

    def fn(ev):
        asked.append(ev.argv)
        return ward.Verdict.deny(13) if ev.argv[:1] == ("/bin/cat",) else True
    sb = ward.Sandbox(ward.Policy(process={"env": {"WARD_T_FROM": "sandbox"}}), policy_fn=fn)
    r = sb.run(["/bin/sh", "-c", "echo $WARD_T_FROM; /bin/cat /etc/hostname; echo rc=$?"],
               capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "sandbox"
    assert r.stdout.splitlines()[-1] == "rc=126"  # EACCES on exec: the shell's 126
    assert ("/bin/cat", "/etc/hostname") in asked
    control = ward.Sandbox(ward.Policy()).run(["/bin/cat", "/etc/hostname"], capture_output=True)
    assert control.returncode == 0 and control.stdout
