"""``entropylaw forecast`` and ``entropylaw backtest`` in-process: output, JSON, errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from entropylaw.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.fixture(scope="module")
def format_csv(examples):
    return examples / "qwen2.5-0.5b_grpo_math_format.csv"


def test_forecast_prints_the_report(format_csv):
    result = invoke("forecast", format_csv, "--fit-fraction", 0.15, "--seed", 1,
                    "--n-resamples", 500)
    assert result.exit_code == 0, result.output
    assert "left out early steps 0, 5, 10" in result.output
    assert "ceiling" in result.output and "RMSE" in result.output


def test_forecast_json_is_the_library_dict(format_csv):
    result = invoke("forecast", format_csv, "--fit-until", 60, "--margin", 2, "--seed", 1,
                    "--n-resamples", 500, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["fit_until_step"] == 60 and data["excluded_steps"] == [0, 5, 10]
    assert data["margin"]["margin"] == 0.02 and data["confidence"] == 0.9


def test_keep_early_and_paper_flags(format_csv):
    result = invoke("forecast", format_csv, "--fit-fraction", 0.15, "--keep-early", "--paper",
                    "--seed", 1, "--n-resamples", 500, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["excluded_steps"] == [] and data["protocol"] == "paper"
    assert "early_phase_mismatch" in [w["code"] for w in data["warnings"]]


@pytest.mark.parametrize("args, message", [
    (["--fit-fraction", "1.5"], r"Error: `fit_fraction` must be in (0, 1], got 1.5"),
    (["--fit-fraction", "0.1", "--fit-until", "10"],
     "Error: give `fit_fraction` or `fit_until`, not both"),
    (["--fit-until", "100000"], "Error: `fit_until` 100000 lies after the run's last step "
                                "(300); leave it out to forecast from the whole run"),
    (["--horizon", "1000000000"], "Error: `horizon` 1000000000 would need 199999940 "
                                  "predictions (one every 5 steps); the most is 5000: give a "
                                  "nearer horizon"),
])
def test_forecast_errors_are_one_line(format_csv, args, message):
    result = invoke("forecast", format_csv, *args)
    assert result.exit_code == 2  # an option's value out of range: a usage error
    assert result.output.strip() == message


def test_forecast_names_a_missing_file(tmp_path):
    result = invoke("forecast", tmp_path / "missing.csv")
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "missing.csv" in result.output


def test_backtest_prints_tables_and_json(examples):
    sources = [examples / "qwen2.5-0.5b_grpo_math.csv", examples / "qwen2.5-7b_grpo_math.csv"]
    result = invoke("backtest", *sources, "--fractions", "0.15,0.2", "--n-resamples", 300)
    assert result.exit_code == 0, result.output
    assert "Cut at 0.15" in result.output and "Cut at 0.2" in result.output
    result = invoke("backtest", *sources, "--fractions", "0.2", "--n-resamples", 300, "--json")
    data = json.loads(result.output)
    assert data["fractions"] == [0.2]
    assert {row["run"] for row in data["scores"]} == {source.name for source in sources}


def test_forecast_from_a_single_validation_point(format_csv):
    result = invoke("forecast", format_csv, "--fit-until", "4", "--seed", 0, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["fit"] is None and data["n_points"] == 1 and data["weights"] == {
        "last_value": 1.0}
    assert all(0 <= row["lower"] <= row["reward"] <= row["upper"] <= 1
               for row in data["predictions"])


@pytest.mark.parametrize("fractions, message", [
    ("0.1,x", "Error: --fractions must be numbers separated by commas, got '0.1,x'"),
    ("", "Error: --fractions is empty: give at least one fraction, e.g. 0.1,0.15,0.2"),
    ("0.1,1.5", "Error: each fraction must be strictly between 0 and 1, got 1.5"),
])
def test_backtest_fraction_errors(examples, fractions, message):
    result = invoke("backtest", examples / "qwen2.5-7b_grpo_math.csv", "--fractions", fractions)
    assert result.exit_code == 2
    assert result.output.strip() == message
