"""ward — Python binding of libward, the kernel-enforced process sandbox.

A thin ctypes layer over include/ward.h: the library does all the work, so
the same rules, layers and refusals apply as with the ward command.

    import ward
    p = ward.Policy(profile="default")
    p.allow_read("/srv/data")
    p.set_limit("memory", "256M")
    result = p.run(["python3", "-c", "print(1)"], on_event=print)
    print(result.code, result.reason)
"""
import ctypes
import ctypes.util
import json
import os

__all__ = ["Policy", "Result", "WardError", "features", "FS_READ", "FS_WRITE", "FS_EXEC"]

FS_READ, FS_WRITE, FS_EXEC = 1, 2, 4
_LIMITS = {"memory": 0, "pids": 1, "cpu": 2, "cpu_time": 3, "nofile": 4, "timeout": 5}
_NS = {"net": 1, "pid": 2, "ipc": 4, "uts": 8, "user": 16}


class _Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("exit_status", ctypes.c_int),
                ("message", ctypes.c_char * 512)]


class _Exit(ctypes.Structure):
    _fields_ = [("exited", ctypes.c_int), ("status", ctypes.c_int), ("code", ctypes.c_int),
                ("reason", ctypes.c_char_p), ("wall_ms", ctypes.c_uint64),
                ("cpu_user_ms", ctypes.c_uint64), ("cpu_system_ms", ctypes.c_uint64),
                ("peak_memory_bytes", ctypes.c_uint64)]


_EVENT_FN = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_void_p)


class _SpawnOptions(ctypes.Structure):
    _fields_ = [("on_event", _EVENT_FN), ("event_userdata", ctypes.c_void_p),
                ("forward_signals", ctypes.c_int),
                ("pass_fds", ctypes.POINTER(ctypes.c_int)), ("n_pass_fds", ctypes.c_size_t)]


def _load():
    path = os.environ.get("WARD_LIBRARY") or ctypes.util.find_library("ward") or "libward.so"
    lib = ctypes.CDLL(path, use_errno=True)
    lib.ward_policy_new.restype = ctypes.c_void_p
    lib.ward_policy_free.argtypes = [ctypes.c_void_p]
    lib.ward_features_json.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(_Error)]
    lib.ward_run.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p),
                             ctypes.POINTER(_SpawnOptions), ctypes.POINTER(_Exit),
                             ctypes.POINTER(_Error)]
    lib.free.argtypes = [ctypes.c_void_p]
    return lib


_lib = None


def _library():
    global _lib
    if _lib is None:
        _lib = _load()
    return _lib


class WardError(Exception):
    """A ward error: bad policy or flag (exit_status 125), or a command that
    could not run (126, 127)."""

    def __init__(self, message, exit_status=125):
        super().__init__(message)
        self.exit_status = exit_status


class Result:
    def __init__(self, x):
        self.exited = bool(x.exited)
        self.status = x.status
        self.code = x.code
        self.reason = x.reason.decode() if x.reason else None
        self.wall_ms = x.wall_ms
        self.cpu_ms = x.cpu_user_ms + x.cpu_system_ms
        self.peak_memory_bytes = x.peak_memory_bytes

    def __repr__(self):
        return f"Result(code={self.code}, reason={self.reason!r}, wall_ms={self.wall_ms})"


def _check(rc, err):
    if rc < 0:
        raise WardError(err.message.decode(errors="replace"), err.exit_status or 125)
    return rc


class Policy:
    def __init__(self, path=None, profile=None, yaml=None):
        lib = _library()
        self._p = lib.ward_policy_new()
        if not self._p:
            raise MemoryError("ward_policy_new")
        if profile is None and path is None and yaml is None:
            profile = "default"
        if profile:
            self._call("ward_policy_use_profile", profile.encode())
        if path:
            self._call("ward_policy_load_file", os.fsencode(path))
        if yaml:
            self._call("ward_policy_load_string", yaml.encode(), b"<python>")

    def __del__(self):
        if getattr(self, "_p", None) and _lib is not None:
            _lib.ward_policy_free(self._p)
            self._p = None

    def _call(self, name, *args):
        err = _Error()
        fn = getattr(_library(), name)
        rc = fn(ctypes.c_void_p(self._p), *args, ctypes.byref(err))
        return _check(rc, err)

    def allow_read(self, path):
        self._call("ward_policy_fs_allow", os.fsencode(path), FS_READ)

    def allow_write(self, path):
        self._call("ward_policy_fs_allow", os.fsencode(path), FS_READ | FS_WRITE)

    def allow_exec(self, path):
        self._call("ward_policy_fs_allow", os.fsencode(path), FS_READ | FS_EXEC)

    def deny_path(self, path):
        self._call("ward_policy_fs_deny", os.fsencode(path))

    def net_allow(self, rule):
        self._call("ward_policy_net_allow", rule.encode())

    def net_deny(self, rule):
        self._call("ward_policy_net_deny", rule.encode())

    def set_limit(self, name, value):
        if name not in _LIMITS:
            raise WardError(f"unknown limit '{name}' (known: {', '.join(_LIMITS)})")
        self._call("ward_policy_set_limit", _LIMITS[name], str(value).encode())

    def set_env(self, key, value):
        self._call("ward_policy_set_env", f"{key}={value}".encode())

    def allow_degraded(self, layer):
        self._call("ward_policy_allow_degraded", layer.encode())

    def audit(self, on=True):
        _library().ward_policy_set_mode(ctypes.c_void_p(self._p), 1 if on else 0)

    def check(self):
        """The plan for this host as a list of dicts; raises WardError when
        a rule cannot be enforced here."""
        out = ctypes.c_void_p()
        err = _Error()
        lib = _library()
        rc = lib.ward_policy_plan_json(ctypes.c_void_p(self._p), ctypes.byref(out),
                                       ctypes.byref(err))
        text = ctypes.string_at(out.value).decode() if out.value else "[]"
        if out.value:
            lib.free(out)
        _check(rc, err)
        return json.loads(text)

    def run(self, argv, on_event=None, pass_fds=()):
        """Runs ARGV to completion. Descriptors above 2 are closed inside
        unless listed in PASS_FDS (each must be open here)."""
        lib = _library()
        args = (ctypes.c_char_p * (len(argv) + 1))(*[os.fsencode(a) for a in argv], None)

        def deliver(text, _userdata):
            if on_event:
                on_event(json.loads(text.decode()))

        callback = _EVENT_FN(deliver)
        fds = (ctypes.c_int * max(len(pass_fds), 1))(*pass_fds)
        options = _SpawnOptions(callback, None, 0, fds, len(pass_fds))
        x = _Exit()
        err = _Error()
        rc = lib.ward_run(ctypes.c_void_p(self._p), args, ctypes.byref(options), ctypes.byref(x),
                          ctypes.byref(err))
        _check(rc, err)
        return Result(x)


def features():
    """What this host offers, as a dict (the JSON of `ward features --json`)."""
    lib = _library()
    out = ctypes.c_void_p()
    err = _Error()
    _check(lib.ward_features_json(ctypes.byref(out), ctypes.byref(err)), err)
    text = ctypes.string_at(out.value).decode()
    lib.free(out)
    return json.loads(text)
