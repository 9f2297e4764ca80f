"""Watching a live run: refit and reforecast as validation points land.

``update.py`` turns a Run into the summary one update shows (``assess``); ``watcher.py`` is the
in-process ``Watcher`` a training loop feeds; ``follow.py`` follows a growing source through the
readers' tails; ``writeback.py`` logs the forecast into the run's tracker. See docs/watch.md.
"""

from __future__ import annotations

from .update import WatchUpdate, assess
from .watcher import Watcher

__all__ = ["WatchUpdate", "Watcher", "assess"]
