"""Running commands in sandboxes: run(), run_async(), Sandbox, Process.

Threads: every sandbox has one "ward-sandbox" thread that spawns it, waits
for it (libward blocks there with the GIL released) and frees it; the
program is that thread's child. The caller's thread only waits on Python
events, which a signal interrupts, so Ctrl-C raises KeyboardInterrupt
promptly; cleanup then asks the sandbox thread to kill the sandbox through
the cancel descriptor (ward_spawn_config.cancel_fd) and waits for it.
"""
from __future__ import annotations

import asyncio
import ctypes
import errno as _errno
import json
import os
import signal
import subprocess
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import (Any, Callable, ClassVar, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple,
                    Union)

from . import _native
from .errors import CalledProcessError, TimeoutExpired, WardError, from_ward
from .policy import Policy

PIPE = subprocess.PIPE
STDOUT = subprocess.STDOUT
DEVNULL = subprocess.DEVNULL

Command = Sequence[Union[str, bytes, "os.PathLike[str]"]]
StdArg = Union[None, int, Any]

# How long cleanup after a KeyboardInterrupt waits for the sandbox's end
# (its exit event). libward never waits for a policy_fn call still running
# in user code: the kill abandons it, and it returns on its own later.
_ABORT_JOIN_SECONDS = 30.0

_CATEGORIES = {"file": _native.SUP_FILE, "network": _native.SUP_NETWORK,
               "exec": _native.SUP_PROCESS, "process": _native.SUP_PROCESS}
_CATEGORY_NAMES = {_native.SUP_FILE: "file", _native.SUP_NETWORK: "network",
                   _native.SUP_PROCESS: "exec"}
_PROTOCOLS = {6: "tcp", 17: "udp", 262: "mptcp"}


# ---- policy callback ----
@dataclass(frozen=True)
class SupEvent:
    """What a policy_fn is asked about: one trapped operation.

    category is "exec" (argv, exec_path), "network" (address, port,
    protocol, family) or "file" (path, open_flags; observe_only says only
    deny/kill can take effect for this call)."""

    syscall: str
    category: str
    pid: int
    ppid: int
    argv: Tuple[str, ...] = ()
    exec_path: Optional[str] = None
    address: Optional[str] = None
    port: Optional[int] = None
    protocol: Optional[str] = None
    family: int = 0
    path: Optional[str] = None
    open_flags: int = 0
    observe_only: bool = False

    @classmethod
    def _from_c(cls, ev: _native.SupEvent) -> "SupEvent":
        def s(b: Optional[bytes]) -> Optional[str]:
            return None if b is None else os.fsdecode(b)

        argv = tuple(os.fsdecode(ev.argv[i]) for i in range(ev.argc)) if ev.argv else ()
        has_addr = ev.family != 0
        return cls(
            syscall=s(ev.syscall) or "", category=_CATEGORY_NAMES.get(ev.category, str(ev.category)),
            pid=ev.pid, ppid=ev.ppid, argv=argv, exec_path=s(ev.exec_path),
            address=ev.address.decode() if has_addr else None,
            port=ev.port if has_addr else None,
            protocol=_PROTOCOLS.get(ev.protocol, str(ev.protocol)) if has_addr else None,
            family=ev.family, path=s(ev.path), open_flags=ev.open_flags,
            observe_only=bool(ev.observe_only))


@dataclass(frozen=True)
class Verdict:
    """A policy_fn's answer. Return Verdict.ALLOW / DENY / AUDIT / KILL,
    Verdict.deny(errno.EACCES), True (allow), False (deny), or one of the
    strings "allow", "deny", "audit", "kill". None, anything else, or an
    exception denies: a callback fails closed."""

    kind: str
    errno: int = 0

    @staticmethod
    def deny(error: int = _errno.EPERM) -> "Verdict":
        return Verdict("deny", error)

    ALLOW: ClassVar["Verdict"]
    DENY: ClassVar["Verdict"]
    AUDIT: ClassVar["Verdict"]
    KILL: ClassVar["Verdict"]


Verdict.ALLOW = Verdict("allow")
Verdict.DENY = Verdict("deny", _errno.EPERM)
Verdict.AUDIT = Verdict("audit")
Verdict.KILL = Verdict("kill")

_KINDS = {"allow": _native.VERDICT_ALLOW, "deny": _native.VERDICT_DENY,
          "audit": _native.VERDICT_AUDIT, "kill": _native.VERDICT_KILL}

PolicyFn = Callable[[SupEvent], Any]


