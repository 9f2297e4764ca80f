"""The app, the options every command shares, and error handling for the commands."""

from __future__ import annotations

import functools
import json
import os
from typing import Annotated

import typer

app = typer.Typer(
    name="entropylaw",
    help="Fit and forecast the entropy-performance law R = -a*exp(H) + b of RL training runs.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Options shared by every command that reads runs.
Source = Annotated[str, typer.Argument(help="A run: CSV file, log, or tracker address.",
                                       metavar="SOURCE", show_default=False)]
EntropyKey = Annotated[str | None, typer.Option(
    "--entropy-key", metavar="KEY",
    help="Entropy key (default: detected from the framework's names).")]
RewardKey = Annotated[list[str] | None, typer.Option(
    "--reward-key", metavar="KEY",
    help="Validation key; repeat to give several (with --reward-mean).")]
RewardMean = Annotated[bool, typer.Option(
    "--reward-mean", help="Average several validation keys.")]
RewardScale = Annotated[str, typer.Option(
    "--reward-scale", metavar="SCALE",
    help="Validation values as: auto (fractions 0-1, or percent 0-100 above 1.5), fraction, "
         "percent, or raw (not an accuracy; fit in its own units, flagged).")]
StepKey = Annotated[str | None, typer.Option(
    "--step-key", metavar="KEY", help="Step column (default: detected).")]
TrackingUri = Annotated[str | None, typer.Option(
    "--tracking-uri", metavar="URI", help="MLflow tracking store for mlflow: sources (sqlite:///"
                                          "mlflow.db, http://host:5000, ./mlruns); default: "
                                          "$MLFLOW_TRACKING_URI.")]
EntropyWindow = Annotated[int, typer.Option(
    "--entropy-window", min=1, metavar="K",
    help="Pair each validation point with the mean of the last K logged entropy values.")]
Confidence = Annotated[float, typer.Option(
    "--confidence", metavar="LEVEL", help="Confidence level of the intervals, in (0, 1).")]
Method = Annotated[str, typer.Option(
    "--method", metavar="METHOD",
    help="Interval scheme: ar1 (serially correlated noise), block, or iid.")]
Resamples = Annotated[int, typer.Option("--n-resamples", min=100, metavar="N",
                                           help="Number of draws.")]
Seed = Annotated[int | None, typer.Option("--seed", min=0, metavar="SEED",
                                             help="Seed for reproducible draws.")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of the report.")]
Plot = Annotated[str | None, typer.Option(
    "--plot", metavar="PATH", help="Also draw the result to PATH; its extension (.png, .svg, "
                                   ".pdf) sets the format.")]


def user_errors(command):
    """Turn library errors into ``Error: <message>`` and exit code 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from ..errors import ArgumentError, EntropyLawError

        try:
            return command(*args, **kwargs)
        except ArgumentError as exc:  # an option out of range: a usage error, as typer's own
            _fail(str(exc), code=2)
        except EntropyLawError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc))
        except Exception as exc:  # a bug: say so in one line unless debugging
            if os.environ.get("ENTROPYLAW_DEBUG"):
                raise
            _fail(f"unexpected {type(exc).__name__}: {exc} (set ENTROPYLAW_DEBUG=1 for a "
                  f"traceback, and please report it)")

    return wrapper


def _fail(message: str, code: int = 1) -> None:
    from .._text import clean_message

    typer.echo(f"Error: {clean_message(message)}", err=True)
    raise typer.Exit(code)


def emit(result, as_json: bool) -> None:
    from .._text import clean_report  # nothing from an input reaches the terminal raw

    text = json.dumps(result.to_dict(), indent=2) if as_json else str(result)
    typer.echo(clean_report(text))


def check_plot(path) -> None:
    """Fail before any work when --plot names a file no figure can be written to."""
    if path is not None:
        from ..plot import figure_format

        figure_format(path)


def save_plot(result, path, **options) -> None:
    """Draw ``result`` to ``path`` when --plot was given (``options`` go to its plot function)."""
    if path is not None:
        from ..plot import draw, save

        save(draw(result, **options), path)


def read_run(source, entropy_key, reward_key, reward_mean, step_key, **extra):
    from ..run import read

    return read(source, entropy_key=entropy_key, reward_key=reward_key or None,
                reward_mean=reward_mean, step_key=step_key, **extra)
