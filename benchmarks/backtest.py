"""Backtest the forecasters on the real logs and on a simulated suite; print markdown tables.

The simulated suite (seeded): 24 runs following the law, 3 noise levels (validation noise sd
0.5, 1 and 2 accuracy points, AR(1) lag-1 correlation drawn in 0-0.6) x with and without an
early format phase (accuracy starts 15-35 points below the law and catches up over the first
6% of the steps while entropy stays put) x 4 runs with coefficients and schedules drawn at
random: a in 0.1-0.35, ceiling in 0.4-0.8, 300-1000 steps with 40-100 validations, entropy
from 0.5-1.2 nats decaying to 0.02-0.1 with time constant 5-20% of the run (the paper: 73% of
the drop in the first 8%), logged with 3% noise. See docs/backtest.md.

    python benchmarks/backtest.py                 # real logs (../shared/real_logs) + suite
    python benchmarks/backtest.py --detector      # the early-phase detector's error rates
    python benchmarks/backtest.py --json out.json # also write every score
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from entropylaw import read, simulate_run
from entropylaw.forecasting import backtest
from entropylaw.forecasting.scores import interval_score

REAL_LOGS = Path(__file__).resolve().parents[2] / "shared" / "real_logs"
REAL = {  # file -> reading options
    "verl_deepseek-llm-7b-chat_grpo_gsm8k.log": {},
    "verl_qwen2.5-0.5b-instruct_ppo_gsm8k_resp256.log": {},
    "verl_qwen2-7b-instruct_gpg_math-gsm8k.log": {"reward_mean": True},
    "verl_gemma-2-2b-it_ppo_gsm8k.log": {},
}
NOISE_LEVELS = (0.005, 0.01, 0.02)


def simulated_suite(seed: int = 20250601, per_cell: int = 4):
    """(names, runs) of the simulated suite."""
    rng = np.random.default_rng(seed)
    names, runs = [], []
    for noise_sd in NOISE_LEVELS:
        for with_format in (False, True):
            for replicate in range(per_cell):
                n_steps = int(rng.choice([300, 600, 1000]))
                a = rng.uniform(0.1, 0.35)
                ceiling = rng.uniform(0.4, 0.8)
                run = simulate_run(
                    a=a, b=ceiling + a, n_steps=n_steps,
                    validate_every=int(n_steps // rng.integers(40, 101)),
                    entropy_start=rng.uniform(0.5, 1.2), entropy_end=rng.uniform(0.02, 0.1),
                    entropy_decay=rng.uniform(0.05, 0.2), entropy_noise=0.03,
                    noise_sd=noise_sd, noise_autocorrelation=rng.uniform(0.0, 0.6),
                    format_steps=int(0.06 * n_steps) if with_format else 0,
                    format_gap=rng.uniform(0.15, 0.35), seed=rng,
                )
                label = "format" if with_format else "plain"
                names.append(f"sim-{label}-sd{noise_sd * 100:g}-{replicate}")
                runs.append(run)
    return names, runs


def real_runs():
    names, runs = [], []
    for file, options in REAL.items():
        names.append(file.removeprefix("verl_").removesuffix(".log"))
        runs.append(read(REAL_LOGS / file, **options))
    return names, runs


def table(summary) -> str:
    lines = ["| cut | method | runs | median RMSE | median final error | median ceiling error "
             "| coverage of 90% bands | beats last value |",
             "|---|---|---|---|---|---|---|---|"]
    for row in summary.itertuples(index=False):
        lines.append(
            f"| {row.fraction:g} | {row.method} | {row.n_runs} | {row.rmse * 100:.2f} "
            f"| {row.final_abs_error * 100:.2f} | {row.ceiling_error * 100:.2f} "
            f"| {row.coverage * 100:.0f}% | {row.beats_last_value}/{row.n_runs} |")
    return "\n".join(lines)


def paired(scores, first: str = "default", second: str = "law") -> str:
    """Median RMSE of two methods over the same runs (those both scored), per cut: the rows of
    the summary table count each method over the runs it could forecast."""
    lines = []
    for fraction, group in scores.groupby("fraction", sort=True):
        table = group.pivot_table(index="run", columns="method", values="rmse")
        if first not in table or second not in table:
            continue
        both = table[[first, second]].dropna() * 100
        lines.append(f"- {fraction:g}: {first} {both[first].median():.2f}, {second} "
                     f"{both[second].median():.2f} (median RMSE over the {len(both)} runs both "
                     f"forecast)")
    return "\n".join(lines)


def interval_scores(predictions, methods=("default", "law", "live", "last_value")) -> str:
    """Mean over runs of each run's mean interval score of the 90% bands, per cut and method
    (accuracy points; lower is better: narrow and calibrated at once)."""
    seen = predictions.dropna(subset=["observed", "lower", "upper"])
    seen = seen.assign(score=interval_score(seen.observed, seen.lower, seen.upper))
    per_run = seen.groupby(["fraction", "method", "run"]).score.mean()
    lines = ["| cut | " + " | ".join(methods) + " |", "|---" * (len(methods) + 1) + "|"]
    for fraction in sorted(seen.fraction.unique()):
        cells = []
        for method in methods:
            values = per_run.get((fraction, method))
            cells.append("" if values is None else f"{values.mean() * 100:.1f}")
        lines.append(f"| {fraction:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def per_run(scores, fraction: float) -> str:
    chosen = scores[scores.fraction == fraction]
    frame = chosen.pivot_table(index="run", columns="method", values="rmse", sort=False) * 100
    methods = list(frame.columns)
    lines = ["| run | " + " | ".join(methods) + " |", "|---" * (len(methods) + 1) + "|"]
    for run, row in frame.iterrows():
        lines.append(f"| {run} | " + " | ".join(f"{v:.2f}" for v in row) + " |")
    return "\n".join(lines)


def detector_study(per_cell: int = 40) -> str:
    """How often the early-phase detector fires, on runs drawn like the suite (another seed)."""
    from entropylaw.forecasting.forecaster import cut_step
    from entropylaw.law.early import find_early_phase
    from entropylaw.law.entropy_noise import relative_entropy_noise

    names, runs = simulated_suite(seed=123, per_cell=per_cell)
    lines = ["| cut | runs that follow the law: phase wrongly found "
             "| runs with a format phase: phase found |", "|---|---|---|"]
    for fraction in (0.1, 0.15, 0.2):
        found = {"plain": [], "format": []}
        for name, run in zip(names, runs, strict=True):
            window = run.until(cut_step(run, fit_fraction=fraction))
            pairs = window.pairs()
            phase = find_early_phase(pairs.entropy, pairs.reward,
                                     entropy_noise=relative_entropy_noise(window.entropy.values))
            found["format" if "format" in name else "plain"].append(phase.n_points > 0)
        lines.append(f"| {fraction:g} | {np.mean(found['plain']):.0%} "
                     f"| {np.mean(found['format']):.0%} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-cell", type=int, default=4, help="simulated runs per cell")
    parser.add_argument("--json", type=Path, help="write all scores to this file")
    parser.add_argument("--detector", action="store_true",
                        help="print the early-phase detector's error rates instead")
    args = parser.parse_args()
    if args.detector:
        print(detector_study())
        return
    names, runs = simulated_suite(per_cell=args.per_cell)
    suites = [("simulated suite", names)]
    if REAL_LOGS.is_dir():
        real_names, real = real_runs()
        suites.insert(0, ("real logs", real_names))
        suites.append(("real logs + simulated suite", real_names + names))
        names, runs = real_names + names, real + runs
    else:
        print(f"(real logs not found at {REAL_LOGS}: skipped)\n")
    start = time.perf_counter()
    result = backtest(runs, names=names)
    print(f"{len(runs)} runs backtested in {time.perf_counter() - start:.0f} s\n")
    for title, chosen in suites:
        print(f"## {title} ({len(chosen)} runs)\n")
        print(table(result.summary(runs=chosen)) + "\n")
        print("Like for like:\n\n" + paired(result.scores[result.scores.run.isin(chosen)]) + "\n")
        predictions = result.predictions[result.predictions.run.isin(chosen)]
        print("Mean interval score of the 90% bands (accuracy points):\n\n"
              + interval_scores(predictions) + "\n")
        if len(suites) == 1 or title != suites[-1][0]:
            scores = result.scores[result.scores.run.isin(chosen)]
            print(f"RMSE per run at the 15% cut (accuracy points):\n\n"
                  f"{per_run(scores, 0.15)}\n")
    for notice in result.skipped:
        print(f"- {notice.code}: {notice.message}")
    if args.json:
        args.json.write_text(json.dumps(result.to_dict(), indent=1))


if __name__ == "__main__":
    main()