def _as_verdict(answer: Any) -> Tuple[int, int]:
    if answer is True:
        return _native.VERDICT_ALLOW, 0
    if isinstance(answer, Verdict) and answer.kind in _KINDS:
        return _KINDS[answer.kind], answer.errno if answer.kind == "deny" else 0
    if isinstance(answer, str) and answer.lower() in _KINDS:
        kind = _KINDS[answer.lower()]
        return kind, _errno.EPERM if kind == _native.VERDICT_DENY else 0
    return _native.VERDICT_DENY, _errno.EPERM


# ---- results ----
@dataclass(frozen=True)
class Stats:
    """How the run ended and what it used."""

    reason: str  # "exit", "signal", "timeout", "memory", "pids", "cpu-time", "killed"
    wall_ms: int
    cpu_user_ms: int
    cpu_system_ms: int
    peak_memory_bytes: int  # 0 when unknown
    sandbox_id: str


@dataclass
class Result:
    """What run() returns, in the shape of subprocess.CompletedProcess.

    returncode follows subprocess (-N when killed by signal N); code is
    ward's convention (the status, or 128+N, as the ward command exits).
    denials are the deny/kill events the observing layers reported
    (supervisor, BPF); Landlock and seccomp deny inside the kernel without
    a report, the program only sees EACCES/EPERM. callback_errors holds
    exceptions raised by policy_fn (each such call was denied)."""

    args: List[str]
    returncode: int
    stdout: Any = None
    stderr: Any = None
    events: List[Dict[str, Any]] = field(default_factory=list, repr=False)
    stats: Optional[Stats] = None
    denials: List[Dict[str, Any]] = field(default_factory=list)
    code: int = 0
    callback_errors: List[BaseException] = field(default_factory=list)

    def check_returncode(self) -> None:
        """Raises CalledProcessError when returncode is not 0."""
        if self.returncode:
            raise CalledProcessError(self)


# ---- helpers ----
def _argv(cmd: Any) -> List[bytes]:
    if isinstance(cmd, (str, bytes)):
        raise TypeError(
            f"ward runs a list of arguments, not a shell string: got {cmd!r}; "
            "pass e.g. ['ls', '-l'] (shlex.split() splits a string), or "
            "['/bin/sh', '-c', cmd] to really run a shell")
    try:
        items = list(cmd)
    except TypeError:
        raise TypeError(f"the command must be a list of arguments, not {type(cmd).__name__}") \
            from None
    if not items:
        raise ValueError("the command is empty: give at least the program to run")
    out = []
    for item in items:
        if not isinstance(item, (str, bytes, os.PathLike)):
            raise TypeError(f"command arguments must be str, bytes or paths, not "
                            f"{type(item).__name__} ({item!r})")
        b = os.fsencode(item)
        if b"\0" in b:
            raise ValueError(f"command argument {item!r} contains a NUL byte")
        out.append(b)
    return out


def _as_policy(policy: Any) -> Policy:
    if policy is None:
        return Policy()
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, Mapping):
        return Policy(**policy)
    if isinstance(policy, (str, bytes, os.PathLike)):
        raise TypeError("policy= takes a Policy (or a dict of Policy keywords); for a YAML "
                        f"file use Policy.load({policy!r})")
    raise TypeError(f"policy= takes a Policy, not {type(policy).__name__}")


def _categories(names: Any) -> int:
    if isinstance(names, int):
        return names
    if isinstance(names, str):
        names = [names]
    bits = 0
    for name in names:
        if name not in _CATEGORIES:
            raise ValueError(f"unknown policy_fn category {name!r} (known: file, network, exec)")
        bits |= _CATEGORIES[name]
    return bits


_live: "weakref.WeakSet[Process]" = weakref.WeakSet()


def _kill_all_at_exit() -> None:
    for p in list(_live):
        p.kill()


# Runs before the interpreter joins non-daemon threads, which would otherwise
# wait for every sandbox to end on its own.
_register = getattr(threading, "_register_atexit", None)
if _register is not None:
    try:
        _register(_kill_all_at_exit)
    except RuntimeError:
        pass


