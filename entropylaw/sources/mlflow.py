"""MLflow runs: ``mlflow:RUN_ID``, ``mlflow:EXPERIMENT/RUN_NAME``, or ``mlflow:EXPERIMENT`` for
every run of an experiment.

The tracking store is ``tracking_uri`` (``--tracking-uri``), else ``MLFLOW_TRACKING_URI``, else
``./mlflow.db`` or ``./mlruns`` when present: a sqlite database, an http(s) server, or a legacy
``mlruns`` folder (which MLflow 3 opens only with ``MLFLOW_ALLOW_FILE_STORE=true``: set while
reading). Every point of every metric is read with ``get_metric_history``; a step logged twice
keeps the latest timestamp; verl's ``_at_`` (MLflow forbids ``@``) is read back as ``@``.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import numpy as np

from .._text import listing, plural
from ..errors import InputError, require
from ..results import Notice
from .log import Log, build_log

PREFIX = "mlflow:"
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")
_AT = re.compile(r"_at_(?=\d)")
_DEFAULT_STORES = ("mlflow.db", "mlruns")


def read_mlflow(source: str, *, tracking_uri: str | None = None) -> Log:
    """Read every metric of one MLflow run."""
    runs = find_runs(source, tracking_uri=tracking_uri)
    if len(runs) > 1:
        raise InputError(f"{source}: names {len(runs)} runs ({listing(runs)}); name one")
    return _read_run(source, runs[0], resolve_uri(tracking_uri))


def find_runs(source: str, *, tracking_uri: str | None = None) -> list[str]:
    """The ``mlflow:RUN_ID`` address of each run ``source`` names."""
    uri = resolve_uri(tracking_uri)
    name = source[len(PREFIX):].strip()
    if not name:
        raise InputError(f"{source}: expected mlflow:RUN_ID, mlflow:EXPERIMENT/RUN_NAME or "
                         f"mlflow:EXPERIMENT")
    with _store(uri) as client:
        if _RUN_ID.match(name):
            return [PREFIX + _get_run(client, source, name, uri).info.run_id]
        experiment_name, _, run_name = name.partition("/")
        experiment = client.get_experiment_by_name(experiment_name)
        if run_name or experiment is None:
            runs = _runs_named(client, experiment, run_name or name)
            if not runs:
                where = f"experiment '{experiment_name}'" if experiment else uri
                raise InputError(f"{source}: no run named '{run_name or name}' in {where}")
        else:
            runs = client.search_runs([experiment.experiment_id], order_by=["start_time ASC"])
            if not runs:
                raise InputError(f"{source}: experiment '{experiment_name}' has no runs")
        return [PREFIX + run.info.run_id for run in runs]


def resolve_uri(tracking_uri: str | None) -> str:
    """The tracking URI: given, from the environment, or a default store in this folder."""
    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        present = [name for name in _DEFAULT_STORES if Path(name).exists()]
        if not present:
            raise InputError("no MLflow tracking store: pass --tracking-uri (sqlite:///mlflow.db, "
                             "http://host:5000, ./mlruns) or set MLFLOW_TRACKING_URI")
        uri = present[0]
    if "://" not in uri:  # a path: a sqlite file or an mlruns folder
        path = Path(uri).expanduser().resolve()
        if not path.exists():
            raise InputError(f"{uri}: no such MLflow store")
        return path.as_uri() if path.is_dir() else f"sqlite:///{path}"
    if uri.startswith("sqlite:///") and not Path(uri[len("sqlite:///"):]).exists():
        raise InputError(f"{uri}: no such sqlite file (reading never creates a store)")
    return uri


@contextlib.contextmanager
def _store(uri: str):
    """A client for ``uri``; legacy file stores allowed and http retries bounded meanwhile."""
    tracking = require("mlflow.tracking", extra="mlflow", purpose="Reading MLflow runs")
    settings = {"MLFLOW_ALLOW_FILE_STORE": "true", "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
                "MLFLOW_HTTP_REQUEST_TIMEOUT": "30"}
    saved = {key: os.environ.get(key) for key in settings}
    for key, value in settings.items():
        os.environ.setdefault(key, value)
    try:
        yield tracking.MlflowClient(tracking_uri=uri)
    except InputError:
        raise
    except Exception as exc:  # MlflowException, connection errors: one line naming the store
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{uri}: {message}") from None
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _get_run(client, source: str, run_id: str, uri: str):
    from mlflow.exceptions import MlflowException

    try:
        return client.get_run(run_id)
    except MlflowException:
        raise InputError(f"{source}: no run with id {run_id} in {uri}") from None


def _runs_named(client, experiment, run_name: str) -> list:
    experiments = ([experiment.experiment_id] if experiment is not None
                   else [e.experiment_id for e in client.search_experiments()])
    escaped = run_name.replace("'", "\\'")
    return client.search_runs(experiments, filter_string=f"attributes.run_name = '{escaped}'",
                              order_by=["start_time ASC"])


def _read_run(source: str, address: str, uri: str) -> Log:
    run_id = address[len(PREFIX):]
    with _store(uri) as client:
        run = _get_run(client, source, run_id, uri)
        columns, order, renamed = {}, {}, []
        for key in sorted(run.data.metrics):
            history = client.get_metric_history(run_id, key)
            name = _AT.sub("@", key)
            if name != key:
                renamed.append(key)
            steps = np.array([m.step for m in history], dtype=np.int64)
            values = np.array([m.value for m in history], dtype=float)
            times = np.array([m.timestamp for m in history], dtype=float)
            if name in columns:  # both 'x_at_4' and 'x@4' logged: one series
                steps = np.r_[columns[name][0], steps]
                values = np.r_[columns[name][1], values]
                times = np.r_[order[name], times]
            columns[name], order[name] = (steps, values), times
        experiment = client.get_experiment(run.info.experiment_id)
    if not columns:
        raise InputError(f"{source}: run {run_id} logged no metrics")
    points = sum(len(steps) for steps, _ in columns.values())
    notes = [Notice("read_metrics", f"read {plural(points, 'point')} of "
                                    f"{plural(len(columns), 'metric')} from {uri}")]
    if renamed:
        notes.append(Notice("at_keys", f"read '_at_' as '@' in {plural(len(renamed), 'key')} "
                                       f"(verl rewrites '@' for MLflow): {listing(renamed, 3)}"))
    metadata = {"format": "mlflow", "run_id": run_id, "name": run.info.run_name,
                "experiment": experiment.name if experiment else None, "tracking_uri": uri}
    return build_log(source, columns, order=order, notes=notes, metadata=metadata,
                     step_key="step")
