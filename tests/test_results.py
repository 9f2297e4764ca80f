"""Results in a notebook: a short repr, an HTML table, a summary frame and a figure, each
checked against the numbers the result holds."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import entropylaw
from entropylaw.results import ResultMixin, flatten, frame_of, summary_frame
from entropylaw.simulate import simulate_run

DRAWS = 500
RESULTS = ("LawFit", "Forecast", "Backtest", "FamilyFit")


@pytest.fixture(scope="module")
def run():
    return simulate_run(a=0.3, b=0.8, noise_sd=0.01, seed=1)


@pytest.fixture(scope="module")
def fit(run):
    return entropylaw.fit(run, n_resamples=DRAWS, seed=0)


@pytest.fixture(scope="module")
def results(run, fit):
    family = entropylaw.fit_family(
        [simulate_run(a=0.3 - 0.02 * np.log(size), b=0.8, noise_sd=0.01, seed=i)
         for i, size in enumerate((0.5, 1.5, 3.0, 7.0))],
        sizes=[0.5, 1.5, 3.0, 7.0], predict=[14.0], n_resamples=DRAWS, seed=0)
    return {
        "LawFit": fit,
        "Forecast": entropylaw.forecast(run, fit_fraction=0.3, n_resamples=DRAWS, seed=0),
        "Backtest": entropylaw.backtest([run], fractions=(0.3,), n_resamples=DRAWS),
        "FamilyFit": family,
    }


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def test_fit_repr_is_one_short_line_of_its_headline_numbers(fit):
    text = repr(fit)
    assert text == (f"<LawFit a={percent(fit.a.estimate)} b={percent(fit.b.estimate)} "
                    f"ceiling={percent(fit.ceiling.estimate)} [{percent(fit.ceiling.lower)}, "
                    f"{percent(fit.ceiling.upper)}] n={fit.n_points}>")
    assert fit.n_points == 61


def test_fit_repr_is_short_however_many_draws_it_keeps(run):
    big = entropylaw.fit(run, n_resamples=5000, seed=0)
    assert len(repr(big)) < 100
    assert "array" not in repr(big) and "\n" not in repr(big)


@pytest.mark.parametrize("name", RESULTS)
def test_every_result_has_the_notebook_face(results, name):
    result = results[name]
    assert isinstance(result, ResultMixin)
    text = repr(result)
    assert text.startswith(f"<{name} ") and text.endswith(">")
    assert len(text) < 160 and "\n" not in text and "array" not in text
    assert "DataFrame" not in text
    assert isinstance(result.summary(), pd.DataFrame) and len(result.summary())
    assert "<table" in result._repr_html_()


def test_the_dataclass_keeps_the_mixin_repr():
    """A dataclass adds its own field-by-field __repr__ unless the class defines one: the
    mixin puts its own on each subclass, so a result's class line is all it needs."""
    for name in RESULTS:
        assert getattr(entropylaw, name).__repr__ is ResultMixin.__repr__


def test_summary_rows_are_the_json_numbers(fit):
    summary = fit.summary()
    record = fit.to_dict()
    assert summary.index.name == "quantity"
    assert list(summary.columns) == ["estimate", "lower", "upper", "std_error"]
    for name in ("a", "b", "ceiling"):
        estimate = getattr(fit, name)
        row = summary.loc[name]
        assert (row.estimate, row.lower, row.upper, row.std_error) == (
            estimate.estimate, estimate.lower, estimate.upper, estimate.std_error)
        assert row.lower <= row.estimate <= row.upper
    assert summary.loc["r2", "estimate"] == record["r2"]
    assert summary.loc["noise.sd", "estimate"] == record["noise"]["sd"]
    assert summary.loc["n_points", "estimate"] == 61
    assert np.isnan(summary.loc["r2", "lower"])
    numbers = {key for key, value in record.items()
               if isinstance(value, (int, float)) and not isinstance(value, bool)}
    assert numbers <= set(summary.index)
    assert "source" not in summary.index and "warnings" not in summary.index


def test_summary_shows_the_items_of_the_lists_a_result_names(results):
    family = results["FamilyFit"]
    summary = family.summary()
    predicted = family.size_predictions[0]  # predictions is a DataFrame (issue 13)
    assert summary.loc["predictions[0].size", "estimate"] == 14.0
    assert summary.loc["predictions[0].ceiling", "estimate"] == predicted.ceiling.estimate
    assert summary.loc["predictions[0].ceiling", "upper"] == predicted.ceiling.upper
    assert not [name for name in summary.index if name.startswith("runs[")]


def test_summary_frame_of_a_record_with_missing_values():
    record = {"x": {"estimate": 0.5, "lower": None, "upper": 0.7}, "n": 3, "name": "run",
              "flag": True, "gone": None, "steps": [0, 10]}
    frame = summary_frame(record)
    assert list(frame.index) == ["x", "n"]
    assert frame.loc["x", "upper"] == 0.7 and np.isnan(frame.loc["x", "lower"])


def test_html_is_the_summary_table_escaped(run):
    frame = pd.DataFrame({"step": run.entropy.steps, "actor/entropy": run.entropy.values})
    frame["val/acc"] = pd.Series(run.reward.values, index=run.reward.steps).reindex(
        run.entropy.steps).to_numpy()
    fit = entropylaw.fit(entropylaw.read(frame, name="<script>x</script>", reward_key="val/acc"),
                         n_resamples=DRAWS, seed=0)
    page = fit._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.count("<table") == 1
    cells = re.findall(r"<td>([^<]*)</td>", page)
    assert f"{fit.ceiling.estimate:.4g}" in cells and f"{fit.ceiling.upper:.4g}" in cells
    assert "&lt;LawFit a=" in page


def test_html_lists_the_warnings(run):
    short = entropylaw.fit(run.until(40), n_resamples=DRAWS, seed=0)
    assert "few_points" in [w.code for w in short.warnings]
    assert "<code>few_points</code>" in short._repr_html_()


def test_plot_draws_the_result(fit):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = fit.plot()
    assert isinstance(figure, Figure)
    ax = Figure().add_subplot()
    assert fit.plot(ax) is ax.figure
    assert fit.plot(log_entropy=True).axes[0].get_xscale() == "log"


@pytest.mark.parametrize("name", ["Forecast", "Backtest", "FamilyFit"])
def test_plot_of_every_result(results, name):
    from matplotlib.figure import Figure

    assert isinstance(results[name].plot(), Figure)


def test_flatten_names_as_json_paths():
    record = {"a": {"estimate": 1, "lower": 0}, "noise": {"sd": 2}, "list": [{"x": 1}], "s": "t"}
    assert flatten(record) == {"a.estimate": 1, "a.lower": 0, "noise.sd": 2, "list": [{"x": 1}],
                               "s": "t"}
    assert flatten(record, lists=("list",))["list[0].x"] == 1


def test_frame_of_results_has_one_row_each_named_as_the_json(fit, run):
    other = entropylaw.fit(run, n_resamples=DRAWS, seed=1, confidence=0.9)
    frame = frame_of([fit, other])
    assert list(frame.columns) == list(flatten(fit.to_dict()))
    assert frame["ceiling.estimate"].tolist() == [fit.ceiling.estimate, other.ceiling.estimate]
    assert frame["confidence"].tolist() == [0.95, 0.9]
    assert frame["warnings"].tolist() == [(), ()]
