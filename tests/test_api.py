"""The public API: every lazy export resolves, and ``import entropylaw`` stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import entropylaw
from entropylaw.errors import InputError
from entropylaw.results import flatten
from entropylaw.simulate import simulate_run

EXAMPLES = Path(__file__).resolve().parents[1] / "example_logs"
pytest_plugins = ["pytester"]


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


def test_plot_is_an_attribute_after_import_without_loading_matplotlib():
    code = ("import sys, entropylaw; figure = entropylaw.plot.plot_fit; "
            "print('matplotlib' in sys.modules, callable(figure))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert output.split() == ["False", "True"]


# DataFrames in: read(df) reads a frame as a CSV export is read; fit() takes what read() takes,
# or a list of runs (a frame of fits out).

ENTROPY, REWARD = "actor/entropy", "val-core/math500/acc/mean@1"
DRAWS = 500


@pytest.fixture(scope="module")
def run():
    return simulate_run(a=0.3, b=0.8, noise_sd=0.01, entropy_noise=0.03, seed=3)


def wide(run, step="step"):
    """The run as a tracker's history frame: one row per step, NaN where nothing was logged."""
    frame = pd.DataFrame({step: run.entropy.steps, ENTROPY: run.entropy.values})
    reward = pd.Series(run.reward.values, index=run.reward.steps)
    frame[REWARD] = reward.reindex(run.entropy.steps).to_numpy()
    return frame


def test_read_a_frame_finds_the_keys_a_csv_would(run, tmp_path):
    frame = wide(run)
    read = entropylaw.read(frame)
    assert (read.source, read.entropy_key, read.reward_key, read.step_key) == (
        "DataFrame", ENTROPY, REWARD, "step")
    np.testing.assert_array_equal(read.entropy.steps, run.entropy.steps)
    np.testing.assert_array_equal(read.entropy.values, run.entropy.values)
    np.testing.assert_array_equal(read.reward.steps, run.reward.steps)
    np.testing.assert_array_equal(read.reward.values, run.reward.values)
    frame.to_csv(tmp_path / "run.csv", index=False)
    from_csv = entropylaw.read(tmp_path / "run.csv")
    np.testing.assert_array_equal(from_csv.reward.values, read.reward.values)
    assert from_csv.step_key == read.step_key


def test_fit_a_frame_equals_fitting_the_run(run):
    from_frame = entropylaw.fit(wide(run), n_resamples=DRAWS, seed=0)
    direct = entropylaw.fit(run, n_resamples=DRAWS, seed=0)
    assert from_frame.ceiling == direct.ceiling and from_frame.a == direct.a
    assert from_frame.entropy_noise == direct.entropy_noise > 0
    assert from_frame.ceiling.contains(0.8 - 0.3)


def test_read_a_frame_with_the_keys_named(run):
    frame = wide(run, step="iteration").rename(columns={ENTROPY: "H", REWARD: "acc"})
    read = entropylaw.read(frame, step_key="iteration", entropy_key="H", reward_key="acc")
    assert (read.entropy_key, read.reward_key, len(read.reward)) == ("H", "acc", 61)
    short = entropylaw.read(frame, step="iteration", entropy="H", reward="acc")
    np.testing.assert_array_equal(short.reward.values, read.reward.values)
    with pytest.raises(InputError, match="give `entropy` or `entropy_key`, not both"):
        entropylaw.read(frame, entropy="H", entropy_key="H")
    indexed = entropylaw.read(wide(run).set_index("step"))
    np.testing.assert_array_equal(indexed.reward.steps, run.reward.steps)


def test_read_a_long_frame(run):
    rows = [(ENTROPY, s, v) for s, v in zip(run.entropy.steps, run.entropy.values, strict=True)]
    rows += [(REWARD, s, v) for s, v in zip(run.reward.steps, run.reward.values, strict=True)]
    read = entropylaw.read(pd.DataFrame(rows, columns=["key", "step", "value"]))
    np.testing.assert_array_equal(read.reward.values, run.reward.values)


