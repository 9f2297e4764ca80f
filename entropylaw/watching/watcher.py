"""``Watcher``: feed a training loop's entropy and validation accuracy, get the current forecast."""

from __future__ import annotations

import math

from ..errors import InputError
from .update import WatchUpdate, assess


class Watcher:
    """Follows a run from inside the training process.

    Call :meth:`update` with each step's entropy and, at validation steps, the accuracy (a
    fraction, or percent). Each new validation point refits and reforecasts (the live protocol:
    every point so far is the window); other calls return the last update. ``horizon``,
    ``margin`` (a fraction), ``confidence`` and ``seed`` go to :func:`entropylaw.forecast`.
    """

    def __init__(self, *, horizon: int | None = None, margin: float = 0.01,
                 confidence: float = 0.9, seed=0, entropy_key: str = "entropy",
                 reward_key: str = "reward", source: str = "live run"):
        self.options = {"horizon": horizon, "margin": margin, "confidence": confidence,
                        "seed": seed}
        self.entropy_key, self.reward_key, self.source = entropy_key, reward_key, source
        self.entropy: dict[int, float] = {}
        self.reward: dict[int, float] = {}
        self.last: WatchUpdate | None = None

    def update(self, step, *, entropy=None, reward=None) -> WatchUpdate | None:
        """Record ``step``'s values; refit when ``reward`` is given. Returns the current
        update (None until the first validation point with entropy logged)."""
        if isinstance(step, bool) or not isinstance(step, int | float) or step != int(step):
            raise InputError(f"Watcher.update: step must be a whole number, got {step!r}")
        step = int(step)
        if entropy is not None:
            self.entropy[step] = _number(entropy, "entropy")
        if reward is not None:
            self.reward[step] = _number(reward, "reward")
            if self.entropy:
                self.last = assess(self.run(), **self.options)
        return self.last

    def run(self):
        """The run as fed so far."""
        from ..run import select
        from ..sources.log import build_log

        columns = {self.entropy_key: (list(self.entropy), list(self.entropy.values())),
                   self.reward_key: (list(self.reward), list(self.reward.values()))}
        log = build_log(self.source, columns, metadata={"format": "watcher"}, step_key="step")
        return select(log, entropy_key=self.entropy_key, reward_key=self.reward_key)

    def __repr__(self) -> str:
        return (f"Watcher({len(self.entropy)} entropy values, {len(self.reward)} validation "
                f"points)")


def _number(value, name: str) -> float:
    try:
        number = float(value.item() if hasattr(value, "item") else value)
    except (TypeError, ValueError):
        raise InputError(f"Watcher.update: {name} must be a number, got {value!r}") from None
    return number if math.isfinite(number) else math.nan
