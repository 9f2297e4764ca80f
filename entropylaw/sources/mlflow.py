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

from .._text import EXAMPLES, listing, plural
from ..errors import InputError, require
from ..results import Notice
from .log import Log, several_runs
from .tail import Columns, Tail, log_from

PREFIX = "mlflow:"
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")
_AT = re.compile(r"_at_(?=\d)")
_DEFAULT_STORES = ("mlflow.db", "mlruns")


def read_mlflow(source: str, *, tracking_uri: str | None = None) -> Log:
    """Read every metric of one MLflow run."""
    runs = find_runs(source, tracking_uri=tracking_uri)
    if len(runs) > 1:
        raise several_runs(source, runs)
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
    tail = MlflowTail(source, address=address, uri=uri)
    tail.poll(final=True)
    return tail.log(final=True)


class MlflowTail(Tail):
    """Follows one MLflow run. Each poll asks for the run's latest values and fetches the
    history of metrics whose latest value changed (and of the focused keys), keeping the points
    not seen before (by timestamp, step and value); steps that go back at a later time are a
    restart."""

    def __init__(self, source: str, *, tracking_uri: str | None = None,
                 address: str | None = None, uri: str | None = None):
        self.source = source
        self.uri = uri or resolve_uri(tracking_uri)
        if address is None:
            runs = find_runs(source, tracking_uri=tracking_uri)
            if len(runs) > 1:
                raise several_runs(source, runs)
            address = runs[0]
        self.run_id = address[len(PREFIX):]
        self.columns = Columns(ordered=True)
        self.seen: dict[str, set] = {}
        self.latest: dict[str, tuple] = {}
        self.top: dict[str, tuple[float, int]] = {}  # key -> (latest timestamp, largest step)
        self.renamed: list[str] = []
        self.restarts: list[Notice] = []
        self.metadata: dict | None = None
        self.focused: set[str] = set()

    def focus(self, keys) -> None:
        """Fetch these keys' whole history at every poll (a rewrite below a metric's highest
        step leaves its latest value as it was)."""
        self.focused = set(keys)

    def poll(self, *, final: bool = False) -> int:
        before = self.columns.count
        went_back: list[tuple[str, int, int]] = []
        with _store(self.uri) as client:
            run = _get_run(client, self.source, self.run_id, self.uri)
            latest = {m.key: _point(m) for m in getattr(run.data, "_metric_objs", ())}
            for key in sorted(run.data.metrics):
                if (key in self.latest and latest.get(key) == self.latest[key]
                        and _AT.sub("@", key) not in self.focused):
                    continue
                history = client.get_metric_history(self.run_id, key)
                self._add(key, history, went_back)
                if key in latest:
                    self.latest[key] = latest[key]
            if self.metadata is None:
                experiment = client.get_experiment(run.info.experiment_id)
                self.metadata = {"format": "mlflow", "run_id": self.run_id,
                                 "name": run.info.run_name,
                                 "experiment": experiment.name if experiment else None,
                                 "tracking_uri": self.uri}
        if went_back:
            key, top, step = went_back[0]
            self.restarts.append(Notice(
                "restarted_run", f"steps went back in {plural(len(went_back), 'metric')} "
                                 f"({key}: from {top} to {step}): the run restarted; a step's "
                                 f"later values replace its earlier ones"))
        return self.columns.count - before

    def _add(self, key: str, history, went_back: list) -> None:
        name = _AT.sub("@", key)
        if name != key and key not in self.renamed:
            self.renamed.append(key)
        seen = self.seen.setdefault(key, set())
        top = self.top.get(key)
        back = None
        for metric in history:
            point = _point(metric)
            if point in seen:
                continue
            seen.add(point)
            self.columns.add(name, metric.step, metric.value, metric.timestamp)
            if top is not None and metric.timestamp > top[0] and metric.step < top[1]:
                back = back or (key, top[1], metric.step)
            top = (max(top[0], metric.timestamp), max(top[1], metric.step)) if top else (
                metric.timestamp, metric.step)
        if top is not None:
            self.top[key] = top
        if back:
            went_back.append(back)

    def notices(self) -> list[Notice]:
        return list(self.restarts)

    def log(self, keys=None, *, final: bool = False) -> Log:
        columns = self.columns
        if not columns.data:
            raise InputError(f"{self.source}: run {self.run_id} logged no metrics")
        notes = [Notice("read_metrics", f"read {plural(columns.count, 'point')} of "
                                        f"{plural(len(columns.data), 'metric')} from {self.uri}")]
        if self.renamed:
            renamed = listing(self.renamed, EXAMPLES)
            notes.append(Notice("at_keys",
                                f"read '_at_' as '@' in {plural(len(self.renamed), 'key')} "
                                f"(verl rewrites '@' for MLflow): {renamed}"))
        notes += self.notices()
        return log_from(self.source, columns, keys, notes, self.metadata or {}, "step")


def _point(metric) -> tuple:
    """A metric point as a hashable tuple (NaN compared by its text)."""
    value = metric.value
    return (metric.timestamp, metric.step, value if value == value else "nan")