# ---- a running sandbox ----
class Process:
    """A command running in a sandbox (Sandbox.spawn()), in the shape of
    subprocess.Popen: stdin/stdout/stderr are file objects when PIPE was
    asked for; wait(), poll(), communicate(), kill(), terminate(),
    send_signal(); events() iterates over ward's events as they come. A
    context manager: leaving it kills the sandbox if it still runs and waits
    for its cleanup, whatever exception is passing."""

    def __init__(self, sandbox: "Sandbox", cmd: Any, *, stdin: StdArg = None,
                 stdout: StdArg = None, stderr: StdArg = None, cwd: Any = None,
                 env: Optional[Mapping[str, str]] = None, text: bool = False,
                 encoding: Optional[str] = None, errors: Optional[str] = None,
                 close_fds: bool = True) -> None:
        argv = _argv(cmd)
        self.args: List[str] = [os.fsdecode(a) for a in argv]
        self.pid: Optional[int] = None
        self.sandbox_id: Optional[str] = None
        self.returncode: Optional[int] = None
        self.code: Optional[int] = None
        self.stats: Optional[Stats] = None
        self.stdin: Any = None
        self.stdout: Any = None
        self.stderr: Any = None
        self._text = bool(text or encoding or errors)
        self._encoding = encoding or "utf-8"
        self._errors = errors or "strict"
        self._events: List[Dict[str, Any]] = []
        self._events_cond = threading.Condition()
        self._events_done = False
        self._callback_errors: List[BaseException] = []
        self._lock = threading.Lock()
        self._spawned = threading.Event()
        self._done = threading.Event()
        self._exited = threading.Event()  # the exit event: every task is dead
        self._spawn_error: Optional[BaseException] = None
        self._wait_error: Optional[BaseException] = None
        self._killed = False
        self._cancelled = False  # policy_fn is no longer asked
        self._sb: Optional[int] = None
        self._readers: Dict[str, Tuple[threading.Thread, List[bytes]]] = {}
        self._writer: Optional[threading.Thread] = None
        self._on_event = sandbox._on_event
        self._policy_fn = sandbox._policy_fn

        lib = _native.library()
        built = sandbox._policy._build()
        handle: Optional[int] = built
        child_close: List[int] = []
        parent_fds: Dict[str, int] = {}
        self._cancel_r = self._cancel_w = -1
        try:
            self._apply_overrides(lib, built, cwd, env)
            if self._policy_fn is not None:
                self._set_callback(lib, built, sandbox)
            config = _native.SpawnConfig()
            lib.ward_spawn_config_init(ctypes.byref(config))
            self._event_cb = _native.EVENT_FN(self._deliver_event)
            config.on_event = self._event_cb
            config.close_fds = 1 if close_fds else 0
            config.stdin_fd = self._child_fd(stdin, "stdin", child_close, parent_fds)
            config.stdout_fd = self._child_fd(stdout, "stdout", child_close, parent_fds)
            if stderr == STDOUT:
                config.stderr_fd = config.stdout_fd if config.stdout_fd >= 0 else 1
            else:
                config.stderr_fd = self._child_fd(stderr, "stderr", child_close, parent_fds)
            self._cancel_r, self._cancel_w = os.pipe()
            config.cancel_fd = self._cancel_r
            self._envp = _environ_snapshot()
            if config.size >= _ENVP_END:  # a libward that knows the field
                config.envp = self._envp
            self._config = config
            self._argv_c = (ctypes.c_char_p * (len(argv) + 1))(*argv, None)
            self._handle = built
            self._thread = threading.Thread(target=_in_quiet_thread(self._serve),
                                            name="ward-sandbox")
            self._thread.start()
            handle = None  # the sandbox thread owns it and the cancel pipe now
            _live.add(self)
            try:
                _wait(self._spawned)
            except BaseException:
                self._abort()
                raise
        except BaseException:
            for fd in parent_fds.values():
                _close(fd)
            if handle is not None:  # the sandbox thread never started
                lib.ward_policy_free(handle)
                _close(self._cancel_r)
                _close(self._cancel_w)
                self._cancel_r = self._cancel_w = -1
            raise
        finally:
            # The child has its copies (or never will): ours go.
            for fd in child_close:
                _close(fd)
        if self._spawn_error is not None:
            for fd in parent_fds.values():
                _close(fd)
            _join(self._thread)
            raise self._spawn_error
        try:
            self._wrap_pipes(parent_fds)
        except BaseException:
            self._abort()
            raise

    # -- setup --
    @staticmethod
    def _apply_overrides(lib: ctypes.CDLL, handle: int, cwd: Any,
                         env: Optional[Mapping[str, str]]) -> None:
        lib = _native.library_holding_gil()  # path expansion reads the environment
        err = _native.Error()
        lib.ward_policy_set_origin(handle, b"Sandbox.spawn()", ctypes.byref(err))
        if cwd is not None:
            path = os.path.abspath(os.fspath(cwd))
            if lib.ward_policy_set_cwd(handle, os.fsencode(path), ctypes.byref(err)) < 0:
                raise from_ward(err.code, err.exit_status, err.text())
        if env is not None:
            lib.ward_policy_clean_env(handle, 1)
            for key, value in env.items():
                entry = os.fsencode(key) + b"=" + os.fsencode(value)
                if lib.ward_policy_set_env(handle, entry, ctypes.byref(err)) < 0:
                    raise from_ward(err.code, err.exit_status, err.text())

    def _set_callback(self, lib: ctypes.CDLL, handle: int, sandbox: "Sandbox") -> None:
        self._verdict_cb = _native.VERDICT_FN(self._ask_policy_fn)
        if (lib.ward_policy_set_verdict_callback(handle, self._verdict_cb, None) < 0
                or lib.ward_policy_set_callback_categories(handle, sandbox._categories) < 0):
            raise WardError("cannot install policy_fn (out of memory or bad categories)")
        if sandbox._policy_fn_timeout is not None:
            ms = max(1, int(sandbox._policy_fn_timeout * 1000))
            lib.ward_policy_set_callback_timeout(handle, ms)

    def _child_fd(self, arg: StdArg, name: str, child_close: List[int],
                  parent_fds: Dict[str, int]) -> int:
        if arg is None:
            return -1
        if arg == PIPE:
            r, w = os.pipe()
            child, parent = (r, w) if name == "stdin" else (w, r)
            child_close.append(child)
            parent_fds[name] = parent
            return child
        if arg == DEVNULL:
            fd = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
            child_close.append(fd)
            return fd
        if arg == STDOUT:
            raise ValueError("STDOUT is only meaningful for stderr")
        if isinstance(arg, int):
            if arg < 0:
                raise ValueError(f"{name}: bad file descriptor {arg}")
            return arg
        if hasattr(arg, "fileno"):
            if hasattr(arg, "flush"):
                arg.flush()
            return int(arg.fileno())
        raise TypeError(f"{name}= takes None, PIPE, DEVNULL, a file descriptor or a file "
                        f"object, not {type(arg).__name__}")

    def _wrap_pipes(self, fds: Dict[str, int]) -> None:
        for name, fd in fds.items():
            mode = "wb" if name == "stdin" else "rb"
            f: Any = os.fdopen(fd, mode)
            if self._text:
                import io
                f = io.TextIOWrapper(f, encoding=self._encoding, errors=self._errors,
                                     write_through=True)
            setattr(self, name, f)

    # -- the sandbox thread --
    def _serve(self) -> None:
        lib = _native.library()
        sb = ctypes.c_void_p()
        try:
            err = _native.Error()
            rc = lib.ward_sandbox_spawn_config(self._handle, self._argv_c,
                                               ctypes.byref(self._config), ctypes.byref(sb),
                                               ctypes.byref(err))
            if rc < 0:
                self._spawn_error = from_ward(err.code or rc, err.exit_status, err.text())
                return
            with self._lock:
                self._sb = sb.value
            self.pid = lib.ward_sandbox_pid(sb)
            raw_id = lib.ward_sandbox_id(sb)
            self.sandbox_id = raw_id.decode() if raw_id else None
            self._spawned.set()
            exit_info = _native.Exit()
            err = _native.Error()
            rc = lib.ward_sandbox_wait(sb, ctypes.byref(exit_info), ctypes.byref(err))
            if rc < 0:
                self._wait_error = from_ward(err.code or rc, err.exit_status, err.text())
            else:
                self._record_exit(exit_info)
        except BaseException as e:  # never leave the caller waiting
            if not self._spawned.is_set():
                self._spawn_error = e
            else:
                self._wait_error = e
        finally:
            self._cancelled = True
            with self._lock:
                self._sb = None
                if sb.value:
                    lib.ward_sandbox_free(sb)
                _close(self._cancel_r)
                _close(self._cancel_w)
                self._cancel_r = self._cancel_w = -1
            lib.ward_policy_free(self._handle)
            with self._events_cond:
                self._events_done = True
                self._events_cond.notify_all()
            self._spawned.set()
            self._exited.set()
            self._done.set()
            _live.discard(self)

    def _record_exit(self, x: _native.Exit) -> None:
        reason = x.reason.decode() if x.reason else "exit"
        if self._killed and reason == "signal":
            reason = "killed"
        self.code = x.code
        self.returncode = x.status if x.exited else -x.status
        self.stats = Stats(reason=reason, wall_ms=x.wall_ms, cpu_user_ms=x.cpu_user_ms,
                           cpu_system_ms=x.cpu_system_ms,
                           peak_memory_bytes=x.peak_memory_bytes,
                           sandbox_id=self.sandbox_id or "")

    def _deliver_event(self, text: bytes, _userdata: Any) -> None:
        try:
            event = json.loads(text.decode(errors="replace"))
        except ValueError:
            return
        with self._events_cond:
            self._events.append(event)
            self._events_cond.notify_all()
        if event.get("type") == "exit":
            self._exited.set()
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception as e:  # the C caller cannot take it
                self._callback_errors.append(e)

    def _ask_policy_fn(self, ev_ptr: Any, _ctx: Any, _userdata: Any, out: Any) -> int:
        verdict = out.contents
        verdict.kind, verdict.error = _native.VERDICT_DENY, _errno.EPERM
        if self._cancelled or self._policy_fn is None:
            return 0
        try:
            kind, error = _as_verdict(self._policy_fn(SupEvent._from_c(ev_ptr.contents)))
        except BaseException as e:  # fail closed, and say so afterwards
            self._callback_errors.append(e)
            return 0
        verdict.kind, verdict.error = kind, error
        return 0

    # -- the Popen-like API --
    def poll(self) -> Optional[int]:
        """The return code, or None while the sandbox runs."""
        return self.returncode if self._done.is_set() else None

    def wait(self, timeout: Optional[float] = None) -> int:
        """Waits for the command (and ward's cleanup) to end; returns
        returncode. Raises TimeoutExpired after TIMEOUT seconds without
        killing anything (as subprocess does). A KeyboardInterrupt while
        waiting kills the sandbox, then propagates."""
        try:
            if not _wait(self._done, timeout):
                raise TimeoutExpired(self.args, timeout or 0.0)
        except KeyboardInterrupt:
            self._abort()
            raise
        if self._wait_error is not None:
            raise self._wait_error
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        """Kills every process of the sandbox (the cgroup when there is one),
        from any thread. Returns at once; wait() for the end."""
        with self._lock:
            self._cancelled = True
            if self._done.is_set() or self._cancel_w < 0:
                return
            self._killed = True
            try:
                os.write(self._cancel_w, b"k")
            except OSError:
                pass

    def send_signal(self, sig: int) -> None:
        """Sends SIG to the sandbox's main process (nothing once it ended)."""
        with self._lock:
            if self._sb is not None and not self._done.is_set():
                _native.library().ward_sandbox_signal(self._sb, int(sig))

    def terminate(self) -> None:
        """SIGTERM to the main process."""
        self.send_signal(signal.SIGTERM)

    def events(self) -> Iterator[Dict[str, Any]]:
        """ward's events (docs/events.md), from the first, as they come;
        ends when the sandbox is gone (after the exit event). Every call
        starts from the first event again."""
        seen = 0
        while True:
            with self._events_cond:
                while seen >= len(self._events) and not self._events_done:
                    self._events_cond.wait(_WAKE_SECONDS)
                if seen >= len(self._events):
                    return
                event = self._events[seen]
            seen += 1
            yield event

    @property
    def denials(self) -> List[Dict[str, Any]]:
        """The deny and kill events so far."""
        return [e for e in self._events if e.get("type") in ("deny", "kill")]

    def communicate(self, input: Any = None, timeout: Optional[float] = None
                    ) -> Tuple[Any, Any]:
        """Sends INPUT to stdin, reads stdout and stderr to their end and
        waits; returns (stdout, stderr) (None for what was not a PIPE).
        TimeoutExpired after TIMEOUT seconds carries what was read so far;
        calling communicate again continues."""
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            if self._writer is None and self.stdin is not None:
                data = input
                if data is not None and self._text and isinstance(data, str):
                    data = data.encode(self._encoding, self._errors)
                elif data is not None and not isinstance(data, (bytes, bytearray, memoryview)):
                    raise TypeError(f"input must be bytes (or str with text=True), not "
                                    f"{type(data).__name__}")
                self._writer = _start_thread(_feed, self.stdin, data)
            elif input is not None and self.stdin is None and self._writer is None:
                raise ValueError("input= needs stdin=PIPE")
            for name in ("stdout", "stderr"):
                f = getattr(self, name)
                if f is not None and name not in self._readers:
                    chunks: List[bytes] = []
                    self._readers[name] = (_start_thread(_drain, f, chunks), chunks)
            for t in [self._writer] + [r[0] for r in self._readers.values()]:
                if t is not None:
                    _join(t, _remaining(deadline))
                    if t.is_alive():
                        raise TimeoutExpired(self.args, timeout or 0.0, *self._partial())
            if not _wait(self._done, _remaining(deadline)):
                raise TimeoutExpired(self.args, timeout or 0.0, *self._partial())
        except KeyboardInterrupt:
            self._abort()
            raise
        out, err = self._partial()
        self.wait()
        return out, err

    def _partial(self) -> Tuple[Any, Any]:
        result: List[Any] = []
        for name in ("stdout", "stderr"):
            if name not in self._readers:
                result.append(None)
                continue
            data = b"".join(self._readers[name][1])
            result.append(data.decode(self._encoding, self._errors) if self._text else data)
        return result[0], result[1]

    def _abort(self) -> None:
        """Kill, for an exception on its way out (KeyboardInterrupt): waits
        until the program and its tasks are dead (ward's exit event), not
        for a policy_fn call that may still be running; the sandbox thread
        finishes the cleanup when it returns. A second KeyboardInterrupt
        stops the waiting, not the kill."""
        self.kill()
        try:
            _wait(self._exited, _ABORT_JOIN_SECONDS)
            if _wait(self._done, 0.5):
                _join(self._thread)
        finally:
            self._close_pipes()

    def _close_pipes(self) -> None:
        for name in ("stdin", "stdout", "stderr"):
            f = getattr(self, name)
            # A communicate() thread still using a pipe closes it itself at
            # its end: closing it here would let the descriptor's number be
            # reused while that thread still reads or writes it.
            owner = self._writer if name == "stdin" else self._readers.get(name, (None,))[0]
            if owner is not None and owner.is_alive():
                continue
            if f is not None:
                try:
                    f.close()
                except (OSError, ValueError):
                    pass

    def result(self, stdout: Any = None, stderr: Any = None) -> Result:
        """The Result of a finished process."""
        self.wait()
        assert self.returncode is not None and self.code is not None
        return Result(args=list(self.args), returncode=self.returncode, stdout=stdout,
                      stderr=stderr, events=list(self._events), stats=self.stats,
                      denials=self.denials, code=self.code,
                      callback_errors=list(self._callback_errors))

    def __enter__(self) -> "Process":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:  # an exception leaves: the sandbox goes
            self._abort()
            return
        try:
            _wait(self._done)
        except BaseException:
            self._abort()
            raise
        _join(self._thread)
        self._close_pipes()

    def __repr__(self) -> str:
        state = "running" if not self._done.is_set() else f"returncode={self.returncode}"
        return f"<libward_sandbox.Process {self.sandbox_id} {self.args!r} {state}>"


