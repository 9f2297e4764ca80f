"""The empirical prior of the default forecaster: a few numbers learned across real runs.

A window of 3-5 validation points cannot say by itself how far a rising run will still climb,
how noisy its validation is, or whether a curve or the last value will do better. These numbers
say what real runs did. ``benchmarks/derive_prior.py`` derives them from the real public logs
in ``../shared/real_logs`` by leave-one-run-out (a family of runs of one recipe is left out as
one), and prints the figures each choice gives on the runs it did not see; docs/forecast.md
("The empirical prior") explains each. Only the numbers are shipped, never the logs.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Prior:
    """What the forecaster assumes where the window cannot decide."""

    trend_time: float = 0.5  # a rising run keeps climbing for about this x its elapsed steps
    trend_spread: float = 1.0  # log sd of that time: how much it varies from run to run
    speedup_time: float = 1.0  # the same for a climb still speeding up (a design choice)
    weight_trend: float = 0.25  # prior weight of the saturating trend (last value: the rest)
    weight_law: float = 0.97  # prior weight of the law where the gate passes (a design choice)
    evidence: float = 0.3  # how strongly the window's own leave-future-out scores move weights
    law_evidence: float = 1.0  # the law's score counts in full (a design choice)
    noise_sd: float = 0.008  # validation noise (accuracy, sd) assumed before seeing the window
    noise_weight: float = 3.0  # the prior noise counts as this many successive differences
    drift_sd: float = 0.02  # random-walk step per validation interval assumed before the window
    trend_drift: float = 0.5  # share of that walk left around the trend (it explains the rest)
    band_scale: float = 1.0  # widens every band to match the errors seen across real runs

    def replace(self, **changes) -> Prior:
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


PRIOR = Prior()
