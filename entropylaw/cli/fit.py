"""``entropylaw fit``."""

from __future__ import annotations

from .common import (
    Confidence,
    EntropyKey,
    EntropyWindow,
    Json,
    Method,
    Resamples,
    RewardKey,
    RewardMean,
    Seed,
    Source,
    StepKey,
    app,
    emit,
    read_run,
    user_errors,
)


@app.command()
@user_errors
def fit(
    source: Source,
    entropy_key: EntropyKey = None,
    reward_key: RewardKey = None,
    reward_mean: RewardMean = False,
    step_key: StepKey = None,
    entropy_window: EntropyWindow = 1,
    confidence: Confidence = 0.95,
    method: Method = "ar1",
    n_resamples: Resamples = 10_000,
    seed: Seed = None,
    as_json: Json = False,
) -> None:
    """Fit R = -a*exp(H) + b to one run: a, b and the ceiling b - a with intervals."""
    from ..law import fit as fit_law

    run = read_run(source, entropy_key, reward_key, reward_mean, step_key)
    result = fit_law(run, confidence=confidence, method=method, n_resamples=n_resamples,
                     seed=seed, entropy_window=entropy_window)
    emit(result, as_json)
