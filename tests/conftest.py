"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "example_logs"
REAL_LOGS = ROOT.parent / "shared" / "real_logs"


@pytest.fixture(scope="session")
def real_logs() -> Path:
    """The folder of real public training logs beside the checkout (skips when absent)."""
    if not REAL_LOGS.is_dir():
        pytest.skip(f"real logs not found at {REAL_LOGS} (../shared sits beside a checkout)")
    return REAL_LOGS


@pytest.fixture(scope="session")
def examples() -> Path:
    return EXAMPLES
