"""``entropylaw import``."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import Json, Source, StepKey, TrackingUri, app, user_errors


@app.command(name="import")
@user_errors
def import_run(
    source: Source,
    output: Annotated[str, typer.Option(
        "--output", "-o", metavar="PATH", help="CSV file to write ('-' for standard output).")],
    key: Annotated[list[str] | None, typer.Option(
        "--key", metavar="KEY", help="Write only this key; repeat for several (default: all).")
    ] = None,
    step_key: StepKey = None,
    tracking_uri: TrackingUri = None,
    as_json: Json = False,
) -> None:
    """Write a run's every numeric key to a wide CSV that `entropylaw fit` reads back."""
    import json

    from ..sources import read_log
    from ..sources.export import write_csv

    log = read_log(source, step_key=step_key, tracking_uri=tracking_uri)
    written = write_csv(log, output, keys=key)
    from .._text import clean_report

    text = json.dumps(written.to_dict(), indent=2) if as_json else str(written)
    typer.echo(clean_report(text), err=output == "-")
