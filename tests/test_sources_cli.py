"""``entropylaw keys`` and ``entropylaw import``, and how every source reaches the commands."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter
from typer.testing import CliRunner

from entropylaw.cli import app
from entropylaw.errors import InputError
from entropylaw.sources import detect_format, read_log, read_logs

pytest_plugins = ["source_writers"]
DEEPSEEK = "verl_deepseek-llm-7b-chat_grpo_gsm8k.log"
FIT = ["--json", "--seed", "0", "--n-resamples", "200"]


def invoke(*args):
    return CliRunner().invoke(app, [str(arg) for arg in args])


# --- sources of every kind, written by their own tools -----------------------------------

def verl_jsonl(tmp_path):
    rng = np.random.default_rng(7)
    lines = []
    for step in range(1, 81):
        data = {"actor/entropy": float(0.05 + 0.5 * np.exp(-step / 30) + rng.normal(0, 0.004))}
        if step % 5 == 0:
            data["val-core/m/acc/mean@1"] = None if step == 40 else float(
                0.7 - 0.4 * np.exp(-step / 30) + rng.normal(0, 0.005))
        lines.append(json.dumps({"step": step, "data": data}))
    path = tmp_path / "metrics.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def tensorboard_run(tmp_path):
    rng = np.random.default_rng(8)
    writer = EventFileWriter(str(tmp_path / "tb"))
    for step in range(1, 81):
        values = [summary_pb2.Summary.Value(tag="actor/entropy", simple_value=float(
            0.05 + 0.5 * np.exp(-step / 30) + rng.normal(0, 0.004)))]
        if step % 5 == 0:
            values.append(summary_pb2.Summary.Value(tag="val-core/m/acc/mean@1", simple_value=float(
                0.7 - 0.4 * np.exp(-step / 30) + rng.normal(0, 0.005))))
        writer.add_event(event_pb2.Event(wall_time=1000.0 + step, step=step,
                                         summary=summary_pb2.Summary(value=values)))
    writer.close()
    return tmp_path / "tb"


@pytest.fixture
def sources(real_logs, wandb_runs, mlflow_store, tmp_path):
    """(source, extra CLI options) of one run in each format."""
    return {
        "verl-log": (real_logs / DEEPSEEK, []),
        "verl-jsonl": (verl_jsonl(tmp_path), []),
        "tensorboard": (tensorboard_run(tmp_path), []),
        "wandb-offline": (wandb_runs.verl, []),
        "wandb-offline (trl)": (wandb_runs.trl, []),
        "mlflow": (f"mlflow:{mlflow_store.run_id}", ["--tracking-uri", mlflow_store.uri]),
    }


@pytest.mark.parametrize("kind", ["verl-log", "verl-jsonl", "tensorboard", "wandb-offline",
                                  "wandb-offline (trl)", "mlflow"])
def test_import_then_fit_equals_fit(sources, kind, tmp_path):
    source, options = sources[kind]
    out = tmp_path / "run.csv"
    imported = invoke("import", source, "-o", out, *options)
    assert imported.exit_code == 0, imported.output
    direct, again = invoke("fit", source, *options, *FIT), invoke("fit", out, *FIT)
    assert direct.exit_code == 0, direct.output
    assert again.exit_code == 0, again.output
    first, second = json.loads(direct.stdout), json.loads(again.stdout)
    for name in ("a", "b", "ceiling"):
        assert first[name] == second[name], name
    # every series, not just the fit: the CSV reads back to the same numbers and steps
    original, reread = read_log(source, tracking_uri=options[1] if options else None), read_log(out)
    for key in reread.keys:
        assert reread[key].steps.tolist() == original[key].steps.tolist(), key
        np.testing.assert_array_equal(reread[key].values, original[key].values)


def test_csv_cells_tell_nan_from_not_logged(wandb_runs, tmp_path):
    out = tmp_path / "run.csv"
    assert invoke("import", wandb_runs.verl, "-o", out, "--key", "actor/entropy",
                  "--key", "val-core/gsm8k/acc/mean@4").exit_code == 0
    rows = {int(row["_step"]): row for row in csv.DictReader(out.open())}
    assert rows[17]["actor/entropy"] == "nan"  # logged as NaN
    assert rows[70]["val-core/gsm8k/acc/mean@4"] == "nan"
    assert rows[11]["val-core/gsm8k/acc/mean@4"] == ""  # not logged at step 11
    assert rows[0]["actor/entropy"] == ""
    truth = wandb_runs.verl_truth["actor/entropy"]
    assert float(rows[5]["actor/entropy"]) == truth.values[4]  # every digit kept


def test_import_leaves_step_counters_out(wandb_runs, tmp_path):
    out = tmp_path / "run.csv"
    result = invoke("import", wandb_runs.trl, "-o", out)
    assert result.exit_code == 0
    header = out.read_text().splitlines()[0].split(",")
    assert header[0] == "train/global_step" and header.count("train/global_step") == 1
    assert "step_counters_left_out: left out 1 step counter" in result.stdout


def test_import_to_standard_output(real_logs):
    result = invoke("import", real_logs / DEEPSEEK, "-o", "-", "--key", "actor/entropy_loss")
    assert result.stdout.splitlines()[:3] == ["step,actor/entropy_loss", "1,0.389", "2,0.392"]
    assert result.stderr.startswith("wrote 1119 rows x 1 key to - (step column 'step')")


def test_keys_lists_every_key(real_logs):
    result = invoke("keys", real_logs / DEEPSEEK)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"{real_logs / DEEPSEEK}  (verl console log; step axis 'step')"
    assert lines[3].split() == ["actor/entropy_loss", "1119", "1-1119", "entropy", "(verl", "<=",
                                "0.4.0)"]
    assert lines[4].split() == ["val/test_score/openai/gsm8k", "112", "10-1120", "reward",
                                "(verl", "<=", "0.3)"]
    assert ("detected  entropy actor/entropy_loss; validation val/test_score/openai/gsm8k"
            in lines)


def test_keys_json(wandb_runs):
    result = invoke("keys", wandb_runs.trl, "--json")
    table = json.loads(result.stdout)
    assert table["step_key"] == "train/global_step"
    assert table["detected"] == {"entropy": "train/entropy", "reward": ["eval/reward"]}
    rows = {row["key"]: row for row in table["keys"]}
    assert rows["eval/reward"] == {"key": "eval/reward", "points": 4, "finite": 4,
                                   "first_step": 50, "last_step": 200, "role": "reward",
                                   "framework": "TRL (W&B/TensorBoard)", "approximate": False}


def test_keys_flags_approximate_entropy(tmp_path):
    path = tmp_path / "nemo.jsonl"
    path.write_text('{"step": 1, "data": {"train/approx_entropy": 0.4, "validation/accuracy": '
                    '0.5}}\n')
    table = json.loads(invoke("keys", path, "--json").stdout)
    rows = {row["key"]: row for row in table["keys"]}
    assert rows["train/approx_entropy"]["approximate"] is True
    assert rows["validation/accuracy"]["framework"] == "NeMo-RL"


# --- errors: one line, the right exit code ----------------------------------------------------

def test_missing_source():
    result = invoke("keys", "no/such/run.log")
    assert (result.exit_code, result.stderr) == (1, "Error: no/such/run.log: no such file or "
                                                    "directory\n")


def test_import_needs_an_output(real_logs):
    result = invoke("import", real_logs / DEEPSEEK)
    assert result.exit_code == 2
    assert "Missing option '--output' / '-o'" in result.stderr


def test_import_unknown_key(real_logs, tmp_path):
    result = invoke("import", real_logs / DEEPSEEK, "-o", tmp_path / "x.csv", "--key", "nope")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {real_logs / DEEPSEEK}: no key 'nope'; keys are: ")


def test_import_into_a_missing_folder(real_logs, tmp_path):
    result = invoke("import", real_logs / DEEPSEEK, "-o", tmp_path / "nope" / "x.csv")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {tmp_path / 'nope' / 'x.csv'}: no such directory "
                             f"'{tmp_path / 'nope'}'\n")


def test_fit_on_a_folder_of_runs_lists_them(wandb_runs):
    result = invoke("fit", wandb_runs.folder)
    assert result.exit_code == 1
    runs = ", ".join(sorted([str(wandb_runs.verl), str(wandb_runs.trl)]))
    assert result.stderr == f"Error: {wandb_runs.folder}: holds 2 runs; name one: {runs}\n"


def test_unrecognised_file(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"\0")
    with pytest.raises(InputError, match=r"model\.bin: unrecognised source \(expected a CSV file"):
        detect_format(path)


def test_step_key_is_refused_where_it_has_no_meaning(real_logs):
    result = invoke("keys", real_logs / DEEPSEEK, "--step-key", "x")
    assert result.exit_code == 1
    assert result.stderr.endswith("--step-key does not apply to a verl console log (step:N - "
                                  "key:value lines)\n")


def test_read_logs_of_one_run(real_logs):
    logs = read_logs(real_logs / DEEPSEEK)
    assert len(logs) == 1 and "actor/entropy_loss" in logs[0]
