"""Finding libward and describing its C API (include/ward.h) to ctypes.

Nothing here runs a sandbox; it only loads the library once and declares the
structs and signatures. The layouts must match include/ward.h exactly.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from pathlib import Path
from typing import List, Optional

from .errors import LibraryNotFoundError

FS_READ, FS_WRITE, FS_EXEC = 1, 2, 4

SUP_FILE, SUP_NETWORK, SUP_PROCESS = 1, 2, 4

VERDICT_ALLOW, VERDICT_DENY, VERDICT_AUDIT, VERDICT_KILL = 0, 1, 2, 3


class Error(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_int),
        ("exit_status", ctypes.c_int),
        ("message", ctypes.c_char * 512),
    ]

    def text(self) -> str:
        return str(self.message.decode(errors="replace"))


class Exit(ctypes.Structure):
    _fields_ = [
        ("exited", ctypes.c_int),
        ("status", ctypes.c_int),
        ("code", ctypes.c_int),
        ("reason", ctypes.c_char_p),
        ("wall_ms", ctypes.c_uint64),
        ("cpu_user_ms", ctypes.c_uint64),
        ("cpu_system_ms", ctypes.c_uint64),
        ("peak_memory_bytes", ctypes.c_uint64),
    ]


EVENT_FN = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_void_p)


class SpawnConfig(ctypes.Structure):
    """struct ward_spawn_config: versioned by its size field."""

    _fields_ = [
        ("size", ctypes.c_size_t),
        ("on_event", EVENT_FN),
        ("event_userdata", ctypes.c_void_p),
        ("forward_signals", ctypes.c_int),
        ("stdin_fd", ctypes.c_int),
        ("stdout_fd", ctypes.c_int),
        ("stderr_fd", ctypes.c_int),
        ("close_fds", ctypes.c_int),
        ("cancel_fd", ctypes.c_int),
        ("pass_fds", ctypes.POINTER(ctypes.c_int)),
        ("n_pass_fds", ctypes.c_size_t),
        ("envp", ctypes.POINTER(ctypes.c_char_p)),
    ]


class Verdict(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("error", ctypes.c_int)]


class SupEvent(ctypes.Structure):
    _fields_ = [
        ("syscall", ctypes.c_char_p),
        ("category", ctypes.c_uint),
        ("pid", ctypes.c_int),
        ("ppid", ctypes.c_int),
        ("exec_path", ctypes.c_char_p),
        ("argv", ctypes.POINTER(ctypes.c_char_p)),
        ("argc", ctypes.c_size_t),
        ("family", ctypes.c_int),
        ("address", ctypes.c_char * 46),
        ("port", ctypes.c_uint16),
        ("protocol", ctypes.c_int),
        ("path", ctypes.c_char_p),
        ("open_flags", ctypes.c_int),
        ("observe_only", ctypes.c_int),
    ]


# ward_sup_verdict_fn: ctypes callbacks cannot return a struct, so the
# verdict is written through OUT (ward_policy_set_verdict_callback).
VERDICT_FN = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(SupEvent), ctypes.c_void_p, ctypes.c_void_p,
    ctypes.POINTER(Verdict)
)

_P = ctypes.c_void_p
_S = ctypes.c_char_p
_E = ctypes.POINTER(Error)
_I = ctypes.c_int
_U = ctypes.c_uint

# name: (restype, argtypes)
_SIGNATURES = {
    "ward_policy_new": (_P, []),
    "ward_policy_free": (None, [_P]),
    "ward_policy_load_file": (_I, [_P, _S, _E]),
    "ward_policy_load_string": (_I, [_P, _S, _S, _E]),
    "ward_policy_set_origin": (_I, [_P, _S, _E]),
    "ward_policy_use_profile": (_I, [_P, _S, _E]),
    "ward_policy_set_cwd": (_I, [_P, _S, _E]),
    "ward_policy_set_env": (_I, [_P, _S, _E]),
    "ward_policy_clean_env": (_I, [_P, _I]),
    "ward_policy_check": (_I, [_P, _P, _E]),
    "ward_policy_plan_json": (_I, [_P, ctypes.POINTER(ctypes.c_void_p), _E]),
    "ward_policy_set_verdict_callback": (_I, [_P, VERDICT_FN, _P]),
    "ward_policy_set_callback_categories": (_I, [_P, _U]),
    "ward_policy_set_callback_timeout": (_I, [_P, _U]),
    "ward_features_json": (_I, [ctypes.POINTER(ctypes.c_void_p), _E]),
    "ward_spawn_config_init": (None, [ctypes.POINTER(SpawnConfig)]),
    "ward_sandbox_spawn_config": (
        _I,
        [_P, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(SpawnConfig),
         ctypes.POINTER(ctypes.c_void_p), _E],
    ),
    "ward_sandbox_pid": (_I, [_P]),
    "ward_sandbox_id": (_S, [_P]),
    "ward_sandbox_signal": (_I, [_P, _I]),
    "ward_sandbox_wait": (_I, [_P, ctypes.POINTER(Exit), _E]),
    "ward_sandbox_free": (None, [_P]),
    "free": (None, [_P]),
}

_LIB_NAMES = ("libward.so", "libward.so.0")


def candidate_paths() -> List[str]:
    """Where libward is looked for, in order (see find_library)."""
    paths: List[str] = []
    env = os.environ.get("WARD_LIBRARY")
    if env:
        paths.append(env)
    here = Path(__file__).resolve().parent
    paths += [str(here / name) for name in _LIB_NAMES]
    # The build tree: bindings/python/libward_sandbox -> <repo>/build/libward.so
    for parent in list(here.parents)[:4]:
        candidate = parent / "build" / "libward.so"
        if (parent / "include" / "ward.h").is_file():
            paths.append(str(candidate))
    return paths


_lib: Optional[ctypes.CDLL] = None
_lib_lock = threading.Lock()


def _declare(lib: ctypes.CDLL, path: str) -> None:
    missing = [name for name in _SIGNATURES if not hasattr(lib, name)]
    if missing:
        raise LibraryNotFoundError(
            f"{path} is too old for libward_sandbox: it lacks {', '.join(missing)}; "
            "rebuild ward (make) or point WARD_LIBRARY at a newer libward.so",
            tried=[path],
        )
    for name, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


def library() -> ctypes.CDLL:
    """The loaded libward (loaded on first use)."""
    global _lib
    if _lib is not None:
        return _lib
    with _lib_lock:
        if _lib is not None:
            return _lib
        tried: List[str] = []
        reasons: List[str] = []
        explicit = os.environ.get("WARD_LIBRARY")
        for path in candidate_paths():
            tried.append(path)
            if not os.path.exists(path):
                if path == explicit:
                    raise LibraryNotFoundError(
                        f"WARD_LIBRARY={path}: no such file", tried=tried
                    )
                continue
            try:
                lib = ctypes.CDLL(path, use_errno=True)
            except OSError as e:
                reasons.append(f"{path}: {e}")
                continue
            _declare(lib, path)
            _lib = lib
            return lib
        system = ctypes.util.find_library("ward")
        for name in ([system] if system else []) + ["libward.so.0"]:
            tried.append(f"{name} (system search)")
            try:
                lib = ctypes.CDLL(name, use_errno=True)
            except OSError:
                continue
            _declare(lib, name)
            _lib = lib
            return lib
        detail = ("; " + "; ".join(reasons)) if reasons else ""
        raise LibraryNotFoundError(
            "cannot find libward.so (tried: " + ", ".join(tried) + ")" + detail
            + "; build it with `make` in the ward repository, install it "
            "(`make install`), or set WARD_LIBRARY=/path/to/libward.so",
            tried=tried,
        )


_gil_lib: Optional[ctypes.PyDLL] = None


def library_holding_gil() -> ctypes.PyDLL:
    """The same libward, called without releasing the GIL: for the quick
    calls that read the process environment (policy building expands "~"
    and $VARS; planning reads HOME and the variable names). With the GIL
    held no other Python thread can run os.environ[...] = ..., whose
    setenv may reallocate the C environ under a reader. Never for a call
    that can block or call back into Python."""
    global _gil_lib
    if _gil_lib is not None:
        return _gil_lib
    lib = library()
    with _lib_lock:
        if _gil_lib is None:
            # The handle dlopen already gave: the same library, same state.
            gil_lib = ctypes.PyDLL(lib._name, handle=lib._handle, use_errno=True)
            _declare(gil_lib, lib._name)
            _gil_lib = gil_lib
    return _gil_lib


def take_string(ptr: ctypes.c_void_p) -> str:
    """Copies a malloc'd C string and frees it."""
    if not ptr.value:
        return ""
    try:
        return ctypes.string_at(ptr.value).decode()
    finally:
        library().free(ptr)