_ENVP_END = _native.SpawnConfig.envp.offset + ctypes.sizeof(ctypes.c_void_p)


def _environ_snapshot() -> Any:
    """os.environ as it is now, as a NULL-terminated "K=V" array for
    ward_spawn_config.envp: taken once, in the caller's thread, so that the
    spawn (on the sandbox thread, without the GIL) reads this and never the
    C environ that another thread's os.environ[...] = ... may be changing
    (setenv reallocates it). The copy of the mapping's dict is one C call:
    no other Python thread runs in the middle of it."""
    data = getattr(os.environ, "_data", None)
    if isinstance(data, dict):
        items = list(data.copy().items())  # bytes -> bytes on POSIX
    else:  # not CPython's os.environ: retry a copy that raced a change
        for _ in range(100):
            try:
                items = [(os.fsencode(k), os.fsencode(v)) for k, v in os.environ.items()]
                break
            except RuntimeError:
                continue
        else:
            raise RuntimeError("os.environ kept changing while it was copied")
    entries = [k + b"=" + v for k, v in items]
    return (ctypes.c_char_p * (len(entries) + 1))(*entries, None)


def _close(fd: int) -> None:
    if fd >= 0:
        try:
            os.close(fd)
        except OSError:
            pass


def _remaining(deadline: Optional[float]) -> Optional[float]:
    if deadline is None:
        return None
    return max(0.0, deadline - time.monotonic())


