#!/usr/bin/env python3
"""Grade 20 submissions at once, each in its own sandbox.

Each submission is a Python program that must print the sum of the
integers on its standard input. Some are wrong, one loops forever, one
eats memory, one tries the network, one tries to read another
submission's file. All 20 run concurrently (asyncio, one sandbox each:
no network, 128 MiB, 2 s of CPU time, its own private /tmp); each gets a
verdict. The time limit is CPU time, not wall-clock time: twenty programs
on a busy machine take longer to finish, not more CPU.

    python3 grader.py        # prints one line per submission; exit 0
"""
import asyncio
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import libward_sandbox as ward  # noqa: E402

PYTHON = "/usr/bin/python3"
TEST_INPUT = "1 2 3 4 5 6 7 8 9 10\n"
EXPECTED = "55\n"

CORRECT = "import sys; print(sum(map(int, sys.stdin.read().split())))"
SUBMISSIONS = {f"student{i:02d}": CORRECT for i in range(14)}
SUBMISSIONS.update({
    "student14": "import sys; print(sum(map(int, sys.stdin.read().split())) + 1)",
    "student15": "while True: pass",
    "student16": "x = bytearray(1 << 30)\nprint(55)",
    "student17": "import socket; socket.create_connection(('1.1.1.1', 80)); print(55)",
    "student18": "print(open(__import__('sys').argv[1]).read())",
    "student19": "import sys; sys.exit(3)",
})

POLICY = ward.Policy(limits={"memory": "128M", "cpu_time": "2s", "timeout": "120s",
                             "pids": 16},
                     # Without root no cgroup holds memory per sandbox: per process then.
                     allow_degraded=[] if os.geteuid() == 0 else ["limits"])


def verdict(r: ward.Result) -> str:
    if r.stats.reason in ("cpu-time", "timeout"):
        return "TIME LIMIT"
    if r.stats.reason == "memory" or "MemoryError" in r.stderr:
        return "MEMORY LIMIT"
    if r.returncode != 0:
        last = r.stderr.strip().splitlines()[-1:] or [f"exit {r.returncode}"]
        return f"RUNTIME ERROR ({last[0][:60]})"
    return "PASS" if r.stdout == EXPECTED else f"WRONG ({r.stdout.strip()!r})"


async def grade_one(name: str, code: str, workdir: str) -> str:
    path = os.path.join(workdir, f"{name}.py")
    with open(path, "w") as f:
        f.write(code)
    # Each submission may read its own file only; student18 tries another's.
    other = os.path.join(workdir, "student00.py")
    r = await ward.run_async([PYTHON, "-I", path, other], POLICY.extend(fs={"read": [path]}),
                             input=TEST_INPUT, capture_output=True, text=True, timeout=180)
    return f"{name}: {verdict(r):<40} {r.stats.wall_ms:>5} ms  {r.stats.peak_memory_bytes >> 20:>4} MiB"


async def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ward-grader-") as workdir:
        lines = await asyncio.gather(*(grade_one(n, c, workdir)
                                       for n, c in SUBMISSIONS.items()))
    for line in lines:
        print(line)
    passed = sum(": PASS" in line for line in lines)
    print(f"{passed}/{len(lines)} passed")
    return 0 if passed == 14 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
