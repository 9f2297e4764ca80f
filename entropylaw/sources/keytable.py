"""What a source holds, key by key: points, step range and detected role (``entropylaw keys``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import keys as keymod
from .._text import ITEM_LIMIT, clean, listing
from ..results import Notice
from .log import Log


@dataclass(frozen=True)
class KeyRow:
    key: str
    points: int
    finite: int
    first_step: int
    last_step: int
    role: str | None
    framework: str | None
    approximate: bool

    def to_dict(self) -> dict:
        return {"key": self.key, "points": self.points, "finite": self.finite,
                "first_step": self.first_step, "last_step": self.last_step, "role": self.role,
                "framework": self.framework, "approximate": self.approximate}


@dataclass(frozen=True)
class KeyTable:
    """Every numeric key of a source, with the entropy and validation keys detection proposes."""

    source: str
    format: str | None
    step_key: str | None
    rows: tuple[KeyRow, ...]
    entropy: str | None
    rewards: tuple[str, ...]
    notes: tuple[Notice, ...]

    def to_dict(self) -> dict:
        return {"source": self.source, "format": self.format, "step_key": self.step_key,
                "detected": {"entropy": self.entropy, "reward": list(self.rewards)},
                "keys": [row.to_dict() for row in self.rows],
                "notes": [notice.to_dict() for notice in self.notes]}

    def __str__(self) -> str:
        names = {row.key: clean(row.key, ITEM_LIMIT) for row in self.rows}  # never raw to a tty
        width = max([len("key"), *(len(name) for name in names.values())])
        lines = [f"{clean(self.source)}  ({self.format or 'unknown format'}; step axis "
                 f"'{clean(self.step_key or 'step')}')", "",
                 f"{'key':<{width}}  {'points':>7}  {'steps':>15}  role"]
        for row in self.rows:
            steps = f"{row.first_step}-{row.last_step}"
            role = row.role or ""
            if row.framework:
                role += f" ({row.framework}{', approximate' if row.approximate else ''})"
            if row.points != row.finite:
                role = (role + "  " if role else "") + f"[{row.points - row.finite} non-finite]"
            lines.append(f"{names[row.key]:<{width}}  {row.points:>7}  {steps:>15}  "
                         f"{role}".rstrip())
        lines += ["", f"detected  entropy {self.entropy or '(none)'}; validation "
                      f"{listing(self.rewards) or '(none)'}"]
        if self.notes:
            lines += ["", "Notes"] + [f"  {notice}" for notice in self.notes]
        return "\n".join(lines)


def key_table(log: Log) -> KeyTable:
    """Describe every key of ``log``, sorted by role (entropy, validation, steps) then name."""
    rows = []
    for key, series in log.series.items():
        described = keymod.describe(key)
        rows.append(KeyRow(key, len(series), series.n_finite, int(np.min(series.steps)),
                           int(np.max(series.steps)), described.role, described.framework,
                           described.approximate))
    order = {"entropy": 0, "reward": 1, "step": 2, None: 3}
    rows.sort(key=lambda row: (order[row.role], row.key))
    entropy = keymod.entropy_candidates(log.keys)
    return KeyTable(log.source, log.metadata.get("format"), log.step_key, tuple(rows),
                    entropy[0].key if entropy else None,
                    tuple(keymod.reward_candidates(log.keys)), log.notes)
