"""Fixtures shared by the test modules, and the ``slow`` marker's rule: tests marked
``@pytest.mark.slow`` (servers, notebooks, simulation studies) run only with ``--runslow``,
under ``-m`` naming them, or where the environment variable ``CI`` is set (as CI sets it), so
``python -m pytest -q`` is quick for a developer and complete in CI."""

from __future__ import annotations

import os
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


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False,
                     help="also run the tests marked slow (CI, with CI set, always runs them)")


def runs_slow(config) -> bool:
    """Whether this session runs the slow tests: ``--runslow``, a ``-m`` expression (it chooses
    for itself), or ``CI`` set to anything but '', '0' or 'false'."""
    in_ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false")
    return config.getoption("--runslow") or bool(config.getoption("markexpr")) or in_ci


def pytest_collection_modifyitems(config, items):
    if runs_slow(config):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


def pytest_report_header(config):
    if not runs_slow(config):
        return "slow tests deselected: run them with --runslow (CI=true runs everything)"
    return None
