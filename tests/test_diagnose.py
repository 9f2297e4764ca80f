"""diagnose(): regimes, events, interventions and the law gate on runs with known truth."""

from __future__ import annotations

import json

import numpy as np
import pytest

import entropylaw
from entropylaw.diagnosing import changepoint
from entropylaw.diagnosing.interventions import read_interventions
from entropylaw.diagnosing.simulate import (
    ENTROPY_KEY,
    KINDS,
    LENGTH_CAP,
    REWARD_KEY,
    simulate_case,
)
from entropylaw.errors import InputError


def diagnosed(kind, seed, **options):
    run, log, truth = simulate_case(kind, seed=seed, **options)
    return entropylaw.diagnose(run, log=log), truth


def regimes(result, code):
    return [regime for regime in result.regimes if regime.code == code]


@pytest.mark.parametrize("kind", KINDS)
def test_simulated_cases_hold_their_truth(kind):
    for seed in range(3):
        _, log, truth = simulate_case(kind, seed=seed, n_steps=300, a=0.3, b=0.8)
        onset, entropy = truth["onset"], log.series[ENTROPY_KEY]
        assert truth["kind"] == kind and truth["n_steps"] == 300
        assert onset is None if kind == "clean" else 90 <= onset <= 210
        # validation accuracy follows the law of the logged entropy, with the given a and b
        reward = log.series[REWARD_KEY]
        h = np.interp(reward.steps, entropy.steps, entropy.values)
        used = np.isfinite(h) & (reward.values > 0.05)  # below, clipping at 0 bends the line
        slope, intercept = np.polyfit(np.exp(h[used]), reward.values[used], 1)
        assert abs(-slope - 0.3) < 0.03 and abs(intercept - 0.8) < 0.04, (slope, intercept)
        length = log.series["response_length/mean"].values
        assert length.max() <= LENGTH_CAP
        if kind == "collapse":
            assert abs(entropy.values[:onset].mean() - 0.6) < 0.01
            assert entropy.values[-10:].mean() < 0.05
        if kind == "explosion":
            growth = entropy.values[-5:].mean() / entropy.values[onset]
            assert 0.9 * np.exp(2 * (300 - onset) / 300) < growth
            assert growth < 1.1 * np.exp(4 * (300 - onset) / 300)
            assert length[-5:].mean() > 0.95 * LENGTH_CAP > 1.5 * length[:onset].max()
        if kind == "nan":
            assert np.isnan(log.series["actor/grad_norm"].values[onset:]).all()
            assert np.isfinite(log.series["actor/grad_norm"].values[:onset]).all()


@pytest.mark.parametrize("seed", range(4))
def test_clean_runs_follow_the_law_without_false_explosion_or_numerical(seed):
    result, _ = diagnosed("clean", seed)
    assert result.law.applies, result.law.reason
    codes = set(result.codes())
    assert not codes & {"explosion", "entropy_rise", "numerical", "truncation"}, result.regimes
    assert "collapse" in codes  # entropy falls towards 0 while accuracy levels off


@pytest.mark.parametrize("seed", range(4))
def test_explosion_onset_within_a_tenth_of_the_run(seed):
    result, truth = diagnosed("explosion", seed)
    found = regimes(result, "explosion")
    assert found, result.regimes
    assert abs(found[0].start_step - truth["onset"]) <= 0.1 * truth["n_steps"]
    evidence = found[0].evidence
    assert evidence["entropy_to"] > evidence["entropy_from"]
    assert any(r.start_step >= found[0].start_step for r in regimes(result, "truncation"))
    assert evidence["response_length_during_max"] > evidence["response_length_before"]
    # accuracy is not called flat once it falls
    assert all(p.end_step < found[0].start_step for p in regimes(result, "plateau"))


@pytest.mark.parametrize("seed", range(3))
def test_collapse_onset_within_a_tenth_of_the_run(seed):
    result, truth = diagnosed("collapse", seed)
    found = regimes(result, "collapse")
    assert found and abs(found[0].start_step - truth["onset"]) <= 0.1 * truth["n_steps"]
    assert found[0].evidence["entropy_to"] <= 0.5 * found[0].evidence["entropy_from"]
    assert regimes(result, "plateau")


@pytest.mark.parametrize("seed", range(3))
def test_nan_is_located_at_its_first_step(seed):
    result, truth = diagnosed("nan", seed)
    found = regimes(result, "numerical")
    assert len(found) == 1 and found[0].start_step == truth["onset"]
    first = found[0].evidence["first_non_finite"]
    assert first["actor/grad_norm"] == truth["onset"]
    assert first["actor/entropy"] == truth["onset"] + 2
    assert found[0].end_step == truth["n_steps"]
    assert any(n.code == "law_before_numerical" for n in result.notes)
    assert result.fit.steps[1] < truth["onset"]


