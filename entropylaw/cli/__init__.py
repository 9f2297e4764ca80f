"""The ``entropylaw`` command: a thin skin over the library.

Each command lives in its own module, parses options, calls one library function and prints its
result (text, or JSON with ``--json``). Library errors become ``Error: <message>`` on stderr with
exit code 1. Heavy modules are imported inside the commands so ``entropylaw --help`` starts fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from . import (
    backtest,  # noqa: F401  (registers the command)
    diagnose,  # noqa: F401  (registers the command)
    family,  # noqa: F401  (registers the command)
    fit,  # noqa: F401  (registers the command)
    forecast,  # noqa: F401  (registers the command)
    importing,  # noqa: F401  (registers the command)
    keys,  # noqa: F401  (registers the command)
    watch,  # noqa: F401  (registers the command)
)
from .common import app

__all__ = ["app", "run"]


@app.callback(invoke_without_command=True)
def main(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    """Fit and forecast the entropy-performance law R = -a*exp(H) + b of RL training runs."""
    if version:
        from .. import __version__

        typer.echo(__version__)
        raise typer.Exit(0)


def run() -> None:  # pragma: no cover - console-script entry point
    app(prog_name="entropylaw")
