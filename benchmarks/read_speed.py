"""How fast the readers are: seconds to read a run, median of a few reads, library imported.

    .venv/bin/python benchmarks/read_speed.py            # real log, W&B offline, MLflow sqlite
    .venv/bin/python benchmarks/read_speed.py --server   # also MLflow over a local server

Targets (issue 5): the 1.6 MB real verl log and a 30,000-step W&B offline file each well under a
second; a 30,000-point MLflow history in a few seconds. The runs are written by the tools
themselves into a temporary folder (writing the W&B run takes about 15 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REAL_LOG = ROOT.parent / "shared" / "real_logs" / "verl_deepseek-llm-7b-chat_grpo_gsm8k.log"
STEPS = 30_000

WANDB_WRITER = r"""
import sys, numpy as np, wandb
rng = np.random.default_rng(0)
with wandb.init(mode="offline", dir=sys.argv[1], project="bench") as run:
    for step in range(int(sys.argv[2])):
        row = {"actor/entropy": float(rng.uniform()), "actor/pg_loss": float(rng.normal()),
               "critic/score/mean": float(rng.uniform()), "timing_s/step": 10.0}
        if step % 10 == 0:
            row["val-core/m/acc/mean@4"] = float(rng.uniform())
        run.log(row, step=step)
"""


def timed(read, repeats: int) -> tuple[float, float]:
    """(seconds of the first read, median seconds of the next ``repeats``)."""
    start = time.perf_counter()
    read()
    first = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        read()
        times.append(time.perf_counter() - start)
    return first, statistics.median(times)


def report(name: str, size: str, points: int, first: float, median: float) -> None:
    print(f"{name:<34} {size:>9} {points:>9,} points  first {first:6.3f} s  "
          f"median {median:6.3f} s")


def bench_real_log(repeats: int) -> None:
    from entropylaw.sources import read_log

    if not REAL_LOG.is_file():
        print(f"real log not found at {REAL_LOG}: skipped")
        return
    log = read_log(REAL_LOG)
    points = sum(len(series) for series in log.series.values())
    first, median = timed(lambda: read_log(REAL_LOG), repeats)
    report("verl console log (real)", f"{REAL_LOG.stat().st_size / 1e6:.1f} MB", points, first,
           median)


def bench_wandb_offline(folder: Path, repeats: int) -> None:
    from entropylaw.sources import read_log

    env = {**os.environ, "WANDB_SILENT": "true", "WANDB_MODE": "offline"}
    subprocess.run([sys.executable, "-c", WANDB_WRITER, str(folder), str(STEPS)], env=env,
                   check=True)
    file = next(folder.glob("wandb/offline-run-*/*.wandb"))
    log = read_log(file)
    points = sum(len(series) for series in log.series.values())
    first, median = timed(lambda: read_log(file), repeats)
    report(f"W&B offline ({STEPS:,} steps)", f"{file.stat().st_size / 1e6:.1f} MB", points,
           first, median)


def mlflow_run(folder: Path) -> tuple[str, str]:
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    uri = f"sqlite:///{folder / 'mlflow.db'}"
    client = MlflowClient(uri)
    run = client.create_run(client.create_experiment("bench"), run_name="bench").info.run_id
    rng = np.random.default_rng(0)
    metrics = [Metric("actor/entropy", float(v), 1_000 + i, i)
               for i, v in enumerate(rng.uniform(size=STEPS))]
    for start in range(0, STEPS, 1_000):
        client.log_batch(run, metrics=metrics[start:start + 1_000])
    return uri, run


def bench_mlflow(uri: str, run: str, label: str, repeats: int) -> None:
    from entropylaw.sources import read_log

    first, median = timed(lambda: read_log(f"mlflow:{run}", tracking_uri=uri), repeats)
    report(f"MLflow {label}", "", STEPS, first, median)


def bench_mlflow_server(uri: str, run: str, repeats: int) -> None:
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([str(Path(sys.executable).with_name("mlflow")), "server",
                               "--backend-store-uri", uri, "--host", "127.0.0.1", "--port",
                               str(port), "--workers", "1"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        bench_mlflow(url, run, "over http (local server)", repeats)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--server", action="store_true", help="also read over an mlflow server")
    args = parser.parse_args()
    print(f"median of {args.repeats} reads after a first one (which imports the libraries)")
    bench_real_log(args.repeats)
    with tempfile.TemporaryDirectory() as folder:
        bench_wandb_offline(Path(folder), args.repeats)
        uri, run = mlflow_run(Path(folder))
        bench_mlflow(uri, run, "sqlite", args.repeats)
        if args.server:
            bench_mlflow_server(uri, run, args.repeats)


if __name__ == "__main__":
    main()