# Signals a process receives asynchronously (Ctrl-C, kill): blocked in every
# thread this module starts, and in libward's threads, which inherit the
# mask, so that the kernel delivers them to a thread that runs Python's
# handler promptly. The program itself starts with a clean mask (child.c).
_SYNCHRONOUS = {getattr(signal, n) for n in ("SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGTRAP",
                                             "SIGSYS", "SIGABRT", "SIGKILL", "SIGSTOP")
                if hasattr(signal, n)}
_ASYNC_SIGNALS = {s for s in signal.valid_signals() if s not in _SYNCHRONOUS}

# A wait in the caller's thread wakes this often: a signal delivered to
# another thread (one the caller made) only runs Python's handler once the
# main thread runs bytecode again.
_WAKE_SECONDS = 0.2


def _block_async_signals() -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, _ASYNC_SIGNALS)


def _in_quiet_thread(fn: Callable[..., None]) -> Callable[..., None]:
    def run(*args: Any) -> None:
        _block_async_signals()
        fn(*args)
    return run


def _wait(event: threading.Event, timeout: Optional[float] = None) -> bool:
    """event.wait(TIMEOUT) that lets a pending KeyboardInterrupt through."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = _WAKE_SECONDS if deadline is None else min(_WAKE_SECONDS,
                                                          deadline - time.monotonic())
        if left <= 0:
            return event.is_set()
        if event.wait(left):
            return True


def _join(thread: threading.Thread, timeout: Optional[float] = None) -> None:
    """thread.join(TIMEOUT), letting a pending KeyboardInterrupt through."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while thread.is_alive():
        left = _WAKE_SECONDS if deadline is None else min(_WAKE_SECONDS,
                                                          deadline - time.monotonic())
        if left <= 0:
            return
        thread.join(left)


