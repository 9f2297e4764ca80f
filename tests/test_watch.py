"""``entropylaw watch`` and ``Watcher`` with real parts: a writer process appending real log
lines, wandb itself writing a run, a real MLflow server receiving the write-back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from entropylaw import Watcher, simulate_run
from entropylaw.sources import read_log

pytest_plugins = ["source_writers"]

ROOT = Path(__file__).resolve().parents[1]
DEEPSEEK = "verl_deepseek-llm-7b-chat_grpo_gsm8k.log"


def entropylaw(*args, **popen):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **popen.pop("env", {})}
    return subprocess.Popen([sys.executable, "-m", "entropylaw.cli", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def finish(process, timeout=120) -> tuple[list[dict], str]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-2000:]
    return [json.loads(line) for line in out.splitlines() if line.strip()], err


def assert_one_update_per_point(updates):
    counts = [u["n_points"] for u in updates]
    assert counts == list(range(counts[0], counts[0] + len(counts))), counts  # none lost/twice
    for update in updates:
        for value in (update["accuracy"], *(update["forecast"] or {}).values()):
            assert value is None or 0 <= value <= 1 or value == update["forecast"]["step"]


_APPENDER = r"""
import sys, time
lines, target, start = open(sys.argv[1], "rb").read().split(b"\n"), sys.argv[2], int(sys.argv[3])
stop = int(sys.argv[4])
with open(target, "ab", buffering=0) as out:
    for line in lines[start:stop]:
        half = len(line) // 2
        out.write(line[:half])  # a line is often seen half-written
        if b"step:" in line:
            time.sleep(0.01)
        out.write(line[half:] + b"\n")
"""


@pytest.mark.slow  # a writer process, about 20 s
def test_watch_follows_a_log_being_written(tmp_path, real_logs):
    lines = (real_logs / DEEPSEEK).read_bytes().split(b"\n")
    step_line = {int(line.split(b"step:")[1].split(b" ")[0]): index
                 for index, line in enumerate(lines) if b" - " in line and b"step:" in line}
    path = tmp_path / "live.log"
    path.write_bytes(b"\n".join(lines[:step_line[200] + 1]) + b"\n")
    watcher = entropylaw("watch", path, "--json-lines", "--every", "0.2", "--until-step", 400,
                         "--timeout", 60, "--seed", 0)
    first = watcher.stdout.readline()  # the update for what the file holds, before it grows
    writer = subprocess.run([sys.executable, "-c", _APPENDER, str(real_logs / DEEPSEEK),
                             str(path), str(step_line[200] + 1), str(step_line[400] + 1)],
                            timeout=120)
    assert writer.returncode == 0
    updates, err = finish(watcher)
    updates.insert(0, json.loads(first))
    assert "stopped: the run reached --until-step" in err
    assert updates[0]["n_points"] == 20 and updates[-1]["n_points"] == 40  # steps 10..400
    assert_one_update_per_point(updates)
    assert updates[-1]["last_step"] == 400
    fit = subprocess.run([sys.executable, "-m", "entropylaw.cli", "fit", path, "--json", "--seed",
                          "0"], capture_output=True, text=True, env={**os.environ,
                                                                     "PYTHONPATH": str(ROOT)})
    ceiling = json.loads(fit.stdout)["ceiling"]["estimate"]
    assert updates[-1]["ceiling"]["estimate"] == pytest.approx(ceiling, abs=1e-12)


def test_watch_stops_after_timeout_without_new_data(tmp_path, real_logs):
    path = tmp_path / "done.log"
    shutil.copy(real_logs / DEEPSEEK, path)
    start = time.monotonic()
    updates, err = finish(entropylaw("watch", path, "--json-lines", "--every", "0.1",
                                     "--timeout", "0.5"))
    assert time.monotonic() - start < 60
    assert len(updates) == 1 and updates[0]["n_points"] == 112
    assert set(updates[0]) == {"last_step", "n_points", "accuracy", "ceiling", "plateau",
                               "plateau_kind", "forecast", "steps_to_ceiling", "law", "warnings"}
    assert "stopped: no new data within --timeout" in err


def test_watch_live_view_text_and_law_that_does_not_hold(tmp_path, real_logs):
    updates = entropylaw("watch", real_logs / "verl_qwen2-7b-instruct_gpg_math-gsm8k.log",
                         "--timeout", "0", "--reward-mean")
    out, err = updates.communicate(timeout=120)
    assert updates.returncode == 0, err
    assert out.startswith("step 210: 43 validation points, accuracy 68.9%")
    assert "ceiling (the law holds)" not in out  # no ceiling from a rejected law
    assert "plateau (last level; the law does not hold, no ceiling)" in out
    assert "nonpositive_a" in out


_WANDB_GROWER = r"""
import sys, time, wandb
root = sys.argv[1]
with wandb.init(mode="offline", dir=root, project="grow", id="growrun1") as run:
    for step in range(0, 121):
        row = {"actor/entropy": 0.05 + 0.5 * 2.718 ** (-step / 40)}
        if step % 10 == 0:
            row["val-core/x/acc/mean@1"] = 0.7 - 0.4 * 2.718 ** (-step / 40)
        run.log(row, step=step)
        time.sleep(0.03)
