"""`entropylaw fit` run in-process: the report, the JSON schema, exit codes and messages."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from entropylaw.cli import app

EXAMPLE = "example_logs/qwen2.5-7b_grpo_math.csv"
runner = CliRunner()


@pytest.fixture(autouse=True)
def in_repository(monkeypatch, examples):
    monkeypatch.chdir(examples.parent)


def invoke(*args):
    return runner.invoke(app, list(args))


def test_report_shows_percent_intervals_and_sections():
    result = invoke("fit", EXAMPLE, "--seed", "0")
    assert result.exit_code == 0, result.output
    text = result.output
    assert "reward   val-core/math500/acc/mean@1" in text
    assert "ceiling" in text and "accuracy at H = 0 (b - a)" in text
    assert "95% interval" in text
    assert "61 validation points, steps 0-300" in text
    assert "seed 0" in text


def test_an_entropy_summed_over_each_sequence_gives_no_ceiling(tmp_path):
    # TRL's `objective/entropy` is a sum over tokens: 30-150 "nats", which exp(H) cannot mean.
    path = tmp_path / "summed.csv"
    rows = ["step,objective/entropy,eval/acc"]
    for step in range(0, 200, 10):
        entropy = 0.2 + 0.8 * math.exp(-step / 50)
        rows.append(f"{step},{150 * entropy:.3f},{1.1 - 0.4 * math.exp(entropy):.4f}")
    path.write_text("\n".join(rows) + "\n")
    result = invoke("fit", str(path), "--entropy-key", "objective/entropy",
                    "--reward-key", "eval/acc", "--seed", "0", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["law"]["applies"] is False
    assert report["law"]["failed"] == ["entropy_out_of_range"]
    text = invoke("fit", str(path), "--entropy-key", "objective/entropy",
                  "--reward-key", "eval/acc", "--seed", "0").output
    assert "ceiling          -   not given" in text and "H = 0 " not in text


def test_json_has_the_documented_schema_with_fractions():
    result = invoke("fit", EXAMPLE, "--seed", "0", "--json", "--confidence", "0.9")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    documented = {"source", "entropy_key", "reward_key", "n_points", "steps", "entropy_range",
                  "a", "b", "ceiling", "confidence", "interval_method", "r2", "rmse",
                  "residual_autocorrelation", "warnings"}
    assert documented <= set(data)
    assert data["steps"] == [0, 300] and data["n_points"] == 61
    assert data["confidence"] == 0.9 and data["interval_method"] == "ar1"
    for name in ("a", "b", "ceiling"):
        assert set(data[name]) == {"estimate", "lower", "upper", "std_error"}
        assert 0 < data[name]["lower"] < data[name]["estimate"] < data[name]["upper"] < 1
    # example_logs/truth.csv: the simulated 7B run has ceiling 0.515056
    assert data["ceiling"]["lower"] < 0.515056 < data["ceiling"]["upper"]


def test_seed_makes_the_output_reproducible():
    first = invoke("fit", EXAMPLE, "--seed", "5", "--json")
    second = invoke("fit", EXAMPLE, "--seed", "5", "--json")
    assert first.output == second.output


def test_json_equals_the_library_to_dict():
    import entropylaw

    expected = entropylaw.fit(entropylaw.read(EXAMPLE), seed=3, method="block").to_dict()
    result = invoke("fit", EXAMPLE, "--seed", "3", "--method", "block", "--json")
    assert json.loads(result.output) == json.loads(json.dumps(expected))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing.csv",), "Error: missing.csv: no such file or directory"),
        ((EXAMPLE, "--entropy-key", "nope"), "Error: example_logs/qwen2.5-7b_grpo_math.csv: "
                                             "no key 'nope'; keys are: _runtime"),
        ((EXAMPLE, "--method", "bca"), "Error: `method` must be one of {'ar1', 'block', 'iid'}"),
    ],
)
def test_user_errors_print_one_line_and_exit_1_or_2(args, message):
    result = invoke("fit", *args)
    assert result.exit_code == (2 if "--method" in args else 1)  # an option's value: usage
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_usage_errors_exit_2():
    assert invoke("fit").exit_code == 2
    assert invoke("fit", EXAMPLE, "--no-such-option").exit_code == 2


@pytest.mark.parametrize(("args", "message"), [
    (("--confidence", "2"), "Error: `confidence` must be strictly between 0 and 1"),
    (("--reward-scale", "bits"), "Error: `reward_scale` must be one of auto, fraction"),
    (("--n-resamples", "5"), "Invalid value for '--n-resamples'"),
])
def test_options_out_of_range_exit_2_whichever_layer_checks_them(args, message):
    """The audit found 1 for a library check and 2 for typer's: both are usage errors."""
    result = invoke("fit", EXAMPLE, *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_help_imports_no_heavy_module():
    code = ("import sys, entropylaw.cli; "
            "heavy = {'numpy', 'pandas', 'scipy', 'matplotlib', 'wandb', 'mlflow', 'tensorboard'}; "
            "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert output.strip() == "[]"
