"""The text report of a fit."""

from __future__ import annotations

import math

from . import interval, notices, percent, points


def format_fit(fit) -> str:
    """The report of :class:`entropylaw.LawFit`."""
    level = f"{fit.confidence * 100:g}%"
    low, high = fit.entropy_range
    lines = [
        "Entropy-performance law  R = -a*exp(H) + b",
        f"  source   {fit.source or '(arrays)'}",
    ]
    if fit.entropy_key:
        lines.append(f"  entropy  {fit.entropy_key}")
        lines.append(f"  reward   {fit.reward_key}")
    gate = fit.gate
    lines += [
        f"  points   {fit.n_points} validation points, steps {fit.steps[0]}-{fit.steps[1]}, "
        f"entropy {low:.3f}-{high:.3f} nats",
        "",
        f"  {'':<9}{'estimate':>9}   {level} interval",
        f"  {'a':<9}{percent(fit.a.estimate):>9}   {interval(fit.a)}",
        f"  {'b':<9}{percent(fit.b.estimate):>9}   {interval(fit.b)}",
        _ceiling(fit, gate),
        "",
        f"  law      {'applies' if gate.applies else 'does not apply'}: {gate.reason}"
        + ("" if gate.applies else "; `entropylaw diagnose` says more"),
        f"  fit      R^2 {fit.r2:.3f}, RMSE {points(fit.rmse)}, residual lag-1 autocorrelation "
        f"{fit.residual_autocorrelation:.2f}, corr(a, b) {fit.ab_correlation:.2f}",
        *([f"  H = 0    {math.exp(low) - 1:.3f} beyond the data in exp(H), "
           f"{fit.extrapolation:.2f}x its observed range (lowest entropy {low:.3f} nats)"]
          if fit.stated_ceiling is not None else []),  # how far the ceiling reaches
        f"  noise    validation {points(fit.noise_sd)} (lag-1 correlation "
        f"{fit.noise_autocorrelation:.2f}); entropy {percent(fit.entropy_noise)} per logged value"
        + (f", slope corrected x{1 / fit.attenuation:.3f} for it" if fit.attenuation < 1 else ""),
        f"  method   {fit.interval_method}: {_describe(fit.interval_method)}; "
        f"{fit.n_resamples:,} draws" + (f", seed {fit.seed}" if fit.seed is not None else ""),
    ]
    lines += notices("Warnings", fit.warnings)
    lines += notices("Notes", fit.notes)
    return "\n".join(lines)


def _describe(method: str) -> str:
    from ..law.resampling import SCHEMES

    scheme = SCHEMES.get(method)
    return scheme.description if scheme else method


def _ceiling(fit, gate) -> str:
    stated = fit.stated_ceiling
    if stated is None:  # from a law the data reject, or not an accuracy: not printed
        why = ("the law does not describe these points" if not gate.applies else
               f"b - a = {percent(fit.ceiling.estimate)} is not an accuracy")
        return f"  {'ceiling':<9}{'-':>9}   not given: {why}"
    return (f"  {'ceiling':<9}{percent(stated.estimate):>9}   {interval(stated)}"
            "   accuracy at H = 0 (b - a)")
