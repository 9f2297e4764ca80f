"""Which logged keys hold the step, the policy entropy and the validation accuracy.

The tables follow the frameworks' own key names (see docs/sources.md and FORMATS.md in the
project's shared notes). Detection only proposes; a user's ``--entropy-key``/``--reward-key``
always wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Step axes, most specific first (TRL/HF log ``train/global_step`` beside W&B's own ``_step``).
STEP_KEYS: tuple[str, ...] = (
    "train/global_step",
    "trainer/global_step",
    "global_step",
    "step",
    "train/step",
    "_step",
    "Step",
)


# Step axes a framework gives one family of keys (``define_metric("eval/*",
# step_metric="eval/step")``): OpenRLHF ``eval/global_step`` (global steps, like
# ``train/global_step``); slime ``eval/step`` and ``rollout/step`` (rollout ids, while its
# ``train/step`` counts optimizer steps: different units).
FAMILY_AXES: tuple[str, ...] = ("global_step", "step")
ROW_STEP = "_step"


@dataclass(frozen=True)
class EntropyKey:
    key: str
    framework: str
    approximate: bool = False


# Entropy keys in order of preference: the first one present is chosen.
ENTROPY_KEYS: tuple[EntropyKey, ...] = (
    EntropyKey("actor/entropy", "verl >= 0.4.1"),
    EntropyKey("actor/entropy_loss", "verl <= 0.4.0"),
    EntropyKey("entropy", "TRL"),
    EntropyKey("train/entropy", "TRL (W&B/TensorBoard)"),
    # TRL's PPO/RLOO trainers: the token mean of the policy's entropy. Their
    # `objective/entropy` is summed over each sequence, not a per-token entropy.
    EntropyKey("policy/entropy_avg", "TRL PPO/RLOO"),
    EntropyKey("critic/entropy/mean", "ROLL"),
    EntropyKey("entropy/all/mean", "prime-rl"),
    EntropyKey("policy/policy_entropy", "SkyRL"),
    EntropyKey("train/entropy_loss", "OpenRLHF / slime"),
    EntropyKey("train/approx_entropy", "NeMo-RL", approximate=True),
)

_SPECIAL = frozenset("\\.^$*+?{}[]|()")


def _literal_head(pattern: str) -> str:
    """Plain text every match of ``pattern`` starts with: after ``^``, up to the first special
    character (less the character before an optional quantifier); '' if there is none."""
    if not pattern.startswith("^") or _top_level_bar(pattern):
        return ""
    head = pattern[1:]
    end = next((i for i, char in enumerate(head) if char in _SPECIAL), len(head))
    if end < len(head) and head[end] in "?*{":
        end -= 1
    return head[:max(end, 0)]


def _top_level_bar(pattern: str) -> bool:
    depth = 0
    for i, char in enumerate(pattern):
        if char in "()" and (i == 0 or pattern[i - 1] != "\\"):
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            return True
    return False


# Validation-accuracy keys: (pattern, framework, preference). Lower preference wins when a
# run logs several kinds (verl logs both ``acc`` and ``reward`` under val-core). Each pattern
# is compiled on its first use (by ``re``'s cache), and tried only on keys that start with its
# literal head: compiling all of them costs about 2 ms on every command.
_REWARD_PATTERNS: tuple[tuple[str, str, str, int], ...] = tuple(
    (_literal_head(pattern), pattern, framework, preference)
    for pattern, framework, preference in (
        (r"^val-core/.+/acc/mean(@|_at_)\d+$", "verl", 0),
        (r"^val-core/.+/(reward|score)/mean(@|_at_)\d+$", "verl", 1),
        (r"^val-core/.+/mean(@|_at_)\d+$", "verl", 2),
        (r"^val/test_score/.+$", "verl <= 0.3", 0),
        (r"^test_score/.+$", "verl (early)", 0),
        (r"^eval_reward$", "TRL", 0),
        (r"^eval/reward$", "TRL (W&B/TensorBoard)", 0),
        (r"^eval/rewards/.+/mean$", "TRL", 1),
        (r"^eval/eval_.+_pass1$", "OpenRLHF", 0),
        (r"^val_correct/all/mean$", "ROLL", 0),
        (r"^validation/accuracy$", "NeMo-RL", 0),
        (r"^eval/all/avg_score$", "SkyRL", 0),
        (r"^eval/[^/]+/avg_score$", "SkyRL", 1),
        (r"^eval/.+/avg@\d+$", "prime-rl", 0),
        (r"^eval/(?!.*(step|loss|time|runtime|samples_per_second|steps_per_second|"
         r"len|length|entropy|std|min|max)).+$", "slime / generic eval", 3),
        # Generic names (a Hugging Face Trainer's eval_ metrics, val/test prefixes): only keys
        # that name an accuracy, a score or a reward, never a loss, a time or a spread.
        (r"^eval_(?!.*(loss|time|runtime|per_second|len|length|entropy|std|min|max))"
         r".*(acc|accuracy|score|reward|correct|pass).*$", "generic (eval_)", 3),
        *((rf"^{prefix}[/_](?!.*(loss|time|len|length|entropy|std|min|max))"
           r".*(acc|accuracy|score|reward|correct|pass).*$", "generic (val/test)", 3)
          for prefix in ("val", "valid", "validation", "test", "evaluation")),
    )
)


def is_step_key(key: str) -> bool:
    return key in STEP_KEYS


def is_axis_key(key: str) -> bool:
    """A step axis: a known step column, or a key family's own (``eval/step``, ...)."""
    return is_step_key(key) or key.rsplit("/", 1)[-1] in FAMILY_AXES


