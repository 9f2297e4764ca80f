"""`entropylaw diagnose` run in-process: text, JSON, figure, exit codes and one-line errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from entropylaw.cli import app
from entropylaw.diagnosing.simulate import simulate_case
from entropylaw.sources.export import write_csv

runner = CliRunner()


@pytest.fixture(scope="module")
def exploding(tmp_path_factory):
    """A simulated run whose entropy explodes, written as a CSV with verl's key names."""
    _, log, truth = simulate_case("explosion", seed=1, n_steps=400)
    path = tmp_path_factory.mktemp("runs") / "exploding.csv"
    write_csv(log, path)
    return path, truth


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_text_report(exploding):
    path, truth = exploding
    result = invoke("diagnose", path)
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("Diagnosis") and "Law      applies" in text
    line = next(line for line in text.splitlines() if line.strip().startswith("explosion"))
    onset = int(line.split("steps ")[1].split("-")[0])
    assert abs(onset - truth["onset"]) <= 40
    assert "Interventions  none stated" in text
    assert "response_length (response_length/mean)" in text


def test_json_and_plot(exploding, tmp_path):
    path, _ = exploding
    figure = tmp_path / "d.png"
    result = invoke("diagnose", path, "--json", "--plot", figure, "--false-alarm-rate", "0.05")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["false_alarm_rate"] == 0.05
    assert {"law", "regimes", "events", "interventions", "companions"} <= set(data)
    assert "explosion" in [r["code"] for r in data["regimes"]]
    assert figure.stat().st_size > 10_000


@pytest.mark.parametrize("args, expected", [
    (["missing.csv"], "missing.csv: no such file or directory"),
    (["{run}", "--reward-key", "nope"], "no key 'nope'"),
    (["{run}", "--plot", "out.txt"], "cannot write a figure with '.txt'"),
])
def test_bad_input_is_one_line_and_exit_1(exploding, args, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path, _ = exploding
    result = invoke("diagnose", *[a.replace("{run}", str(path)) for a in args])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and expected in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_out_of_range_false_alarm_rate_is_a_usage_error(exploding):
    path, _ = exploding
    result = invoke("diagnose", path, "--false-alarm-rate", "0.9")
    assert result.exit_code == 2


def _console_log(path, log, header):
    """A verl console log: the launch command, then one ``step:N - key:value`` line a step."""
    steps = sorted({int(s) for key in log.keys for s in log[key].steps})
    lines = [header]
    for step in steps:
        items = []
        for key in log.keys:
            series = log[key]
            where = series.steps == step
            if where.any():
                value = float(series.values[where][0])
                items.append(f"{key}:{'nan' if value != value else f'{value:.4f}'}")
        lines.append(f"step:{step} - " + " - ".join(items))
    path.write_text("\n".join(lines) + "\n")


def test_a_verl_console_log_with_nan_and_stated_interventions(tmp_path):
    _, log, truth = simulate_case("nan", seed=2, n_steps=300)
    path = tmp_path / "run.log"
    _console_log(path, log, "+ python3 -m verl.trainer.main_ppo algorithm.adv_estimator=grpo "
                            "actor_rollout_ref.actor.entropy_coeff=0.001 "
                            "actor_rollout_ref.actor.clip_ratio_low=0.2 "
                            "actor_rollout_ref.actor.clip_ratio_high=0.28")
    result = invoke("diagnose", path, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    numerical = [r for r in data["regimes"] if r["code"] == "numerical"]
    assert numerical and numerical[0]["start_step"] == truth["onset"]
    assert [i["key"] for i in data["interventions"]] == ["entropy_coeff", "clip_ratio_high"]
    assert "entropy bonus (entropy_coeff 0.001)" in data["law"]["reason"]
    assert "Clip-Higher" in data["law"]["reason"]


def test_a_run_too_short_to_fit_is_reported_not_an_error(tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text("step,actor/entropy,val-core/x/acc/mean@1\n0,0.5,0.1\n1,0.4,\n2,0.3,0.2\n")
    result = invoke("diagnose", path)
    assert result.exit_code == 0, result.output
    assert "Law      does not apply: the law cannot be fitted" in result.output
    assert "short_run" in result.output and "Regimes  none found" in result.output
