"""Companion metrics: what else a run logs beside entropy and validation accuracy, by the
frameworks' own key names. Used when present, never required."""

from __future__ import annotations

import numpy as np

from ..sources.log import KeySeries, Log

# Role -> keys in order of preference (verl first, then TRL; TRL's W&B/TensorBoard keys carry a
# ``train/`` prefix, matched too).
COMPANIONS: dict[str, tuple[str, ...]] = {
    "train_reward": ("critic/score/mean", "critic/rewards/mean", "reward", "rewards/mean"),
    "response_length": ("response_length/mean", "completions/mean_length",
                        "completion_length"),
    "length_clip_ratio": ("response_length/clip_ratio", "completions/clipped_ratio"),
    "clip_fraction": ("actor/pg_clipfrac", "clip_ratio/region_mean", "clip_ratio"),
    "grad_norm": ("actor/grad_norm", "grad_norm"),
    "kl": ("actor/ppo_kl", "actor/kl_loss", "kl", "critic/kl"),
    "loss": ("actor/pg_loss", "loss"),
    "reward_zero_std": ("frac_reward_zero_std",),
}

# Keys whose non-finite values mean the numbers broke (the ``numerical`` regime).
_NUMERICAL = ("grad_norm", "kl", "loss")
_NUMERICAL_EXTRA = ("actor/kl_loss", "actor/entropy_loss", "critic/vf_loss", "critic/grad_norm")


def find_companions(log: Log | None) -> dict[str, KeySeries]:
    """Role -> the series of the first key of that role the log holds."""
    if log is None:
        return {}
    found = {}
    for role, names in COMPANIONS.items():
        for name in names:
            key = _present(log, name)
            if key is not None and len(log[key]):
                found[role] = log[key]
                break
    return found


def numerical_series(log: Log | None, companions: dict[str, KeySeries]) -> list[KeySeries]:
    """The series checked for NaN or inf: loss, grad norm and KL keys (entropy apart)."""
    series = [companions[role] for role in _NUMERICAL if role in companions]
    if log is not None:
        seen = {s.key for s in series}
        for name in _NUMERICAL_EXTRA:
            key = _present(log, name)
            if key is not None and key not in seen:
                series.append(log[key])
                seen.add(key)
    return series


def finite(series: KeySeries) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) of the finite values of ``series``."""
    keep = np.isfinite(series.values)
    return series.steps[keep], series.values[keep]


def _present(log: Log, name: str) -> str | None:
    for key in (name, f"train/{name}"):
        if key in log:
            return key
    return None
