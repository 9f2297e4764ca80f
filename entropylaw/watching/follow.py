"""Follow a growing source: poll its tail, and yield an update for each new validation point."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .update import WatchUpdate, assess


@dataclass(frozen=True)
class Stopped:
    """Why following ended: 'until_step', 'timeout' or 'interrupted'."""

    reason: str
    last_step: int | None


def watch(source, *, every: float = 5.0, until_step: int | None = None,
          timeout: float | None = None, horizon: int | None = None, margin: float = 0.01,
          confidence: float = 0.9, seed=0, entropy_key: str | None = None, reward_key=None,
          reward_mean: bool = False, step_key: str | None = None,
          tracking_uri: str | None = None, sleep=time.sleep, clock=time.monotonic):
    """Yield a WatchUpdate for what ``source`` holds now, then one for each validation point
    that lands later; finally yield a :class:`Stopped`. Polls every ``every`` seconds; stops
    once the run reaches ``until_step``, or after ``timeout`` seconds without new data."""
    from ..run import select
    from ..sources.tail import follow

    tail = follow(source, step_key=step_key, tracking_uri=tracking_uri)
    options = {"horizon": horizon, "margin": margin, "confidence": confidence, "seed": seed}
    keys = None  # the keys in use, once detected
    done: set[int] = set()  # validation steps already reported
    shown = 0  # restart notices already shown
    last_data = clock()
    last_step = None
    first = True
    while True:
        new = tail.poll()
        if new or first:
            last_data = clock() if new else last_data
            run = _run(tail, keys, select, entropy_key=entropy_key, reward_key=reward_key,
                       reward_mean=reward_mean)
            if run is not None:
                if keys != [run.entropy_key, *run.rewards]:
                    keys = [run.entropy_key, *run.rewards]
                    tail.focus(keys)
                last_step = run.last_step
                notices = tail.notices() + [n for n in run.notes if n.code == "restarted_run"]
                restarts, shown = notices[shown:], len(notices)
                steps = run.reward.steps[np.isfinite(run.reward.values)].tolist()
                fresh = [s for s in steps if s not in done]
                if first and fresh:
                    fresh = fresh[-1:]  # what was there before watching began: one update
                    done.update(steps)
                for index, step in enumerate(fresh):
                    done.add(step)
                    at = run if index == len(fresh) - 1 else run.until(step)
                    yield assess(at, extra_warnings=restarts if index == 0 else (), **options)
                if until_step is not None and run.last_step >= until_step:
                    yield Stopped("until_step", last_step)
                    return
        first = False
        if timeout is not None and clock() - last_data >= timeout:
            yield Stopped("timeout", last_step)
            return
        sleep(every)


def _run(tail, keys, select, **choice):
    """The run as read so far (only the keys in use once known); None while the source holds
    no validation point yet."""
    from ..errors import InputError
    from ..sources import _safe

    try:
        log = tail.log(keys)
        if keys is not None and not set(keys) <= set(log.keys):  # a key was merged or renamed
            keys, log = None, tail.log()
        log = _safe(log)  # notes made safe to echo, as every read
        return select(log, entropy_key=keys[0] if keys else choice["entropy_key"],
                      reward_key=keys[1:] if keys else choice["reward_key"],
                      reward_mean=choice["reward_mean"] or bool(keys and len(keys) > 2))
    except InputError as error:
        if keys is not None or not _not_yet(str(error)):
            raise
        return None


def _not_yet(message: str) -> bool:
    """Errors that mean 'nothing to read yet' for a run that has only just begun."""
    return any(text in message for text in (
        "no verl metric lines", "no metrics found", "no numeric history", "hold no scalars",
        "logged no metrics", "no validation-accuracy key", "no entropy key found", "has no values",
        "no finite values"))


__all__ = ["Stopped", "WatchUpdate", "watch"]
