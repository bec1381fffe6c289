"""ward_build — the package's own PEP 517 build backend, standard library only.

Why not setuptools: its wheels need the `wheel` package (setuptools < 70.1),
which a fresh `python3 -m venv` does not have, so `pip install
./bindings/python` failed offline (`--no-index --no-build-isolation`) in a new
venv. This backend needs nothing: pip builds the wheel with or without
network, isolation, setuptools or wheel.

The wheel holds libward_sandbox/*.py and py.typed, plus the ward build
tree's libward.so when it exists (then the wheel is tagged for this
platform). WARD_BUNDLE_LIBRARY=0 bundles nothing; WARD_BUNDLE_LIBRARY_PATH
names another build. Metadata comes from pyproject.toml's [project].
"""
import base64
import csv
import hashlib
import io
import os
import re
import sysconfig
import tarfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # bindings/python
PACKAGE = "libward_sandbox"


def _project():
    text = (HERE / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib  # Python >= 3.11
        return tomllib.loads(text)["project"]
    except ImportError:  # 3.9, 3.10: the few plain "key = value" lines we use
        section = text.split("[project]", 1)[1].split("\n[", 1)[0]
        project = {}
        for key, value in re.findall(r'^([\w-]+)\s*=\s*"([^"]*)"', section, re.M):
            project[key] = value
        project["classifiers"] = re.findall(r'^\s+"([^"]+::[^"]+)",', section, re.M)
        return project


def _library():
    if os.environ.get("WARD_BUNDLE_LIBRARY", "1") == "0":
        return None
    path = Path(os.environ.get("WARD_BUNDLE_LIBRARY_PATH",
                               HERE.parent.parent / "build" / "libward.so"))
    return path if path.is_file() else None


def _names(project):
    dist = re.sub(r"[-_.]+", "_", project["name"])
    return dist, f"{dist}-{project['version']}"


def _metadata(project):
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}",
             f"Version: {project['version']}"]
    if project.get("description"):
        lines.append(f"Summary: {project['description']}")
    if project.get("requires-python"):
        lines.append(f"Requires-Python: {project['requires-python']}")
    lines += [f"Classifier: {c}" for c in project.get("classifiers", [])]
    readme = HERE / "README.md"
    body = ""
    if readme.is_file():
        lines.append("Description-Content-Type: text/markdown")
        body = "\n" + readme.read_text(encoding="utf-8")
    return "\n".join(lines) + "\n" + body


def _tag(bundled):
    if not bundled:
        return "py3-none-any"
    return "py3-none-" + re.sub(r"[-.]", "_", sysconfig.get_platform())


def _files(bundled):
    pkg = HERE / PACKAGE
    out = [(f"{PACKAGE}/{p.name}", p.read_bytes())
           for p in sorted(pkg.iterdir()) if p.suffix == ".py" or p.name == "py.typed"]
    if bundled:
        out.append((f"{PACKAGE}/libward.so", bundled.read_bytes()))
        print(f"libward_sandbox: bundled {bundled}")
    return out


def _dist_info(project, bundled):
    _, base = _names(project)
    info = f"{base}.dist-info"
    wheel = ("Wheel-Version: 1.0\nGenerator: ward_build\n"
             f"Root-Is-Purelib: {'false' if bundled else 'true'}\nTag: {_tag(bundled)}\n")
    return info, [(f"{info}/METADATA", _metadata(project).encode()),
                  (f"{info}/WHEEL", wheel.encode()),
                  (f"{info}/top_level.txt", f"{PACKAGE}\n".encode())]


def _record_hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def _write_wheel(wheel_directory, entries, info, name):
    path = Path(wheel_directory) / name
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for arcname, data in entries:
            zi = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            zi.external_attr = (0o755 if arcname.endswith(".so") else 0o644) << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, data)
            writer.writerow([arcname, _record_hash(data), len(data)])
        writer.writerow([f"{info}/RECORD", "", ""])
        zf.writestr(f"{info}/RECORD", record.getvalue())
    return name


# ---- PEP 517 ----
def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    project = _project()
    info, entries = _dist_info(project, _library())
    target = Path(metadata_directory) / info
    target.mkdir(parents=True, exist_ok=True)
    for arcname, data in entries:
        (Path(metadata_directory) / arcname).write_bytes(data)
    return info


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project()
    bundled = _library()
    dist, base = _names(project)
    info, meta = _dist_info(project, bundled)
    return _write_wheel(wheel_directory, _files(bundled) + meta, info,
                        f"{base}-{_tag(bundled)}.whl")


def build_sdist(sdist_directory, config_settings=None):
    project = _project()
    _, base = _names(project)
    name = f"{base}.tar.gz"
    with tarfile.open(Path(sdist_directory) / name, "w:gz") as tf:
        for rel in ["pyproject.toml", "README.md", "_build/ward_build.py"] + [
                f"{PACKAGE}/{p.name}" for p in sorted((HERE / PACKAGE).iterdir())
                if p.suffix == ".py" or p.name == "py.typed"]:
            tf.add(HERE / rel, arcname=f"{base}/{rel}")
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        data = _metadata(project).encode()
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return name
