"""Checks of the arguments every analysis shares: a confidence level and a seed.

Out-of-range values raise :class:`ArgumentError` (an InputError; the CLI exits 2 for it).
"""

from __future__ import annotations

import numpy as np

from .errors import ArgumentError


def check_confidence(confidence) -> None:
    if not (isinstance(confidence, (float, int)) and 0 < confidence < 1):
        raise ArgumentError(f"`confidence` must be strictly between 0 and 1, got {confidence!r}")


def generator(seed) -> tuple[int | None, np.random.Generator]:
    """(the seed to print, a Generator). Without a seed one is drawn, so a run can be repeated."""
    if isinstance(seed, np.random.Generator):
        return None, seed
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(f"`seed` must be a non-negative whole number or a numpy Generator, "
                         f"got {seed!r}")
    return int(seed), np.random.default_rng(int(seed))