def test_a_frame_text_column_is_a_note_and_a_bad_cell_an_error(run):
    frame = wide(run)
    frame["tag"] = "baseline"
    read = entropylaw.read(frame, name="my run")
    assert read.source == "my run"
    assert [n.message for n in read.notes if n.code == "non_numeric_columns"] == [
        "ignored 1 non-numeric column: tag"]
    frame[REWARD] = frame[REWARD].astype(object)
    frame.loc[20, REWARD] = "n/a?"
    with pytest.raises(InputError, match=rf"my run: row 20, column '{REWARD}': expected a "
                                         r"number, found 'n/a\?'"):
        entropylaw.read(frame, name="my run")


@pytest.mark.parametrize(("change", "message"), [
    (lambda f: f.drop(columns="step"), r"DataFrame: no step column \(looked for .*\); "
                                       r"columns are: actor/entropy, val-core"),
    (lambda f: f.iloc[:0], "DataFrame: the DataFrame has no rows"),
    (lambda f: f.rename(columns={REWARD: ENTROPY}), "appears more than once"),
])
def test_a_frame_that_is_no_run_says_why(run, change, message):
    with pytest.raises(InputError, match=message):
        entropylaw.read(change(wide(run)))


def test_a_reader_option_for_a_frame_is_an_input_error(run):
    with pytest.raises(InputError, match="`tracking_uri` does not apply to a DataFrame"):
        entropylaw.read(wide(run), tracking_uri="file:/tmp")


@pytest.mark.parametrize("value", [3, np.zeros(4), {"step": [1]}, pd.Series([1.0])])
def test_a_wrong_type_says_what_is_accepted(value):
    with pytest.raises(InputError, match=r"^a run's source is a path, a 'wandb:' or 'mlflow:' "
                                         r"address, or a pandas DataFrame; got a \w+$"):
        entropylaw.read(value)
    with pytest.raises(InputError, match=r"^a run is a Run, a path, .* or a list of these; "
                                         r"got a \w+$"):
        entropylaw.fit(value)


def test_fit_a_path():
    fit = entropylaw.fit(EXAMPLES / "qwen2.5-7b_grpo_math.csv", n_resamples=DRAWS, seed=0)
    assert fit.source.endswith("qwen2.5-7b_grpo_math.csv") and fit.n_points == 61


def test_fit_many_runs_gives_a_frame_named_as_the_json(run):
    second = simulate_run(a=0.2, b=0.6, noise_sd=0.01, seed=4, source="second")
    frame = entropylaw.fit([run, wide(second)], n_resamples=DRAWS, seed=0)
    assert isinstance(frame, pd.DataFrame) and len(frame) == 2
    alone = entropylaw.fit(run, n_resamples=DRAWS, seed=0)
    assert list(frame.columns) == list(flatten(alone.to_dict()))
    assert frame.loc[0, "ceiling.estimate"] == alone.ceiling.estimate
    assert frame.source.tolist() == ["simulated", "DataFrame"]
    truth = np.array([0.8 - 0.3, 0.6 - 0.2])
    assert ((frame["ceiling.lower"] <= truth) & (truth <= frame["ceiling.upper"])).all()
    assert entropylaw.fit([], n_resamples=DRAWS).empty


@pytest.mark.parametrize(("ci", "options", "slow_runs"), [
    (None, [], False), ("false", [], False), ("true", [], True), (None, ["--runslow"], True),
    (None, ["-m", "slow"], True),
])
def test_slow_tests_run_in_ci_or_when_asked(pytester, monkeypatch, ci, options, slow_runs):
    """tests/conftest.py deselects @pytest.mark.slow for a developer; CI sets CI=true and runs
    everything; --runslow or a -m expression choose for themselves."""
    monkeypatch.delenv("CI", raising=False)
    if ci is not None:
        monkeypatch.setenv("CI", ci)
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text())
    pytester.makepyfile(
        "import pytest\n\n@pytest.mark.slow\ndef test_slow():\n    pass\n\n"
        "def test_quick():\n    pass\n")
    result = pytester.runpytest("-q", "-p", "no:cacheprovider", *options)
    if options == ["-m", "slow"]:
        result.assert_outcomes(passed=1, deselected=1)
    elif slow_runs:
        result.assert_outcomes(passed=2)
    else:
        result.assert_outcomes(passed=1, deselected=1)
