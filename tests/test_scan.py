"""Every run below a folder of logs (sources/scan.py), with runs written by the real tools."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from test_sources_cli import tensorboard_run, verl_jsonl

import entropylaw
from entropylaw.sources.scan import runs_below

pytest_plugins = ["source_writers"]
DEEPSEEK = "verl_deepseek-llm-7b-chat_grpo_gsm8k.log"


def test_a_folder_of_logs_in_every_format_gives_each_run_once(real_logs, wandb_runs, tmp_path):
    root = tmp_path / "logs"
    (root / "verl").mkdir(parents=True)
    shutil.copy(real_logs / DEEPSEEK, root / "verl" / "deepseek.log")
    jsonl_dir = root / "jsonl"
    jsonl_dir.mkdir()
    verl_jsonl(jsonl_dir)
    tensorboard_run(root / "tensorboard")  # root/tensorboard/tb/events...
    shutil.copytree(wandb_runs.folder, root / "wandb_runs" / "wandb", symlinks=True)
    (root / "README.md").write_text("# notes\n")
    (root / "verl" / "LICENSE").write_text("MIT\n")
    (root / "verl" / "plot.png").write_bytes(b"\x89PNG")
    (root / "notes.bin").write_bytes(b"\x00\x01")
    (root / "empty.csv").write_text("")

    found = runs_below(root)

    relative = sorted(str(Path(s).relative_to(root)) for s in found.sources)
    assert relative == sorted(["jsonl/metrics.jsonl", "tensorboard/tb", "verl/deepseek.log",
                               f"wandb_runs/wandb/{wandb_runs.trl.name}",
                               f"wandb_runs/wandb/{wandb_runs.verl.name}"])
    left_out = {Path(n.message.split(": ")[0]).name for n in found.skipped}
    assert left_out == {"notes.bin", "empty.csv"}
    assert all(n.code == "not_a_run" for n in found.skipped)
    for source in found.sources:  # each one reads as a run with entropy and validation
        run = entropylaw.read(source)
        assert run.entropy.values.size and run.reward.values.size


def test_the_real_logs_folder_gives_its_nine_runs(real_logs):
    found = runs_below(real_logs)
    names = sorted(Path(s).name for s in found.sources)
    assert len(names) == 9 and names[0] == "verl_deepseek-llm-7b-chat_grpo_gsm8k.log"
    assert found.skipped == ()  # the READMEs are passed over, not reported


def test_a_file_is_not_a_folder(tmp_path):
    import pytest

    from entropylaw.errors import InputError

    path = tmp_path / "run.csv"
    path.write_text("step,entropy,acc\n")
    with pytest.raises(InputError, match="not a folder"):
        runs_below(path)


def test_a_trainer_state_folder_is_one_run(tmp_path):
    run = tmp_path / "logs" / "trl-run"
    (run / "checkpoint-10").mkdir(parents=True)
    history = [{"step": s, "entropy": 0.5 - 0.001 * s, "eval_accuracy": 0.3 + 0.001 * s}
               for s in range(10, 110, 10)]
    (run / "checkpoint-10" / "trainer_state.json").write_text(json.dumps({"log_history": []}))
    (run / "trainer_state.json").write_text(json.dumps({"log_history": history}))
    found = runs_below(tmp_path / "logs")
    assert found.sources == (str(run),)


def test_backtest_takes_a_folder_of_runs_and_reports_what_it_left_out(tmp_path):
    from typer.testing import CliRunner

    from entropylaw.cli import app

    examples = Path(__file__).resolve().parents[1] / "example_logs"
    (tmp_path / "runs" / "big").mkdir(parents=True)
    shutil.copy(examples / "qwen2.5-0.5b_grpo_math.csv", tmp_path / "runs")
    shutil.copy(examples / "qwen2.5-7b_grpo_math.csv", tmp_path / "runs" / "big")
    (tmp_path / "runs" / "notes.bin").write_bytes(b"\x00\x01")
    result = CliRunner().invoke(app, ["backtest", str(tmp_path / "runs"), "--fractions", "0.15",
                                      "--json", "--n-resamples", "200"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert sorted({row["run"] for row in report["scores"]}) == [
        "qwen2.5-0.5b_grpo_math.csv", "qwen2.5-7b_grpo_math.csv"]
    assert [n["code"] for n in report["skipped"]][:1] == ["not_a_run"]
    assert "notes.bin" in report["skipped"][0]["message"]

    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(app, ["backtest", str(tmp_path / "empty")])
    assert result.exit_code != 0
    assert result.output.startswith("Error: ") and "no run below this folder" in result.output