def test_to_dict_is_the_json_schema():
    result, _ = diagnosed("explosion", 0)
    data = json.loads(json.dumps(result.to_dict()))
    assert set(data) == {"source", "entropy_key", "reward_key", "steps", "law", "regimes",
                         "events", "interventions", "companions", "false_alarm_rate",
                         "warnings", "notes"}
    assert set(data["law"]) == {"applies", "reason", "failed", "evidence"}
    assert all(set(r) == {"code", "start_step", "end_step", "evidence"} for r in data["regimes"])
    assert data["companions"]["response_length"] == "response_length/mean"
    assert data["interventions"] == []
    text = str(result)
    assert "Regimes" in text and "explosion" in text and "not stated" in text
    assert repr(result).startswith("<Diagnosis law=applies regimes=")
    assert "explosion" in repr(result)
    frame = result.summary()
    assert "regimes" not in frame.index and "false_alarm_rate" in frame.index
    assert "Regimes" in result._repr_html_()


def test_cusum_false_alarms_stay_near_the_stated_rate():
    rng = np.random.default_rng(7)
    n, runs = 150, 300
    alarms = 0
    for _ in range(runs):
        noise = np.empty(n)
        noise[0] = rng.standard_normal()
        for t in range(1, n):  # AR(1), rho 0.3, like logged training series
            noise[t] = 0.3 * noise[t - 1] + np.sqrt(1 - 0.09) * rng.standard_normal()
        alarms += bool(changepoint.shifts(noise, direction=+1))
    # 1% per series: 3 expected; more than 12 has probability < 1e-4 at the stated rate
    assert alarms <= 12


def test_cusum_finds_a_drift_where_it_starts():
    rng = np.random.default_rng(3)
    values = rng.standard_normal(300)
    values[180:] += 0.1 * np.arange(120)  # rises by 1 sd every 10 steps from step 180
    found = changepoint.shifts(values, direction=+1)
    assert len(found) == 1 and abs(found[0].onset - 180) <= 30  # a tenth of the series
    assert found[0].end >= 280
    assert changepoint.shifts(values[:180], direction=+1) == []
    assert changepoint.shifts(values, direction=-1) == []


def test_a_single_spike_is_an_event_not_a_shift():
    rng = np.random.default_rng(4)
    values = 0.3 * np.exp(0.02 * rng.standard_normal(200))
    values[120] = 0.6
    log_values = np.log(values)
    assert changepoint.shifts(log_values, direction=+1) == []
    spikes = changepoint.spikes(log_values, direction=+1)
    assert [s.position for s in spikes] == [120]


def test_events_entropy_spike_and_reward_collapse():
    run, log, _ = simulate_case("clean", seed=1)
    entropy = log["actor/entropy"].values
    entropy[400] *= 3.0
    log["critic/score/mean"].values[420] = 0.05
    result = entropylaw.diagnose(run, log=log)
    events = [(e.code, e.step) for e in result.events]
    assert ("entropy_spike", 400) in events and ("reward_collapse", 420) in events
    assert all(step in (400, 420) for _, step in events), events


VERL_DICT = """(TaskRunner pid=1)  'actor': {'clip_ratio': 0.2,
(TaskRunner pid=1)            'clip_ratio_high': 0.28,
(TaskRunner pid=1)            'clip_ratio_low': 0.2,
(TaskRunner pid=1)            'entropy_coeff': 0,
(TaskRunner pid=1)            'policy_loss': {'loss_mode': 'clip_cov'},
(TaskRunner pid=1)            'use_kl_loss': True, 'kl_loss_coef': 0.001,
"""


def test_interventions_from_a_printed_verl_config(tmp_path):
    path = tmp_path / "run.log"
    path.write_text(VERL_DICT + "step:1 - actor/entropy:0.5\n")
    config = read_interventions(path)
    keys = {item.key: item.value for item in config.interventions}
    assert keys == {"kl_loss_coef": 0.001, "clip_ratio_high": 0.28, "loss_mode": "clip_cov"}
    assert config.stated["entropy_coeff"] == 0
    assert any("Clip-Cov" in item.message for item in config.interventions)


def test_interventions_from_overrides_and_yaml(tmp_path):
    overrides = tmp_path / "a.log"
    overrides.write_text("python3 -m verl.trainer.main_ppo actor_rollout_ref.actor."
                         "entropy_coeff=0.002 algorithm.use_kl_in_reward=False "
                         "algorithm.kl_ctrl.kl_coef=0.01\n")
    assert [i.key for i in read_interventions(overrides).interventions] == ["entropy_coeff"]
    yaml = tmp_path / "b.log"
    yaml.write_text("actor:\n  entropy_coeff: 0.0\n  use_kl_loss: false\n"
                    "algorithm:\n  use_kl_in_reward: true\n  kl_ctrl:\n    kl_coef: 0.05\n")
    assert [i.key for i in read_interventions(yaml).interventions] == ["kl_coef"]


