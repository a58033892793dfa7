"""The layout of nets: old import paths still work, no private names cross files, no import circles.

The house is only as easy to find one's way in as it stays: these fail when
a change brings back what the layout removed.
"""
import ast
import importlib
from pathlib import Path

import pytest

NETS = Path(__file__).resolve().parents[1] / "nets"


@pytest.mark.parametrize("old, new", [("nets.objective", "nets.model.objective"),
                                      ("nets.sampling", "nets.model.sampling"),
                                      ("nets.solvers", "nets.model.solvers"),
                                      ("nets.pictures", "nets.data.pictures")])
def test_moved_modules_keep_their_old_paths(old, new):
    # The same module object, so that a monkeypatch or a constant read through either path agrees.
    assert importlib.import_module(old) is importlib.import_module(new)


def test_public_names_and_paths_the_readme_shows():
    import nets
    from nets.data import write_synthetic_catvnoncat  # noqa: F401
    from nets.data.pictures import load_picture, read_picture  # noqa: F401
    from nets.model.objective import Objective  # noqa: F401
    from nets.model.solvers import flop_estimates  # noqa: F401

    for name in ("BinaryClassifier", "Batch", "DataError", "FitHistory", "ModelFileError", "SOLVERS",
                 "TrainingDiverged", "audit", "load_catvnoncat", "load_catvnoncat_images",
                 "make_synthetic_catvnoncat", "sharpness"):
        assert hasattr(nets, name), name
    assert callable(nets.audit) and callable(nets.sharpness)  # the functions, not modules of those names


def _modules():
    for path in sorted(NETS.rglob("*.py")):
        parts = path.relative_to(NETS.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def _imports(name, path):
    """(module imported, names taken from it) for every import in the file, relative ones resolved."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                target = ".".join(base[:len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def test_no_module_imports_another_modules_private_names():
    offences = [f"{name} imports {imported} from {target}"
                for name, path in _modules() for target, names in _imports(name, path)
                for imported in names if imported.startswith("_") and target.startswith("nets")]
    assert offences == []


def test_no_import_circles_inside_nets():
    modules = dict(_modules())
    edges = {}
    for name, path in modules.items():
        edges[name] = set()
        for target, names in _imports(name, path):
            # "from .. import manual" depends on nets.manual, not on the package's __init__.
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]
            for dependency in submodules or [target]:
                if dependency in modules and dependency != name and not name.startswith(dependency + "."):
                    edges[name].add(dependency)

    def reaches(start, goal, seen):
        for nxt in edges[start]:
            if nxt == goal or (nxt not in seen and (seen.add(nxt) or reaches(nxt, goal, seen))):
                return True
        return False

    circles = sorted(f"{a} -> {b}" for a in edges for b in edges[a] if reaches(b, a, set()))
    assert circles == []
