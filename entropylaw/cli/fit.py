"""``entropylaw fit``."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import (
    Confidence,
    EntropyKey,
    EntropyWindow,
    Json,
    Method,
    Plot,
    Resamples,
    RewardKey,
    RewardMean,
    RewardScale,
    Seed,
    Source,
    StepKey,
    TrackingUri,
    app,
    check_plot,
    emit,
    read_run,
    save_plot,
    user_errors,
)


@app.command()
@user_errors
def fit(
    source: Source,
    entropy_key: EntropyKey = None,
    reward_key: RewardKey = None,
    reward_mean: RewardMean = False,
    reward_scale: RewardScale = "auto",
    step_key: StepKey = None,
    tracking_uri: TrackingUri = None,
    entropy_window: EntropyWindow = 1,
    confidence: Confidence = 0.95,
    method: Method = "ar1",
    n_resamples: Resamples = 10_000,
    seed: Seed = None,
    as_json: Json = False,
    plot: Plot = None,
    log_entropy: Annotated[bool, typer.Option(
        "--log-entropy", help="With --plot: entropy on a log axis, as in Cui et al. (2025)."
    )] = False,
) -> None:
    """Fit R = -a*exp(H) + b to one run: a, b and the ceiling b - a with intervals."""
    from ..law import fit as fit_law

    check_plot(plot)
    run = read_run(source, entropy_key, reward_key, reward_mean, step_key,
                   tracking_uri=tracking_uri, reward_scale=reward_scale)
    result = fit_law(run, confidence=confidence, method=method, n_resamples=n_resamples,
                     seed=seed, entropy_window=entropy_window)
    save_plot(result, plot, log_entropy=log_entropy)
    emit(result, as_json)
