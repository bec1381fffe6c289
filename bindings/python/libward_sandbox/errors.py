"""Exceptions of libward_sandbox. Each carries ward's own one-line message."""
from __future__ import annotations

import errno as _errno
import subprocess
from typing import Any, List, Optional, Sequence


class WardError(Exception):
    """An error reported by libward: the message is ward's, `exit_status` what
    the ward command would exit with (125 for ward's own errors, 126 cannot
    execute, 127 not found), `errno` the positive errno behind it."""

    def __init__(self, message: str, exit_status: int = 125, errno: int = 0) -> None:
        # Not super(): the next class may be an OSError or a subprocess error
        # with another signature.
        Exception.__init__(self, message)
        self.message = message
        self.exit_status = exit_status
        self.errno = errno


class LibraryNotFoundError(WardError, ImportError):
    """libward.so could not be loaded; `tried` lists every path tried."""

    def __init__(self, message: str, tried: Optional[List[str]] = None) -> None:
        WardError.__init__(self, message)
        self.tried = list(tried or [])


class PolicyError(WardError, ValueError):
    """The policy is invalid (bad YAML, unknown key, bad rule, missing path)."""


class LayerUnavailable(WardError):
    """A rule of the policy cannot be enforced on this host: the layer it
    needs is missing. ward refuses to run rather than run it unenforced;
    allow the layer to be missing with `allow_degraded=[layer]` to run
    anyway (every run then warns)."""


class CommandNotFound(WardError, FileNotFoundError):
    """The command does not exist on the sandbox's PATH (exit status 127)."""

    def __str__(self) -> str:
        return self.message


class CannotExecute(WardError, PermissionError):
    """The command exists but cannot be executed (exit status 126)."""

    def __str__(self) -> str:
        return self.message


class TimeoutExpired(WardError, subprocess.TimeoutExpired):
    """The run took longer than `timeout` seconds; the sandbox was killed.
    `output`/`stdout` and `stderr` hold what was captured until then."""

    def __init__(self, cmd: Sequence[str], timeout: float, output: Any = None,
                 stderr: Any = None) -> None:
        subprocess.TimeoutExpired.__init__(self, list(cmd), timeout, output, stderr)
        WardError.__init__(self, f"command {list(cmd)!r} timed out after {timeout} seconds")
        # WardError.__init__ reset args; keep subprocess' attributes intact.
        self.cmd, self.timeout, self.output, self.stderr = list(cmd), timeout, output, stderr

    def __str__(self) -> str:
        return self.message


class CalledProcessError(WardError, subprocess.CalledProcessError):
    """check=True and the command failed; `result` is the whole Result."""

    def __init__(self, result: Any) -> None:
        subprocess.CalledProcessError.__init__(
            self, result.returncode, list(result.args), result.stdout, result.stderr
        )
        text = subprocess.CalledProcessError.__str__(self)
        if result.denials:
            text += f" ({len(result.denials)} denial(s) reported)"
        WardError.__init__(self, text, exit_status=result.code)
        self.returncode = result.returncode
        self.cmd = list(result.args)
        self.output, self.stderr = result.stdout, result.stderr
        self.result = result

    def __str__(self) -> str:
        return self.message


def from_ward(err_code: int, exit_status: int, message: str) -> WardError:
    """The exception for a failed libward call (ERR_CODE is a negative errno)."""
    code = -err_code if err_code < 0 else err_code
    if exit_status == 127:
        return CommandNotFound(message, 127, code or _errno.ENOENT)
    if exit_status == 126:
        return CannotExecute(message, 126, code or _errno.EACCES)
    if code in (_errno.EPERM, _errno.EOPNOTSUPP) and _names_a_layer(message):
        return LayerUnavailable(message, 125, code)
    if code in (_errno.EINVAL, _errno.ENOENT, _errno.E2BIG, _errno.ENOTDIR, _errno.ELOOP):
        return PolicyError(message, 125, code)
    return WardError(message, exit_status or 125, code)


_LAYER_WORDS = ("layer", "landlock", "seccomp", "cgroup", "bpf", "supervisor", "namespace",
                "rlimit", "not enforced", "cannot be enforced", "allow_degraded",
                "allow-degraded")


def _names_a_layer(message: str) -> bool:
    lowered = message.lower()
    return any(word in lowered for word in _LAYER_WORDS)
