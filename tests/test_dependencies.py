"""The declared dependency range, the constraints CI tests its lower end with, and the README agree.

``pyproject.toml`` declares a floor per package and Python (environment
markers); ``.ci/lower-bounds.txt`` pins exactly those floors for ``.ci/run``'s
second run; the README's table of supported versions shows them. A floor
moved in one place and not in the others would make CI prove something else
than what is declared.
"""
import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the check needs to run on one Python only
from packaging.requirements import Requirement  # noqa: E402 (pytest's own dependency)
from packaging.version import Version  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


def _environment(python: str) -> dict:
    return {"python_version": python, "python_full_version": python + ".0"}


def _applies(requirement: Requirement, python: str) -> bool:
    return requirement.marker is None or requirement.marker.evaluate(_environment(python))


def declared_floors(python: str) -> dict:
    """{package: lowest version} that pyproject.toml declares for ``python`` (the test extra included)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floors = {}
    for line in project["dependencies"] + project["optional-dependencies"]["test"]:
        requirement = Requirement(line)
        if not _applies(requirement, python):
            continue
        name = requirement.name.lower()
        assert name not in floors, f"two requirements of {name} apply to Python {python}"
        lower = [s for s in requirement.specifier if s.operator == ">="]
        assert len(lower) == 1, f"{line}: one '>=' floor expected"
        floors[name] = Version(lower[0].version)
    return floors


def pinned_lower_bounds(python: str) -> dict:
    """{package: version} that .ci/lower-bounds.txt pins for ``python``."""
    pins = {}
    for line in (ROOT / ".ci" / "lower-bounds.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        if not _applies(requirement, python):
            continue
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"{line}: the constraints pin exact versions"
        name = requirement.name.lower()
        assert name not in pins, f"two pins of {name} apply to Python {python}"
        pins[name] = Version(spec.version)
    return pins


@pytest.mark.parametrize("python", PYTHONS)
def test_the_constraints_pin_exactly_the_declared_floors(python):
    assert pinned_lower_bounds(python) == declared_floors(python)


@pytest.mark.parametrize("python", PYTHONS)
def test_numpy_1x_is_supported_wherever_it_runs(python):
    numpy = declared_floors(python)["numpy"]
    # numpy 1.x has no wheels for Python 3.13; everywhere else the range starts in 1.x.
    assert numpy.major == (2 if python == "3.13" else 1)


def test_the_readme_table_shows_the_declared_floors():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### Supported versions", 1)[1].split("\n\n")[2]
    rows = [line.strip("|").split("|") for line in table.splitlines()]
    header = [cell.strip().lower() for cell in rows[0]]
    assert header[0] == "python"
    covered = set()
    for row in rows[2:]:
        cells = [cell.strip() for cell in row]
        for python in re.split(r",\s*", cells[0]):
            covered.add(python)
            floors = declared_floors(python)
            shown = {name: Version(value) for name, value in zip(header[1:], cells[1:])}
            assert shown == floors, python
    assert covered == set(PYTHONS)


def test_ci_runs_the_suite_at_both_ends():
    script = (ROOT / ".ci" / "run").read_text()
    assert "-c .ci/lower-bounds.txt" in script
    assert script.count("run_suite ") == 2  # newest, then lower bounds


def test_threadpoolctl_sees_the_openblas_numpy_loaded():
    # threadpoolctl before 3.5 does not recognise the OpenBLAS of numpy 2's wheels
    # (scipy-openblas): the engine then silently never sets BLAS threads.
    import numpy as np  # noqa: F401 (loads numpy's BLAS)

    maps = Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("needs Linux's /proc to see which libraries are loaded")
    if "openblas" not in maps.read_text().lower():
        pytest.skip("numpy does not use OpenBLAS here")
    from autograd_mini import tuning

    assert tuning.TUNER.threads.libraries, "threadpoolctl finds no BLAS library in this process"
