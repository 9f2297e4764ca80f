"""Backtest every real run in ../shared/real_logs at cuts 0.1, 0.15, 0.2 and 0.3, and print per
run and pooled: RMSE of the default forecaster and its ratio to the last value's, final-step
error, coverage of the 90% bands (pooled: also their mean interval score, width plus 20x each
miss, in accuracy points), values outside [0, 1], and the forecaster chosen. The same
for today's forecaster before this one (`law`: the law alone, falling back to the last value).

Every run below ../shared/real_logs (all folders, every format `entropylaw` reads: verl logs and
JSONL, CSV, TensorBoard, W&B offline runs, trainer_state.json) is read as `entropylaw` reads it;
a run with several validation keys is read with their mean; the runs of one top-level folder
form one group. What cannot be read or forecast is listed at the end, never dropped in silence.
See docs/backtest.md.

    python benchmarks/real_runs.py                       # about 30 s
    python benchmarks/real_runs.py --markdown            # the tables of docs/backtest.md
    python benchmarks/real_runs.py --real-logs FOLDER    # another folder of real runs
    python benchmarks/real_runs.py --every 2             # validation half as often
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from entropylaw import forecast, read
from entropylaw.errors import FitError, InputError
from entropylaw.forecasting.forecaster import cut_step
from entropylaw.forecasting.scores import interval_score
from entropylaw.run import KeySeries
from entropylaw.sources.scan import runs_below

REAL_LOGS = Path(__file__).resolve().parents[2] / "shared" / "real_logs"
CUTS = (0.1, 0.15, 0.2, 0.3)
PROTOCOLS = ("default", "law")


def real_runs(folder: Path = REAL_LOGS, skipped: list | None = None):
    """(name, group, run) of every run below ``folder`` (all folders, every format entropylaw
    reads): the runs of one top-level folder form one group. What cannot be read as a run is
    appended to ``skipped`` (name, reason), or printed when no list is given."""
    if not folder.is_dir():
        raise SystemExit(f"no real logs at {folder}: this benchmark needs ../shared/real_logs")
    found = runs_below(folder)
    left_out = [tuple(note.message.split(": ", 1)) for note in found.skipped]
    runs = []
    for source in found.sources:
        path = Path(source)
        try:
            run = read_run(path)
        except (InputError, FitError) as error:
            left_out.append((str(path), str(error)))
            continue
        inner = path.relative_to(folder).parts
        group = inner[0] if len(inner) > 1 else path.stem
        runs.append((path, group, run))
    names = [_name(path) for path, _, _ in runs]
    runs = [(name if names.count(name) == 1 else str(path.relative_to(folder)), group, run)
            for name, (path, group, run) in zip(names, runs, strict=True)]
    if skipped is None:
        for name, reason in left_out:
            print(f"left out {name}: {reason}", file=sys.stderr)
    else:
        skipped.extend(left_out)
    return runs


def read_run(path: Path):
    """The run at ``path``; a run with several validation keys is read with their mean."""
    try:
        return read(path)
    except InputError as error:
        if "validation" not in str(error):
            raise
        return read(path, reward_mean=True)


def sparser(run, every: int):
    """The run with every ``every``-th validation point kept (the first one included)."""
    reward = run.reward
    kept = np.flatnonzero(np.isfinite(reward.values))[::every]
    return replace(run, rewards={}, reward=KeySeries(reward.key, reward.steps[kept],
                                                     reward.values[kept]))


def _name(path: Path) -> str:
    stem = Path(path.name.removesuffix(".gz")).stem if path.is_file() else path.name
    return stem.removeprefix("verl_")


def score(run, fraction, protocol, n_resamples=2000):
    """One (run, cut) forecast against what happened, or why there is none."""
    cut = cut_step(run, fit_fraction=fraction)
    steps, values = run.reward.steps, run.reward.values
    seen = np.isfinite(values)
    later, window = seen & (steps > cut), seen & (steps <= cut)
    if not later.any() or not window.any():
        return f"no validation point {'after' if window.any() else 'at or before'} step {cut}"
    observed = values[later]
    try:
        result = forecast(run, fit_until=cut, seed=0, n_resamples=n_resamples,
                          protocol=protocol)
    except (FitError, InputError) as error:  # e.g. the law alone needs 3 points
        return str(error)
    table = result.predictions
    shown = table[["reward", "lower", "upper"]].to_numpy()
    at = table.set_index("step").reindex(steps[later])
    predicted = at.reward.to_numpy()
    last = values[window][-1]
    return {
        "rmse": float(np.sqrt(np.mean((observed - predicted) ** 2))),
        "last_value_rmse": float(np.sqrt(np.mean((observed - last) ** 2))),
        "final_error": float(abs(observed[-1] - predicted[-1])),
        "inside": int(((observed >= at.lower.to_numpy())
                       & (observed <= at.upper.to_numpy())).sum()),
        "interval_score": float(np.mean(interval_score(observed, at.lower, at.upper))),
        "n_later": int(observed.size),
        "outside_01": int(((shown < 0) | (shown > 1)).sum()),
        "forecaster": result.forecaster,
        "n_points": result.n_points,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print markdown tables only")
    parser.add_argument("--every", type=int, default=1, metavar="K",
                        help="keep every K-th validation point of each run (first included), "
                             "as a framework that validates K times less often would log it")
    parser.add_argument("--real-logs", type=Path, default=REAL_LOGS,
                        help="the folder of real runs (default: ../shared/real_logs)")
    options = parser.parse_args()
    skipped = []
    runs = real_runs(options.real_logs, skipped)
    if options.every > 1:
        runs = [(name, group, sparser(run, options.every)) for name, group, run in runs]
    results = {protocol: [] for protocol in PROTOCOLS}
    print("| run | cut | points | default RMSE | ratio to last value | final error | "
          "90% coverage | outside [0, 1] | forecaster | `law` RMSE | `law` ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, _, run in runs:
        for fraction in CUTS:
            rows = {protocol: score(run, fraction, protocol) for protocol in PROTOCOLS}
            for protocol, row in rows.items():
                if isinstance(row, str):
                    skipped.append((f"{name} at {fraction:g} ({protocol})", row))
            rows = {protocol: row for protocol, row in rows.items() if isinstance(row, dict)}
            if "default" not in rows:
                continue
            for protocol, row in rows.items():
                results[protocol].append(row)
            new = rows["default"]
            old = rows.get("law", {"rmse": math.nan, "last_value_rmse": 1.0})
            print(f"| {name} | {fraction:g} | {new['n_points']} | {new['rmse'] * 100:.2f} | "
                  f"{new['rmse'] / new['last_value_rmse']:.2f} | {new['final_error'] * 100:.2f} "
                  f"| {new['inside'] / new['n_later'] * 100:.0f}% | {new['outside_01']} | "
                  f"{new['forecaster']} | {old['rmse'] * 100:.2f} | "
                  f"{old['rmse'] / old['last_value_rmse']:.2f} |")
    print("\n| forecaster | (run, cut) | median RMSE | median ratio to last value | max ratio | "
          "above 1.5 | median final error | pooled 90% coverage | mean interval score | "
          "values outside [0, 1] |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for protocol, rows in results.items():
        ratios = np.array([r["rmse"] / r["last_value_rmse"] for r in rows])
        covered = sum(r["inside"] for r in rows) / sum(r["n_later"] for r in rows)
        label = "default" if protocol == "default" else "`law` (the forecaster before this one)"
        print(f"| {label} | {len(rows)} | {np.median([r['rmse'] for r in rows]) * 100:.2f} | "
              f"{np.median(ratios):.3f} | {ratios.max():.2f} | {int((ratios > 1.5).sum())} | "
              f"{np.median([r['final_error'] for r in rows]) * 100:.2f} | "
              f"{covered * 100:.1f}% | {np.mean([r['interval_score'] for r in rows]) * 100:.1f} | "
              f"{sum(r['outside_01'] for r in rows)} |")
    rows = results["default"]
    print(f"| last value | {len(rows)} | "
          f"{np.median([r['last_value_rmse'] for r in rows]) * 100:.2f} "
          "| 1.000 | 1.00 | 0 | | | | 0 |")
    if skipped and not options.markdown:
        print("\nLeft out (not scored):")
        for what, reason in skipped:
            print(f"- {what}: {reason}")


if __name__ == "__main__":
    main()
