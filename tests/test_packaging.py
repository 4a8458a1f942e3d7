"""The built wheel holds every module of the three code folders, and the
console scripts point at importable callables."""
import importlib
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"analysis": "audix/analysis", "daemon": "audix/daemon", "tracer": "audix/tracer"}


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_folder_is_listed():
    listed = set(pyproject()["tool"]["setuptools"]["packages"])
    for folder, dotted in (("analysis", "audix.analysis"), ("daemon", "audix.daemon"),
                           ("tracer", "audix.tracer")):
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            name = ".".join([dotted, *rel.parts]) if rel.parts else dotted
            assert name in listed, f"{name} missing from [tool.setuptools] packages"


def test_console_scripts_resolve():
    for name, target in pyproject()["project"]["scripts"].items():
        module, _, attr = target.partition(":")
        assert callable(getattr(importlib.import_module(module), attr)), name


def test_wheel_is_complete(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"wheel build failed: {proc.stderr[-2000:]}")
    wheel = next(tmp_path.glob("audix-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, prefix in FOLDERS.items():
        for src in (ROOT / folder).rglob("*.py"):
            rel = src.relative_to(ROOT / folder).as_posix()
            assert f"{prefix}/{rel}" in names, f"{prefix}/{rel} not in the wheel"
