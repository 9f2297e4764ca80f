"""A run: the dense entropy series, the sparse validation series, and how they pair up."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace

import numpy as np

from . import keys as keymod
from ._text import few, listing, plural
from .errors import InputError
from .results import Notice
from .sources.log import KeySeries, Log


@dataclass(frozen=True, eq=False)
class Run:
    """One RL run, ready to fit.

    ``entropy`` is dense (every training step), ``reward`` sparse (validation steps), both as
    KeySeries with integer steps; rewards are fractions. ``rewards`` keeps each chosen reward key
    on its own; ``reward`` is that key, or their mean where several were chosen.
    """

    source: str
    entropy_key: str
    reward_key: str
    entropy: KeySeries
    reward: KeySeries
    rewards: dict[str, KeySeries] = field(default_factory=dict)
    notes: tuple[Notice, ...] = ()
    model: str | None = None
    model_size: float | None = None
    step_key: str | None = None
    metadata: dict = field(default_factory=dict)

    @property
    def last_step(self) -> int:
        """The last step at which anything of this run was logged."""
        ends = [s.steps[-1] for s in (self.entropy, self.reward) if len(s)]
        return int(max(ends))

    def pairs(self, *, entropy_window: int = 1) -> Pairs:
        """One (step, entropy, reward) row per validation point: see :func:`pair`."""
        return pair(self.entropy, self.reward, entropy_window=entropy_window)

    def until(self, step: int) -> Run:
        """The run as it stood at ``step``: every point logged after it removed."""
        entropy = _cut(self.entropy, step)
        reward = _cut(self.reward, step)
        rewards = {key: _cut(series, step) for key, series in self.rewards.items()}
        return replace(self, entropy=entropy, reward=reward, rewards=rewards)


def _cut(series: KeySeries, step: int) -> KeySeries:
    keep = series.steps <= step
    return KeySeries(series.key, series.steps[keep], series.values[keep])


@dataclass(frozen=True, eq=False)
class Pairs:
    """Validation points paired with entropy: arrays of equal length, and what pairing left out."""

    steps: np.ndarray
    entropy: np.ndarray
    reward: np.ndarray
    entropy_steps: np.ndarray
    notes: tuple[Notice, ...] = ()

    def __len__(self) -> int:
        return int(self.steps.size)


def pair(entropy: KeySeries, reward: KeySeries, *, entropy_window: int = 1) -> Pairs:
    """Pair each validation point with the entropy logged at its step.

    Where no entropy was logged at that step, the nearest earlier logged step is used; where none
    was logged before it (a validation before training), the first logged step after it, and the
    notes say so. ``entropy_window`` = K > 1 takes the mean of the last K logged entropy values
    up to that step. Non-finite values are left out and counted in the notes.
    """
    if entropy_window < 1:
        raise InputError(f"entropy_window must be a whole number >= 1, got {entropy_window}")
    notes: list[Notice] = []
    finite_h = np.isfinite(entropy.values)
    if not finite_h.all():
        bad = entropy.steps[~finite_h]
        notes.append(Notice("non_finite_entropy",
                            f"left out {plural(bad.size, 'non-finite entropy value')} "
                            f"(steps {few(bad)})"))
    h_steps, h_values = entropy.steps[finite_h], entropy.values[finite_h]
    finite_r = np.isfinite(reward.values)
    if not finite_r.all():
        bad = reward.steps[~finite_r]
        notes.append(Notice("non_finite_reward",
                            f"left out {plural(bad.size, 'non-finite validation value')} "
                            f"(steps {few(bad)})"))
    r_steps, r_values = reward.steps[finite_r], reward.values[finite_r]
    if h_steps.size == 0:
        raise InputError(f"entropy key '{entropy.key}' has no finite values")

    position = np.searchsorted(h_steps, r_steps, side="right") - 1  # last entropy step <= step
    forward = position < 0
    if forward.any():
        notes.append(Notice(
            "paired_forward",
            f"{plural(forward.sum(), 'validation point')} (step {few(r_steps[forward])}) "
            f"came before any logged entropy: paired with the first entropy step, "
            f"{int(h_steps[0])}",
        ))
    position = np.maximum(position, 0)
    if entropy_window == 1:
        paired = h_values[position]
    else:
        cumulative = np.r_[0.0, np.cumsum(h_values)]
        start = np.maximum(position + 1 - entropy_window, 0)
        paired = (cumulative[position + 1] - cumulative[start]) / (position + 1 - start)
    return Pairs(r_steps, paired, r_values, h_steps[position], tuple(notes))


def select(
    log: Log,
    *,
    entropy_key: str | None = None,
    reward_key=None,
    reward_mean: bool = False,
    model: str | None = None,
    model_size: float | None = None,
) -> Run:
    """Choose the entropy and validation series of ``log`` and make a Run.

    ``reward_key`` is a key, a list of keys, or None (detect). Several keys need ``reward_mean``,
    which averages them at the steps where all were logged. Rewards in percent become fractions.
    """
    notes = list(log.notes)
    entropy = _pick_entropy(log, entropy_key, notes)
    reward_keys = _pick_rewards(log, reward_key, reward_mean)
    rewards = {key: log[key] for key in reward_keys}
    if len(reward_keys) == 1:
        reward = rewards[reward_keys[0]]
        label = reward_keys[0]
    else:
        reward, label = _mean_series(rewards, notes)
    reward = _as_fraction(reward, log.source, notes)
    rewards = {key: _as_fraction(series, log.source, []) for key, series in rewards.items()}
    if not len(reward):
        raise InputError(f"{log.source}: validation key '{label}' has no values")
    model = model or log.metadata.get("model")
    return Run(log.source, entropy.key, label, entropy, reward, rewards, tuple(notes),
               model, model_size, log.step_key, dict(log.metadata))


def _pick_entropy(log: Log, entropy_key: str | None, notes: list[Notice]) -> KeySeries:
    if entropy_key is not None:
        if entropy_key not in log:
            raise InputError(f"{log.source}: no key '{entropy_key}'; keys are: {listing(log.keys)}")
        return log[entropy_key]
    found = keymod.entropy_candidates(log.keys)
    if not found:
        raise InputError(
            f"{log.source}: no entropy key found (looked for "
            f"{', '.join(e.key for e in keymod.ENTROPY_KEYS)}); keys are: {listing(log.keys)}; "
            f"name one with --entropy-key"
        )
    chosen = found[0]
    if chosen.approximate:
        notes.append(Notice("approximate_entropy",
                            f"'{chosen.key}' ({chosen.framework}) estimates entropy from sampled "
                            f"tokens: an approximation of the full-vocabulary entropy"))
    if len(found) > 1:
        notes.append(Notice("entropy_key_choice",
                            f"used '{chosen.key}'; also present: "
                            f"{', '.join(e.key for e in found[1:])}"))
    return log[chosen.key]


def _pick_rewards(log: Log, reward_key, reward_mean: bool) -> list[str]:
    if reward_key:
        chosen = [reward_key] if isinstance(reward_key, str) else list(reward_key)
        missing = [key for key in chosen if key not in log]
        if missing:
            raise InputError(f"{log.source}: no key '{missing[0]}'; keys are: {listing(log.keys)}")
        if len(chosen) > 1 and not reward_mean:
            raise InputError(f"{log.source}: {len(chosen)} validation keys given; "
                             f"pass --reward-mean to average them, or give one")
        return chosen
    found = keymod.reward_candidates(log.keys)
    if not found:
        raise InputError(
            f"{log.source}: no validation-accuracy key found; keys are: {listing(log.keys)}; "
            f"name one with --reward-key"
        )
    if len(found) > 1 and not reward_mean:
        raise InputError(
            f"{log.source}: {len(found)} validation keys: {', '.join(found)}; "
            f"choose one with --reward-key, or average them with --reward-mean"
        )
    return found


def _mean_series(rewards: dict[str, KeySeries], notes: list[Notice]) -> tuple[KeySeries, str]:
    common = None
    for series in rewards.values():
        common = series.steps if common is None else np.intersect1d(common, series.steps)
    union = np.unique(np.concatenate([s.steps for s in rewards.values()]))
    values = np.mean([s.values[np.searchsorted(s.steps, common)] for s in rewards.values()], axis=0)
    label = "mean(" + ", ".join(rewards) + ")"
    notes.append(Notice("reward_mean", f"validation value is the mean of {len(rewards)} keys: "
                                       f"{', '.join(rewards)}"))
    if union.size > common.size:
        left = np.setdiff1d(union, common)
        notes.append(Notice("reward_mean_incomplete",
                            f"left out {plural(left.size, 'validation step')} where not every "
                            f"key was logged (steps {few(left)})"))
    return KeySeries(label, common, values), label


def _as_fraction(series: KeySeries, source: str, notes: list[Notice]) -> KeySeries:
    finite = series.values[np.isfinite(series.values)]
    if finite.size and finite.max() > 1.0 and finite.min() >= 0.0 and finite.max() <= 100.0:
        notes.append(Notice("percent_rewards",
                            f"'{series.key}' is in percent (up to {finite.max():g}): "
                            f"converted to fractions"))
        return KeySeries(series.key, series.steps, series.values / 100.0)
    if finite.size and (finite.min() < 0.0 or finite.max() > 1.0):
        notes.append(Notice("reward_scale",
                            f"'{series.key}' runs from {finite.min():g} to {finite.max():g}, "
                            f"outside 0-1: not an accuracy; a, b and the ceiling are in its units"))
    return series


SOURCES = "a path, a 'wandb:' or 'mlflow:' address, or a pandas DataFrame"


def read(
    source,
    *,
    entropy_key: str | None = None,
    reward_key=None,
    reward_mean: bool = False,
    step_key: str | None = None,
    model: str | None = None,
    model_size: float | None = None,
    **options,
) -> Run:
    """Read a run from ``source``: a path (CSV file, or any source a reader recognises), a
    ``wandb:``/``mlflow:`` address, or a pandas DataFrame (read as a CSV export is; ``name``
    names it).

    Keys are detected from the frameworks' names unless given; several validation keys need
    ``reward_key`` (one key or a list) or ``reward_mean=True``. ``options`` go to the reader.
    """
    from .sources import read_log

    wanted = [k for k in (entropy_key, *([reward_key] if isinstance(reward_key, str)
                                          else (reward_key or []))) if k]
    if _is_frame(source):
        from .sources.frame import read_frame

        unknown = sorted(set(options) - {"name"})
        if unknown:
            raise InputError(f"`{unknown[0]}` does not apply to a DataFrame")
        log = read_frame(source, step_key=step_key, wanted=wanted, **options)
    elif isinstance(source, (str, os.PathLike)):
        log = read_log(source, step_key=step_key, wanted=wanted, **options)
    else:
        raise InputError(f"a run's source is {SOURCES}; got a {type(source).__name__}")
    return select(log, entropy_key=entropy_key, reward_key=reward_key, reward_mean=reward_mean,
                  model=model, model_size=model_size)


def _is_frame(value) -> bool:
    """A pandas DataFrame (pandas is only looked at when it is already imported)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.DataFrame)
