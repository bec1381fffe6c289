#!/usr/bin/env python3
"""`pip download` that can reach one loopback package index and nothing else.

The example builds a one-package "simple" index (PEP 503) in a temporary
directory, serves it with `python3 -m http.server` on 127.0.0.1 outside the
sandbox, and runs pip in a sandbox whose only network rule is that address
and port, with write access only to the download directory. Then it shows
that the same pip cannot reach another port (nor PyPI).

    python3 pip_loopback_index.py      # prints what was downloaded; exit 0 on success
"""
import base64
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import libward_sandbox as ward  # noqa: E402

PYTHON = "/usr/bin/python3"
NAME, VERSION = "ward-demo-pkg", "1.0"


def make_wheel(directory: str) -> str:
    """A minimal valid pure-Python wheel."""
    dist = NAME.replace("-", "_")
    path = os.path.join(directory, f"{dist}-{VERSION}-py3-none-any.whl")
    files = {
        f"{dist}/__init__.py": "GREETING = 'hello from the loopback index'\n",
        f"{dist}-{VERSION}.dist-info/METADATA":
            f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n",
        f"{dist}-{VERSION}.dist-info/WHEEL":
            "Wheel-Version: 1.0\nGenerator: ward-example\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n",
    }
    record = []
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            data = text.encode()
            z.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{name},sha256={digest.decode()},{len(data)}")
        record_name = f"{dist}-{VERSION}.dist-info/RECORD"
        z.writestr(record_name, "\n".join(record + [f"{record_name},,"]) + "\n")
    return path


def make_index(root: str) -> None:
    project = os.path.join(root, "simple", NAME)
    os.makedirs(project)
    wheel = make_wheel(project)
    with open(wheel, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    base = os.path.basename(wheel)
    with open(os.path.join(project, "index.html"), "w") as f:
        f.write(f'<html><body><a href="{base}#sha256={sha}">{base}</a></body></html>\n')
    with open(os.path.join(root, "simple", "index.html"), "w") as f:
        f.write(f'<html><body><a href="{NAME}/">{NAME}</a></body></html>\n')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(port: int, server: subprocess.Popen, deadline_s: float = 20) -> None:
    """Polls until the index answers connections (never a fixed sleep)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if server.poll() is not None:
            raise RuntimeError(f"the index server exited with {server.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)  # polling interval, not synchronisation
    raise RuntimeError(f"the index server did not listen on 127.0.0.1:{port} "
                       f"within {deadline_s} s")


def index_policy(dest: str, port: int) -> ward.Policy:
    return ward.Policy(
        fs={"write": [dest]},
        net={"allow": [f"tcp://127.0.0.1:{port}"]},
        limits={"memory": "512M", "timeout": "120s"},
        # Without root no cgroup holds memory per sandbox: accept it per process.
        allow_degraded=[] if os.geteuid() == 0 else ["limits"],
        # The caller's PIP_* variables and pip.conf (extra indexes,
        # find-links) must not add sources: a clean environment.
        process={"clean_env": True,
                 "env": {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                         "PIP_CONFIG_FILE": os.devnull}},
    )


PROBE = """
import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=5)
    print("fetched")
except OSError as e:
    print(getattr(e, "reason", e))
"""


def fetch_probe(url: str, dest: str, port: int) -> str:
    """What the same policy does to a plain HTTP fetch of URL."""
    r = ward.run([PYTHON, "-c", PROBE, url], index_policy(dest, port), capture_output=True,
                 text=True, timeout=60)
    return (r.stdout or r.stderr).strip()


def pip_download(index_url: str, dest: str, port: int) -> ward.Result:
    policy = index_policy(dest, port)
    return ward.run([PYTHON, "-m", "pip", "download", "--isolated", "--no-deps", "--no-cache-dir",
                     "--disable-pip-version-check", "--retries", "0", "--timeout", "5",
                     "--index-url", index_url, "--dest", dest, NAME],
                    policy, capture_output=True, text=True, timeout=150)


def main() -> int:
    work = tempfile.mkdtemp(prefix="ward-pip-example-")
    server = None
    try:
        index, dest = os.path.join(work, "index"), os.path.join(work, "downloads")
        os.makedirs(index)
        os.makedirs(dest)
        make_index(index)
        port = free_port()
        server = subprocess.Popen([PYTHON, "-m", "http.server", "--bind", "127.0.0.1",
                                   "--directory", index, str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_serving(port, server)

        ok = pip_download(f"http://127.0.0.1:{port}/simple/", dest, port)
        got = sorted(os.listdir(dest))
        print(f"from 127.0.0.1:{port}: exit {ok.returncode}, downloaded {got}")
        if ok.returncode != 0 or not got:
            print(ok.stdout, ok.stderr, sep="\n")
            return 1

        # Another loopback port that does listen: only the sandbox stops pip.
        with socket.socket() as other:
            other.bind(("127.0.0.1", 0))
            other.listen(8)
            other_port = other.getsockname()[1]
            blocked = pip_download(f"http://127.0.0.1:{other_port}/simple/", dest, port)
        pypi = pip_download("https://pypi.org/simple/", dest, port)
        denied = 0
        # pip only says "no versions found"; a plain fetch under the same
        # policy shows the refusal (Landlock or cgroup BPF deny in the
        # kernel, without an event to report).
        for url, r in ((f"http://127.0.0.1:{other_port}/simple/", blocked),
                       ("https://pypi.org/simple/", pypi)):
            why = fetch_probe(url, dest, port) if r.returncode else "pip succeeded"
            print(f"{url} (not allowed): pip exit {r.returncode}; fetch: {why}")
            denied += r.returncode != 0 and ("Errno 13" in why or "Errno 1]" in why
                                             or "Errno -3" in why or "resolution" in why)
        return 0 if denied == 2 else 1
    finally:
        if server is not None:
            server.kill()
            server.wait()
        assert os.path.basename(work).startswith("ward-pip-example-")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
