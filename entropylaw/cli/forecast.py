"""``entropylaw forecast``."""

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
def forecast(
    source: Source,
    fit_fraction: Annotated[float | None, typer.Option(
        "--fit-fraction", metavar="F",
        help="Fit on validation points with step <= F x the run's last step, F in (0, 1].")] = None,
    fit_until: Annotated[int | None, typer.Option(
        "--fit-until", metavar="STEP", help="Fit on validation points with step <= STEP.")] = None,
    horizon: Annotated[int | None, typer.Option(
        "--horizon", metavar="STEP",
        help="Forecast up to this step (default: the run's last step, or twice the fit "
             "window for a live run).")] = None,
    margin: Annotated[float, typer.Option(
        "--margin", metavar="POINTS",
        min=0.001, help="How close to the ceiling counts as there, in accuracy points.")] = 1.0,
    keep_early: Annotated[bool, typer.Option(
        "--keep-early", help="Keep an early phase the law does not describe in the fit.")] = False,
    paper: Annotated[bool, typer.Option(
        "--paper", help="The plain protocol of Cui et al.: the window as it is, no fallback, "
                        "noise not conditioned on the last point.")] = False,
    entropy_key: EntropyKey = None,
    reward_key: RewardKey = None,
    reward_mean: RewardMean = False,
    step_key: StepKey = None,
    tracking_uri: TrackingUri = None,
    entropy_window: EntropyWindow = 1,
    confidence: Confidence = 0.9,
    method: Method = "ar1",
    n_resamples: Resamples = 4000,
    seed: Seed = None,
    as_json: Json = False,
    plot: Plot = None,
) -> None:
    """Forecast a run's later accuracy and its ceiling from an early window of it."""
    from ..forecasting import forecast as forecast_run

    check_plot(plot)
    run = read_run(source, entropy_key, reward_key, reward_mean, step_key,
                   tracking_uri=tracking_uri)
    result = forecast_run(run, fit_fraction=fit_fraction, fit_until=fit_until, horizon=horizon,
                          margin=margin / 100.0, confidence=confidence, keep_early=keep_early,
                          protocol="paper" if paper else "default",
                          entropy_window=entropy_window, method=method,
                          n_resamples=n_resamples, seed=seed)
    save_plot(result, plot)
    emit(result, as_json)
