"""``entropylaw.backtest``: every method scored on runs whose truth is known, and the real logs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import entropylaw
from entropylaw.errors import InputError
from entropylaw.forecasting import METHODS
from entropylaw.simulate import simulate_run

DRAWS = 500


@pytest.fixture(scope="module")
def simulated():
    runs = [simulate_run(noise_sd=0.01, noise_autocorrelation=0.3, entropy_noise=0.03,
                         entropy_decay=0.15, seed=seed) for seed in range(3)]
    runs.append(simulate_run(noise_sd=0.01, entropy_decay=0.15, entropy_noise=0.03,
                             format_steps=40, seed=3))
    names = ["law-0", "law-1", "law-2", "format"]
    return entropylaw.backtest(runs, names=names, fractions=(0.15, 0.2), n_resamples=DRAWS)


def test_every_run_cut_and_method_is_scored(simulated):
    scores = simulated.scores
    assert len(scores) == 4 * 2 * len(METHODS)
    assert set(scores.method) == set(METHODS)
    assert scores[["rmse", "final_abs_error", "coverage"]].notna().all().all()
    row = scores[(scores.run == "law-0") & (scores.fraction == 0.15)].iloc[0]
    assert row.fit_until_step == 90 and row.n_later == 51


def test_ceiling_error_is_against_the_fit_on_the_whole_run(simulated):
    assert simulated.reference_ceilings["law-0"] == pytest.approx(0.5, abs=0.01)
    scores = simulated.scores
    default = scores[(scores.method == "default") & (scores.run == "law-0")]
    assert (default.ceiling_error < 0.02).all()


def test_the_default_beats_the_curves_on_runs_that_follow_the_law(simulated):
    summary = simulated.summary().set_index(["fraction", "method"])
    for fraction in (0.15, 0.2):
        rmse = summary.loc[fraction].rmse
        assert rmse["default"] < rmse[["trend", "last_value", "paper"]].min()
        assert rmse["default"] <= 1.1 * rmse["law"]  # where the gate passes the law drives it
        assert summary.loc[(fraction, "default")].beats_last_value == 4
    assert summary.loc[(0.15, "last_value")].beats_last_value == 0


def test_summary_coverage_is_the_share_of_all_later_points_inside(simulated):
    frame = simulated.predictions
    chosen = frame[(frame.method == "default") & (frame.fraction == 0.15)]
    inside = ((chosen.observed >= chosen.lower)
              & (chosen.observed <= chosen.upper)).mean()
    summary = simulated.summary().set_index(["fraction", "method"])
    assert summary.loc[(0.15, "default")].coverage == pytest.approx(inside)


def test_predictions_are_a_long_frame_with_interval_columns(simulated):
    frame = simulated.predictions
    assert {"run", "fraction", "method", "step", "observed", "reward", "lower",
            "upper"} <= set(frame.columns)
    inside = frame[(frame.method == "default")]
    assert np.all(inside.lower <= inside.upper)


def test_to_dict_is_strict_json_and_the_report_has_the_tables(simulated):
    data = json.loads(json.dumps(simulated.to_dict(), allow_nan=False))
    assert data["fractions"] == [0.15, 0.2] and data["methods"] == list(METHODS)
    assert {"run", "fraction", "method", "rmse", "coverage"} <= set(data["scores"][0])
    text = str(simulated)
    assert "Cut at 0.15" in text and "sigmoid (ScaleRL)" in text and "RMSE per run" in text


def test_methods_that_cannot_use_a_short_window_are_skipped_and_said():
    short = simulate_run(n_steps=100, validate_every=10, seed=0)
    result = entropylaw.backtest([short], names=["short"], fractions=(0.1, 0.5),
                                 n_resamples=DRAWS)
    early = result.scores[result.scores.fraction == 0.1]
    assert set(early.method) == {"default", "live", "last_value"}  # 2 points: no law, no curve
    skipped = {n.message.split(":")[0] for n in result.skipped if n.code == "method_skipped"}
    assert {"short at 0.1, law", "short at 0.1, paper", "short at 0.1, trend"} <= skipped
    assert set(result.scores[result.scores.fraction == 0.5].method) == set(METHODS)


def test_a_cut_between_logged_steps_scores_the_live_method():
    # Everything logged every 10 steps: the 15% cut (step 30) of a 200-step run falls on a
    # logged step, the 0.12 cut (step 24) between two; the run as it stood then ends at 20.
    steps = np.arange(0, 201, 10)
    entropy = 0.2 + 0.8 * np.exp(-steps / 60)
    rng = np.random.default_rng(0)
    reward = -0.3 * np.exp(entropy) + 1.2 + 0.005 * rng.standard_normal(steps.size)
    frame = pd.DataFrame({"step": steps, "entropy": entropy, "reward": reward})
    run = entropylaw.read(frame, entropy_key="entropy", reward_key="reward")
    result = entropylaw.backtest([run], names=["sparse"], fractions=(0.12,),
                                 n_resamples=DRAWS)
    assert not [n for n in result.skipped if "live" in n.message]
    live = result.scores[result.scores.method == "live"].iloc[0]
    assert live.fit_until_step == 24 and np.isfinite(live.rmse)


@pytest.mark.parametrize("options, message", [
    ({"fractions": (0.1, 1.0)}, "each fraction must be strictly between 0 and 1, got 1"),
    ({"names": ["a", "b"]}, "give one name per run: 2 names for 1 runs"),
    ({"confidence": 0}, "`confidence` must be strictly between 0 and 1"),
])
def test_bad_options_name_what_was_wrong(options, message):
    with pytest.raises(InputError, match=message):
        entropylaw.backtest(simulate_run(seed=0), n_resamples=DRAWS, **options)


def test_no_runs_is_an_error():
    with pytest.raises(InputError, match="give at least one run to backtest"):
        entropylaw.backtest([])


def test_real_logs_default_beats_the_paper_protocol(real_logs):
    runs = [entropylaw.read(real_logs / "verl_qwen2.5-0.5b-instruct_ppo_gsm8k_resp256.log"),
            entropylaw.read(real_logs / "verl_qwen2-7b-instruct_gpg_math-gsm8k.log",
                            reward_mean=True)]
    result = entropylaw.backtest(runs, names=["qwen", "gpg"], fractions=(0.15,),
                                 n_resamples=DRAWS)
    rmse = result.scores.set_index(["run", "method"]).rmse
    for run in ("qwen", "gpg"):
        assert rmse[(run, "default")] < 0.02 < rmse[(run, "paper")]
    assert result.reference_ceilings["gpg"] is None  # a < 0 on the whole run
    assert any(n.code == "no_reference" and n.message.startswith("gpg")
               for n in result.skipped)
