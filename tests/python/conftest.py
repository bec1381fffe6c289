"""pytest setup for the Python SDK tests: the package from the source tree,
libward from the build tree (or WARD_LIBRARY), as root or as uid 65534."""
import os
import sys
import tempfile

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))

import libward_sandbox  # noqa: E402

PY = "/usr/bin/python3"  # Debian's: the sandbox grants /usr


def pytest_report_header(config):
    return (f"libward: {libward_sandbox.find_library()}; uid {os.getuid()}; "
            f"TMPDIR {tempfile.gettempdir()}")


@pytest.fixture
def workdir():
    """A fresh directory this test owns (under TMPDIR), removed after."""
    import shutil
    path = tempfile.mkdtemp(prefix="ward-pytest-")
    try:
        yield path
    finally:
        # Only what mkdtemp made for us, never a path from $HOME.
        assert os.path.basename(path).startswith("ward-pytest-")
        shutil.rmtree(path, ignore_errors=True)


def alive(pid):
    """True while PID exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def features():
    return libward_sandbox.features()
