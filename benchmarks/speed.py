"""Speed of the core: an in-process fit, a whole `entropylaw fit` process, `entropylaw --help`.

    python benchmarks/speed.py

Targets (issue 2): 10,000 resamples on 1,000 points well under 0.1 s in-process; `entropylaw fit`
on a 1,000-row CSV under 1 s as a whole process; `entropylaw --help` under 0.3 s.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import entropylaw
from entropylaw.simulate import ar1_noise, entropy_curve


def best_of(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def write_csv(path: Path, rows: int, every: int) -> None:
    rng = np.random.default_rng(0)
    steps = np.arange(rows)
    entropy = entropy_curve(steps, n_steps=rows) * (1 + 0.03 * rng.standard_normal(rows))
    table = pd.DataFrame({"_step": steps, "actor/entropy": entropy})
    val = steps[::every]
    reward = 0.8 - 0.3 * np.exp(entropy_curve(val, n_steps=rows))
    reward = reward + ar1_noise(val.size, sd=0.01, autocorrelation=0.4, rng=rng)
    table["val-core/math/acc/mean@1"] = np.nan
    table.loc[val, "val-core/math/acc/mean@1"] = reward
    table.to_csv(path, index=False)


def main():
    rng = np.random.default_rng(1)
    entropy = entropy_curve(np.arange(1000), n_steps=1000)
    reward = 0.8 - 0.3 * np.exp(entropy) + ar1_noise(1000, sd=0.01, autocorrelation=0.5, rng=rng)
    print("In-process fit, 1,000 points, 10,000 resamples (best / median of 20):")
    for method in ("ar1", "block", "iid"):
        best, median = best_of(lambda m=method: entropylaw.fit(
            entropy=entropy, reward=reward, method=m, n_resamples=10_000, seed=0), 20)
        print(f"  {method:<6} {best * 1000:7.1f} ms / {median * 1000:7.1f} ms")

    command = shutil.which("entropylaw") or str(Path(sys.executable).parent / "entropylaw")
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "run.csv"
        write_csv(csv, rows=1000, every=5)
        print("\nWhole process (best / median of 10):")
        for label, args in [("entropylaw fit run.csv (1,000 rows, 200 points)", ["fit", str(csv)]),
                            ("entropylaw fit run.csv --json", ["fit", str(csv), "--json"]),
                            ("entropylaw --help", ["--help"])]:
            best, median = best_of(lambda a=args: subprocess.run(
                [command, *a], check=True, capture_output=True), 10)
            print(f"  {label:<50} {best:6.2f} s / {median:6.2f} s")


if __name__ == "__main__":
    main()
