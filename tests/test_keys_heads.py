"""Reward keys are matched by literal head, then pattern: the same answers as every pattern."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from entropylaw import keys


def full_match(key: str):
    """The answer of trying every compiled pattern, as the module did before the heads."""
    for _, pattern, framework, preference in keys._REWARD_PATTERNS:
        if re.compile(pattern).match(key):
            return framework, preference
    return None


PARTS = ["val-core", "val", "test_score", "eval", "eval_reward", "evals", "validation",
         "val_correct", "math", "gsm8k", "acc", "reward", "score", "mean@1", "mean_at_4",
         "mean", "rewards", "eval_gsm8k_pass1", "all", "avg_score", "avg@8", "accuracy",
         "step", "loss", "entropy", "x", "", "Eval", "VAL-CORE"]


def test_heads_are_plain_prefixes_of_their_patterns():
    heads = {pattern: head for head, pattern, _, _ in keys._REWARD_PATTERNS}
    assert heads[r"^val-core/.+/acc/mean(@|_at_)\d+$"] == "val-core/"
    assert heads[r"^eval_reward$"] == "eval_reward"
    assert all(head and not set(head) & keys._SPECIAL for head in heads.values())


@pytest.mark.parametrize(("pattern", "head"), [
    ("^abc/d+", "abc/d"), ("^evals?/x", "eval"), ("^ab*c", "a"), ("^a{2}", ""), ("a/b", ""),
    ("^a|b", ""), ("^(a|b)c", ""), (r"^a\.b", "a"), ("^plain$", "plain")])
def test_literal_head_never_claims_more_than_a_match_starts_with(pattern, head):
    assert keys._literal_head(pattern) == head


def test_reward_match_agrees_with_every_pattern_on_many_keys():
    rng = random.Random(0)
    names = ["/".join(parts) for n in (1, 2, 3) for parts in itertools.product(PARTS, repeat=n)]
    names += ["/".join(rng.choice(PARTS) for _ in range(rng.randint(1, 5))) for _ in range(3000)]
    found = [keys.reward_match(name) for name in names]
    assert found == [full_match(name) for name in names]
    assert sum(f is not None for f in found) > 1000  # many keys of each kind matched
    assert {f[0] for f in found if f} == {fw for _, _, fw, _ in keys._REWARD_PATTERNS}
