"""verl console logs (the real public logs, and crafted lines for each trap) and verl JSONL."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

import entropylaw
from entropylaw.cli import app
from entropylaw.errors import InputError
from entropylaw.sources import detect_format, read_log
from entropylaw.sources.verl import parse_number

DEEPSEEK = "verl_deepseek-llm-7b-chat_grpo_gsm8k.log"
GEMMA = "verl_gemma-2-2b-it_ppo_gsm8k.log"
QWEN7B = "verl_qwen2-7b-instruct_gpg_math-gsm8k.log"
QWEN05B = "verl_qwen2.5-0.5b-instruct_ppo_gsm8k_resp256.log"
GSM8K_VAL = "val-core/openai/gsm8k/reward/mean@1"
MATH_VAL = "val-core/DigitalLearningGmbH/MATH-lighteval/reward/mean@1"


def notes_of(log) -> dict[str, str]:
    return {notice.code: notice.message for notice in log.notes}


# --- the real logs: values checked against the text of the files -------------------------------

def test_deepseek_log_series(real_logs):
    log = read_log(real_logs / DEEPSEEK)
    entropy = log["actor/entropy_loss"]
    assert len(entropy) == 1119
    assert entropy.steps[:3].tolist() == [1, 2, 3]
    assert entropy.values[:3].tolist() == [0.389, 0.392, 0.361]
    reward = log["val/test_score/openai/gsm8k"]
    assert reward.steps.tolist() == list(range(10, 1121, 10))
    assert reward.values[:3].tolist() == [0.648, 0.668, 0.672]
    assert reward.values[-1] == 0.697  # the last line holds only the final validation
    assert notes_of(log)["read_lines"] == ("read 1120 metric lines (lines 53-2552); "
                                           "other output ignored")


def test_gemma_log_merges_the_two_step_zero_lines(real_logs):
    log = read_log(real_logs / GEMMA)
    reward = log["val/test_score/openai/gsm8k"]
    # step 0 is printed on two lines: the validation before training, then the first update
    assert reward.steps.tolist() == [0, *range(9, 100, 10)]
    assert reward.values[:2].tolist() == [0.521, 0.546]
    assert log["actor/entropy_loss"].steps[0] == 0
    assert log["actor/entropy_loss"].values[0] == 0.419
    assert "test_score/openai/gsm8k" not in log
    assert "merged_keys" in notes_of(log)
    assert "duplicate_steps" not in notes_of(log)


def test_qwen7b_log_with_ray_prefix_colour_codes_and_progress_bars(real_logs):
    log = read_log(real_logs / QWEN7B)
    assert log["actor/entropy"].steps.tolist() == list(range(1, 211))
    assert log["actor/entropy"].values[0] == 0.354
    for key, first in ((GSM8K_VAL, 0.221), (MATH_VAL, 0.514)):
        assert len(log[key]) == 43
        assert log[key].values[0] == first
    assert {"skipped_lines", "skipped_values", "not_utf8"}.isdisjoint(notes_of(log))


def test_qwen05b_log(real_logs):
    log = read_log(real_logs / QWEN05B)
    assert log["actor/entropy_loss"].steps.tolist() == list(range(435))
    assert log["val/test_score/openai/gsm8k"].steps.tolist() == list(range(9, 430, 10))
    assert log["val/test_score/openai/gsm8k"].values[:3].tolist() == [0.0, 0.002, 0.384]


@pytest.mark.parametrize("name", [DEEPSEEK, GEMMA, QWEN7B, QWEN05B])
def test_every_real_log_is_recognised_and_fits(real_logs, name):
    assert detect_format(real_logs / name) == "verl-log"
    run = entropylaw.read(real_logs / name, reward_mean=True)
    assert run.entropy_key in {"actor/entropy", "actor/entropy_loss"}
    result = CliRunner().invoke(app, ["fit", str(real_logs / name), "--reward-mean", "--json",
                                      "--seed", "0", "--n-resamples", "200"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["a"]["estimate"] is not None


# --- crafted lines: one trap each -----------------------------------------------------------

CRAFTED = (
    "++ python3 -m verl.trainer.main_ppo\n"
    "\x1b[36m(TaskRunner pid=42)\x1b[0m step:0 - val-core/x/acc/mean@4:np.float64(0.25)\n"
    "\x1b[36m(TaskRunner pid=42)\x1b[0m step:1 - actor/entropy:np.float64(0.5)"
    " - actor/pg_loss:-0.01\n"
    "(TaskRunner pid=42) Training Progress:  50%|##   | 1/2\r"
    "step:2 - actor/entropy:0.4 - actor/pg_loss:nan - timing/s:1e-3\n"
    "Let's think step by step: step:3 is not a metric line\n"
    "step:3 - actor/entropy:0.3 - broken - perf/note:fast\n"
    "step:4\n"
    "step:4 - actor/entropy:tensor(0.2, device='cuda:0') - val-core/x/acc/mean@4:0.75\n"
)


def write(tmp_path, text: str | bytes, name: str = "run.log"):
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


def test_crafted_log_values_and_notes(tmp_path):
    log = read_log(write(tmp_path, CRAFTED))
    assert log["actor/entropy"].steps.tolist() == [1, 2, 3, 4]
    assert log["actor/entropy"].values.tolist() == [0.5, 0.4, 0.3, 0.2]
    assert log["val-core/x/acc/mean@4"].values.tolist() == [0.25, 0.75]
    pg_loss = log["actor/pg_loss"].values
    assert pg_loss[0] == -0.01 and math.isnan(pg_loss[1])  # NaN kept, not dropped
    assert log["timing/s"].values.tolist() == [0.001]
    notes = notes_of(log)
    assert notes["read_lines"] == "read 5 metric lines (lines 2-8); other output ignored"
    assert notes["skipped_lines"] == ("skipped 1 line starting 'step:N' with no key:value "
                                      "items (lines 7)")
    assert notes["skipped_values"] == "skipped 2 items that were not key:number (broken, perf/note)"


def test_non_utf8_bytes_do_not_stop_parsing(tmp_path):
    text = (b"step:1 - actor/entropy:0.5\n"
            b"sample: caf\xe9 \xff\xfe na\xefve\n"
            b"step:2 - actor/entropy:0.25 - note\xe9:1.0\n")
    log = read_log(write(tmp_path, text))
    assert log["actor/entropy"].values.tolist() == [0.5, 0.25]
    assert notes_of(log)["not_utf8"] == ("2 lines held bytes that are not UTF-8 (lines 2, 3): "
                                         "replaced, parsing went on")


def test_repeated_step_keeps_the_last_line_and_says_so(tmp_path):
    log = read_log(write(tmp_path, "step:1 - actor/entropy:0.5\nstep:1 - actor/entropy:0.6\n"))
    assert log["actor/entropy"].values.tolist() == [0.6]
    message = notes_of(log)["duplicate_steps"]
    assert "(actor/entropy)" in message and "dropped 1 earlier value" in message


@pytest.mark.parametrize(("text", "value"), [
    ("0.35", 0.35), ("-1e-4", -1e-4), ("np.float64(0.35)", 0.35), ("np.int64(7)", 7.0),
    ("numpy.float32(2.5)", 2.5), ("tensor(0.1, device='cuda:0')", 0.1), ("True", 1.0),
    ("inf", math.inf), ("abc", None), ("np.str_('x')", None), ("", None),
])
def test_parse_number(text, value):
    assert parse_number(text) == value


def test_nan_values_parse_as_nan():
    assert math.isnan(parse_number("np.float64(nan)"))
    assert math.isnan(parse_number("nan"))


def test_txt_file_is_sniffed(tmp_path):
    assert detect_format(write(tmp_path, CRAFTED, "stdout.txt")) == "verl-log"
    assert detect_format(write(tmp_path, "step,actor/entropy\n1,0.5\n", "run.txt")) == "csv"


def test_log_without_metric_lines_is_an_error(tmp_path):
    path = write(tmp_path, "Training Progress: 10%\nstep by step\n")
    with pytest.raises(InputError, match=r"run\.log: no verl metric lines found \(expected "
                                         r"lines like 'step:1 - actor/entropy:0.35 - \.\.\.'\)"):
        read_log(path)


def test_empty_log_is_an_error(tmp_path):
    with pytest.raises(InputError, match=r"run\.log: the file is empty"):
        read_log(write(tmp_path, "\n\n"))


def test_cli_names_the_file_when_a_log_has_no_metrics(tmp_path):
    path = write(tmp_path, "nothing here\n")
    result = CliRunner().invoke(app, ["fit", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: no verl metric lines found")


# --- verl JSONL file logger -----------------------------------------------------------------

def test_jsonl_round_trip_with_null_as_nan(tmp_path):
    rng = np.random.default_rng(0)
    entropy = rng.uniform(0.1, 0.6, 20)
    lines = []
    for step in range(1, 21):
        data = {"actor/entropy": float(entropy[step - 1]),
                "actor/pg_loss": None if step == 7 else 0.1}
        if step % 5 == 0:
            data["val-core/x/acc/mean@1"] = step / 100
        lines.append(json.dumps({"step": step, "data": data}))
    path = write(tmp_path, "\n".join(lines) + '\n{"step": 21, "data": {"actor/ent', "m.jsonl")
    log = read_log(path)
    assert detect_format(path) == "verl-jsonl"
    assert log["actor/entropy"].values.tolist() == entropy.tolist()  # exact, every digit
    assert log["val-core/x/acc/mean@1"].steps.tolist() == [5, 10, 15, 20]
    pg_loss = log["actor/pg_loss"]
    assert len(pg_loss) == 20 and math.isnan(pg_loss.values[6])
    notes = notes_of(log)
    assert notes["null_values"] == "read 1 null value as NaN (verl writes NaN as null)"
    assert notes["skipped_lines"] == ("skipped 1 line that held no JSON object with a "
                                      "whole-number step (lines 21)")


def test_jsonl_without_metrics_is_an_error(tmp_path):
    with pytest.raises(InputError, match=r"m\.jsonl: no metrics found"):
        read_log(write(tmp_path, '{"note": "hello"}\n', "m.jsonl"))
