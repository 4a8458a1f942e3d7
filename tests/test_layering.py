"""The architecture's one-way dependencies, and the single importers of the
two third-party libraries that talk to the kernel."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"analysis": "audix.analysis", "daemon": "audix.daemon", "tracer": "audix.tracer"}
FORBIDDEN = {"analysis": ("audix.daemon", "audix.tracer"), "daemon": ("audix.tracer",), "tracer": ()}


def imports_of(path: Path):
    package = LAYERS[path.relative_to(ROOT).parts[0]]
    rel_parts = path.relative_to(ROOT).parts[1:-1]
    here = ".".join([package, *rel_parts])
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")
                base = base[: len(base) - (node.level - 1)]
                yield ".".join(base + ([node.module] if node.module else []))
            else:
                yield node.module or ""


def sources(folder):
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", sorted(LAYERS))
def test_dependencies_point_one_way(folder):
    bad = [(str(p.relative_to(ROOT)), name) for p in sources(folder) for name in imports_of(p)
           if name.startswith(FORBIDDEN[folder])]
    assert bad == []


def test_only_the_netlink_modules_import_pyroute2():
    users = {str(p.relative_to(ROOT)) for f in LAYERS for p in sources(f)
             if any(n.split(".")[0] == "pyroute2" for n in imports_of(p))}
    assert users <= {"daemon/netlink.py", "daemon/netlink_marshal.py"}


def test_only_the_ptrace_wrapper_imports_python_ptrace():
    users = {str(p.relative_to(ROOT)) for f in LAYERS for p in sources(f)
             if any(n.split(".")[0] == "ptrace" for n in imports_of(p))}
    assert users <= {"tracer/ptrace_api.py"}
