"""Coverage of the nominal 95% intervals of a, b and the ceiling, by simulation.

Runs with known a = 0.3, b = 0.8 (ceiling 0.5), entropy decaying from 1.0 to 0.05 nats, AR(1)
noise (sd 1.5 points) on the validation points. Prints markdown tables: the main grid (the
default `ar1` scheme against the block and plain iid bootstraps), then robustness checks.

    python benchmarks/coverage.py            # 1000 runs a cell (about 10 minutes on 2 cores)
    python benchmarks/coverage.py --runs 200 # quicker, coarser
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

from entropylaw.calibration import coverage_study

MAIN = [dict(n_points=n, autocorrelation=rho, method=method)
        for n in (36, 100) for rho in (0.0, 0.5, 0.8) for method in ("ar1", "block", "iid")]
ROBUSTNESS = [
    ("first 36 of 240 points (the paper's window)", dict(n_points=36, window_of=240)),
    ("entropy measured with 5% noise", dict(n_points=36, entropy_noise=0.05)),
    ("first 36 of 240 points, entropy 5% noise", dict(n_points=36, window_of=240,
                                                       entropy_noise=0.05)),
    ("entropy 5% noise, --entropy-window 5", dict(n_points=36, entropy_noise=0.05,
                                                  entropy_window=5)),
    ("8 points", dict(n_points=8)),
]


def run_cell(args):
    options, runs, seed = args
    return coverage_study(n_runs=runs, seed=seed, **options)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="simulated runs per cell")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    start = time.perf_counter()
    cells = MAIN + [dict(autocorrelation=rho, method="ar1", **options)
                    for _, options in ROBUSTNESS for rho in (0.0, 0.5, 0.8)]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(run_cell, [(cell, args.runs, 1000 + i)
                                           for i, cell in enumerate(cells)]))
    main_results, robust_results = results[: len(MAIN)], results[len(MAIN):]

    print(f"Coverage of nominal 95% intervals, {args.runs} simulated runs a cell "
          f"(standard error about {100 * (0.95 * 0.05 / args.runs) ** 0.5:.1f} points at 95%)\n")
    print("| n | lag-1 corr. | method | a | b | ceiling | median ceiling width |")
    print("|---|---|---|---|---|---|---|")
    for cell in main_results:
        print(f"| {cell.n_points} | {cell.autocorrelation:.1f} | {cell.method} | {cell.a:.3f} | "
              f"{cell.b:.3f} | {cell.ceiling:.3f} | {100 * cell.ceiling_width:.2f} points |")
    print("\nRobustness of the default (ar1), coverage of a / b / ceiling:\n")
    print("| design | corr. 0 | corr. 0.5 | corr. 0.8 |")
    print("|---|---|---|---|")
    for index, (name, _) in enumerate(ROBUSTNESS):
        row = robust_results[3 * index: 3 * index + 3]
        print(f"| {name} | " + " | ".join(f"{c.a:.2f} / {c.b:.2f} / {c.ceiling:.2f}" for c in row)
              + " |")
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
