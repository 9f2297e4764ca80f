"""``entropylaw family``."""

from __future__ import annotations

from pathlib import Path
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
    StepKey,
    TrackingUri,
    app,
    check_plot,
    emit,
    save_plot,
    user_errors,
)

Runs = Annotated[list[str] | None, typer.Argument(
    help="Runs as SOURCE=SIZE (billions of non-embedding parameters, e.g. run.csv=6.53) or "
         "SOURCE=MODEL (a known model, e.g. run.csv=Qwen2.5-7B).", metavar="SOURCE=SIZE",
    show_default=False)]
Manifest = Annotated[Path | None, typer.Option(
    "--manifest", metavar="FILE",
    help="CSV file listing the runs: source and size (or model) per row, or a and b, or a "
         "published accuracy, instead of a source (see docs/family.md).")]
Predict = Annotated[list[str] | None, typer.Option(
    "--predict", metavar="SIZE",
    help="A size (billions) or model name at which to predict the plateau (and a, b and the "
         "ceiling where the law holds); repeat for several.")]


@app.command()
@user_errors
def family(
    runs: Runs = None,
    manifest: Manifest = None,
    predict: Predict = None,
    entropy_key: EntropyKey = None,
    reward_key: RewardKey = None,
    reward_mean: RewardMean = False,
    step_key: StepKey = None,
    tracking_uri: TrackingUri = None,
    entropy_window: EntropyWindow = 1,
    confidence: Confidence = 0.95,
    method: Method = "ar1",
    n_resamples: Resamples = 10_000,
    seed: Seed = None,
    as_json: Json = False,
    plot: Plot = None,
) -> None:
    """Predict the accuracy a larger model reaches with the same recipe: each run's plateau as a
    bounded line in ln N, and the law's a and b as lines in ln N."""
    from ..errors import InputError
    from ..family import fit_family, read_arguments, read_manifest

    check_plot(plot)
    options = dict(entropy_key=entropy_key, reward_key=reward_key or None,
                   reward_mean=reward_mean, step_key=step_key, tracking_uri=tracking_uri)
    members = read_arguments(runs or [], **options)
    if manifest is not None:
        members += read_manifest(manifest, **options)
    if not members:
        raise InputError("no runs: give SOURCE=SIZE arguments, or --manifest FILE")
    result = fit_family(members, predict=predict or [], confidence=confidence, method=method,
                        n_resamples=n_resamples, seed=seed, entropy_window=entropy_window)
    save_plot(result, plot)
    emit(result, as_json)
