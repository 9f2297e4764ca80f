"""Pairing validation points with entropy, and choosing keys."""

from __future__ import annotations

import numpy as np
import pytest

from entropylaw.errors import InputError
from entropylaw.run import pair, select
from entropylaw.sources.log import KeySeries, build_log


def series(key, steps, values):
    return KeySeries(key, np.asarray(steps), np.asarray(values, dtype=float))


ENTROPY = series("actor/entropy", [1, 2, 3, 5, 6], [0.9, 0.8, 0.7, 0.5, 0.4])


def test_same_step_else_nearest_earlier_step():
    pairs = pair(ENTROPY, series("r", [2, 4, 6, 9], [0.1, 0.2, 0.3, 0.4]))
    assert pairs.entropy_steps.tolist() == [2, 3, 6, 6]
    assert pairs.entropy.tolist() == [0.8, 0.7, 0.4, 0.4]
    assert pairs.notes == ()


def test_validation_before_any_entropy_pairs_forward_and_says_so():
    pairs = pair(ENTROPY, series("r", [0, 3], [0.1, 0.2]))
    assert pairs.entropy_steps.tolist() == [1, 3]
    assert pairs.notes[0].code == "paired_forward"
    assert "1 validation point (step 0) came before any logged entropy" in pairs.notes[0].message


def test_a_validation_in_a_gap_of_the_entropy_log_is_left_out_and_said():
    # entropy every step, then nothing from step 20 to 69: a validation at 50 is 31 intervals
    # after the last value, one at 25 only 6 (within the 10 allowed)
    steps = np.r_[np.arange(0, 20), np.arange(70, 100)]
    entropy = series("actor/entropy", steps, 1.0 - steps / 200)
    pairs = pair(entropy, series("r", [10, 25, 50, 80], [0.1, 0.2, 0.3, 0.4]))
    assert pairs.steps.tolist() == [10, 25, 80] and pairs.entropy_steps.tolist() == [10, 19, 80]
    assert [n.code for n in pairs.notes] == ["entropy_gap"]
    assert "left out 1 validation point (step 50): no entropy logged within 10" in \
        pairs.notes[0].message


def test_trailing_window_means_the_last_k_logged_values():
    pairs = pair(ENTROPY, series("r", [1, 3, 6], [0.1, 0.2, 0.3]), entropy_window=3)
    assert pairs.entropy.tolist() == pytest.approx([0.9, (0.9 + 0.8 + 0.7) / 3,
                                                    (0.7 + 0.5 + 0.4) / 3])
    with pytest.raises(InputError, match="entropy_window must be a whole number >= 1, got 0"):
        pair(ENTROPY, series("r", [1], [0.1]), entropy_window=0)


def test_until_cuts_every_series_at_a_step():
    log = build_log("x", {"actor/entropy": (ENTROPY.steps, ENTROPY.values),
                          "val-core/d/acc/mean@1": ([1, 3, 6], [0.1, 0.2, 0.3])})
    run = select(log).until(3)
    assert run.entropy.steps.tolist() == [1, 2, 3]
    assert run.reward.steps.tolist() == [1, 3]
    assert run.last_step == 3


def test_entropy_key_preference_and_approximate_entropy_are_noted():
    steps, values = [0, 1, 2], [0.5, 0.4, 0.3]
    log = build_log("x", {"actor/entropy_loss": (steps, values), "actor/entropy": (steps, values),
                          "val-core/d/acc/mean@1": (steps, values)})
    run = select(log)
    assert run.entropy_key == "actor/entropy"
    assert run.notes[0].message == "used 'actor/entropy'; also present: actor/entropy_loss"
    nemo = select(build_log("x", {"train/approx_entropy": (steps, values),
                                  "validation/accuracy": (steps, values)}))
    assert nemo.notes[0].code == "approximate_entropy"


def test_rewards_neither_fraction_nor_percent_are_an_error_unless_raw():
    log = build_log("x", {"actor/entropy": ([0, 1, 2], [0.5, 0.4, 0.3]),
                          "eval/reward": ([0, 1, 2], [-1.0, 0.5, 2.0])})
    with pytest.raises(InputError, match=r"'eval/reward' runs from -1 to 2: neither fractions "
                                         r"\(0-1\) nor percent .* --reward-scale"):
        select(log)
    run = select(log, reward_scale="raw")
    assert run.notes[-1].code == "reward_scale"
    assert run.reward.values.tolist() == [-1.0, 0.5, 2.0]


