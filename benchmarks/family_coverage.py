"""Coverage of the family fit's predictions at a held-out larger size, by simulation.

Simulated families with known lines a = k_a ln N + c_a and b = k_b ln N + c_b at the Qwen2.5
non-embedding sizes (0.36, 1.31, 2.77, 6.53, 13.1, 31 billion). The K smallest sizes are fitted;
the coefficients of the next size up (and, for K = 3, of 31B: an 11x extrapolation) are
predicted and compared with the truth. Each run is simulated as in the core calibration study
(benchmarks/coverage.py): 36 validation points every 10 steps, entropy decaying from 1.0 to 0.05
nats, AR(1) noise of sd 1.5 points on the validation points. With ``scatter`` > 0 every size's
true coefficients also deviate from the lines (sd ``scatter`` for a and for b, correlation 0.5),
as real families do; the held-out size's truth includes its own deviation.

Prints a markdown table: coverage of the 80/90/95% intervals of a, b and the ceiling, their
median 95% width, and the RMSE of the point prediction; for the default method ("runs +
scatter") and for the naive propagation of the runs' own uncertainty ("runs only",
``scatter=False``); and the same for the predicted plateau (here the true ceiling: these runs
follow the law to exhausted entropy).

A second study predicts plateaus directly: true plateaus on a curve in N (each of the three
forms the fit chooses from, and a curve outside them that saturates at 85%), each size off the
curve by ``scatter``; each member is its measured plateau (the truth plus an error of sd 0.3
points, as a run's late level has, given with that standard error). Coverage of the 80/90/95%
intervals, median 95% width and RMSE of the predicted plateau at the next size up, and how often
each form is chosen.

    python benchmarks/family_coverage.py    # 400 families a cell (4-5 min on 2 cores)
    python benchmarks/family_coverage.py --families 100
    python benchmarks/family_coverage.py --plateau-only
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from entropylaw import fit, fit_family, simulate_run
from entropylaw.family import Accuracy

SIZES = (0.36, 1.31, 2.77, 6.53, 13.1, 31.0)
LINES = (((0.02, 0.18), (0.06, 0.62)),    # a and b grow with size (example_logs/make_examples.py)
         ((-0.01, 0.30), (0.03, 0.80)))   # a shrinks, b grows more slowly
LEVELS = (0.80, 0.90, 0.95)
N_POINTS, VALIDATE_EVERY, NOISE_SD = 36, 10, 0.015
CELLS = [dict(n_sizes=k, target=k, autocorrelation=rho, scatter=tau)
         for tau in (0.0, 0.01, 0.02) for k in (3, 4, 5) for rho in (0.5, 0.8)]
CELLS += [dict(n_sizes=3, target=5, autocorrelation=0.5, scatter=tau) for tau in (0.0, 0.01)]
NAMES = ("a", "b", "ceiling", "plateau")
CURVES = {  # true plateau against size N (billions)
    "logit": lambda n: 1.0 / (1.0 + np.exp(-(0.0 + 0.45 * np.log(n)))),
    "error power": lambda n: 1.0 - np.exp(-0.614 - 0.229 * np.log(n)),
    "linear": lambda n: np.clip(0.46 + 0.07 * np.log(n), 0.0, 1.0),
    "saturating at 85%": lambda n: 0.85 - 0.40 * n ** -0.5,
}
PLATEAU_CELLS = [dict(curve=curve, n_sizes=k, scatter=tau) for curve in CURVES
                 for tau in (0.0, 0.01, 0.02) for k in (3, 4, 5)]
MEASUREMENT_SD = 0.003


def simulate_cell(args) -> dict:
    """Coverage counts, widths and errors of one cell over ``n_families`` families."""
    cell, n_families, seed, n_resamples = args
    rng = np.random.default_rng(seed)
    k, target = cell["n_sizes"], cell["target"]
    log_sizes = np.log(np.array(SIZES)[[*range(k), target]])
    methods = {"runs + scatter": True, "runs only": False}
    hits = {(m, name, level): 0 for m in methods for name in NAMES for level in LEVELS}
    widths = {(m, name): [] for m in methods for name in NAMES}
    errors = {name: [] for name in NAMES}
    covariance = cell["scatter"] ** 2 * np.array([[1.0, 0.5], [0.5, 1.0]])
    for index in range(n_families):
        (slope_a, intercept_a), (slope_b, intercept_b) = LINES[index % len(LINES)]
        deviation = rng.multivariate_normal([0.0, 0.0], covariance, size=k + 1)
        a_true = slope_a * log_sizes + intercept_a + deviation[:, 0]
        b_true = slope_b * log_sizes + intercept_b + deviation[:, 1]
        fits = [fit(simulate_run(a=a_true[i], b=b_true[i], n_steps=(N_POINTS - 1) * VALIDATE_EVERY,
                                 validate_every=VALIDATE_EVERY, noise_sd=NOISE_SD,
                                 noise_autocorrelation=cell["autocorrelation"], seed=rng),
                    n_resamples=n_resamples, seed=rng)
                for i in range(k)]
        truth = {"a": a_true[k], "b": b_true[k], "ceiling": b_true[k] - a_true[k],
                 "plateau": b_true[k] - a_true[k]}
        for method, scatter in methods.items():
            family = fit_family(fits, sizes=SIZES[:k], predict=SIZES[target], confidence=0.95,
                                n_resamples=n_resamples, seed=rng, scatter=scatter)
            for level in LEVELS:
                prediction = family.at(level).size_predictions[0]
                for name in truth:
                    estimate = getattr(prediction, name)
                    hits[method, name, level] += (estimate is not None
                                                  and estimate.contains(truth[name]))
            prediction = family.size_predictions[0]
            for name in truth:
                estimate = getattr(prediction, name)
                if estimate is None:
                    continue
                widths[method, name].append(estimate.upper - estimate.lower)
                if scatter:
                    errors[name].append(estimate.estimate - truth[name])
    return {"cell": cell, "n": n_families,
            "coverage": {key: value / n_families for key, value in hits.items()},
            "width": {key: float(np.median(value)) for key, value in widths.items()},
            "rmse": {name: float(np.sqrt(np.mean(np.square(v)))) for name, v in errors.items()}}


def plateau_cell(args) -> dict:
    """Coverage, width, error and forms chosen for one plateau cell."""
    cell, n_families, seed, n_resamples = args
    rng = np.random.default_rng(seed)
    k = cell["n_sizes"]
    sizes = np.array(SIZES[:k + 1])
    hits = {level: 0 for level in LEVELS}
    widths, errors, chosen = [], [], {}
    for _ in range(n_families):
        truth = np.clip(CURVES[cell["curve"]](sizes) + rng.normal(0, cell["scatter"], k + 1),
                        0.001, 0.999)
        measured = truth[:k] + rng.normal(0, MEASUREMENT_SD, k)
        members = [Accuracy(float(v), MEASUREMENT_SD) for v in measured]
        family = fit_family(members, sizes=list(sizes[:k]), predict=float(sizes[k]), seed=rng,
                            n_resamples=n_resamples)
        for level in LEVELS:
            hits[level] += family.at(level).size_predictions[0].plateau.contains(truth[k])
        plateau = family.size_predictions[0].plateau
        widths.append(plateau.upper - plateau.lower)
        errors.append(plateau.estimate - truth[k])
        form = family.plateau_line.form
        chosen[form] = chosen.get(form, 0) + 1
    return {"cell": cell, "coverage": {level: h / n_families for level, h in hits.items()},
            "width": float(np.median(widths)), "rmse": float(np.sqrt(np.mean(np.square(errors)))),
            "max": float(np.max(np.abs(errors))), "chosen": chosen, "n": n_families}


def plateau_study(args) -> None:
    jobs = [(cell, args.families, 7000 + i, args.n_resamples)
            for i, cell in enumerate(PLATEAU_CELLS)]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(plateau_cell, jobs))
    print(f"\nCoverage of the predicted plateau at the next size up, {args.families} families a "
          f"cell; members measured with sd {MEASUREMENT_SD * 100:.1f} points.\n")
    print("| true curve | sizes fitted | predicted | scatter | coverage 80 / 90 / 95% "
          "| 95% width | RMSE | largest error | forms chosen |")
    print("|---|---|---|---|---|---|---|---|---|")
    pooled = {level: [] for level in LEVELS}
    for result in results:
        cell = result["cell"]
        k = cell["n_sizes"]
        for level in LEVELS:
            pooled[level].append(result["coverage"][level])
        forms = ", ".join(f"{name} {count}" for name, count in sorted(result["chosen"].items()))
        print(f"| {cell['curve']} | {k} ({SIZES[0]:g}-{SIZES[k - 1]:g}B) | {SIZES[k]:g}B | "
              f"{100 * cell['scatter']:.0f} points | "
              + " / ".join(f"{100 * result['coverage'][level]:.0f}" for level in LEVELS)
              + f" | {100 * result['width']:.1f} | {100 * result['rmse']:.2f} | "
                f"{100 * result['max']:.1f} | {forms} |")
    print("\nOver all plateau cells: mean coverage [lowest, highest] at 80 / 90 / 95%: "
          + "; ".join(f"{100 * np.mean(pooled[level]):.0f} [{100 * min(pooled[level]):.0f}, "
                      f"{100 * max(pooled[level]):.0f}]" for level in LEVELS))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=400, help="simulated families per cell")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--n-resamples", type=int, default=2000)
    parser.add_argument("--plateau-only", action="store_true",
                        help="only the study of plateaus on known curves")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.plateau_only:
        plateau_study(args)
        print(f"\n({time.perf_counter() - start:.0f} s)")
        return
    jobs = [(cell, args.families, 4000 + i, args.n_resamples) for i, cell in enumerate(CELLS)]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(simulate_cell, jobs))
    se = 100 * (0.95 * 0.05 / args.families) ** 0.5
    print(f"Coverage of the predicted coefficients at a held-out larger size, "
          f"{args.families} simulated families a cell (standard error about {se:.1f} points at "
          f"95%, {100 * (0.8 * 0.2 / args.families) ** 0.5:.1f} at 80%).\n"
          f"Coverage at 80 / 90 / 95%; width: median width of the 95% interval, in points; "
          f"RMSE of the point prediction, in points.\n")
    print("| sizes fitted | predicted | lag-1 corr. | scatter | method | a | b | ceiling "
          "| plateau | 95% width a / b / ceiling / plateau | RMSE a / b / ceiling / plateau |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for result in results:
        cell = result["cell"]
        for method in ("runs + scatter", "runs only"):
            cover = " | ".join(
                " / ".join(f"{100 * result['coverage'][method, name, level]:.0f}"
                           for level in LEVELS) for name in NAMES)
            width = " / ".join(f"{100 * result['width'][method, name]:.1f}" for name in NAMES)
            rmse = " / ".join(f"{100 * result['rmse'][name]:.2f}" for name in NAMES)
            print(f"| {cell['n_sizes']} ({SIZES[0]:g}-{SIZES[cell['n_sizes'] - 1]:g}B) | "
                  f"{SIZES[cell['target']]:g}B | {cell['autocorrelation']:.1f} | "
                  f"{100 * cell['scatter']:.0f} points | {method} | {cover} | {width} | "
                  f"{rmse if method == 'runs + scatter' else ''} |")
    summary = {}
    for result in results:
        for method in ("runs + scatter", "runs only"):
            for level in LEVELS:
                summary.setdefault((method, level), []).extend(
                    result["coverage"][method, name, level] for name in ("a", "b", "ceiling"))
    print("\nOver all cells (a, b and ceiling pooled): mean coverage [lowest, highest]\n")
    print("| method | 80% | 90% | 95% |\n|---|---|---|---|")
    for method in ("runs + scatter", "runs only"):
        print(f"| {method} | " + " | ".join(
            f"{100 * np.mean(summary[method, level]):.0f} [{100 * min(summary[method, level]):.0f}"
            f", {100 * max(summary[method, level]):.0f}]" for level in LEVELS) + " |")
    plateau_study(args)
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
