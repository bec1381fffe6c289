#!/usr/bin/env python3
"""Run model-generated Python code: no network, 256 MiB, 10 s.

    python3 untrusted_code.py            # runs a built-in sample
    python3 untrusted_code.py file.py    # runs FILE's code

Returns (prints, as JSON) what the code printed, how it ended, and what
ward denied. Landlock and seccomp deny inside the kernel without a report
(the code sees EACCES/EPERM, visible in its stderr); the exec check below
goes through a policy_fn, so each refused program is a reported denial.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import libward_sandbox as ward  # noqa: E402

PYTHON = "/usr/bin/python3"

SAMPLE = """
import socket, subprocess
print("sum:", sum(range(10)))
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2)
    print("network: reached")
except OSError as e:
    print("network:", e.strerror)
try:
    open("/etc/passwd-copy", "w")
except OSError as e:
    print("write /etc:", e.strerror)
try:
    subprocess.run(["/usr/bin/curl", "http://example.com"])
except OSError as e:
    print("curl:", e.strerror)
"""

POLICY = ward.Policy(
    limits={"memory": "256M", "timeout": "10s", "pids": 32},
    # Without root no cgroup holds memory per sandbox: accept it per process.
    allow_degraded=[] if os.geteuid() == 0 else ["limits"],
    process={"clean_env": True, "env": {"LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}},
)


def only_python(event: ward.SupEvent) -> ward.Verdict:
    """The code may run Python (itself), nothing else."""
    if event.exec_path == PYTHON or event.argv[:1] == (PYTHON,):
        return ward.Verdict.ALLOW
    return ward.Verdict.deny()


def run_untrusted(code: str) -> dict:
    """Runs CODE; returns its output, exit and denials as a dict."""
    try:
        r = ward.run([PYTHON, "-I", "-"], POLICY, input=code, capture_output=True, text=True,
                     timeout=15, policy_fn=only_python, policy_fn_categories=["exec"])
    except ward.TimeoutExpired as e:
        return {"outcome": "timeout", "stdout": e.stdout, "stderr": e.stderr, "denials": []}
    return {
        "outcome": r.stats.reason,  # exit, signal, timeout, memory, ...
        "returncode": r.returncode,
        "stdout": r.stdout,
        "stderr": r.stderr[-2000:],
        "peak_memory_bytes": r.stats.peak_memory_bytes,
        "wall_ms": r.stats.wall_ms,
        "denials": [{"operation": d["operation"], "detail": d["detail"]} for d in r.denials],
    }


if __name__ == "__main__":
    source = open(sys.argv[1]).read() if len(sys.argv) > 1 else SAMPLE
    print(json.dumps(run_untrusted(source), indent=2))