def _start_thread(fn: Callable[..., None], *args: Any) -> threading.Thread:
    t = threading.Thread(target=_in_quiet_thread(fn), args=args, name="ward-pipe",
                         daemon=True)
    t.start()
    return t


def _drain(f: Any, chunks: List[bytes]) -> None:
    fd = f.fileno()
    try:
        while True:
            data = os.read(fd, 65536)
            if not data:
                return
            chunks.append(data)
    except OSError:
        return
    finally:
        try:
            f.close()
        except (OSError, ValueError):
            pass


def _feed(f: Any, data: Optional[bytes]) -> None:
    fd = f.fileno()
    try:
        view = memoryview(data or b"")
        while view:
            n = os.write(fd, view)
            view = view[n:]
    except (BrokenPipeError, OSError):
        pass  # the program did not read it all: as subprocess, not an error
    finally:
        try:
            f.close()
        except (OSError, ValueError):
            pass


# ---- sandboxes ----
class Sandbox:
    """Runs commands under one policy::

        with Sandbox(Policy(limits={"memory": "256M"})) as sb:
            with sb.spawn(["python3", "-c", "print(1)"], stdout=PIPE) as p:
                print(p.stdout.read())

    policy_fn, when given, is asked about every trapped operation in
    policy_fn_categories ("exec", "network", "file"; default exec and
    network) with a SupEvent and returns a Verdict (see Verdict). It runs
    in ward's supervisor thread while the program waits in the kernel; it
    must return within policy_fn_timeout seconds (default 5) or the call is
    denied. Leaving the context kills what still runs."""

    def __init__(self, policy: Any = None, *, policy_fn: Optional[PolicyFn] = None,
                 policy_fn_categories: Any = ("exec", "network"),
                 policy_fn_timeout: Optional[float] = None,
                 on_event: Optional[Callable[[Dict[str, Any]], None]] = None) -> None:
        self._policy = _as_policy(policy)
        if policy_fn is not None and not callable(policy_fn):
            raise TypeError("policy_fn must be callable (event -> verdict)")
        self._policy_fn = policy_fn
        self._categories = _categories(policy_fn_categories)
        self._policy_fn_timeout = policy_fn_timeout
        self._on_event = on_event
        self._processes: "weakref.WeakSet[Process]" = weakref.WeakSet()

    @property
    def policy(self) -> Policy:
        return self._policy

    def spawn(self, cmd: Command, *, stdin: StdArg = None, stdout: StdArg = None,
              stderr: StdArg = None, cwd: Any = None, env: Optional[Mapping[str, str]] = None,
              text: bool = False, encoding: Optional[str] = None,
              errors: Optional[str] = None, close_fds: bool = True) -> Process:
        """Starts CMD (a list, as subprocess with shell=False) and returns
        its Process once it has been executed. cwd and env (which replaces
        the environment, as in subprocess) apply to this run only. Raises
        PolicyError, LayerUnavailable, CommandNotFound, CannotExecute."""
        p = Process(self, cmd, stdin=stdin, stdout=stdout, stderr=stderr, cwd=cwd, env=env,
                    text=text, encoding=encoding, errors=errors, close_fds=close_fds)
        self._processes.add(p)
        return p

    def run(self, cmd: Command, **kwargs: Any) -> Result:
        """run() with this sandbox's policy and callback."""
        return _run_in(self, cmd, **kwargs)

    async def run_async(self, cmd: Command, **kwargs: Any) -> Result:
        """run_async() with this sandbox's policy and callback."""
        return await _run_async_in(self, cmd, **kwargs)

    def close(self) -> None:
        """Kills every process of this sandbox that still runs and waits."""
        procs = list(self._processes)
        for p in procs:
            p.kill()
        for p in procs:
            p.__exit__(None, None, None)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _Token:
    def __init__(self) -> None:
        self.cancelled = False
        self.process: Optional[Process] = None


