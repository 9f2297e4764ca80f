"""Diagnose a run: whether the law applies, its regimes, events and stated interventions.

``changepoint`` (CUSUM and spike detectors with simulated thresholds), ``companions`` (the
frameworks' other metric names), ``interventions`` (the config a log states), ``regimes``,
``events``, ``diagnosis`` (``diagnose()`` and ``Diagnosis``), ``simulate`` (runs with known
onsets). See docs/diagnose.md.
"""

from __future__ import annotations

from .diagnosis import Diagnosis, diagnose

__all__ = ["Diagnosis", "diagnose"]
