"""``entropylaw keys``."""

from __future__ import annotations

from .common import Json, Source, StepKey, TrackingUri, app, emit, user_errors


@app.command()
@user_errors
def keys(
    source: Source,
    step_key: StepKey = None,
    tracking_uri: TrackingUri = None,
    as_json: Json = False,
) -> None:
    """List every numeric key of a run: points, step range and detected role."""
    from ..sources import read_log
    from ..sources.keytable import key_table

    emit(key_table(read_log(source, step_key=step_key, tracking_uri=tracking_uri)), as_json)
