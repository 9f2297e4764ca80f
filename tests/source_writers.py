"""Session fixtures that write runs with the real tools: W&B offline runs written by ``wandb``,
a real MLflow sqlite store and legacy ``mlruns`` folder, and a real ``mlflow server``.

Each fixture also returns the truth it wrote (seeded), so tests compare what the readers give
back with what went in. Load with ``pytest_plugins = ["source_writers"]``.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

VAL_KEY = "val-core/gsm8k/acc/mean@4"


@dataclass(frozen=True)
class Truth:
    """A series as written: steps and values (NaN where NaN was logged)."""

    steps: list[int]
    values: list[float]


def verl_truth() -> dict[str, Truth]:
    """A verl-like run: entropy every step (one NaN), validation every 10 steps (one NaN)."""
    rng = np.random.default_rng(5)
    steps = list(range(1, 201))
    entropy = (0.05 + 0.5 * np.exp(-np.arange(200) / 60) + rng.normal(0, 0.005, 200)).tolist()
    entropy[16] = math.nan  # step 17
    val_steps = list(range(0, 201, 10))
    accuracy = (0.3 + 0.4 * (1 - np.exp(-np.arange(21) / 6)) + rng.normal(0, 0.01, 21)).tolist()
    accuracy[7] = math.nan  # step 70
    return {"actor/entropy": Truth(steps, entropy), VAL_KEY: Truth(val_steps, accuracy)}


def trl_truth() -> dict[str, Truth]:
    """A TRL-like run on ``train/global_step`` (5 per logged row; W&B's _step differs)."""
    rng = np.random.default_rng(6)
    steps = [5 * (i + 1) for i in range(40)]
    evals = steps[9::10]
    return {"train/entropy": Truth(steps, rng.uniform(0.2, 0.6, 40).tolist()),
            "eval/reward": Truth(evals, rng.uniform(0.3, 0.7, len(evals)).tolist())}


_WANDB_WRITER = r"""
import json, math, sys
import wandb

root, truth_file = sys.argv[1], sys.argv[2]
truth = json.load(open(truth_file))
verl, trl = truth["verl"], truth["trl"]

with wandb.init(mode="offline", dir=root, project="entropylaw-tests", name="verl-like",
                id="verlrun1") as run:
    entropy = dict(zip(*verl["actor/entropy"]))
    val_key = [k for k in verl if k != "actor/entropy"][0]
    accuracy = dict(zip(*verl[val_key]))
    for step in range(0, 201):
        row = {}
        if step in entropy:
            row["actor/entropy"] = entropy[step]
            row["actor/pg_loss"] = 0.01 * step
        if step in accuracy:
            row[val_key] = accuracy[step]
        if step == 50:  # a record larger than a 32 KiB block: split across blocks
            row["val/generations"] = "x" * 70000
        run.log(row, step=step)

with wandb.init(mode="offline", dir=root, project="entropylaw-tests", name="trl-like",
                id="trlrun01") as run:
    run.define_metric("train/global_step")
    run.define_metric("*", step_metric="train/global_step", step_sync=True)
    entropy = dict(zip(*trl["train/entropy"]))
    reward = dict(zip(*trl["eval/reward"]))
    for step in sorted(entropy):
        run.log({"train/entropy": entropy[step], "train/global_step": step})
        if step in reward:
            run.log({"eval/reward": reward[step], "train/global_step": step})
wandb.teardown()
"""


@dataclass(frozen=True)
class WandbRuns:
    folder: Path  # the wandb/ folder holding both runs
    verl: Path  # offline-run-*-verlrun1
    trl: Path
    verl_truth: dict[str, Truth]
    trl_truth: dict[str, Truth]


@pytest.fixture(scope="session")
def wandb_runs(tmp_path_factory) -> WandbRuns:
    """Two offline runs written by wandb itself (in a subprocess, so its service and global
    state stay out of the test process)."""
    root = tmp_path_factory.mktemp("wandb-runs")
    verl, trl = verl_truth(), trl_truth()
    truth_file = root / "truth.json"
    truth_file.write_text(json.dumps({
        "verl": {k: [t.steps, t.values] for k, t in verl.items()},
        "trl": {k: [t.steps, t.values] for k, t in trl.items()},
    }))
    env = {**os.environ, "WANDB_SILENT": "true", "WANDB_MODE": "offline",
           "WANDB_DIR": str(root), "WANDB_CONFIG_DIR": str(root / "config"),
           "WANDB_CACHE_DIR": str(root / "cache")}
    done = subprocess.run([sys.executable, "-c", _WANDB_WRITER, str(root), str(truth_file)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    folder = root / "wandb"
    runs = {path.name.rsplit("-", 1)[-1]: path for path in folder.glob("offline-run-*")}
    return WandbRuns(folder, runs["verlrun1"], runs["trlrun01"], verl, trl)


# --- MLflow ----------------------------------------------------------------------------------

MLFLOW_VAL_KEY = "val-core/gsm8k/acc/mean_at_4"  # verl's rewrite of '@' for MLflow


@dataclass(frozen=True)
class MlflowStore:
    uri: str  # sqlite:///...
    legacy: Path  # an mlruns folder holding the same experiment
    run_id: str
    legacy_run_id: str
    truth: dict[str, Truth]  # as read back: '@' names, the latest value of a repeated step


def _log_runs(client, truth: dict[str, Truth]) -> str:
    """Log the verl-like run (and a second one) in experiment 'entropylaw-tests'."""
    from mlflow.entities import Metric

    experiment = client.create_experiment("entropylaw-tests")
    run = client.create_run(experiment, run_name="verl-like").info.run_id
    metrics = []
    for key, series in truth.items():
        name = key.replace("@", "_at_")
        metrics += [Metric(name, value, 1_000 + step, step)
                    for step, value in zip(series.steps, series.values, strict=True)]
    metrics.append(Metric(MLFLOW_VAL_KEY, 0.123, 999, 20))  # an earlier write of step 20
    for start in range(0, len(metrics), 500):
        client.log_batch(run, metrics=metrics[start:start + 500])
    client.set_terminated(run)
    other = client.create_run(experiment, run_name="second").info.run_id
    client.log_metric(other, "actor/entropy", 0.5, step=1)
    client.set_terminated(other)
    return run


@pytest.fixture(scope="session")
def mlflow_store(tmp_path_factory) -> MlflowStore:
    """A real sqlite store (migrations run once a session) and a legacy mlruns folder."""
    from mlflow import MlflowClient

    root = tmp_path_factory.mktemp("mlflow")
    truth = verl_truth()
    uri = f"sqlite:///{root / 'mlflow.db'}"
    run_id = _log_runs(MlflowClient(uri), truth)
    saved = os.environ.get("MLFLOW_ALLOW_FILE_STORE")
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    try:
        legacy_run_id = _log_runs(MlflowClient((root / "mlruns").as_uri()), truth)
    finally:
        if saved is None:
            os.environ.pop("MLFLOW_ALLOW_FILE_STORE")
        else:
            os.environ["MLFLOW_ALLOW_FILE_STORE"] = saved
    return MlflowStore(uri, root / "mlruns", run_id, legacy_run_id, truth)


@pytest.fixture(scope="session")
def mlflow_server(mlflow_store, tmp_path_factory) -> str:
    """A real ``mlflow server`` on 127.0.0.1 over the session's store; stopped by its id."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path_factory.mktemp("mlflow-server") / "server.log"
    command = [str(Path(sys.executable).with_name("mlflow")), "server", "--backend-store-uri",
               mlflow_store.uri, "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    with log.open("wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server, log)
        yield url
    finally:
        _stop(server)


def _wait_healthy(url: str, server: subprocess.Popen, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"mlflow server exited with {server.returncode}: "
                        f"{log.read_text()[-1500:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"mlflow server not healthy after {timeout:.0f} s: {log.read_text()[-1500:]}")


def _stop(server: subprocess.Popen) -> None:
    """Stop the server and the workers it started (its own process group, by its id)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=15)