def family_axes(key: str, keys) -> list[str]:
    """The step axes of ``key``'s family present in ``keys``: ``eval/x`` -> ``eval/global_step``,
    ``eval/step``."""
    if "/" not in key:
        return []
    family = key.split("/", 1)[0]
    present = set(keys)
    return [axis for axis in (f"{family}/{name}" for name in FAMILY_AXES) if axis in present]


def find_step_key(keys) -> str | None:
    """The preferred step column among ``keys``, or None."""
    present = set(keys)
    return next((key for key in STEP_KEYS if key in present), None)


# A fallback where no known key is logged: a key whose last part names a per-token entropy
# (``rollout/entropy``, ``train/policy_entropy``, ``actor/entropy_mean``...). Sums over each
# sequence (TRL's ``objective/entropy``) and spreads are not.
GENERIC_ENTROPY = re.compile(r"^(?:.*/)?(?:policy_|mean_|token_)?entropy(?:_mean|_avg)?"
                             r"(?:/mean)?$")
NOT_ENTROPY = frozenset({"objective/entropy"})


def entropy_candidates(keys) -> list[EntropyKey]:
    """Known entropy keys present in ``keys``, most preferred first; else keys with a generic
    entropy name, in their given order."""
    present = set(keys)
    known = [entry for entry in ENTROPY_KEYS if entry.key in present]
    if known:
        return known
    return [EntropyKey(key, "generic name") for key in keys
            if key not in NOT_ENTROPY and GENERIC_ENTROPY.match(key)]


def reward_match(key: str) -> tuple[str, int] | None:
    """(framework, preference) when ``key`` looks like a validation-accuracy key."""
    for head, pattern, framework, preference in _REWARD_PATTERNS:
        if key.startswith(head) and re.match(pattern, key):
            return framework, preference
    return None


def reward_candidates(keys) -> list[str]:
    """Validation keys in ``keys`` of the best preference level found, in their given order."""
    matches = [(key, reward_match(key)) for key in keys]
    matches = [(key, found[1]) for key, found in matches if found is not None]
    if not matches:
        return []
    best = min(preference for _, preference in matches)
    return [key for key, preference in matches if preference == best]


def role(key: str) -> str | None:
    """'step', 'entropy', 'reward' or None: what a key most likely holds."""
    return describe(key).role


@dataclass(frozen=True)
class KeyRole:
    """What a key most likely holds, and for which framework."""

    role: str | None
    framework: str | None = None
    approximate: bool = False


def describe(key: str) -> KeyRole:
    """The role of ``key`` ('step', 'entropy', 'reward' or None) and the framework naming it so."""
    if is_step_key(key):
        return KeyRole("step")
    entry = next((entry for entry in ENTROPY_KEYS if entry.key == key), None)
    if entry is not None:
        return KeyRole("entropy", entry.framework, entry.approximate)
    if key not in NOT_ENTROPY and GENERIC_ENTROPY.match(key):
        return KeyRole("entropy", "generic name")
    found = reward_match(key)
    if found is not None:
        return KeyRole("reward", found[0])
    if is_axis_key(key):
        return KeyRole("step")
    return KeyRole(None)
