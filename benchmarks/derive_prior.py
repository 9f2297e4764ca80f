"""Derive the default forecaster's empirical prior (entropylaw/forecasting/prior.py) from the real
runs in ../shared/real_logs, by leave-one-run-out, and print what each choice gives on the runs
it did not see.

Every real run is cut at 10, 15, 20 and 30% of its steps and forecast with each prior on a grid.
A prior's point score is the mean over runs of the mean log ratio of its RMSE to the last
value's (below 0: better than the last value), plus twice the mean excess of log ratios over
log 1.5; every run weighs the same, and the five Qwen2.5 MATH runs of one recipe count as one
run (one group), so no choice is made by looking at the run it is judged on. With a handful of
groups the best score is partly luck, so the choice follows the one-standard-error rule: the most
cautious candidate (shortest trend, then least trend weight, then least evidence) whose paired
difference from the best is within one standard error across groups (docs/forecast.md, "The
empirical prior", says how much the grid's cautious end then matters). Only real runs
decide: simulated runs follow the law by construction and cannot say how far a real run keeps
climbing (``--simulated-per-cell N`` adds N runs per cell of the simulated suite of
benchmarks/backtest.py as one more group, to see what they would change). The law's own weight
is not fitted: where the law gate passes, the law drives the forecast (prior weight 0.97, its
leave-future-out score counted in full), and the rest of the prior only arbitrates between the
trend and the last value; nor is ``speedup_time`` (a climb still speeding up keeps climbing as
long again as it has run: docs/forecast.md). The band's two numbers (drift, band scale) are
then chosen to minimise the mean interval score of the 90% bands on the other real runs (a proper
score: narrow and calibrated at once). The last table is the prior chosen on all runs: paste it
into prior.py.

    python benchmarks/derive_prior.py    # about 30 s on 2 cores (minutes with --simulated-per-cell)
    python benchmarks/derive_prior.py --real-logs FOLDER   # another folder of real runs
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from backtest import simulated_suite
from real_runs import CUTS, REAL_LOGS, real_runs

from entropylaw import forecast
from entropylaw.errors import FitError, InputError
from entropylaw.forecasting.forecaster import cut_step
from entropylaw.forecasting.prior import PRIOR
from entropylaw.forecasting.scores import interval_score

POINT_GRID = {
    "trend_time": (0.5, 1.0, 2.0),
    "weight_trend": (0.25, 0.5),
    "evidence": (0.3, 1.0),
}
BAND_GRID = {
    "drift_sd": (0.0025, 0.005, 0.01, 0.02, 0.04),
    "band_scale": (0.75, 1.0, 1.25, 1.5, 2.0),
}
N_RESAMPLES = 400
SKIPPED: set[str] = set()  # (run, cut) that no prior could forecast, and why


def evaluate(runs, prior):
    """Per (run, cut): (name, cut, group, log ratio to last value, points inside the band,
    points, mean interval score of the band)."""
    rows = []
    for name, group, run in runs:
        for fraction in CUTS:
            cut = cut_step(run, fit_fraction=fraction)
            steps, values = run.reward.steps, run.reward.values
            seen = np.isfinite(values)
            later = seen & (steps > cut)
            window = seen & (steps <= cut)
            if not later.any() or not window.any():
                continue
            observed = values[later]
            last = np.sqrt(np.mean((observed - values[window][-1]) ** 2))
            try:
                result = forecast(run, fit_until=cut, seed=0, n_resamples=N_RESAMPLES,
                                  prior=prior)
            except (FitError, InputError) as error:  # listed at the end
                SKIPPED.add(f"{name} at {fraction:g}: {error}")
                continue
            table = result.predictions.set_index("step").reindex(steps[later])
            error = np.sqrt(np.mean((observed - table.reward.to_numpy()) ** 2))
            lower, upper = table.lower.to_numpy(), table.upper.to_numpy()
            inside = (observed >= lower) & (observed <= upper)
            rows.append((name, fraction, group, math.log(max(error, 1e-9) / max(last, 1e-9)),
                         int(inside.sum()), int(observed.size),
                         float(np.mean(interval_score(observed, lower, upper)))))
    return rows


def band_score(rows, groups) -> float:
    """Mean over groups of the mean interval score of their run-cuts (every group weighs the
    same)."""
    by_group = {}
    for row in rows:
        if row[2] in groups:
            by_group.setdefault(row[2], []).append(row[6])
    return float(np.mean([np.mean(v) for v in by_group.values()]))


def group_scores(rows, groups) -> np.ndarray:
    """Per group: the mean log ratio to the last value plus twice the mean excess over log 1.5."""
    by_group = {}
    for _, _, group, log_ratio, *_ in rows:
        if group in groups:
            by_group.setdefault(group, []).append(log_ratio)
    return np.array([np.mean(v) + 2.0 * np.mean([max(0.0, x - math.log(1.5)) for x in v])
                     for v in by_group.values()])


def point_score(rows, groups) -> float:
    return float(np.mean(group_scores(rows, groups)))


def one_standard_error(points, groups):
    """The most cautious candidate within one standard error of the best (Breiman et al. 1984;
    Hastie et al., ESL 7.10): with a handful of runs the best score is partly luck, and the cost
    of extrapolating a climb too far is the larger one. Cautious: the shortest trend, then the
    least trend weight, then the least evidence (the grid's order)."""
    return min(near_best(points, groups)[1])


def near_best(points, groups):
    """(best score, the candidates whose score is within one standard error of the best's): the
    standard error of each candidate's paired difference from the best across groups, since the
    groups' own difficulty is common to every candidate."""
    best = min(points, key=lambda key: point_score(points[key], groups))
    base = group_scores(points[best], groups)
    near = []
    for key, rows in points.items():
        difference = group_scores(rows, groups) - base
        error = (float(np.std(difference, ddof=1) / math.sqrt(difference.size))
                 if difference.size > 1 else 0.0)
        if difference.mean() <= error:
            near.append(key)
    return point_score(points[best], groups), near


def coverage(rows, groups) -> float:
    kept = [r for r in rows if r[2] in groups]
    return sum(r[4] for r in kept) / max(sum(r[5] for r in kept), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulated-per-cell", type=int, default=0,
                        help="simulated runs per cell of the suite as one more group (0: none, "
                             "the default; 1: six runs; 4: all 24)")
    parser.add_argument("--real-logs", type=Path, default=REAL_LOGS,
                        help="the folder of real runs (default: ../shared/real_logs)")
    options = parser.parse_args()
    names, simulated = (simulated_suite(per_cell=options.simulated_per_cell)
                        if options.simulated_per_cell > 0 else ([], []))
    runs = real_runs(options.real_logs) + [
        (name, "simulated", run) for name, run in zip(names, simulated, strict=True)]
    groups = sorted({group for _, group, _ in runs})
    print(f"{len(runs)} runs in {len(groups)} groups: {', '.join(groups)}\n")
    points = {}
    for values in itertools.product(*POINT_GRID.values()):
        changes = dict(zip(POINT_GRID, values, strict=True))
        points[values] = evaluate(runs, PRIOR.replace(**changes))
    bands = {}

    def choose(train):
        best = one_standard_error(points, train)
        if best not in bands:
            base = dict(zip(POINT_GRID, best, strict=True))
            bands[best] = {
                values: evaluate(runs, PRIOR.replace(**base, **dict(zip(BAND_GRID, values,
                                                                         strict=True))))
                for values in itertools.product(*BAND_GRID.values())}
        real = [g for g in train if g != "simulated"]  # bands are scored on real runs
        band = min(bands[best], key=lambda key: band_score(bands[best][key], real))
        return best, band

    print("Leave one group out (each row: the prior chosen without that group, judged on it)")
    names = [*POINT_GRID, *BAND_GRID]
    print("| left out | " + " | ".join(names) + " | median ratio | max ratio | "
          "90% band coverage |")
    print("|---|" + "---|" * (len(names) + 3))
    held = []
    for group in groups:
        train = [g for g in groups if g != group]
        best, band = choose(train)
        rows = [r for r in bands[best][band] if r[2] == group]
        held += rows
        ratios = np.exp([r[3] for r in rows])
        print(f"| {group} | " + " | ".join(f"{v:g}" for v in best + band)
              + f" | {np.median(ratios):.2f} | {ratios.max():.2f} | "
                f"{coverage(rows, [group]) * 100:.0f}% |")
    for label, rows in (("all", held), ("real runs only", [r for r in held
                                                          if r[2] != "simulated"])):
        ratios = np.exp([r[3] for r in rows])
        print(f"\nHeld out ({label}), pooled over {len(rows)} (run, cut): median ratio to last "
              f"value {np.median(ratios):.3f}, max {ratios.max():.2f}, above 1.5: "
              f"{int((ratios > 1.5).sum())}, 90% band coverage "
              f"{coverage(rows, groups) * 100:.1f}%")
    print("\nEvery candidate on all groups (score: lower is better; * the shipped prior):")
    shipped = tuple(getattr(PRIOR, key) for key in POINT_GRID)
    for key in sorted(points, key=lambda key: point_score(points[key], groups)):
        mark = " *" if key == shipped else ""
        print("    " + ", ".join(f"{n} {v:g}" for n, v in zip(POINT_GRID, key, strict=True))
              + f": {point_score(points[key], groups):+.3f}{mark}")
    top, near = near_best(points, groups)
    best, band = choose(groups)
    print(f"Best score {top:+.3f}; {len(near)} of {len(points)} candidates lie within one "
          f"standard error of it; the most cautious of them: "
          + ", ".join(f"{n} {v:g}" for n, v in zip(POINT_GRID, best, strict=True)))
    chosen = dict(zip(POINT_GRID, best, strict=True)) | dict(zip(BAND_GRID, band, strict=True))
    if SKIPPED:
        print("\nNot scored (no forecast at that cut):\n" + "\n".join(
            f"    {line}" for line in sorted(SKIPPED)))
    print("\nChosen on all runs (paste into entropylaw/forecasting/prior.py):")
    for key, value in chosen.items():
        print(f"    {key} = {value:g}")


if __name__ == "__main__":
    main()
