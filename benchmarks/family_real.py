"""The family fit on the real Qwen2.5 MATH family: predict a held-out larger size's plateau.

Five real GRPO runs of one recipe at Qwen2.5 0.5B-14B (``../shared/real_logs/
qwen2.5_math_family``, read its README). Each case fits the smaller sizes and predicts the next
size up; the truth is that size's own plateau (as ``fit_family`` measures it for a member: its
late level here, where the law fails). Nothing is tuned on these runs: the plateau's form is
chosen by leave-one-size-out inside each case.

Prints, per case: the form chosen, the prediction with its 95% interval, the truth, the error,
the width and whether the interval covers; then each form forced, for comparison; then the
summary against the goals (median |error| <= 4 points, none above 8; every 95% interval covers
and is at most 25 points wide; nothing outside [0, 1]).

    python benchmarks/family_real.py
    python benchmarks/family_real.py --plot docs/images/family_real.png
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np

from entropylaw import fit_family, read

FOLDER = next((parent / "shared" / "real_logs" / "qwen2.5_math_family"
               for parent in Path(__file__).resolve().parents
               if (parent / "shared" / "real_logs").is_dir()),
              Path(__file__).resolve().parents[2] / "shared" / "real_logs" / "qwen2.5_math_family")
SIZES = ("0.5B", "1.5B", "3B", "7B", "14B")
CASES = (("14B", ("0.5B", "1.5B", "3B", "7B")),
         ("7B", ("0.5B", "1.5B", "3B")),
         ("3B", ("0.5B", "1.5B")))
FORMS = ("logit", "error_power", "linear")


def source(size: str) -> Path:
    return FOLDER / f"verl_qwen2.5-{size.lower()}-instruct_grpo-lora_math.csv"


def runs() -> dict:
    return {size: read(str(source(size)), model=f"Qwen2.5-{size}") for size in SIZES}


def truths(family_runs: dict, seed: int = 0) -> dict:
    """Each size's own plateau, as a member of the whole family."""
    whole = fit_family(list(family_runs.values()), seed=seed, n_resamples=2000)
    return {size: run.plateau for size, run in zip(SIZES, whole.runs, strict=True)}


def case(family_runs: dict, target: str, fitted, *, seed: int = 0, form=None,
         confidence: float = 0.95):
    return fit_family([family_runs[s] for s in fitted], predict=f"Qwen2.5-{target}",
                      seed=seed, confidence=confidence, plateau_form=form)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", help="draw the 14B case (fitted on 0.5B-7B) to this file")
    args = parser.parse_args()
    if not FOLDER.is_dir():
        raise SystemExit(f"{FOLDER}: not found (the shared real logs)")
    start = time.perf_counter()
    family_runs = runs()
    truth = truths(family_runs, args.seed)
    print("Each run's plateau (as a member of the whole family):\n")
    print("| size | plateau | kind | law |\n|---|---|---|---|")
    whole = fit_family(list(family_runs.values()), seed=args.seed, n_resamples=2000)
    for size, run in zip(SIZES, whole.runs, strict=True):
        value = run.plateau.value
        law = "holds" if run.law is not None and run.law.applies else \
            ", ".join(run.law_fails) or "n/a"
        print(f"| {size} | {value.estimate * 100:.1f}% [{value.lower * 100:.1f}, "
              f"{value.upper * 100:.1f}] | {run.plateau.kind} | {law} |")
    print("\nPredicting a held-out larger size (95% intervals; points):\n")
    print("| predicted | from | form chosen | leave-one-size-out RMS (logit / error power / "
          "linear) | prediction | truth | error | width | covers |")
    print("|---|---|---|---|---|---|---|---|---|")
    errors, widths, covers, inside = [], [], [], []
    forced_rows = []
    for target, fitted in CASES:
        result = case(family_runs, target, fitted, seed=args.seed)
        p = result.size_predictions[0].plateau
        t = truth[target].value.estimate
        error = p.estimate - t
        rms = " / ".join("n/a" if not math.isfinite(result.plateau_line.rms[f]) else
                         f"{result.plateau_line.rms[f] * 100:.2f}" for f in FORMS)
        goal_case = len(fitted) >= 3
        if goal_case:
            errors.append(abs(error))
            widths.append(p.upper - p.lower)
            covers.append(p.contains(t))
        inside.append(0.0 <= p.lower <= p.estimate <= p.upper <= 1.0)
        print(f"| {target} | {fitted[0]}-{fitted[-1]} ({len(fitted)} sizes) | "
              f"{result.plateau_line.form} | {rms} | {p.estimate * 100:.1f}% "
              f"[{p.lower * 100:.1f}, {p.upper * 100:.1f}] | {t * 100:.1f}% | "
              f"{error * 100:+.1f} | {(p.upper - p.lower) * 100:.1f} | "
              f"{'yes' if p.contains(t) else 'NO'} |")
        for form in FORMS:
            forced = case(family_runs, target, fitted, seed=args.seed, form=form)
            q = forced.size_predictions[0].plateau
            forced_rows.append(f"| {target} | {form} | {q.estimate * 100:.1f}% "
                               f"[{q.lower * 100:.1f}, {q.upper * 100:.1f}] | "
                               f"{(q.estimate - t) * 100:+.1f} | "
                               f"{'yes' if q.contains(t) else 'NO'} |")
    print("\nEach form forced (for comparison only; the choice above is by leave-one-size-out):"
          "\n")
    print("| predicted | form | prediction | error | covers |\n|---|---|---|---|---|")
    print("\n".join(forced_rows))
    print(f"\nGoals (cases fitted on 3 sizes or more): median |error| "
          f"{np.median(errors) * 100:.2f} points (goal <= 4), largest "
          f"{max(errors) * 100:.2f} (goal <= 8); 95% intervals cover {sum(covers)} of "
          f"{len(covers)}, widest {max(widths) * 100:.1f} points (goal <= 25); every "
          f"prediction inside [0, 1] and inside its interval: {all(inside)}")
    if args.plot:
        from entropylaw.plot import plot_family, save

        result = case(family_runs, "14B", CASES[0][1], seed=args.seed)
        figure = plot_family(result)
        ax = figure.axes[0]
        t = truth["14B"].value
        ax.errorbar([13.1 * 1.07], [t.estimate],
                    yerr=[[t.estimate - t.lower], [t.upper - t.estimate]], fmt="x",
                    color="black", markersize=8, zorder=5,
                    label="14B's own plateau (held out)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False,
                  fontsize="small")
        save(figure, args.plot, dpi=110)
        print(f"\nfigure: {args.plot}")
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
