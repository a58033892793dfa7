"""Shared pytest configuration.

Hypothesis profiles: ``dev`` (the default) and ``ci``. CI machines are slow and
shared, so neither profile has a deadline; ``ci`` also keeps example counts modest
and derandomises so that a CI run is reproducible.
"""
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=25,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# The real cat/non-cat data lives beside the project, never inside it.
REAL_DATA_DIR = Path(
    os.environ.get(
        "CATVNONCAT_DIR", Path(__file__).resolve().parents[2] / "shared" / "data" / "catvnoncat"
    )
)


@pytest.fixture(scope="session")
def real_data_dir():
    """Directory of the real data set; the test is skipped when it is absent."""
    needed = ("train_catvnoncat.h5", "test_catvnoncat.h5")
    if not all((REAL_DATA_DIR / name).is_file() for name in needed):
        pytest.skip(f"real cat/non-cat data not found in {REAL_DATA_DIR}")
    return REAL_DATA_DIR
