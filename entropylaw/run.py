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


# Loggers write entropy every k steps, so a validation falls at most k - 1 steps after the last
# value; beyond this many logging intervals the entropy log has a gap, and the last value is stale.
STALE_INTERVALS = 10


def entropy_gap(entropy_steps, steps) -> np.ndarray:
    """Whether each of ``steps`` comes more than STALE_INTERVALS entropy-logging intervals (the
    median spacing of ``entropy_steps``) after the last entropy logged at or before it."""
    entropy_steps = np.asarray(entropy_steps, dtype=float)
    steps = np.asarray(steps, dtype=float)
    if entropy_steps.size < 2:
        return np.zeros(steps.size, dtype=bool)
    spacing = np.diff(entropy_steps)
    interval = float(np.median(spacing[spacing > 0])) if (spacing > 0).any() else 1.0
    position = np.searchsorted(entropy_steps, steps, side="right") - 1
    before = entropy_steps[np.maximum(position, 0)]
    return (position >= 0) & (steps - before > STALE_INTERVALS * max(interval, 1.0))


def pair(entropy: KeySeries, reward: KeySeries, *, entropy_window: int = 1) -> Pairs:
    """Pair each validation point with the entropy logged at its step.

    Where no entropy was logged at that step, the nearest earlier logged step is used; where none
    was logged before it (a validation before training), the first logged step after it, and the
    notes say so. A validation in a gap of the entropy log (see :func:`entropy_gap`) is left
    out, and the notes say so. ``entropy_window`` = K > 1 takes the mean of the last K logged
    entropy values up to that step. Non-finite values are left out and counted in the notes.
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
    stale = entropy_gap(h_steps, r_steps)
    if stale.any():
        notes.append(Notice("entropy_gap",
                            f"left out {plural(stale.sum(), 'validation point')} "
                            f"({'step' if stale.sum() == 1 else 'steps'} {few(r_steps[stale])}):"
                            f" no entropy logged within {STALE_INTERVALS} logging intervals "
                            f"before (a gap in the entropy log)"))
        r_steps, r_values = r_steps[~stale], r_values[~stale]
    if h_steps.size == 0:
        if not len(entropy):
            raise InputError(f"entropy key '{entropy.key}' has no values logged at or before the "
                             f"last step used")
        raise InputError(f"entropy key '{entropy.key}' has no finite values (all "
                         f"{plural(len(entropy), 'value')} are NaN or infinite)")

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
    reward_scale: str = "auto",
) -> Run:
    """Choose the entropy and validation series of ``log`` and make a Run.

    ``reward_key`` is a key, a list of keys, or None (detect). Several keys need ``reward_mean``,
    which averages them at the steps where all were logged. ``reward_scale`` says what the
    validation values are (see :func:`as_fraction`); percent become fractions.
    """
    check_reward_scale(reward_scale)
    notes = list(log.notes)
    entropy = _pick_entropy(log, entropy_key, notes)
    reward_keys = _pick_rewards(log, reward_key, reward_mean)
    rewards = {key: log[key] for key in reward_keys}
    if len(reward_keys) == 1:
        reward = rewards[reward_keys[0]]
        label = reward_keys[0]
    else:
        reward, label = _mean_series(rewards, notes)
    reward = as_fraction(reward, log.source, notes, scale=reward_scale)
    rewards = {key: as_fraction(series, log.source, [], scale=reward_scale)
               for key, series in rewards.items()}
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
            f"{', '.join(e.key for e in keymod.ENTROPY_KEYS)}, or a key ending in 'entropy'); "
            f"keys are: {listing(log.keys)}; "
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


# What validation values are: ``auto`` tells fractions from percent by their range.
REWARD_SCALES = ("auto", "fraction", "percent", "raw")
# In auto, values within 0-100 are percent only when one exceeds this: scores of 1-1.5 are
# neither a fraction nor a plausible percent (an accuracy of at most 1.5% is read as fractions
# only by mistake), so they are an error asking for --reward-scale.
PERCENT_FLOOR = 1.5
# Validation noise takes a simulated or smoothed accuracy slightly outside 0-1 (kept as logged);
# beyond this margin the values are not an accuracy (percent: up to 105, not below -0.05).
ACCURACY_MARGIN = 0.05


def check_reward_scale(scale) -> None:
    if scale not in REWARD_SCALES:
        from .errors import ArgumentError

        raise ArgumentError(f"`reward_scale` must be one of {', '.join(REWARD_SCALES)}, "
                            f"got {scale!r}")


def as_fraction(series: KeySeries, source: str, notes: list[Notice], *,
                scale: str = "auto") -> KeySeries:
    """``series`` as fractions in [0, 1], or an InputError saying why it cannot be one.

    ``auto``: values within 0-1 are fractions; within 0-100 with one above
    :data:`PERCENT_FLOOR`, percent; anything else is an error naming the range (each range
    widened by :data:`ACCURACY_MARGIN` for noise). ``fraction`` and ``percent`` check their
    range; ``raw`` keeps the values (not an accuracy) with a note.
    """
    finite = series.values[np.isfinite(series.values)]
    if not finite.size:
        return series
    low, high = float(finite.min()), float(finite.max())
    span = f"'{series.key}' runs from {low:g} to {high:g}"
    if scale == "raw":
        if low < 0.0 or high > 1.0:
            notes.append(Notice("reward_scale",
                                f"{span}, outside 0-1: not an accuracy; a, b and the ceiling "
                                f"are in its units (--reward-scale raw)"))
        return series
    is_fraction = low >= -ACCURACY_MARGIN and high <= 1.0 + ACCURACY_MARGIN
    is_percent = low >= -ACCURACY_MARGIN and high <= 100.0 * (1 + ACCURACY_MARGIN)
    if scale == "fraction" and not is_fraction:
        raise InputError(f"{source}: {span}: not fractions (0-1) as --reward-scale fraction says")
    if scale == "percent" and not is_percent:
        raise InputError(f"{source}: {span}: not percent (0-100) as --reward-scale percent says")
    if scale == "auto" and not is_fraction and not (is_percent and high > PERCENT_FLOOR):
        raise InputError(
            f"{source}: {span}: neither fractions (0-1) nor percent (0-100, reaching above "
            f"{PERCENT_FLOOR:g}); say what it is with --reward-scale fraction, percent or raw")
    top = 1.0 if scale == "fraction" or (scale == "auto" and is_fraction) else 100.0
    if top == 100.0:
        notes.append(Notice("percent_rewards",
                            f"'{series.key}' is in percent (up to {high:g}): converted to "
                            f"fractions"))
    return series if top == 1.0 else KeySeries(series.key, series.steps, series.values / top)


def carry_notes(run: Run, *groups) -> tuple[Notice, ...]:
    """The notes every command's result must show: the run's own first (what reading it and
    choosing its keys left out or changed), then each of ``groups``; each notice once.

    A command building a result from a Run passes ``notes=carry_notes(run, its_notes)``, so a
    reader's notes (duplicate steps, values left out, percent converted, a truncated file)
    reach the result and its ``--json`` at the top level, never only under a nested result.
    """
    seen, carried = set(), []
    for notice in (*run.notes, *(n for group in groups for n in group)):
        if (notice.code, notice.message) not in seen:
            seen.add((notice.code, notice.message))
            carried.append(notice)
    return tuple(carried)


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
    reward_scale: str = "auto",
    **options,
) -> Run:
    """Read a run from ``source``: a path (CSV file, or any source a reader recognises), a
    ``wandb:``/``mlflow:`` address, or a pandas DataFrame (read as a CSV export is; ``name``
    names it).

    Keys are detected from the frameworks' names unless given; several validation keys need
    ``reward_key`` (one key or a list) or ``reward_mean=True``; ``step``, ``entropy`` and
    ``reward`` are short for the three ``*_key`` names. ``reward_scale`` says what the
    validation values are (auto, fraction, percent, raw). ``options`` go to the reader.
    """
    from .sources import read_log

    step_key = _short_name(options, "step", step_key)
    entropy_key = _short_name(options, "entropy", entropy_key)
    reward_key = _short_name(options, "reward", reward_key)
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
                  model=model, model_size=model_size, reward_scale=reward_scale)


def _short_name(options: dict, name: str, given):
    """``read(df, entropy="H")`` as ``entropy_key="H"``; both at once is an error."""
    if name not in options:
        return given
    if given is not None:
        raise InputError(f"give `{name}` or `{name}_key`, not both")
    return options.pop(name)


def _is_frame(value) -> bool:
    """A pandas DataFrame (pandas is only looked at when it is already imported)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.DataFrame)
