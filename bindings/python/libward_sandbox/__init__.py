"""libward_sandbox — run untrusted code from Python in a kernel-enforced sandbox.

A ctypes binding of libward (include/ward.h), the library behind the ward
command: the same policies, layers and refusals apply. In the shape of
subprocess::

    from libward_sandbox import Policy, run
    r = run(["python3", "-c", "print('hi')"],
            Policy(limits={"memory": "256M", "timeout": "10s"}),
            capture_output=True, text=True)
    print(r.returncode, r.stdout, r.denials)

libward is found through WARD_LIBRARY, next to this package, in the ward
build tree (build/libward.so), or on the system; see find_library().
"""
from ._native import candidate_paths, library
from .errors import (CalledProcessError, CannotExecute, CommandNotFound, LayerUnavailable,
                     LibraryNotFoundError, PolicyError, TimeoutExpired, WardError)
from .policy import Policy, features
from .sandbox import (DEVNULL, PIPE, STDOUT, Process, Result, Sandbox, Stats, SupEvent, Verdict,
                      run, run_async)

__version__ = "0.1.0"

__all__ = [
    "run", "run_async", "Sandbox", "Process", "Policy", "Result", "Stats", "SupEvent",
    "Verdict", "features", "PIPE", "STDOUT", "DEVNULL",
    "WardError", "PolicyError", "LayerUnavailable", "TimeoutExpired", "CalledProcessError",
    "CommandNotFound", "CannotExecute", "LibraryNotFoundError", "find_library",
]


def find_library() -> str:
    """The path of the libward that is (or would be) loaded; raises
    LibraryNotFoundError listing every path tried."""
    lib = library()
    return str(lib._name)


del candidate_paths
