"""Hugging Face / TRL trainer_state.json, written as the Trainer writes it."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import entropylaw
from entropylaw.errors import InputError
from entropylaw.sources import detect_format, read_log


def trainer_state(rng, steps: int, *, eval_every: int = 10) -> dict:
    """A GRPO trainer_state.json: a training row each step, an evaluation row every few."""
    history = []
    for step in range(1, steps + 1):
        epoch = step / steps
        history.append({"entropy": float(rng.uniform(0.1, 0.6)), "reward": 0.5, "loss": 0.01,
                        "learning_rate": 1e-6, "epoch": epoch, "step": step,
                        "completions/clipped_ratio": 0.0, "num_tokens": 1000.0 * step})
        if step % eval_every == 0:
            history.append({"eval_reward": float(rng.uniform(0.3, 0.7)), "eval_loss": 0.1,
                            "eval_runtime": 3.2, "epoch": epoch, "step": step})
    history.append({"train_runtime": 99.0, "train_loss": 0.02, "total_flos": 0.0,
                    "epoch": 1.0, "step": steps})
    return {"global_step": steps, "epoch": 1.0, "log_history": history,
            "best_model_checkpoint": None, "trial_name": None}


def write_state(folder, state):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "trainer_state.json"
    path.write_text(json.dumps(state, indent=2))
    return path


def test_log_history_comes_back_exactly(tmp_path):
    state = trainer_state(np.random.default_rng(2), 40)
    state["log_history"][3]["entropy"] = None  # how a NaN reaches trainer_state.json
    path = write_state(tmp_path, state)
    log = read_log(path)
    assert detect_format(path) == "trainer-state"
    training = [row for row in state["log_history"] if "entropy" in row]
    evaluation = [row for row in state["log_history"] if "eval_reward" in row]
    assert log["entropy"].steps.tolist() == [row["step"] for row in training]
    expected = [math.nan if row["entropy"] is None else row["entropy"] for row in training]
    np.testing.assert_array_equal(log["entropy"].values, np.array(expected))
    assert log["eval_reward"].steps.tolist() == [10, 20, 30, 40]
    assert log["eval_reward"].values.tolist() == [row["eval_reward"] for row in evaluation]
    notes = {n.code: n.message for n in log.notes}
    assert notes["read_rows"] == "read 45 log_history rows"
    # 'epoch' repeats on the 4 evaluation rows and the summary row: same value, read once
    assert notes["repeated_values"].startswith("5 values logged twice at a step with the same")
    assert "duplicate_steps" not in notes


def test_output_folder_reads_the_latest_checkpoint(tmp_path):
    rng = np.random.default_rng(3)
    full = trainer_state(rng, 30)
    early = dict(full, log_history=full["log_history"][:11], global_step=10)
    write_state(tmp_path / "checkpoint-10", early)
    write_state(tmp_path / "checkpoint-30", full)
    log = read_log(tmp_path)
    assert detect_format(tmp_path) == "trainer-state"
    assert log.source.endswith("checkpoint-30/trainer_state.json")
    assert log["entropy"].steps[-1] == 30
    assert {n.code: n.message for n in log.notes}["latest_checkpoint"] == (
        "read checkpoint-30/trainer_state.json, the latest of 2 checkpoints (each holds the "
        "history up to it)")


def test_fit_detects_trl_keys(tmp_path):
    path = write_state(tmp_path, trainer_state(np.random.default_rng(4), 40))
    run = entropylaw.read(path)
    assert (run.entropy_key, run.reward_key) == ("entropy", "eval_reward")


def test_trl_ppo_entropy_is_the_token_mean_not_the_sequence_sum(tmp_path):
    rng = np.random.default_rng(5)
    history = []
    for step in range(0, 41, 2):
        entropy = 0.2 + 0.8 * np.exp(-step / 15) + 0.01 * rng.standard_normal()
        history.append({"step": step, "policy/entropy_avg": entropy,
                        "objective/entropy": 180.0 * entropy, "eval_accuracy":
                        1.1 - 0.4 * np.exp(entropy) + 0.005 * rng.standard_normal()})
    path = write_state(tmp_path, {"global_step": 40, "log_history": history})
    run = entropylaw.read(path)  # eval_accuracy: a Trainer's eval metric, found as a fallback
    assert (run.entropy_key, run.reward_key) == ("policy/entropy_avg", "eval_accuracy")
    assert entropylaw.fit(run, n_resamples=500, seed=0).a.contains(0.4)


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", r"state\.json: not valid JSON \("),
    ('{"global_step": 3}', r"state\.json: no 'log_history' list \(expected a Hugging Face "
                           r"trainer_state\.json\)"),
    ('{"log_history": [{"note": "x", "step": 1}]}', r"state\.json: 'log_history' holds no "
                                                     r"numeric values"),
])
def test_bad_files(tmp_path, text, message):
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_log(path)