def _run_in(sandbox: Sandbox, cmd: Command, *, input: Any = None, capture_output: bool = False,
            stdin: StdArg = None, stdout: StdArg = None, stderr: StdArg = None,
            timeout: Optional[float] = None, check: bool = False, cwd: Any = None,
            env: Optional[Mapping[str, str]] = None, text: bool = False,
            encoding: Optional[str] = None, errors: Optional[str] = None,
            close_fds: bool = True, _token: Optional[_Token] = None) -> Result:
    if input is not None:
        if stdin is not None:
            raise ValueError("stdin and input arguments may not both be used")
        stdin = PIPE
    if capture_output:
        if stdout is not None or stderr is not None:
            raise ValueError("stdout and stderr arguments may not be used with capture_output")
        stdout = stderr = PIPE
    with sandbox.spawn(cmd, stdin=stdin, stdout=stdout, stderr=stderr, cwd=cwd, env=env,
                       text=text, encoding=encoding, errors=errors,
                       close_fds=close_fds) as p:
        if _token is not None:
            _token.process = p
            if _token.cancelled:
                p.kill()
        try:
            out, err = p.communicate(input, timeout)
        except TimeoutExpired:
            p.kill()
            p.wait()
            # What was written before the kill is still in the pipes.
            for t, _chunks in p._readers.values():
                _join(t, _ABORT_JOIN_SECONDS)
            out, err = p._partial()
            raise TimeoutExpired(p.args, timeout or 0.0, out, err) from None
        result = p.result(out, err)
    if check:
        result.check_returncode()
    return result