@pytest.mark.parametrize(("values", "scale", "expected"), [
    ([0.0, 0.5, 1.0], "auto", [0.0, 0.5, 1.0]),
    ([-0.03, 0.5, 1.02], "auto", [-0.03, 0.5, 1.02]),  # noise: kept as logged
    ([1.0, 20.0, 60.0], "auto", [0.01, 0.2, 0.6]),
    ([0.2, 0.9, 1.0], "percent", [0.002, 0.009, 0.01]),
    ([0.1, 0.2, 0.3], "fraction", [0.1, 0.2, 0.3]),
])
def test_reward_scales_give_fractions(values, scale, expected):
    log = build_log("x", {"actor/entropy": ([0, 1, 2], [0.5, 0.4, 0.3]),
                          "eval/reward": ([0, 1, 2], values)})
    assert select(log, reward_scale=scale).reward.values == pytest.approx(expected)


@pytest.mark.parametrize(("values", "scale", "message"), [
    ([1.0, 1.2, 1.3], "auto", "neither fractions"),  # audit: scores of 1-1.3 read as percent
    ([10.0, 80.0, 153.0], "auto", "neither fractions"),  # audit: 'ceiling 15478.6%'
    ([0.1, 0.5, 1.2], "fraction", "not fractions"),
    ([5.0, 50.0, 120.0], "percent", "not percent"),
])
def test_reward_values_outside_their_scale_are_errors(values, scale, message):
    log = build_log("x", {"actor/entropy": ([0, 1, 2], [0.5, 0.4, 0.3]),
                          "eval/reward": ([0, 1, 2], values)})
    with pytest.raises(InputError, match=message):
        select(log, reward_scale=scale)


def test_an_unknown_reward_scale_is_an_argument_error():
    from entropylaw.errors import ArgumentError

    log = build_log("x", {"actor/entropy": ([0, 1], [0.5, 0.4]), "eval/reward": ([0, 1], [0, 1])})
    with pytest.raises(ArgumentError, match="`reward_scale` must be one of auto, fraction"):
        select(log, reward_scale="bits")


def test_an_empty_window_is_not_called_non_finite():
    from entropylaw.run import pair
    from entropylaw.sources.log import KeySeries

    empty = KeySeries("actor/entropy", np.array([], dtype=np.int64), np.array([]))
    reward = KeySeries("eval/reward", np.array([5]), np.array([0.5]))
    with pytest.raises(InputError, match="has no values logged at or before the last step"):
        pair(empty, reward)
    nans = KeySeries("actor/entropy", np.array([1, 2]), np.array([np.nan, np.inf]))
    with pytest.raises(InputError, match=r"no finite values \(all 2 values are NaN"):
        pair(nans, reward)


def test_carry_notes_puts_the_runs_notes_first_once():
    from entropylaw.results import Notice
    from entropylaw.run import carry_notes

    log = build_log("x", {"actor/entropy": ([0, 1, 1], [0.5, 0.4, 0.3]),
                          "eval/reward": ([0, 1], [0.2, 0.3])})
    run = select(log)
    assert [n.code for n in run.notes] == ["duplicate_steps"]
    own = Notice("mine", "a result's own note")
    carried = carry_notes(run, (own, run.notes[0]), (own,))
    assert carried == (run.notes[0], own)


@pytest.mark.parametrize(("key", "found"), [
    ("eval_accuracy", True), ("val/acc", True), ("test/accuracy", True), ("valid_score", True),
    ("eval_loss", False), ("val/loss", False), ("val/response_length/mean", False),
    ("eval_reward_std", False), ("train/reward", False)])
def test_generic_validation_names_are_found_and_losses_are_not(key, found):
    log = build_log("x", {"actor/entropy": ([1, 2, 3], [0.9, 0.8, 0.7]),
                          key: ([1, 2, 3], [0.1, 0.2, 0.3])})
    if found:
        assert select(log).reward_key == key
    else:
        with pytest.raises(InputError, match="no validation-accuracy key found"):
            select(log)


@pytest.mark.parametrize(("key", "found"), [
    ("rollout/entropy", True), ("train/policy_entropy", True), ("actor/entropy_mean", True),
    ("objective/entropy", False), ("entropy_coef", False), ("train/entropy_std", False)])
def test_generic_entropy_names_are_a_fallback_and_sums_are_not(key, found):
    log = build_log("x", {key: ([1, 2, 3], [0.9, 0.8, 0.7]),
                          "val-core/d/acc/mean@1": ([1, 2, 3], [0.1, 0.2, 0.3])})
    if found:
        assert select(log).entropy_key == key
    else:
        with pytest.raises(InputError, match="no entropy key found"):
            select(log)
    # a known key wins over a generic one
    both = build_log("x", {key: ([1, 2, 3], [0.9, 0.8, 0.7]),
                           "actor/entropy": ([1, 2, 3], [0.5, 0.4, 0.3]),
                           "val-core/d/acc/mean@1": ([1, 2, 3], [0.1, 0.2, 0.3])})
    assert select(both).entropy_key == "actor/entropy"