def test_interventions_from_trl_state_and_not_stated(tmp_path):
    state = tmp_path / "trainer_state.json"
    state.write_text(json.dumps({"log_history": [{"step": 1, "beta": 9}],
                                 "args": {"beta": 0.04, "epsilon": 0.2, "epsilon_high": 0.28}}))
    config = read_interventions(tmp_path)
    assert {i.key: i.value for i in config.interventions} == {"beta": 0.04, "epsilon_high": 0.28}
    csv = tmp_path / "run.csv"
    csv.write_text("step,actor/entropy\n1,0.5\n")
    empty = read_interventions(csv)
    assert empty.interventions == () and empty.notes[0].code == "config_not_stated"
    assert read_interventions("wandb:e/p/r").notes[0].code == "config_not_stated"


def test_bad_false_alarm_rate_and_bad_input_are_input_errors():
    run, log, _ = simulate_case("clean", seed=0, n_steps=200)
    with pytest.raises(InputError, match="alpha"):
        entropylaw.diagnose(run, log=log, alpha=0.9)
    with pytest.raises(InputError, match="got a list"):
        entropylaw.diagnose([1, 2, 3])


def test_a_dataframe_and_a_csv_read_as_a_run_give_the_same_diagnosis(tmp_path):
    from entropylaw.sources.export import write_csv

    _, log, truth = simulate_case("explosion", seed=3, n_steps=300)
    path = tmp_path / "run.csv"
    write_csv(log, path)
    import pandas as pd

    from_frame = entropylaw.diagnose(pd.read_csv(path))
    from_run = entropylaw.diagnose(entropylaw.read(str(path)))  # companions re-read from file
    for result in (from_frame, from_run):
        assert result.companions["train_reward"] == "critic/score/mean"
        explosion = [r for r in result.regimes if r.code == "explosion"]
        assert explosion and abs(explosion[0].start_step - truth["onset"]) <= 30
    assert from_frame.codes() == from_run.codes()


def test_a_run_without_companions_is_diagnosed_from_entropy_and_accuracy():
    run = entropylaw.simulate_run(seed=2, entropy_noise=0.03)
    result = entropylaw.diagnose(run)
    assert result.companions == {} and result.events == ()
    assert any(n.code == "no_companions" for n in result.notes)
    assert result.law.applies


def test_figure_draws_regimes_and_events(tmp_path):
    from entropylaw.plot.diagnose import plot_diagnosis
    from entropylaw.plot.files import save

    result, _ = diagnosed("explosion", 1)
    figure = plot_diagnosis(result)
    assert len(figure.axes) == 5  # two panels, each with a twin axis, and the regime lanes
    lanes = figure.axes[1]
    assert [t.get_text() for t in lanes.get_yticklabels()] == list(dict.fromkeys(result.codes()))
    assert save(figure, tmp_path / "d.png").stat().st_size > 10_000
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    assert plot_diagnosis(result, ax=ax) is ax.figure
    assert result.plot() is not None
    plt.close("all")


def test_a_trl_trainer_state_gives_companions_and_its_kl(tmp_path):
    run = entropylaw.simulate_run(seed=5, n_steps=200, entropy_noise=0.03)
    rng = np.random.default_rng(5)
    history = []
    for step, entropy in zip(run.entropy.steps, run.entropy.values, strict=True):
        history.append({"step": int(step), "entropy": float(entropy),
                        "reward": float(0.8 - 0.3 * np.exp(entropy) + 0.02 * rng.standard_normal()),
                        "completions/mean_length": float(200 + 5 * rng.standard_normal()),
                        "grad_norm": float(np.exp(0.2 * rng.standard_normal())),
                        "kl": 0.01, "loss": 0.0})
    for step, value in zip(run.reward.steps, run.reward.values, strict=True):
        history.append({"step": int(step), "eval_reward": float(value)})
    state = {"global_step": 200, "log_history": history, "args": {"beta": 0.04}}
    (tmp_path / "trainer_state.json").write_text(json.dumps(state))
    result = entropylaw.diagnose(str(tmp_path))
    assert result.companions == {"train_reward": "reward",
                                 "response_length": "completions/mean_length",
                                 "grad_norm": "grad_norm", "kl": "kl", "loss": "loss"}
    assert [i.key for i in result.interventions] == ["beta"]
    assert "KL penalty (TRL beta 0.04)" in result.law.reason
    assert not {"explosion", "numerical"} & set(result.codes())


def test_rewards_outside_0_1_are_not_shown_as_percent():
    from entropylaw.diagnosing.simulate import REWARD_KEY
    from entropylaw.run import select

    _, log, _ = simulate_case("clean", seed=6, n_steps=300)
    validation = log[REWARD_KEY]
    validation.values[:] = validation.values * 4.0 - 1.0  # a raw reward scale, -1 to 3
    run = select(log, entropy_key="actor/entropy", reward_key=REWARD_KEY, reward_scale="raw")
    text = str(entropylaw.diagnose(run, log=log))
    plateau = next(line for line in text.splitlines() if line.strip().startswith("plateau"))
    assert "%" not in plateau and "points" not in plateau.split("(")[0]