def run(cmd: Command, policy: Any = None, *, policy_fn: Optional[PolicyFn] = None,
        policy_fn_categories: Any = ("exec", "network"),
        policy_fn_timeout: Optional[float] = None,
        on_event: Optional[Callable[[Dict[str, Any]], None]] = None, **kwargs: Any) -> Result:
    """Runs CMD in a sandbox and waits, like subprocess.run::

        r = run(["python3", "-c", "print(6*7)"], Policy(limits={"memory": "256M"}),
                capture_output=True, text=True, timeout=10)
        r.returncode, r.stdout, r.denials, r.stats.peak_memory_bytes

    Keywords: input, capture_output, stdin, stdout, stderr, text, encoding,
    errors, timeout (seconds: the sandbox is killed and TimeoutExpired
    raised), check (CalledProcessError on a non-zero returncode), cwd, env,
    close_fds; policy_fn, policy_fn_categories, policy_fn_timeout and
    on_event as for Sandbox. CMD must be a list: a string raises TypeError.
    Ctrl-C during the run kills the sandbox and raises KeyboardInterrupt."""
    sandbox = Sandbox(policy, policy_fn=policy_fn, policy_fn_categories=policy_fn_categories,
                      policy_fn_timeout=policy_fn_timeout, on_event=on_event)
    return _run_in(sandbox, cmd, **kwargs)


async def _run_async_in(sandbox: Sandbox, cmd: Command, **kwargs: Any) -> Result:
    _argv(cmd)  # a bad command fails here, not in a thread
    loop = asyncio.get_running_loop()
    future: "asyncio.Future[Result]" = loop.create_future()
    token = _Token()

    def settle(fn: Callable[[Any], None], value: Any) -> None:
        if not future.done():
            fn(value)

    def target() -> None:
        try:
            result = _run_in(sandbox, cmd, _token=token, **kwargs)
        except BaseException as e:
            loop.call_soon_threadsafe(settle, future.set_exception, e)
        else:
            loop.call_soon_threadsafe(settle, future.set_result, result)

    threading.Thread(target=_in_quiet_thread(target), name="ward-async").start()
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        token.cancelled = True
        if token.process is not None:
            token.process.kill()
        try:
            await future  # the sandbox is gone before the cancellation goes on
        except BaseException:
            pass
        raise


async def run_async(cmd: Command, policy: Any = None, *, policy_fn: Optional[PolicyFn] = None,
                    policy_fn_categories: Any = ("exec", "network"),
                    policy_fn_timeout: Optional[float] = None,
                    on_event: Optional[Callable[[Dict[str, Any]], None]] = None,
                    **kwargs: Any) -> Result:
    """run() for asyncio: `result = await run_async([...], policy, ...)`.
    The event loop is never blocked; cancelling the task kills the sandbox
    and waits for its cleanup before the CancelledError goes on."""
    sandbox = Sandbox(policy, policy_fn=policy_fn, policy_fn_categories=policy_fn_categories,
                      policy_fn_timeout=policy_fn_timeout, on_event=on_event)
    return await _run_async_in(sandbox, cmd, **kwargs)
