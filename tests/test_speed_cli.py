"""The entry point builds only the command it runs, with the same results as the whole app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from entropylaw.cli import app, command_app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "example_logs" / "qwen2.5-7b_grpo_math.csv"
runner = CliRunner()


def _names(typer_app) -> list[str]:
    return [info.name or info.callback.__name__.replace("_", "-")
            for info in typer_app.registered_commands]


def test_command_app_keeps_only_the_named_command():
    assert len(_names(app)) >= 8
    for name in _names(app):
        assert _names(command_app(name)) == [name]
    assert command_app("import") is not app  # registered under a name of its own
    assert len(app.registered_commands) == len(_names(app))  # the app itself is unchanged


@pytest.mark.parametrize("first", ["", "--help", "--version", "fitt", "FIT", "-h"])
def test_anything_but_a_command_name_runs_the_whole_app(first):
    assert command_app(first) is app


@pytest.mark.parametrize("args", [
    ["fit", str(EXAMPLE), "--seed", "1", "--n-resamples", "200"],
    ["fit", str(EXAMPLE), "--json", "--seed", "3", "--n-resamples", "200", "--method", "block"],
    ["fit", "--help"],
    ["fit"],
    ["fit", str(EXAMPLE), "--bogus"],
    ["fit", str(EXAMPLE), "--confidence", "2"],
    ["fit", "missing.csv"],
    ["keys", str(EXAMPLE)],
    ["import", "--help"],
    ["diagnose", str(EXAMPLE), "--seed", "0", "--n-resamples", "200"],
])
def test_one_command_app_gives_the_whole_apps_output(args):
    whole = runner.invoke(app, args, prog_name="entropylaw")
    one = runner.invoke(command_app(args[0]), args, prog_name="entropylaw")
    assert (one.exit_code, one.output) == (whole.exit_code, whole.output)
    assert whole.output  # each case prints something to compare


def test_console_entry_point_runs_one_command():
    result = subprocess.run([sys.executable, "-m", "entropylaw.cli", "fit", str(EXAMPLE),
                             "--json", "--seed", "1", "--n-resamples", "200"],
                            capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    whole = runner.invoke(app, ["fit", str(EXAMPLE), "--json", "--seed", "1",
                                "--n-resamples", "200"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == whole.stdout
    assert '"ceiling"' in result.stdout


@pytest.mark.parametrize("args", [
    ["--help"], ["fit", "--help"], ["fit", str(EXAMPLE)], ["fit", str(EXAMPLE), "--bogus"],
    ["fit", "missing.csv"], ["forecast", str(EXAMPLE), "--fit-fraction", "0.15"],
    ["backtest", str(EXAMPLE), "--fractions", "0.15", "--n-resamples", "200"],
    ["family", "--manifest", str(EXAMPLE.parent / "family.csv"), "--n-resamples", "200"]])
def test_commands_import_no_pydantic_rich_or_scipy(args):
    """typer 0.29 imports pydantic for every command (about 0.1 s); rich is typer's option;
    scipy costs 0.25 s and no command needs it any more (quantiles.py)."""
    code = ("import sys\nfrom entropylaw.cli import run\ntry:\n    run(sys.argv[1:])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'rich', 'scipy'}),"
            " file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.stderr.strip().splitlines()[-1] == "[]", result.stderr


def _blas_setting(env: dict, before: str = "") -> str:
    code = (f"{before}import os; from entropylaw.cli import one_blas_thread; one_blas_thread(); "
            "print(os.environ.get('OPENBLAS_NUM_THREADS'), os.environ.get('MKL_NUM_THREADS'))")
    clean = {k: v for k, v in os.environ.items()
             if k not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS",
                          "MKL_NUM_THREADS")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={**clean, "PYTHONPATH": str(ROOT), **env})
    return result.stdout.strip()


def test_the_entry_point_runs_blas_on_one_thread_unless_told_otherwise():
    assert _blas_setting({}) == "1 1"
    assert _blas_setting({"OMP_NUM_THREADS": "4"}) == "None None"  # the user's choice stands
    assert _blas_setting({"OPENBLAS_NUM_THREADS": "2"}) == "2 None"
    assert _blas_setting({}, before="import numpy; ") == "None None"  # too late to matter


def test_one_blas_thread_gives_the_same_output():
    args = ["-m", "entropylaw.cli", "forecast", str(EXAMPLE), "--fit-fraction", "0.2",
            "--seed", "2", "--n-resamples", "500", "--json"]
    outputs = [subprocess.run([sys.executable, *args], capture_output=True, text=True,
                              check=True, env={**os.environ, "PYTHONPATH": str(ROOT),
                                               **threads}).stdout
               for threads in ({"OPENBLAS_NUM_THREADS": "2"}, {})]
    assert outputs[0] == outputs[1] and '"ceiling"' in outputs[0]
