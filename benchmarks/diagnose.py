"""Measure the diagnosis: detection delay and false alarms on simulated runs with known onsets,
the detectors' false-alarm rate on pure noise, and the labels on every real log; print
markdown tables (docs/diagnose.md shows them).

The simulated suite (seeded): for each kind (clean, collapse, explosion, nan) ``--runs`` runs
with 300, 600 or 1000 steps, validation every 10 or 20 steps (noise sd 1 or 2 accuracy points),
entropy logged with 2% or 5% relative noise, drawn at random; onsets drawn in 30-70% of the
run (see entropylaw/diagnosing/simulate.py).

    python benchmarks/diagnose.py               # suite, noise rates and real logs
    python benchmarks/diagnose.py --runs 10     # a quicker suite
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from entropylaw import diagnose
from entropylaw.diagnosing import changepoint
from entropylaw.diagnosing.simulate import KINDS, simulate_case

REAL_LOGS = Path(os.environ.get("ENTROPYLAW_REAL_LOGS",
                                Path(__file__).resolve().parents[2] / "shared" / "real_logs"))
WRONG = {"clean": {"explosion", "entropy_rise", "numerical", "truncation"},
         "collapse": {"explosion", "entropy_rise", "numerical", "truncation"},
         "explosion": {"numerical"}, "nan": {"explosion", "entropy_rise", "truncation"}}
TARGET = {"collapse": "collapse", "explosion": "explosion", "nan": "numerical"}


def suite(runs: int, seed: int = 20251203):
    rng = np.random.default_rng(seed)
    for kind in KINDS:
        for index in range(runs):
            options = dict(n_steps=int(rng.choice([300, 600, 1000])),
                           validate_every=int(rng.choice([10, 20])),
                           noise_sd=float(rng.choice([0.01, 0.02])),
                           entropy_noise=float(rng.choice([0.02, 0.05])))
            yield kind, index, options


def score(kind, result, truth):
    """(hit, delay as a fraction of the run or None, false alarm, law applies, events)."""
    codes = set(result.codes())
    false_alarm = bool(codes & WRONG[kind])
    delay = None
    if kind in TARGET:
        found = [r for r in result.regimes if r.code == TARGET[kind]]
        if kind == "collapse":  # the collapse nearest the truth (clean decay may precede it)
            found.sort(key=lambda r: abs(r.start_step - truth["onset"]))
        if found:
            delay = (found[0].start_step - truth["onset"]) / truth["n_steps"]
    hit = delay is not None and abs(delay) <= 0.1
    if kind == "nan":
        hit = delay == 0
    return hit, delay, false_alarm, result.law.applies, len(result.events)


def simulated(runs: int) -> None:
    rows: dict[str, list] = {kind: [] for kind in KINDS}
    start = time.perf_counter()
    for kind, index, options in suite(runs):
        run, log, truth = simulate_case(kind, seed=index, **options)
        rows[kind].append(score(kind, diagnose(run, log=log), truth))
    elapsed = time.perf_counter() - start
    print(f"Simulated suite: {runs} runs per kind, {elapsed:.0f} s\n")
    print("| kind | detected (onset within 10% of the run; NaN: exact step) | delay, median "
          "[90% of runs within] (% of run) | false alarms (wrong regime) | law applies | "
          "events per run |")
    print("|---|---|---|---|---|---|")
    for kind, scored in rows.items():
        hits = [s[0] for s in scored]
        delays = np.array([s[1] for s in scored if s[1] is not None], dtype=float)
        if kind in TARGET and delays.size:
            spread = np.quantile(np.abs(delays), 0.9)
            delay = f"{np.median(delays) * 100:+.1f} [{spread * 100:.1f}]"
        else:
            delay = "-"
        detected = f"{sum(hits)}/{len(hits)}" if kind in TARGET else "-"
        alarms = sum(s[2] for s in scored)
        applies = sum(s[3] for s in scored)
        events = np.mean([s[4] for s in scored])
        print(f"| {kind} | {detected} | {delay} | {alarms}/{len(scored)} | "
              f"{applies}/{len(scored)} | {events:.2f} |")


def noise_rates(runs: int = 400, seed: int = 11) -> None:
    """Share of AR(1) noise series (no change) on which each detector raises any alarm."""
    rng = np.random.default_rng(seed)
    print(f"\nDetectors on AR(1) noise without change ({runs} series each; stated rate "
          f"{changepoint.ALPHA:g} per series and direction)\n")
    print("| length | lag-1 correlation | CUSUM (up) | spike (up) |")
    print("|---|---|---|---|")
    for n in (150, 600):
        for rho in (0.0, 0.3, 0.6):
            shifts = spikes = 0
            for _ in range(runs):
                noise = np.empty(n)
                noise[0] = rng.standard_normal()
                innovations = rng.standard_normal(n) * np.sqrt(1 - rho**2)
                for t in range(1, n):
                    noise[t] = rho * noise[t - 1] + innovations[t]
                shifts += bool(changepoint.shifts(noise, direction=+1))
                spikes += bool(changepoint.spikes(noise, direction=+1))
            print(f"| {n} | {rho:.1f} | {shifts / runs:.3f} | {spikes / runs:.3f} |")


def real_logs() -> None:
    if not REAL_LOGS.is_dir():
        print(f"\nreal logs not found at {REAL_LOGS}")
        return
    family = REAL_LOGS / "qwen2.5_math_family"
    paths = sorted(REAL_LOGS.glob("*.log")) + sorted(family.glob("*.csv"))
    print("\nReal logs\n")
    print("| log | law | regimes (steps) | events (first step) | interventions |")
    print("|---|---|---|---|---|")
    for path in paths:
        result = diagnose(str(path), reward_mean="gpg" in path.name)
        law = "applies" if result.law.applies else "does not (" + ", ".join(result.law.failed) + ")"
        regimes = ", ".join(f"{r.code} {r.start_step}-{r.end_step}" for r in result.regimes)
        events = ", ".join(f"{e.code} {e.step}" for e in result.events)
        stated = ", ".join(i.key for i in result.interventions) or "none stated"
        print(f"| `{path.name}` | {law} | {regimes or '-'} | {events or '-'} | {stated} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="simulated runs per kind")
    args = parser.parse_args()
    simulated(args.runs)
    noise_rates()
    real_logs()


if __name__ == "__main__":
    main()
