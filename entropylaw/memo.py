"""Results shared within one call that repeats the same computation (the backtest).

The backtest forecasts each run-cut with several protocols, and they fit the law and the entropy
trajectory to the very same points with the same options. Inside :func:`shared_results`,
:func:`memoized` computes each distinct input once; outside it, it just computes. A key is built
from the inputs' contents, so equal inputs share a result and different ones never do. Results
must be immutable (frozen dataclasses whose arrays nobody writes to). See docs/speed.md.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

_RESULTS: ContextVar[dict | None] = ContextVar("entropylaw_shared_results", default=None)


@contextmanager
def shared_results():
    """Within this block, :func:`memoized` results are shared (also when blocks nest)."""
    token = _RESULTS.set({} if _RESULTS.get() is None else _RESULTS.get())
    try:
        yield
    finally:
        _RESULTS.reset(token)


def sharing() -> bool:
    """Whether results are shared here (inside :func:`shared_results`): a key is worth
    building only then."""
    return _RESULTS.get() is not None


def memoized(key, compute):
    """``compute()``, or its result for an equal ``key`` within :func:`shared_results`.

    ``key`` None (or one that cannot be hashed) means: do not share. An exception is raised
    again, not remembered."""
    results = _RESULTS.get()
    if results is None or key is None:
        return compute()
    try:
        hash(key)
    except TypeError:
        return compute()
    if key not in results:
        results[key] = compute()
    return results[key]


def array_key(values) -> tuple:
    """A hashable key of an array's contents (dtype, shape and bytes)."""
    values = np.ascontiguousarray(values)
    return values.dtype.str, values.shape, values.tobytes()


def run_key(run) -> tuple:
    """A hashable key of everything a fit reads from a Run."""
    return (run.source, run.entropy_key, run.reward_key, run.model, run.model_size, run.notes,
            array_key(run.entropy.steps), array_key(run.entropy.values),
            array_key(run.reward.steps), array_key(run.reward.values))


def seeded_key(name: str, run, options: dict):
    """A key of the computation ``name`` on ``run`` with keyword ``options``; None (not shared)
    outside :func:`shared_results`, or unless ``options['seed']`` is a plain int (None draws a
    new seed, a Generator moves on)."""
    seed = options.get("seed")
    if not sharing() or isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        return None
    return name, run_key(run), tuple(sorted(options.items()))
