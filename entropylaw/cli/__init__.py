"""The ``entropylaw`` command: a thin skin over the library.

Each command lives in its own module, parses options, calls one library function and prints its
result (text, or JSON with ``--json``). Library errors become ``Error: <message>`` on stderr with
exit code 1. Heavy modules are imported inside the commands so ``entropylaw --help`` starts fast.
"""

from __future__ import annotations

import copy
import os
import sys
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


def run(args: list[str] | None = None) -> None:
    """The console-script entry point: run ``args`` (default: the command line's)."""
    one_blas_thread()
    given = sys.argv[1:] if args is None else args
    command_app(given[0] if given else "")(args=args, prog_name="entropylaw")


# Environment variables that set how many threads BLAS (numpy's matrix products) runs on
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """Have BLAS run on one thread, unless the environment says how many, or numpy (which
    starts them) is already loaded. The commands' matrix products are small: waiting threads
    spin on the CPU for longer than they save (docs/speed.md)."""
    if "numpy" in sys.modules or any(os.environ.get(name) for name in BLAS_THREADS):
        return
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ["MKL_NUM_THREADS"] = "1"


def command_app(name: str) -> typer.Typer:
    """``app`` with only the command ``name`` registered, or ``app`` itself when no command has
    that name. typer builds the parser of every registered command before it looks at the
    arguments (about 10 ms on each run); a command needs only its own."""
    found = [info for info in app.registered_commands if _command_name(info) == name]
    if not found:
        return app
    only = copy.copy(app)  # shares everything but the list of commands
    only.registered_commands = found
    return only


def _command_name(info) -> str:
    return info.name or info.callback.__name__.lower().replace("_", "-")  # as typer names it
