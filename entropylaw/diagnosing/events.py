"""Events at single steps, found in the dense training series: entropy spikes, training-reward
collapses (robust z against the median of the logged steps before them, with
thresholds set by simulation; see :mod:`.changepoint`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..sources.log import KeySeries
from . import changepoint
from .companions import finite


@dataclass(frozen=True)
class Event:
    code: str
    step: int
    message: str

    def to_dict(self) -> dict:
        return {"code": self.code, "step": self.step, "message": self.message}


# code -> (companion role or 'entropy', direction, on a log scale, what the value is)
KINDS = {
    "entropy_spike": ("entropy", +1, True, "entropy"),
    "reward_collapse": ("train_reward", -1, False, "training reward"),
}


def find_events(entropy: KeySeries, companions: dict[str, KeySeries], alpha: float,
                until: int | None = None) -> list[Event]:
    """Every event of each kind whose series is present, in step order; only steps before
    ``until`` (where the numbers broke) are looked at."""
    found = []
    for code, (role, direction, log_scale, name) in KINDS.items():
        series = entropy if role == "entropy" else companions.get(role)
        if series is None:
            continue
        steps, values = finite(series)
        if until is not None:
            keep = steps < until
            steps, values = steps[keep], values[keep]
        if log_scale:
            keep = values > 0
            steps, values = steps[keep], values[keep]
        scored = np.log(values) if log_scale else values
        hits = changepoint.spikes(scored, direction=direction, alpha=alpha)
        for cluster in _clusters(hits):
            found.append(_event(code, name, cluster, steps, values, log_scale))
    return sorted(found, key=lambda event: (event.step, event.code))


def _clusters(hits):
    """Hits at consecutive logged positions form one event."""
    cluster = []
    for hit in hits:
        if cluster and hit.position != cluster[-1].position + 1:
            yield cluster
            cluster = []
        cluster.append(hit)
    if cluster:
        yield cluster


def _event(code, name, cluster, steps, values, log_scale) -> Event:
    first = cluster[0]
    peak = max(cluster, key=lambda hit: abs(hit.z))
    reference = float(np.exp(first.reference)) if log_scale else first.reference
    through = (f"; out of line through step {steps[cluster[-1].position]}"
               if len(cluster) > 1 else "")
    message = (f"{name} {_number(values[first.position])} against a median of "
               f"{_number(reference)} over the logged steps before{through}; largest at step "
               f"{steps[peak.position]} ({_number(values[peak.position])}, robust z "
               f"{peak.z:+.1f}, threshold {first.threshold:.1f})")
    return Event(code, int(steps[first.position]), message)


def _number(value: float) -> str:
    return f"{value:.3g}"
