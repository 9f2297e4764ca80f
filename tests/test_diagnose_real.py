"""diagnose() on the public verl logs in ../shared/real_logs (skipped when absent)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import entropylaw

REAL_LOGS = Path(os.environ.get("ENTROPYLAW_REAL_LOGS",
                                Path(__file__).resolve().parents[2] / "shared" / "real_logs"))
FAMILY = "qwen2.5_math_family"


def real(name: str) -> str:
    path = REAL_LOGS / name
    if not path.is_file():
        pytest.skip(f"real log {name} not found under {REAL_LOGS}")
    return str(path)


def all_logs() -> list[str]:
    if not REAL_LOGS.is_dir():
        return ["(real logs absent)"]
    return sorted(str(p.relative_to(REAL_LOGS)) for p in
                  [*REAL_LOGS.glob("*.log"), *(REAL_LOGS / FAMILY).glob("*.csv")])


@pytest.mark.parametrize("name", all_logs())
def test_every_real_log_is_diagnosed_without_false_numerical_or_explosion(name):
    result = entropylaw.diagnose(real(name), reward_mean="gpg" in name)
    json.dumps(result.to_dict())
    assert not {"numerical", "explosion"} & set(result.codes())
    assert str(result).startswith("Diagnosis")


def test_deepseek_grpo_law_applies_and_its_kl_loss_is_named():
    result = entropylaw.diagnose(real("verl_deepseek-llm-7b-chat_grpo_gsm8k.log"))
    assert result.law.applies, result.law.reason
    assert [item.key for item in result.interventions] == ["kl_loss_coef"]
    assert "kl_loss_coef 0.001" in result.law.reason
    collapse = [r for r in result.regimes if r.code == "collapse"]
    assert collapse and collapse[0].start_step < 20  # entropy falls from the first steps
    assert collapse[0].evidence["entropy_to"] < 0.1 < 0.35 < collapse[0].evidence["entropy_from"]
    assert result.companions["train_reward"] == "critic/score/mean"


def test_gpg_law_does_not_apply():
    result = entropylaw.diagnose(real("verl_qwen2-7b-instruct_gpg_math-gsm8k.log"),
                                 reward_mean=True)
    assert not result.law.applies
    assert result.interventions == ()  # entropy_coeff 0, no KL loss, symmetric clipping
    # responses run to the cap from step ~157 (length 215 -> 600, 40% truncated)
    truncation = [r for r in result.regimes if r.code == "truncation"]
    assert truncation and 145 <= truncation[0].start_step <= 160
    assert truncation[0].end_step >= 205
    assert truncation[0].evidence["truncated_max"] > 0.3 > 0.01 > truncation[0].evidence[
        "truncated_before"]
    assert any(n.code == "config_read" and "use_kl_loss False" in n.message
               for n in result.notes)


def test_14b_math_entropy_spike_and_reward_collapse_are_found():
    result = entropylaw.diagnose(real(f"{FAMILY}/verl_qwen2.5-14b-instruct_grpo-lora_math.csv"))
    spikes = [e.step for e in result.events if e.code == "entropy_spike"]
    collapses = [e.step for e in result.events if e.code == "reward_collapse"]
    assert any(30 <= step <= 49 for step in spikes), result.events
    assert any(33 <= step <= 49 for step in collapses), result.events
    rise = [r for r in result.regimes if r.code in ("entropy_rise", "explosion")]
    assert rise and 20 <= rise[0].start_step <= 33 and rise[0].end_step >= 45
    assert result.interventions == () and result.notes[-1].code == "config_not_stated"


def test_ppo_logs_state_an_entropy_bonus():
    result = entropylaw.diagnose(real("verl_gemma-2-2b-it_ppo_gsm8k.log"))
    assert {item.key for item in result.interventions} == {"entropy_coeff", "kl_coef"}
