"""Write each update into the run's tracker, next to the training curves: MLflow or W&B.

Only when asked (``--log-to``). The metrics, at the run's current step: ``entropylaw/forecast``
(the forecast at the horizon) always; ``entropylaw/ceiling``, ``..._lower``, ``..._upper`` and
``entropylaw/steps_to_ceiling`` where the law holds (and the margin is reached in the forecast's
reach). mlflow and wandb are imported here only.
"""

from __future__ import annotations

import time

from ..errors import InputError

TARGETS = ("mlflow", "wandb")


def metrics(update) -> dict[str, float]:
    """The values one update writes."""
    values = {}
    if update.horizon is not None:
        values["entropylaw/forecast"] = update.horizon["estimate"]
    if update.ceiling is not None:
        values["entropylaw/ceiling"] = update.ceiling.estimate
        values["entropylaw/ceiling_lower"] = update.ceiling.lower
        values["entropylaw/ceiling_upper"] = update.ceiling.upper
        if update.steps_to_ceiling is not None:
            values["entropylaw/steps_to_ceiling"] = float(update.steps_to_ceiling)
    return values


def writer(target: str, *, source: str, log_run: str | None, tracking_uri: str | None,
           metadata: dict | None = None):
    """A writer for ``target`` ('mlflow' or 'wandb'): the watched run, or ``log_run``."""
    if target == "mlflow":
        return MlflowWriter(source, log_run, tracking_uri)
    if target == "wandb":
        return WandbWriter(source, log_run, metadata or {})
    raise InputError(f"--log-to must be one of {', '.join(TARGETS)}, got {target!r}")


class MlflowWriter:
    """Logs the metrics into an MLflow run: ``log_run`` (a run id), else the watched
    ``mlflow:RUN_ID``."""

    def __init__(self, source: str, log_run: str | None, tracking_uri: str | None):
        from ..sources.mlflow import PREFIX, find_runs, resolve_uri

        address = log_run or (source if source.startswith(PREFIX) else None)
        if address is None:
            raise InputError(f"{source}: --log-to mlflow needs an mlflow: source or --log-run "
                             f"RUN_ID")
        self.uri = resolve_uri(tracking_uri)
        if not address.startswith(PREFIX):
            address = PREFIX + address
        runs = find_runs(address, tracking_uri=tracking_uri)
        if len(runs) != 1:
            raise InputError(f"{address}: names {len(runs)} runs; --log-run needs one")
        self.run_id = runs[0][len(PREFIX):]

    def write(self, update) -> None:
        from mlflow import MlflowClient
        from mlflow.entities import Metric

        from ..sources.mlflow import _store

        stamp = int(time.time() * 1000)
        batch = [Metric(key, float(value), stamp, int(update.last_step))
                 for key, value in metrics(update).items()]
        if batch:
            with _store(self.uri):
                MlflowClient(tracking_uri=self.uri).log_batch(self.run_id, metrics=batch)

    def close(self) -> None:
        pass


class WandbWriter:
    """Logs the metrics into a W&B run, resumed by id: ``log_run`` ('ENTITY/PROJECT/RUN_ID',
    'PROJECT/RUN_ID' or 'RUN_ID'), else the watched offline run's id and project. Offline (the
    default when ``WANDB_MODE`` is unset and the watched run is offline) it writes a new offline
    folder for that id, which ``wandb sync`` merges into the run; online it resumes the run.
    Values go on their own step axis, ``entropylaw/step`` (W&B's own step belongs to the
    training process)."""

    def __init__(self, source: str, log_run: str | None, metadata: dict):
        entity = project = None
        if log_run:
            parts = log_run.strip("/").split("/")
            run_id = parts[-1]
            project = parts[-2] if len(parts) >= 2 else None
            entity = parts[-3] if len(parts) >= 3 else None
        else:
            run_id = metadata.get("run_id")
            project, entity = metadata.get("project"), metadata.get("entity")
        if not run_id:
            raise InputError(f"{source}: --log-to wandb needs a W&B run to follow or "
                             f"--log-run ENTITY/PROJECT/RUN_ID")
        self.init = {"id": run_id, "project": project, "entity": entity, "resume": "allow"}
        if metadata.get("format") == "wandb offline":
            self.init["mode"] = "offline"
            folder = _wandb_root(source)
            if folder is not None:  # the new offline folder beside the watched one
                self.init["dir"] = str(folder)
        self.run = None

    def write(self, update) -> None:
        values = metrics(update)
        if not values:
            return
        if self.run is None:
            import wandb

            self.run = wandb.init(**self.init)
            self.run.define_metric("entropylaw/step")
            self.run.define_metric("entropylaw/*", step_metric="entropylaw/step")
        self.run.log({**values, "entropylaw/step": int(update.last_step)})

    def close(self) -> None:
        if self.run is not None:
            self.run.finish()
            self.run = None


def _wandb_root(source: str):
    """The folder holding the ``wandb/`` folder of an offline run source, if it is one."""
    from pathlib import Path

    path = Path(source).resolve()
    for parent in (path, *path.parents):
        if parent.name == "wandb" and parent.is_dir():
            return parent.parent
    return None
