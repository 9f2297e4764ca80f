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
LENGTH_CAP = 1024


def simulate_case(kind: str, *, n_steps: int = 600, seed: int = 0, onset: int | None = None,
                  a: float = 0.3, b: float = 0.8, validate_every: int = 10,
                  entropy_noise: float = 0.03, noise_sd: float = 0.015) -> tuple[Run, Log, dict]:
    """(run, log, truth) of one simulated run of ``kind`` (one of :data:`KINDS`).

    ``truth`` holds ``kind`` and ``onset`` (the step the collapse, explosion or first NaN
    begins; None for clean runs). Without ``onset`` one is drawn between 30% and 70% of the run.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    rng = np.random.default_rng(seed)
    if onset is None and kind != "clean":
        onset = int(rng.integers(int(0.3 * n_steps), int(0.7 * n_steps) + 1))
    steps = np.arange(n_steps + 1)
    clean = simulate_run(a=a, b=b, n_steps=n_steps, validate_every=validate_every,
                         entropy_noise=entropy_noise, noise_sd=noise_sd, seed=seed)
    h_true = entropy_curve(steps, n_steps=n_steps)
    length = 300.0 + 20.0 * rng.standard_normal(steps.size)
    if kind == "collapse":
        # entropy holds near its start, then falls fast towards 0 from the onset
        h_true = np.where(steps < onset, 0.6,
                          0.03 + 0.57 * np.exp(-(steps - onset) / (0.05 * n_steps)))
    elif kind == "explosion":
        # the usual decay until the onset, then entropy grows several-fold by the end, and
        # responses run towards the length cap
        rate = rng.uniform(2.0, 4.0) / n_steps
        after = np.maximum(steps - onset, 0)
        h_true = np.where(after > 0, h_true[onset] * np.exp(rate * after), h_true)
        growth = 1.0 - np.exp(-after / (0.1 * n_steps))
        length = length + (LENGTH_CAP - 300.0) * growth
    if kind in ("collapse", "explosion"):
        h_logged = h_true * (1.0 + entropy_noise * rng.standard_normal(steps.size))
        r_steps = np.arange(0, n_steps + 1, validate_every)
        reward = (b - a * np.exp(h_true[r_steps])
                  + ar1_noise(r_steps.size, sd=noise_sd, autocorrelation=0.0, rng=rng))
    else:
        h_logged, r_steps, reward = clean.entropy.values, clean.reward.steps, clean.reward.values
    train = b - 0.05 - a * np.exp(h_true) + 0.03 * rng.standard_normal(steps.size)
    length = np.minimum(length, LENGTH_CAP)
    clip = np.clip((length - 700.0) / 1000.0, 0.0, 1.0) + 0.002 * rng.random(steps.size)
    grad = np.exp(np.log(0.2) + 0.2 * rng.standard_normal(steps.size))
    loss = 0.01 * rng.standard_normal(steps.size)
    columns = {
        ENTROPY_KEY: h_logged.astype(float).copy(),
        "critic/score/mean": np.clip(train, 0.0, 1.0),
        "response_length/mean": length,
        "response_length/clip_ratio": clip,
        "actor/grad_norm": grad,
        "actor/pg_loss": loss,
    }
    if kind == "nan":
        first = onset
        columns["actor/grad_norm"][first:] = np.nan
        columns["actor/pg_loss"][first + 1:] = np.nan
        columns[ENTROPY_KEY][first + 2:] = np.nan
    series = {key: (steps, values) for key, values in columns.items()}
    series[REWARD_KEY] = (r_steps, np.clip(reward, 0.0, 1.0))
    log = build_log(f"simulated:{kind}:{seed}", series, metadata={"format": "simulated"},
                    step_key="step")
    run = select(log, entropy_key=ENTROPY_KEY, reward_key=REWARD_KEY)
    return run, log, {"kind": kind, "onset": onset, "n_steps": n_steps}
