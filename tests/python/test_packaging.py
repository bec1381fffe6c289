"""Finding libward, and installing the package with pip (offline)."""
import os
import shutil
import subprocess

import pytest

import libward_sandbox as ward
from conftest import PY, ROOT

PKG = os.path.join(ROOT, "bindings", "python")


def test_find_library_uses_the_build_tree_or_ward_library():
    path = ward.find_library()
    assert os.path.basename(path).startswith("libward.so")


def test_missing_library_lists_the_paths_tried(workdir):
    # A copy of the package outside any ward tree, with nothing to find.
    shutil.copytree(os.path.join(PKG, "libward_sandbox"),
                    os.path.join(workdir, "libward_sandbox"),
                    ignore=shutil.ignore_patterns("libward.so*", "__pycache__"))
    env = dict(os.environ, PYTHONPATH=workdir, LD_LIBRARY_PATH="")
    env.pop("WARD_LIBRARY", None)
    code = ("import libward_sandbox as w\ntry:\n w.run(['/bin/true'])\n"
            "except w.LibraryNotFoundError as e:\n print(e)\n print(len(e.tried))\n")
    r = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True, cwd=workdir)
    if "cannot find" not in r.stdout and r.returncode == 0:
        pytest.skip(f"a system libward is installed: {r.stdout.strip()}")
    assert "cannot find libward.so (tried: " in r.stdout, r.stderr
    assert os.path.join(workdir, "libward_sandbox", "libward.so") in r.stdout
    assert "WARD_LIBRARY" in r.stdout
    env["WARD_LIBRARY"] = os.path.join(workdir, "nope.so")
    r = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True, cwd=workdir)
    assert f"WARD_LIBRARY={env['WARD_LIBRARY']}: no such file" in r.stdout


def test_pip_install_offline_bundles_the_built_library(workdir):
    if not os.path.isfile(os.path.join(ROOT, "build", "libward.so")):
        pytest.skip("build/libward.so is not built")
    target = os.path.join(workdir, "site")
    src = os.path.join(workdir, "src")
    # pip builds in the source directory: a copy keeps the checkout clean
    # (and works where the checkout is read-only, as for uid 65534).
    shutil.copytree(PKG, src, ignore=shutil.ignore_patterns("build", "*.egg-info",
                                                            "__pycache__"))
    env = dict(os.environ, WARD_BUNDLE_LIBRARY_PATH=os.path.join(ROOT, "build", "libward.so"),
               PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", HOME=workdir)
    r = subprocess.run([PY, "-m", "pip", "install", "--no-build-isolation", "--no-deps",
                        "--target", target, src], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert os.path.isfile(os.path.join(target, "libward_sandbox", "py.typed"))
    assert os.path.isfile(os.path.join(target, "libward_sandbox", "libward.so"))
    env = dict(os.environ, PYTHONPATH=target)
    env.pop("WARD_LIBRARY", None)
    code = ("import libward_sandbox as w\nprint(w.find_library())\n"
            "print(w.run(['/bin/echo', 'installed'], capture_output=True, text=True).stdout, end='')")
    r = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True, cwd=workdir)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [os.path.join(target, "libward_sandbox", "libward.so"),
                                     "installed"]


def test_pip_install_into_a_fresh_venv_offline_from_the_checkout(workdir):
    # What CI (.ci/run -> make check -> this) and a new user do: a venv
    # from Debian's python3, then pip from the checkout itself, no network,
    # no pip configuration of this machine. The package's own build backend
    # needs neither setuptools nor wheel, which a fresh venv lacks.
    lib = os.path.join(ROOT, "build", "libward.so")
    assert os.path.isfile(lib), "build/libward.so is not built (make)"
    venv = os.path.join(workdir, "venv")
    env = dict(os.environ, HOME=workdir, PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1",
               PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1")
    for key in ("WARD_LIBRARY", "WARD_BUNDLE_LIBRARY_PATH", "PIP_FIND_LINKS", "PYTHONPATH"):
        env.pop(key, None)
    r = subprocess.run([PY, "-m", "venv", venv], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    vpy = os.path.join(venv, "bin", "python")
    r = subprocess.run([vpy, "-m", "pip", "install", "--no-index", "--no-build-isolation", PKG],
                       env=env, capture_output=True, text=True, timeout=300, cwd=workdir)
    assert r.returncode == 0, r.stdout + r.stderr
    code = ("import libward_sandbox as w, sys\nprint(w.find_library())\n"
            "print(w.run(['/bin/echo', 'from the venv'], capture_output=True, text=True)"
            ".stdout, end='')\nprint(sys.prefix)")
    r = subprocess.run([vpy, "-c", code], env=env, capture_output=True, text=True, cwd=workdir)
    assert r.returncode == 0, r.stderr
    found, echoed, prefix = r.stdout.splitlines()
    assert found.startswith(venv + os.sep) and found.endswith(os.path.join("libward_sandbox",
                                                                          "libward.so"))
    assert (echoed, prefix) == ("from the venv", venv)
    # The checkout is left as it was: no build/ or egg-info under the package.
    assert not [p for p in os.listdir(PKG) if p == "build" or p.endswith(".egg-info")]
