"""The public API: every lazy export resolves, and ``import entropylaw`` stays light."""

from __future__ import annotations

import subprocess
import sys

import entropylaw


def test_every_export_resolves():
    for name in entropylaw.__all__:
        assert getattr(entropylaw, name) is not None, name
    assert callable(entropylaw.forecast) and callable(entropylaw.fit_family)
    assert entropylaw.forecast.__module__ == "entropylaw.forecasting.forecaster"


def test_import_loads_no_numeric_library():
    code = "import sys, entropylaw; print(sorted({'numpy', 'pandas'} & set(sys.modules)))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert output.strip() == "[]"
