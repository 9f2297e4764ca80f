"""``entropylaw backtest``."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import (
    Confidence,
    EntropyKey,
    Json,
    Plot,
    Resamples,
    RewardKey,
    RewardMean,
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
def backtest(
    sources: Annotated[list[str], typer.Argument(
        help="Runs: CSV files, logs, tracker addresses, or folders of them (every run "
             "below a folder).", metavar="SOURCE...",
        show_default=False)],
    fractions: Annotated[str, typer.Option(
        "--fractions", metavar="F,F,...",
        help="Cut each run at these fractions of its last step.")] = "0.1,0.15,0.2",
    entropy_key: EntropyKey = None,
    reward_key: RewardKey = None,
    reward_mean: RewardMean = False,
    step_key: StepKey = None,
    tracking_uri: TrackingUri = None,
    confidence: Confidence = 0.9,
    n_resamples: Resamples = 2000,
    seed: Annotated[int, typer.Option("--seed", min=0, metavar="SEED",
                                      help="Seed for reproducible draws.")] = 0,
    as_json: Json = False,
    plot: Plot = None,
) -> None:
    """Cut runs early, forecast the rest with the default forecaster, its parts and baselines;
    score each method."""
    from dataclasses import replace

    from ..errors import ArgumentError
    from ..forecasting import backtest as run_backtest
    from ..sources.scan import expand

    try:
        cuts = [float(part) for part in fractions.split(",") if part.strip()]
    except ValueError:
        raise ArgumentError(f"--fractions must be numbers separated by commas, got "
                         f"{fractions[:60]!r}") from None
    if not cuts:
        raise ArgumentError("--fractions is empty: give at least one fraction, e.g. 0.1,0.15,0.2")
    check_plot(plot)
    found = expand(sources, tracking_uri=tracking_uri)
    runs = [read_run(source, entropy_key, reward_key, reward_mean, step_key,
                     tracking_uri=tracking_uri) for source in found.sources]
    result = run_backtest(runs, fractions=cuts, confidence=confidence,
                          n_resamples=n_resamples, seed=seed)
    if found.skipped:
        result = replace(result, skipped=found.skipped + result.skipped)
    save_plot(result, plot)
    emit(result, as_json)
