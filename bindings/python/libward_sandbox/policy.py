"""Policy: what a sandbox may touch, in the shape of ward's YAML schema.

A Policy is an immutable description (profiles, YAML texts, files); every
spawn builds a fresh C policy from it, so one Policy may be used by many
threads and sandboxes at once.
"""
from __future__ import annotations

import ctypes
import json
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _native
from .errors import PolicyError, WardError, from_ward

PathLike = Union[str, "os.PathLike[str]"]

_DEFAULT = object()

# Keys of the YAML schema (docs/policy.md), in its order.
SCHEMA_KEYS = ("version", "extends", "mode", "allow_degraded", "fs", "net", "exec",
               "limits", "process", "kill_after")

_Source = Tuple[str, str, str]  # (kind, text or path, origin)


def _plain(value: Any) -> Any:
    """Python values as the JSON (= YAML flow) the loader reads."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


def _check(rc: int, err: _native.Error) -> int:
    if rc < 0:
        raise from_ward(err.code or rc, err.exit_status, err.text())
    return rc


class Policy:
    """A ward policy. Keyword arguments mirror the YAML schema of
    docs/policy.md, one argument per top-level key::

        Policy(
            extends="default",                       # the default; None: nothing
            fs={"read": ["/srv/data"], "write": ["/srv/out"], "deny": ["/etc/shadow"]},
            net={"allow": ["tcp://127.0.0.1:8000"], "bind": [8080]},
            exec={"deny": [{"argv": ["git", "push", "--force*"]}]},
            limits={"memory": "256M", "timeout": "10s", "pids": 64},
            process={"clean_env": True, "env": {"LANG": "C.UTF-8"}, "namespaces": ["net"]},
            mode="enforce", allow_degraded=["cgroup"],
        )

    ward itself validates the policy (the same loader as `ward check`), so
    an invalid one raises PolicyError with ward's message at construction.
    `Policy.load(path)` and `Policy.from_yaml(text)` read YAML; `extend()`
    layers more rules on top of a policy.
    """

    __slots__ = ("_sources", "_doc")

    def __init__(self, *, extends: Any = _DEFAULT, version: Optional[int] = None,
                 mode: Optional[str] = None, allow_degraded: Optional[Iterable[str]] = None,
                 fs: Optional[Mapping[str, Any]] = None, net: Optional[Mapping[str, Any]] = None,
                 exec: Optional[Mapping[str, Any]] = None,  # noqa: A002 (the schema's name)
                 limits: Optional[Mapping[str, Any]] = None,
                 process: Optional[Mapping[str, Any]] = None,
                 kill_after: Optional[Mapping[str, int]] = None) -> None:
        doc: Dict[str, Any] = {}
        if extends is _DEFAULT:
            extends = "default"
        given = {"version": version, "extends": extends, "mode": mode,
                 "allow_degraded": allow_degraded, "fs": fs, "net": net, "exec": exec,
                 "limits": limits, "process": process, "kill_after": kill_after}
        for key in SCHEMA_KEYS:
            value = given[key]
            if value is None or (key == "extends" and value in ([], ())):
                continue
            doc[key] = _plain(value)
        self._doc = doc
        self._sources: Tuple[_Source, ...] = (
            (("yaml", json.dumps(doc, indent=2), "Policy(...)"),) if doc else ()
        )
        self._validate()

    # ---- other constructors ----
    @classmethod
    def _from_sources(cls, sources: Sequence[_Source], doc: Optional[Dict[str, Any]] = None
                      ) -> "Policy":
        self = cls.__new__(cls)
        self._sources = tuple(sources)
        self._doc = dict(doc or {})
        self._validate()
        return self

    @classmethod
    def load(cls, path: PathLike) -> "Policy":
        """A policy from a YAML file (as `ward run -p FILE`). Its own
        `extends` decides the base; without one it grants nothing."""
        return cls._from_sources([("file", os.fspath(path), os.fspath(path))])

    @classmethod
    def from_yaml(cls, text: str, origin: str = "<yaml>") -> "Policy":
        """A policy from YAML text; ORIGIN names it in error messages."""
        if not isinstance(text, str):
            raise TypeError("Policy.from_yaml() takes the YAML text as a str")
        return cls._from_sources([("yaml", text, origin)])

    @classmethod
    def profile(cls, name: str) -> "Policy":
        """A built-in profile ("default", "minimal")."""
        return cls._from_sources([("profile", name, name)])

    def extend(self, **kwargs: Any) -> "Policy":
        """This policy with more rules layered on top (same keywords as
        Policy(); `extends` defaults to nothing here)."""
        kwargs.setdefault("extends", None)
        more = Policy(**kwargs)
        return Policy._from_sources(self._sources + more._sources)

    # ---- building the C policy ----
    def _build(self) -> int:
        """A new C ward_policy (caller frees with ward_policy_free)."""
        lib = _native.library_holding_gil()  # it reads the environment
        handle = lib.ward_policy_new()
        if not handle:
            raise MemoryError("ward_policy_new")
        try:
            for kind, text, origin in self._sources:
                err = _native.Error()
                if kind == "file":
                    rc = lib.ward_policy_load_file(handle, os.fsencode(text), ctypes.byref(err))
                elif kind == "profile":
                    rc = lib.ward_policy_use_profile(handle, text.encode(), ctypes.byref(err))
                else:
                    rc = lib.ward_policy_load_string(handle, text.encode(), origin.encode(),
                                                     ctypes.byref(err))
                if rc < 0:
                    raise self._explain_error(from_ward(err.code or rc, err.exit_status,
                                                        err.text()), kind, text)
            return int(handle)
        except BaseException:
            lib.ward_policy_free(handle)
            raise

    @staticmethod
    def _explain_error(e: WardError, kind: str, text: str) -> WardError:
        if not isinstance(e, (PolicyError,)) and type(e) is WardError:
            e = PolicyError(e.message, e.exit_status, e.errno)
        if kind == "yaml" and e.message.startswith("Policy(...):"):
            # Point at the keyword argument: the line of the generated text.
            try:
                line = int(e.message.split(":")[1])
                snippet = text.splitlines()[line - 1].strip()
                e = type(e)(f"{e.message} (in {snippet!r})", e.exit_status, e.errno)
            except (ValueError, IndexError):
                pass
        return e

    def _validate(self) -> None:
        lib = _native.library()
        lib.ward_policy_free(self._build())

    # ---- what it means here ----
    def plan(self) -> List[Dict[str, Any]]:
        """Which layer enforces each rule on this host (`ward check
        --explain`), as a list of {rule, layer, status, note, origin}.
        Raises LayerUnavailable when a rule cannot be enforced here."""
        lib = _native.library_holding_gil()  # planning reads the environment
        handle = self._build()
        try:
            out = ctypes.c_void_p()
            err = _native.Error()
            rc = lib.ward_policy_plan_json(handle, ctypes.byref(out), ctypes.byref(err))
            text = _native.take_string(out)
            _check(rc, err)
            return list(json.loads(text or "[]"))
        finally:
            lib.ward_policy_free(handle)

    def explain(self) -> str:
        """The plan as text, one rule a line: rule, layer, status, note."""
        rows = self.plan()
        width = max((len(r.get("rule", "")) for r in rows), default=0)
        return "\n".join(
            f"{r.get('rule', ''):<{width}}  {r.get('layer', ''):<10}  {r.get('status', ''):<12}"
            f"  {r.get('note', '')}".rstrip()
            for r in rows
        )

    def to_dict(self) -> Dict[str, Any]:
        """The keyword arguments this policy was made from (empty for load/from_yaml)."""
        return dict(json.loads(json.dumps(self._doc)))

    def __repr__(self) -> str:
        parts = []
        for kind, text, origin in self._sources:
            parts.append(f"{kind}:{origin}")
        return f"Policy({', '.join(parts)})"


def features() -> Dict[str, Any]:
    """What this host's kernel and privilege offer (`ward features --json`)."""
    lib = _native.library()
    out = ctypes.c_void_p()
    err = _native.Error()
    rc = lib.ward_features_json(ctypes.byref(out), ctypes.byref(err))
    text = _native.take_string(out)
    _check(rc, err)
    return dict(json.loads(text))
