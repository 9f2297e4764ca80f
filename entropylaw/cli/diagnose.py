"""``entropylaw diagnose``."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import (
    EntropyKey,
    Json,
    Plot,
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
    user_errors,
)


@app.command()
@user_errors
def diagnose(
    source: Source,
    entropy_key: EntropyKey = None,
    reward_key: RewardKey = None,
    reward_mean: RewardMean = False,
    reward_scale: RewardScale = "auto",
    step_key: StepKey = None,
    tracking_uri: TrackingUri = None,
    false_alarm_rate: Annotated[float, typer.Option(
        "--false-alarm-rate", metavar="RATE", min=0.005, max=0.2,
        help="Chance that each change-point and spike detector raises an alarm on a series "
             "with no change, per run (0.005-0.2).")] = 0.01,
    seed: Seed = 0,
    as_json: Json = False,
    plot: Plot = None,
) -> None:
    """Say whether the law applies to a run and what the run is doing: regimes (collapse,
    explosion, truncation, numerical, plateau), events (entropy spikes, reward collapses) and
    the entropy interventions it states."""
    from ..diagnosing import diagnose as diagnose_run

    check_plot(plot)
    result = diagnose_run(source, entropy_key=entropy_key, reward_key=reward_key or None,
                          reward_mean=reward_mean, reward_scale=reward_scale,
                          step_key=step_key,
                          tracking_uri=tracking_uri, alpha=false_alarm_rate,
                          seed=0 if seed is None else seed)
    if plot is not None:
        from ..plot.diagnose import plot_diagnosis
        from ..plot.files import save

        save(plot_diagnosis(result), plot)
    emit(result, as_json)
