"""Figures: files are written and hold what a reader needs; ``ax`` is honoured; results are
left unchanged; matplotlib stays inside entropylaw/plot; --plot through the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import entropylaw
from entropylaw.cli import app
from entropylaw.errors import InputError
from entropylaw.plot import (
    draw,
    figure_format,
    plot_backtest,
    plot_family,
    plot_fit,
    plot_forecast,
    save,
)

EXAMPLE = "example_logs/qwen2.5-7b_grpo_math.csv"
PACKAGE = Path(entropylaw.__file__).parent
runner = CliRunner()


@pytest.fixture(scope="module")
def law(examples):
    return entropylaw.fit(entropylaw.read(examples.parent / EXAMPLE), n_resamples=1000, seed=0)


@pytest.fixture(scope="module")
def family(examples):
    from entropylaw.family import fit_family

    runs = [examples / f"qwen2.5-{name}_grpo_math.csv" for name in ("0.5b", "1.5b", "3b", "7b")]
    return fit_family(runs, sizes=[0.36, 1.31, 2.77, 6.53], predict=[13.1, 31.0],
                      n_resamples=500, seed=0)


@pytest.fixture(scope="module")
def prediction(examples):
    """A forecast from the first 15% of the run with an early phase (format learning)."""
    from entropylaw.forecasting import forecast

    run = entropylaw.read(examples / "qwen2.5-0.5b_grpo_math_format.csv")
    return forecast(run, fit_fraction=0.15, n_resamples=500, seed=0)


@pytest.fixture(scope="module")
def scores(examples):
    from entropylaw.forecasting import backtest

    runs = [entropylaw.read(examples / f"qwen2.5-{name}_grpo_math.csv") for name in ("3b", "7b")]
    return backtest(runs, fractions=(0.15, 0.3), n_resamples=300, seed=0)


@pytest.fixture(params=["fit", "forecast", "family", "backtest"])
def result(request):
    """Each result type with a figure."""
    fixture = {"fit": "law", "forecast": "prediction", "backtest": "scores"}
    return request.getfixturevalue(fixture.get(request.param, request.param))


def svg_text(path: Path) -> str:
    """Every text string of an SVG figure (text is kept as text, not paths)."""
    return " ".join(ElementTree.parse(path).getroot().itertext())


def test_pdf_is_written(law, tmp_path):
    path = save(plot_fit(law), tmp_path / "fit.PDF")
    assert path.read_bytes()[:5] == b"%PDF-"
    assert path.stat().st_size > 5_000


def test_svg_holds_labels_units_legend_and_title(law, tmp_path):
    text = svg_text(save(plot_fit(law), tmp_path / "fit.svg"))
    for label in ("qwen2.5-7b_grpo_math", "validation accuracy (%)",
                  "policy entropy H (nats), falling as training proceeds",
                  "validation points (61, steps 0-300)", "95% band of the law",
                  "95% band for a new measurement", "actor/entropy vs val-core/math500/acc/mean@1"):
        assert label in text
    ceiling = law.ceiling
    assert (f"ceiling b - a at H = 0: {ceiling.estimate:.1%} "
            f"[{ceiling.lower:.1%}, {ceiling.upper:.1%}] (95%)") in text
    assert "warnings" not in text


def test_svg_files_are_reproducible(law, tmp_path):
    first = save(plot_fit(law), tmp_path / "first.svg").read_bytes()
    second = save(plot_fit(law), tmp_path / "second.svg").read_bytes()
    assert first == second


def test_entropy_falls_left_to_right_and_the_curve_meets_the_ceiling_at_zero(law):
    ax = plot_fit(law).axes[0]
    left, right = ax.get_xlim()
    assert left > law.entropy_range[1] and right < 0.0
    curve = next(line for line in ax.get_lines() if line.get_label().startswith("R = "))
    x, y = curve.get_data()
    assert x[0] == 0.0 and y[0] == pytest.approx(law.ceiling.estimate)
    assert x[-1] > law.entropy_range[1]


def test_bands_nest_around_the_curve(law):
    ax = plot_fit(law).axes[0]
    bands = {c.get_label(): c.get_paths()[0].vertices[:, 1] for c in ax.collections
             if "band" in c.get_label()}
    measurement = bands["95% band for a new measurement"]
    mean = bands["95% band of the law"]
    assert np.ptp(measurement) >= np.ptp(mean)
    assert measurement.min() < mean.min() and measurement.max() > mean.max()


def test_log_entropy_axis_shows_the_ceiling_as_a_level(law, tmp_path):
    figure = plot_fit(law, log_entropy=True)
    ax = figure.axes[0]
    assert ax.get_xscale() == "log"
    left, right = ax.get_xlim()
    assert left > right > 0
    text = svg_text(save(figure, tmp_path / "log.svg"))
    assert "log scale" in text and "0.1" in text and "ceiling b - a" in text


def test_every_figure_is_a_non_trivial_png(result, tmp_path):
    path = save(draw(result), tmp_path / "figure.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 30_000


def test_ax_is_honoured(result):
    from matplotlib.figure import Figure

    figure = Figure()
    empty, target = figure.subplots(1, 2)
    returned = draw(result, ax=target)
    assert returned is figure
    assert target.has_data() and len(target.collections) >= 3
    assert not empty.has_data()


def test_plotting_leaves_the_result_unchanged(result):
    before = json.dumps(result.to_dict())
    draw(result)
    assert json.dumps(result.to_dict()) == before


def test_plotting_leaves_the_draws_unchanged(law):
    draws = law.draws.a.copy()
    plot_fit(law, log_entropy=True)
    assert np.array_equal(law.draws.a, draws)


def test_warnings_are_shown_in_the_figure(tmp_path):
    rng = np.random.default_rng(1)
    entropy = np.linspace(1.0, 0.1, 30)
    reward = 0.2 + 0.1 * np.exp(entropy) + rng.normal(0, 0.01, 30)  # accuracy falls with entropy
    result = entropylaw.fit(entropy=entropy, reward=reward, n_resamples=500, seed=0)
    assert "nonpositive_a" in [w.code for w in result.warnings]
    text = svg_text(save(plot_fit(result), tmp_path / "warned.svg"))
    assert "warnings: nonpositive_a" in text
    assert "R = " in text and "+ " in text  # R = b + |a| exp(H), no double minus
    assert "- -" not in text


def test_rewards_outside_0_1_are_not_shown_as_percent(tmp_path):
    rng = np.random.default_rng(2)
    entropy = np.linspace(1.0, 0.1, 30)
    reward = 40.0 - 10.0 * np.exp(entropy) + rng.normal(0, 0.3, 30)
    result = entropylaw.fit(entropy=entropy, reward=reward, n_resamples=500, seed=0)
    text = svg_text(save(plot_fit(result), tmp_path / "scores.svg"))
    assert "validation reward" in text and "(%)" not in text
    assert f"ceiling b - a at H = 0: {result.ceiling.estimate:.3g} [" in text


def test_forecast_shows_window_early_steps_band_ceiling_and_later_points(prediction, tmp_path):
    figure = plot_forecast(prediction)
    ax = figure.axes[0]
    table = prediction.predictions
    curve = next(line for line in ax.get_lines()
                 if line.get_label() == "forecast by the law, at the logged entropy")
    x, y = curve.get_data()
    assert np.array_equal(x, table["step"]) and np.allclose(y, table["reward"])
    later = ax.collections[-1].get_offsets()
    assert len(later) == np.isfinite(table["observed"]).sum()
    ceiling = prediction.ceiling
    text = svg_text(save(figure, tmp_path / "forecast.svg"))
    for label in ("training step", "validation accuracy (%)", "fit window (steps <= 45)",
                  "early steps left out (steps 0-10)", "90% band for each later measurement",
                  f"later validation points ({len(later)}, not seen by the fit)",
                  f"ceiling b - a: {ceiling.estimate:.1%} [{ceiling.lower:.1%}, "
                  f"{ceiling.upper:.1%}] (90%)",
                  f"RMSE {prediction.metrics.rmse * 100:.2f} points"):
        assert label in text


def test_backtest_shows_each_method_and_cut(scores, tmp_path):
    figure = plot_backtest(scores)
    ax = figure.axes[0]
    assert [tick.get_text() for tick in ax.get_xticklabels()] == [
        "default", "law", "paper", "live", "trend", "last value", "power law", "sigmoid"]
    from matplotlib.collections import PathCollection

    dots = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections
                           if isinstance(c, PathCollection)])
    expected = scores.scores["rmse"].dropna().to_numpy() * 100
    assert np.allclose(np.sort(dots), np.sort(expected))
    text = svg_text(save(figure, tmp_path / "backtest.svg"))
    for label in ("RMSE of the later points (accuracy points, log scale)",
                  "cut at 15% of the steps", "cut at 30% of the steps", "2 runs"):
        assert label in text


def test_backtest_coverage_marks_the_nominal_level(scores, tmp_path):
    text = svg_text(save(plot_backtest(scores, score="coverage"), tmp_path / "coverage.svg"))
    assert "nominal 90%" in text and "share of later points inside the band (%)" in text
    with pytest.raises(InputError, match="`score` must be in"):
        plot_backtest(scores, score="accuracy")


def test_family_shows_runs_lines_and_predicted_sizes(family, tmp_path):
    figure = plot_family(family)
    ax = figure.axes[0]
    assert ax.get_xscale() == "log"
    for name in ("a", "b", "ceiling"):
        line = next(ln for ln in ax.get_lines() if ln.get_label().startswith(
            "ceiling b - a = " if name == "ceiling" else f"{name} = "))
        x, y = line.get_data()
        expected = [family.line(name).value(size) for size in x]
        assert np.allclose(y, expected)
        assert x.min() < min(family.sizes) and x.max() > 31.0
    text = svg_text(save(figure, tmp_path / "family.svg"))
    for label in ("Law coefficients across model sizes", "model size N (billions of "
                  "non-embedding parameters, log scale)", "predicted sizes (13.1B, 31B)",
                  "fitted runs (4), with 95% intervals", "95% band for a new size",
                  "warnings: far_extrapolation"):
        assert label in text


def test_family_draws_only_the_coefficients_asked_for(family):
    ax = plot_family(family, coefficients=("ceiling",)).axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert any(label.startswith("ceiling b - a = ") for label in labels)
    assert not any(label.startswith(("a = ", "b = ")) for label in labels)
    with pytest.raises(InputError, match="`coefficients` must be among a, b, ceiling"):
        plot_family(family, coefficients=("slope",))


@pytest.mark.parametrize("name", ["figure.jpg", "figure", "figure.png.txt"])
def test_unknown_extension_names_the_allowed_ones(name):
    with pytest.raises(InputError, match=r"use one of \.png, \.svg, \.pdf"):
        figure_format(name)


def test_cli_plot_writes_the_figure_and_still_prints(tmp_path, examples, monkeypatch):
    monkeypatch.chdir(examples.parent)
    path = tmp_path / "fit.png"
    result = runner.invoke(app, ["fit", EXAMPLE, "--seed", "0", "--n-resamples", "500",
                                 "--json", "--plot", str(path), "--log-entropy"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n_points"] == 61
    assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size > 30_000


COMMANDS = {  # command -> arguments drawing a figure quickly
    "fit": ["fit", EXAMPLE, "--n-resamples", "300"],
    "forecast": ["forecast", "example_logs/qwen2.5-0.5b_grpo_math_format.csv",
                 "--fit-fraction", "0.15", "--n-resamples", "300"],
    "family": ["family", "--manifest", "example_logs/family.csv", "--predict", "31",
               "--n-resamples", "300"],
    "backtest": ["backtest", EXAMPLE, "--fractions", "0.2", "--n-resamples", "300"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_draws_with_plot(command, tmp_path, examples, monkeypatch):
    monkeypatch.chdir(examples.parent)
    path = tmp_path / f"{command}.svg"
    result = runner.invoke(app, [*COMMANDS[command], "--seed", "0", "--plot", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip()  # the report is still printed
    text = svg_text(path)
    assert "%" in text and len(text) > 500


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_bad_extension_is_a_one_line_error(command, tmp_path, examples, monkeypatch):
    monkeypatch.chdir(examples.parent)
    path = tmp_path / "figure.jpg"
    result = runner.invoke(app, [*COMMANDS[command], "--plot", str(path)])
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: {path}: cannot write a figure with '.jpg'; "
                                     f"use one of .png, .svg, .pdf")
    assert not path.exists()


def test_importing_the_plot_package_does_not_import_matplotlib():
    code = "import sys, entropylaw.plot; print('matplotlib' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert output.strip() == "False"


def test_only_the_plot_package_imports_matplotlib():
    importing = re.compile(r"^\s*(import|from)\s+matplotlib", re.MULTILINE)
    offenders = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                 if "plot" not in path.relative_to(PACKAGE).parts
                 and importing.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_draw_names_the_results_it_can_draw():
    with pytest.raises(TypeError, match="no figure for a dict; figures exist for: LawFit"):
        draw({})
