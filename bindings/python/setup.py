"""Packaging hook: bundles the ward build tree's libward.so into the wheel.

`make && pip install ./bindings/python` then works without WARD_LIBRARY.
Without a build (or with WARD_BUNDLE_LIBRARY=0) nothing is bundled and the
package finds libward at run time (WARD_LIBRARY, the system). Metadata is
in pyproject.toml.
"""
import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithLibward(build_py):
    def run(self) -> None:
        super().run()
        if os.environ.get("WARD_BUNDLE_LIBRARY", "1") == "0":
            return
        here = Path(__file__).resolve().parent
        source = Path(os.environ.get("WARD_BUNDLE_LIBRARY_PATH",
                                     here.parent.parent / "build" / "libward.so"))
        if source.is_file():
            target = Path(self.build_lib) / "libward_sandbox" / "libward.so"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            print(f"libward_sandbox: bundled {source}")


setup(cmdclass={"build_py": BuildPyWithLibward})
