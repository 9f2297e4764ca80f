"""Entropy interventions a run states in its own files: an entropy bonus, a KL term, Clip-Higher,
Clip-Cov / KL-Cov. The law describes runs without them (Cui et al. 2025), so the gate's reason
names them.

verl prints its configuration in the console log: as launch overrides
(``actor_rollout_ref.actor.entropy_coeff=0.001``), as a printed dict (``'entropy_coeff': 0.001``)
or as YAML (``entropy_coeff: 0.001``). TRL keeps its arguments beside ``trainer_state.json`` only
sometimes; any ``beta``/``epsilon``/``epsilon_high``/``loss_type`` found in that JSON outside
``log_history`` is read. Only the first ``READ_LIMIT`` bytes of a file are read: configurations
are printed at the start.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..results import Notice

READ_LIMIT = 4 * 1024 * 1024  # bytes

VERL_KEYS = ("entropy_coeff", "use_kl_loss", "kl_loss_coef", "kl_loss_type", "kl_coef",
             "use_kl_in_reward", "clip_ratio_high", "clip_ratio_low", "clip_ratio", "loss_mode")
TRL_KEYS = ("beta", "epsilon", "epsilon_high", "loss_type")
_NAMES = "|".join(VERL_KEYS)
_PATTERNS = (
    re.compile(rf"'({_NAMES})':\s*'?([^,'}}\s]+)"),  # printed dict
    re.compile(rf"(?:^|[\s'\"])(?:[\w+]+\.)*({_NAMES})=([^\s\\'\",]+)", re.MULTILINE),  # override
    re.compile(rf"^[ \t]*({_NAMES}):[ \t]+([^\s#]+)[ \t]*$", re.MULTILINE),  # YAML
)
_COV_MODES = {"clip_cov": "Clip-Cov", "clip-cov": "Clip-Cov", "kl_cov": "KL-Cov",
              "kl-cov": "KL-Cov"}


@dataclass(frozen=True)
class Intervention:
    """One entropy intervention the run states: the config key, its value, what it does."""

    key: str
    value: object
    message: str

    def to_dict(self) -> dict:
        return {"key": self.key, "value": self.value, "message": self.message}

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Config:
    """What the run states: the interventions, every recognised setting, and notes."""

    interventions: tuple[Intervention, ...]
    stated: dict
    notes: tuple[Notice, ...]


def read_interventions(source) -> Config:
    """The interventions stated in ``source`` (a file or folder); 'not stated' otherwise."""
    path = Path(str(source))
    stated: dict = {}
    try:
        if path.is_dir() and (path / "trainer_state.json").is_file():
            path = path / "trainer_state.json"
        if path.is_file():
            text = _head(path)
            stated = _trl_args(text) if path.suffix.lower() == ".json" else _verl_config(text)
    except OSError:
        stated = {}
    interventions = tuple(_interpret(stated))
    if not stated:
        notes = (Notice("config_not_stated",
                        "the source does not state its training configuration (entropy bonus, "
                        "KL, clipping, loss mode): interventions not stated"),)
    else:
        shown = ", ".join(f"{key} {_show(value)}" for key, value in stated.items())
        notes = (Notice("config_read", f"configuration read from the source: {shown}"),)
    return Config(interventions, stated, notes)


def _head(path: Path) -> str:
    with path.open("rb") as handle:
        return handle.read(READ_LIMIT).decode("utf-8", errors="replace")


def _verl_config(text: str) -> dict:
    found: dict[str, tuple[int, object]] = {}
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            key, value = match.group(1), _value(match.group(2))
            if key not in found or match.start() < found[key][0]:
                found[key] = (match.start(), value)
    return {key: found[key][1] for key in VERL_KEYS if key in found}


def _trl_args(text: str) -> dict:
    try:
        state = json.loads(text)
    except ValueError:
        return {}
    found = {}

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "log_history":
                    continue
                if key in TRL_KEYS and isinstance(value, (int, float, str)) and key not in found:
                    found[key] = value
                walk(value)

    walk(state)
    return {key: found[key] for key in TRL_KEYS if key in found}


def _value(text: str):
    text = text.strip().strip("'\"")
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text and "e" not in text else number


def _show(value) -> str:
    return str(value)


def _positive(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _interpret(stated: dict):
    """The settings that intervene on entropy, each with a message."""
    if _positive(stated.get("entropy_coeff")):
        yield Intervention("entropy_coeff", stated["entropy_coeff"],
                           f"entropy bonus (entropy_coeff {stated['entropy_coeff']})")
    if stated.get("use_kl_loss") is True and _positive(stated.get("kl_loss_coef", 0)):
        kind = f", {stated['kl_loss_type']}" if "kl_loss_type" in stated else ""
        yield Intervention("kl_loss_coef", stated.get("kl_loss_coef"),
                           f"KL loss to the reference policy (kl_loss_coef "
                           f"{stated.get('kl_loss_coef')}{kind})")
    in_reward = stated.get("use_kl_in_reward")
    if in_reward is None:  # verl before use_kl_in_reward: the reward KL ran unless the KL loss did
        in_reward = stated.get("use_kl_loss") is not True
    if in_reward and _positive(stated.get("kl_coef")):
        yield Intervention("kl_coef", stated["kl_coef"],
                           f"KL penalty in the reward (kl_coef {stated['kl_coef']})")
    high, low = stated.get("clip_ratio_high"), stated.get("clip_ratio_low")
    if high is None and low is not None:
        high = stated.get("clip_ratio")
    if low is None and high is not None:
        low = stated.get("clip_ratio")
    if _positive(high) and _positive(low) and high > low:
        yield Intervention("clip_ratio_high", high,
                           f"Clip-Higher (clip_ratio_high {high} > clip_ratio_low {low})")
    mode = str(stated.get("loss_mode", "")).lower()
    if mode in _COV_MODES:
        yield Intervention("loss_mode", stated["loss_mode"],
                           f"{_COV_MODES[mode]} entropy control (loss_mode {stated['loss_mode']})")
    if _positive(stated.get("beta")):
        yield Intervention("beta", stated["beta"], f"KL penalty (TRL beta {stated['beta']})")
    eps, eps_high = stated.get("epsilon"), stated.get("epsilon_high")
    if _positive(eps) and _positive(eps_high) and eps_high > eps:
        yield Intervention("epsilon_high", eps_high,
                           f"Clip-Higher (TRL epsilon_high {eps_high} > epsilon {eps})")
