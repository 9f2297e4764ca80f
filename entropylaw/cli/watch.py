"""``entropylaw watch``."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from .common import (
    Confidence,
    EntropyKey,
    RewardKey,
    RewardMean,
    Seed,
    Source,
    StepKey,
    TrackingUri,
    app,
    user_errors,
)


@app.command()
@user_errors
def watch(
    source: Source,
    every: Annotated[float, typer.Option(
        "--every", metavar="SECONDS", min=0.05, help="Seconds between polls of the source.")] = 5.0,
    until_step: Annotated[int | None, typer.Option(
        "--until-step", metavar="N", min=0,
        help="Stop once the run has reached step N.")] = None,
    timeout: Annotated[float | None, typer.Option(
        "--timeout", metavar="SECONDS", min=0,
        help="Stop after this many seconds without new data.")] = None,
    horizon: Annotated[int | None, typer.Option(
        "--horizon", metavar="STEP", min=1,
        help="Forecast up to this step (default: twice the steps so far).")] = None,
    margin: Annotated[float, typer.Option(
        "--margin", metavar="POINTS",
        min=0.001, help="How close to the ceiling counts as there, in accuracy points.")] = 1.0,
    json_lines: Annotated[bool, typer.Option(
        "--json-lines", help="Print one JSON object per update instead of the live view.")] = False,
    log_to: Annotated[str | None, typer.Option(
        "--log-to", metavar="TRACKER",
        help="Also write the forecast into the run's tracker: mlflow or wandb.")] = None,
    log_run: Annotated[str | None, typer.Option(
        "--log-run", metavar="RUN",
        help="The run --log-to writes into (default: the watched run).")] = None,
    entropy_key: EntropyKey = None,
    reward_key: RewardKey = None,
    reward_mean: RewardMean = False,
    step_key: StepKey = None,
    tracking_uri: TrackingUri = None,
    confidence: Confidence = 0.9,
    seed: Seed = 0,
) -> None:
    """Follow a run while it trains: refit and reforecast at each new validation point."""
    from ..errors import ArgumentError
    from ..watching.follow import watch as follow
    from ..watching.writeback import TARGETS

    if log_to is not None and log_to not in TARGETS:
        raise ArgumentError(f"--log-to must be one of {', '.join(TARGETS)}, got {log_to!r}")
    if log_run is not None and log_to is None:
        raise ArgumentError("--log-run needs --log-to (mlflow or wandb)")
    out = None if log_to is None else _writer(log_to, source, log_run, tracking_uri, step_key)
    show = _Lines() if json_lines else _LiveView(sys.stdout.isatty())
    updates = follow(source, every=every, until_step=until_step, timeout=timeout, horizon=horizon,
                     margin=margin / 100.0, confidence=confidence, seed=seed,
                     entropy_key=entropy_key, reward_key=reward_key or None,
                     reward_mean=reward_mean, step_key=step_key, tracking_uri=tracking_uri)
    _show_updates(updates, show, out)


def _show_updates(updates, show, out) -> None:
    """Show each update (and write it back where asked) until the follow loop stops or the user
    presses Ctrl-C; then close both."""
    from ..watching.follow import Stopped

    try:
        for update in updates:
            if isinstance(update, Stopped):
                show.stop(update.reason)
                break
            if out is not None:
                out.write(update)
            show.update(update)
    except KeyboardInterrupt:
        show.stop("interrupted")
    finally:
        updates.close()
        if out is not None:
            out.close()


def _writer(target, source, log_run, tracking_uri, step_key):
    from ..sources import detect_format
    from ..watching.writeback import writer

    metadata = {}
    if target == "wandb" and log_run is None and detect_format(source) == "wandb-offline":
        from ..sources import read_log

        metadata = dict(read_log(source, step_key=step_key).metadata)
    return writer(target, source=source, log_run=log_run, tracking_uri=tracking_uri,
                  metadata=metadata)


class _Lines:
    """--json-lines: one object per update, flushed at once."""

    def update(self, update) -> None:
        typer.echo(json.dumps(update.to_dict()))
        sys.stdout.flush()

    def stop(self, reason: str) -> None:
        typer.echo(f"stopped: {_REASONS[reason]}", err=True)


class _LiveView:
    """The text view: redrawn in place in a terminal (plain ANSI), appended otherwise."""

    def __init__(self, terminal: bool):
        self.terminal = terminal
        self.height = 0
        self.last = None

    def update(self, update) -> None:
        text = str(update)
        if self.terminal and self.height:
            sys.stdout.write(f"\x1b[{self.height}F\x1b[J")  # back to the top, clear below
        elif self.last is not None:
            text = "\n" + text
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
        self.height = text.count("\n") + 1
        self.last = update

    def stop(self, reason: str) -> None:
        if reason == "interrupted" and self.last is not None and not self.terminal:
            sys.stdout.write("\n" + str(self.last) + "\n")
        typer.echo(f"stopped: {_REASONS[reason]}", err=True)


_REASONS = {"until_step": "the run reached --until-step", "timeout": "no new data within "
            "--timeout", "interrupted": "interrupted (Ctrl-C); the last state is above"}
