"""Simulated runs with known onsets, to measure the diagnosis: clean law-following runs
(:func:`entropylaw.simulate_run`), and runs whose entropy collapses or explodes at a known step,
or whose numbers turn NaN from a known step. Each comes as a Log with verl's key names
(entropy, validation accuracy, training reward, response length, truncation, grad norm, loss).

Accuracy follows the law ``R = -a exp(H) + b`` of the true entropy throughout, so an explosion's
rising entropy brings falling accuracy, as in the runs reported in verl's issues.
"""

from __future__ import annotations

import numpy as np

from ..run import Run, select
from ..simulate import ar1_noise, entropy_curve, simulate_run
from ..sources.log import Log, build_log

KINDS = ("clean", "collapse", "explosion", "nan")
ENTROPY_KEY = "actor/entropy"
REWARD_KEY = "val-core/simulated/acc/mean@1"
# responses are cut at this many tokens (max_response_length)
LENGTH_CAP = 1024
# a drawn onset falls in this fraction of the run, so there is law before it and a run after it
ONSET_RANGE = (0.3, 0.7)
# response length in tokens: mean and sd of a healthy run, well under the cap
LENGTH_MEAN, LENGTH_SD = 300.0, 20.0
# truncated fraction rises from 0 at this length to 1 at this length plus the span
CLIP_START, CLIP_SPAN = 700.0, 1000.0
# a collapse holds entropy at this level, then falls towards the floor ...
COLLAPSE_START, COLLAPSE_FLOOR = 0.6, 0.03
# ... over this fraction of the run (e-folding time)
COLLAPSE_TIME = 0.05
# an explosion multiplies entropy by exp(r) with r drawn in this range over a whole run
EXPLOSION_GROWTH = (2.0, 4.0)
# responses approach the cap over this fraction of the run (e-folding time) after the onset
LENGTH_GROWTH_TIME = 0.1
# training reward: this far below the validation law, with this much per-step noise
TRAIN_GAP, TRAIN_SD = 0.05, 0.03
# jitter added to the truncated fraction, so the series is never constant
CLIP_JITTER = 0.002
# grad norm is log-normal around this median, with this sd of its log
GRAD_NORM_MEDIAN, GRAD_NORM_LOG_SD = 0.2, 0.2
# policy-gradient loss: noise around 0 of this sd
LOSS_SD = 0.01


def simulate_case(kind: str, *, n_steps: int = 600, seed: int = 0, onset: int | None = None,
                  a: float = 0.3, b: float = 0.8, validate_every: int = 10,
                  entropy_noise: float = 0.03, noise_sd: float = 0.015) -> tuple[Run, Log, dict]:
    """(run, log, truth) of one simulated run of ``kind`` (one of :data:`KINDS`).

    ``truth`` holds ``kind`` and ``onset`` (the step the collapse, explosion or first NaN
    begins; None for clean runs). Without ``onset`` one is drawn between 30% and 70% of the run.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    rng = np.random.default_rng(seed)  # one stream: the draws below keep their order
    if onset is None and kind != "clean":
        low, high = ONSET_RANGE
        onset = int(rng.integers(int(low * n_steps), int(high * n_steps) + 1))
    steps = np.arange(n_steps + 1)
    h_true, length = _entropy_and_length(kind, steps, onset, n_steps, rng)
    if kind in ("collapse", "explosion"):
        h_logged = h_true * (1.0 + entropy_noise * rng.standard_normal(steps.size))
        r_steps = np.arange(0, n_steps + 1, validate_every)
        reward = (b - a * np.exp(h_true[r_steps])
                  + ar1_noise(r_steps.size, sd=noise_sd, autocorrelation=0.0, rng=rng))
    else:
        clean = simulate_run(a=a, b=b, n_steps=n_steps, validate_every=validate_every,
                             entropy_noise=entropy_noise, noise_sd=noise_sd, seed=seed)
        h_logged, r_steps, reward = clean.entropy.values, clean.reward.steps, clean.reward.values
    columns = {ENTROPY_KEY: h_logged.astype(float).copy(),
               **_companions(h_true, length, a=a, b=b, rng=rng)}
    if kind == "nan":
        _turn_nan(columns, onset)
    series = {key: (steps, values) for key, values in columns.items()}
    series[REWARD_KEY] = (r_steps, np.clip(reward, 0.0, 1.0))
    log = build_log(f"simulated:{kind}:{seed}", series, metadata={"format": "simulated"},
                    step_key="step")
    run = select(log, entropy_key=ENTROPY_KEY, reward_key=REWARD_KEY)
    return run, log, {"kind": kind, "onset": onset, "n_steps": n_steps}


def _entropy_and_length(kind: str, steps: np.ndarray, onset: int | None, n_steps: int,
                        rng) -> tuple[np.ndarray, np.ndarray]:
    """True entropy and mean response length per step: the usual decay and a steady length,
    bent at ``onset`` by a collapse or an explosion."""
    h_true = entropy_curve(steps, n_steps=n_steps)
    length = LENGTH_MEAN + LENGTH_SD * rng.standard_normal(steps.size)
    if kind == "collapse":
        # entropy holds near its start, then falls fast towards its floor from the onset
        h_true = np.where(steps < onset, COLLAPSE_START,
                          COLLAPSE_FLOOR + (COLLAPSE_START - COLLAPSE_FLOOR)
                          * np.exp(-(steps - onset) / (COLLAPSE_TIME * n_steps)))
    elif kind == "explosion":
        # the usual decay until the onset, then entropy grows several-fold by the end, and
        # responses run towards the length cap
        rate = rng.uniform(*EXPLOSION_GROWTH) / n_steps
        after = np.maximum(steps - onset, 0)
        h_true = np.where(after > 0, h_true[onset] * np.exp(rate * after), h_true)
        growth = 1.0 - np.exp(-after / (LENGTH_GROWTH_TIME * n_steps))
        length = length + (LENGTH_CAP - LENGTH_MEAN) * growth
    return h_true, length


def _companions(h_true: np.ndarray, length: np.ndarray, *, a: float, b: float,
                rng) -> dict[str, np.ndarray]:
    """The other metrics verl logs each step: training reward, response length and truncation,
    grad norm and loss."""
    size = h_true.size
    train = b - TRAIN_GAP - a * np.exp(h_true) + TRAIN_SD * rng.standard_normal(size)
    length = np.minimum(length, LENGTH_CAP)
    clip = np.clip((length - CLIP_START) / CLIP_SPAN, 0.0, 1.0) + CLIP_JITTER * rng.random(size)
    grad = np.exp(np.log(GRAD_NORM_MEDIAN) + GRAD_NORM_LOG_SD * rng.standard_normal(size))
    loss = LOSS_SD * rng.standard_normal(size)
    return {
        "critic/score/mean": np.clip(train, 0.0, 1.0),
        "response_length/mean": length,
        "response_length/clip_ratio": clip,
        "actor/grad_norm": grad,
        "actor/pg_loss": loss,
    }


def _turn_nan(columns: dict[str, np.ndarray], onset: int) -> None:
    """NaN from ``onset`` on, spreading as in a real run: grad norm first, then loss, then
    entropy a step later each."""
    columns["actor/grad_norm"][onset:] = np.nan
    columns["actor/pg_loss"][onset + 1:] = np.nan
    columns[ENTROPY_KEY][onset + 2:] = np.nan