"""


@pytest.mark.slow  # wandb writing a run, about 15 s
def test_watch_follows_a_wandb_offline_run_as_wandb_writes_it(tmp_path):
    env = {**os.environ, "WANDB_SILENT": "true", "WANDB_MODE": "offline",
           "WANDB_CONFIG_DIR": str(tmp_path / "config"), "WANDB_CACHE_DIR": str(tmp_path / "c")}
    writer = subprocess.Popen([sys.executable, "-c", _WANDB_GROWER, str(tmp_path)], env=env,
                              stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("wandb/offline-run-*-growrun1/*.wandb")):
        assert time.monotonic() < deadline and writer.poll() is None
        time.sleep(0.1)
    folder = next(tmp_path.glob("wandb/offline-run-*-growrun1"))
    watcher = entropylaw("watch", folder, "--json-lines", "--every", "0.2", "--until-step", 100,
                         "--timeout", 60)
    assert writer.wait(timeout=120) == 0, writer.stderr.read()[-2000:]
    updates, err = finish(watcher)
    assert_one_update_per_point(updates)
    assert updates[-1]["last_step"] >= 100 and "reached --until-step" in err


@pytest.mark.slow  # an mlflow server
def test_write_back_to_a_real_mlflow_server(mlflow_server, mlflow_store):
    from mlflow import MlflowClient

    client = MlflowClient(mlflow_server)
    run = simulate_run(a=0.3, b=0.8, n_steps=300, seed=4)
    experiment = client.create_experiment("watch-write-back")
    run_id = client.create_run(experiment).info.run_id
    from mlflow.entities import Metric

    metrics = [Metric("actor/entropy", float(value), 1000 + int(step), int(step))
               for step, value in zip(run.entropy.steps, run.entropy.values, strict=True)]
    metrics += [Metric("val-core/x/acc/mean_at_1", float(value), 1000 + int(step), int(step))
                for step, value in zip(run.reward.steps, run.reward.values, strict=True)]
    for start in range(0, len(metrics), 500):
        client.log_batch(run_id, metrics=metrics[start:start + 500])
    updates, _ = finish(entropylaw("watch", f"mlflow:{run_id}", "--tracking-uri", mlflow_server,
                                   "--json-lines", "--every", "0.2", "--timeout", "0.5",
                                   "--log-to", "mlflow"))
    assert len(updates) == 1
    last = updates[-1]
    history = client.get_metric_history(run_id, "entropylaw/ceiling")
    assert [(m.step, m.value) for m in history] == [(last["last_step"],
                                                     last["ceiling"]["estimate"])]
    truth = run.metadata["truth"]["ceiling"]
    assert last["ceiling"]["lower"] <= truth <= last["ceiling"]["upper"]
    for name in ("ceiling_lower", "ceiling_upper", "forecast"):
        assert client.get_metric_history(run_id, f"entropylaw/{name}")
    steps = client.get_metric_history(run_id, "entropylaw/steps_to_ceiling")
    assert [m.value for m in steps] == ([] if last["steps_to_ceiling"] is None
                                        else [last["steps_to_ceiling"]])


@pytest.mark.slow  # wandb in a subprocess, about 15 s
def test_write_back_to_a_wandb_offline_run(tmp_path, wandb_runs):
    copy = tmp_path / "wandb" / wandb_runs.verl.name
    shutil.copytree(wandb_runs.verl, copy)
    env = {"WANDB_SILENT": "true", "WANDB_CONFIG_DIR": str(tmp_path / "config"),
           "WANDB_CACHE_DIR": str(tmp_path / "cache")}
    updates, _ = finish(entropylaw("watch", copy, "--json-lines", "--timeout", "0",
                                   "--log-to", "wandb", env=env))
    written = [p for p in (tmp_path / "wandb").glob("offline-run-*-verlrun1") if p != copy]
    assert len(written) == 1  # a new offline folder for the same run id, for `wandb sync`
    log = read_log(written[0], step_key="entropylaw/step")
    ceiling = log["entropylaw/ceiling"]
    assert ceiling.steps.tolist() == [updates[-1]["last_step"]]
    assert ceiling.values.tolist() == [updates[-1]["ceiling"]["estimate"]]


@pytest.mark.slow  # mlflow in a subprocess, about 15 s
def test_no_write_back_unless_asked(tmp_path, mlflow_store):
    from mlflow import MlflowClient

    before = MlflowClient(mlflow_store.uri).get_run(mlflow_store.run_id).data.metrics
    finish(entropylaw("watch", f"mlflow:{mlflow_store.run_id}", "--tracking-uri",
                      mlflow_store.uri, "--json-lines", "--timeout", "0"))
    after = MlflowClient(mlflow_store.uri).get_run(mlflow_store.run_id).data.metrics
    assert after == before


def test_watcher_in_a_training_loop_finds_the_simulated_ceiling():
    from entropylaw import forecast

    run = simulate_run(a=0.3, b=0.8, n_steps=200, seed=7)
    truth = run.metadata["truth"]
    watcher = Watcher(seed=0, horizon=400)
    rewards = dict(zip(run.reward.steps.tolist(), run.reward.values.tolist(), strict=True))
    updates = []
    for step, entropy in zip(run.entropy.steps.tolist(), run.entropy.values.tolist(),
                             strict=True):
        update = watcher.update(step, entropy=entropy, reward=rewards.get(step))
        if step in rewards:
            updates.append(update)
    last = updates[-1]
    assert [u.n_points for u in updates] == list(range(1, len(rewards) + 1))
    assert last.last_step == 200 and last.horizon["step"] == 400
    assert abs(last.ceiling.estimate - truth["ceiling"]) < 0.02
    direct = forecast(run, horizon=400, seed=0)  # the same as forecasting the whole run
    assert last.ceiling.estimate == pytest.approx(direct.ceiling.estimate, abs=1e-12)
    assert watcher.update(201, entropy=0.1) is last  # no new point: the same update
    assert np.isclose(last.ceiling.estimate, last.result.ceiling.estimate)


def test_ctrl_c_stops_cleanly_with_the_last_state(tmp_path, real_logs):
    import signal

    path = tmp_path / "live.log"
    shutil.copy(real_logs / DEEPSEEK, path)
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        watcher = subprocess.Popen([sys.executable, "-m", "entropylaw.cli", "watch", str(path),
                                    "--every", "0.2"], stdout=stdout, stderr=stderr,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
        deadline = time.monotonic() + 60
        while "within the margin" not in out.read_text():  # the first update is on screen
            assert time.monotonic() < deadline and watcher.poll() is None
            time.sleep(0.1)
        watcher.send_signal(signal.SIGINT)
        assert watcher.wait(timeout=60) == 0, err.read_text()
    assert "stopped: interrupted (Ctrl-C)" in err.read_text()
    assert "Traceback" not in err.read_text()
    assert out.read_text().count("step 1,120: 112 validation points") == 2  # last state again
