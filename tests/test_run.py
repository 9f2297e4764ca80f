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


def test_rewards_outside_the_unit_interval_are_flagged():
    log = build_log("x", {"actor/entropy": ([0, 1, 2], [0.5, 0.4, 0.3]),
                          "eval/reward": ([0, 1, 2], [-1.0, 0.5, 2.0])})
    run = select(log)
    assert run.notes[-1].code == "reward_scale"
    assert run.reward.values.tolist() == [-1.0, 0.5, 2.0]
