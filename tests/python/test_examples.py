"""The examples in bindings/python/examples run and do what they say."""
import json
import os
import subprocess

from conftest import PY, ROOT

EXAMPLES = os.path.join(ROOT, "bindings", "python", "examples")


def run_example(name, *args, timeout=300):
    return subprocess.run([PY, os.path.join(EXAMPLES, name), *args], capture_output=True,
                          text=True, timeout=timeout)


def test_untrusted_code_example_reports_output_and_denials():
    r = run_example("untrusted_code.py")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["outcome"] == "exit" and "sum: 45" in report["stdout"]
    # No network: the sandbox's own network namespace (lo only) makes the
    # address unreachable; without that namespace seccomp/Landlock refuse.
    assert ("network: Network is unreachable" in report["stdout"]
            or "network: Permission denied" in report["stdout"])
    assert "network: reached" not in report["stdout"]
    assert [d["detail"]["argv"][0] for d in report["denials"]] == ["/usr/bin/curl"]


def test_untrusted_code_example_enforces_the_budget(workdir):
    hog = os.path.join(workdir, "hog.py")
    with open(hog, "w") as f:
        f.write("x = bytearray(1 << 30)\nprint('allocated')\n")
    report = json.loads(run_example("untrusted_code.py", hog).stdout)
    assert "allocated" not in report["stdout"]
    loop = os.path.join(workdir, "loop.py")
    with open(loop, "w") as f:
        f.write("while True: pass\n")
    report = json.loads(run_example("untrusted_code.py", loop).stdout)
    assert report["outcome"] == "timeout"


def test_pip_example_downloads_only_from_the_loopback_index():
    r = run_example("pip_loopback_index.py")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "downloaded ['ward_demo_pkg-1.0-py3-none-any.whl']" in r.stdout
    assert "[Errno 13] Permission denied" in r.stdout


def test_grader_example_grades_twenty_submissions():
    r = run_example("grader.py")
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[-1] == "14/20 passed" and len(lines) == 21
    verdicts = {line.split(":")[0]: line for line in lines[:-1]}
    assert "WRONG" in verdicts["student14"]
    assert "TIME LIMIT" in verdicts["student15"]
    assert "MEMORY LIMIT" in verdicts["student16"]
    assert "RUNTIME ERROR" in verdicts["student17"]  # no network: never printed 55
    assert ("Network is unreachable" in verdicts["student17"]
            or "Permission denied" in verdicts["student17"])
    # Another submission's file: absent from its own root (ENOENT) or
    # refused by Landlock (EACCES); the control is every passing student.
    assert "RUNTIME ERROR" in verdicts["student18"]
    assert ("No such file or directory" in verdicts["student18"]
            or "Permission denied" in verdicts["student18"])
