"""The readers' tails: resuming where they stopped, half-written ends, restarts, truncation."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest

from entropylaw.errors import InputError
from entropylaw.sources import read_log
from entropylaw.sources.tail import follow

pytest_plugins = ["source_writers"]


def notes_of(log):
    return {n.code: n.message for n in log.notes}


def test_console_tail_holds_a_half_written_line_until_it_ends(tmp_path):
    path = tmp_path / "run.log"
    path.write_text("step:1 - actor/entropy:0.5 - val/acc:0.25\nstep:2 - actor/entropy:0.4 - val/a")
    tail = follow(path)
    assert tail.poll() == 2
    assert tail.offset == len("step:1 - actor/entropy:0.5 - val/acc:0.25\n")
    with path.open("a") as handle:
        handle.write("cc:0.75\nprogress 10%|#")
    assert tail.poll() == 2
    log = tail.log()
    assert log["val/acc"].values.tolist() == [0.25, 0.75]
    assert log["actor/entropy"].steps.tolist() == [1, 2]
    assert tail.poll() == 0  # nothing new


def test_a_log_cut_inside_a_number_leaves_the_cut_value_out(tmp_path):
    """Issue 15 item 3: 'val/acc:0.' of a cut line is not read as accuracy 0.0."""
    path = tmp_path / "run.log"
    path.write_text("step:1 - actor/entropy:0.5 - val/acc:0.25\n"
                    "step:2 - actor/entropy:0.4 - val/acc:0.")
    log = read_log(path)
    assert log["val/acc"].steps.tolist() == [1]
    assert log["actor/entropy"].values.tolist() == [0.5, 0.4]  # the complete items are kept
    assert notes_of(log)["cut_last_line"] == (
        "the last line (line 2) has no line end (cut while being written?): left out its last "
        "item, which may be cut short: 'val/acc:0.'")


def test_tail_reads_the_same_as_a_full_read_however_the_file_grows(tmp_path, real_logs):
    source = real_logs / "verl_deepseek-llm-7b-chat_grpo_gsm8k.log"
    data = source.read_bytes()
    path = tmp_path / "growing.log"
    path.write_bytes(b"")
    tail = follow(source)  # detects the format; then follow the copy
    tail = type(tail)(path)
    rng = np.random.default_rng(3)
    cuts = np.sort(rng.integers(0, len(data), 40))
    written = 0
    for cut in [*cuts.tolist(), len(data)]:
        with path.open("ab") as handle:
            handle.write(data[written:cut])
        written = cut
        tail.poll()
    grown, full = tail.log(), read_log(source)
    assert grown.keys == full.keys
    for key in full.keys:
        np.testing.assert_array_equal(grown[key].steps, full[key].steps)
        np.testing.assert_array_equal(grown[key].values, full[key].values)


def test_restarted_run_and_replaced_file_are_noted(tmp_path):
    path = tmp_path / "run.log"
    path.write_text("".join(f"step:{s} - actor/entropy:0.5\n" for s in range(1, 6)))
    tail = follow(path)
    tail.poll()
    with path.open("a") as handle:
        handle.write("step:3 - actor/entropy:0.25\n")
    tail.poll()
    log = tail.log()
    assert notes_of(log)["restarted_run"].startswith("steps went back from 5 to 3 at line 6")
    assert log["actor/entropy"].values.tolist() == [0.5, 0.5, 0.25, 0.5, 0.5]
    path.write_text("step:1 - actor/entropy:0.125\n")  # a new run in the same file
    tail.poll()
    assert [n.code for n in tail.notices()] == ["file_restarted"]
    assert tail.log()["actor/entropy"].values.tolist() == [0.125]


def test_jsonl_tail_and_a_deeply_nested_line(tmp_path):
    path = tmp_path / "m.jsonl"
    lines = [json.dumps({"step": s, "data": {"actor/entropy": 1 / s}}) for s in (1, 2)]
    path.write_text("\n".join(lines) + "\n" + "[" * 100_000 + "\n" + '{"step": 3, "da')
    tail = follow(path)
    tail.poll()
    assert tail.log()["actor/entropy"].steps.tolist() == [1, 2]
    with path.open("a") as handle:
        handle.write('ta": {"actor/entropy": 0.25}}\n')
    tail.poll()
    log = tail.log()
    assert log["actor/entropy"].values.tolist() == [1.0, 0.5, 0.25]
    assert notes_of(log)["skipped_lines"].endswith("(lines 3)")  # no RecursionError


def _write_events(folder, n):
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(str(folder))
    for step in range(n):
        value = summary_pb2.Summary.Value(tag="actor/entropy", simple_value=1.0 / (step + 1))
        writer.add_event(event_pb2.Event(wall_time=1000.0 + step, step=step,
                                         summary=summary_pb2.Summary(value=[value])))
    writer.close()
    return next(folder.glob("events.out.tfevents.*"))


def test_truncated_tensorboard_file_reports_its_byte(tmp_path):
    """Issue 15 item 11: the tail of a cut event file is reported, with its offset."""
    file = _write_events(tmp_path, 300)
    data = file.read_bytes()
    file.write_bytes(data[:len(data) - 30])
    log = read_log(tmp_path)
    steps = log["actor/entropy"].steps
    assert steps.tolist() == list(range(steps.size)) and 290 < steps.size < 300
    message = notes_of(log)["truncated_file"]
    assert f"of {len(data) - 30:,}: the file ends inside a record" in message


def test_corrupt_tensorboard_record_is_reported(tmp_path):
    file = _write_events(tmp_path, 300)
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    file.write_bytes(bytes(data))
    log = read_log(tmp_path)
    assert len(log["actor/entropy"]) < 160
    assert "fails its checksum" in notes_of(log)["truncated_file"]


def test_tensorboard_tail_follows_a_growing_file(tmp_path):
    file = _write_events(tmp_path / "full", 50)
    data = file.read_bytes()
    (tmp_path / "live").mkdir()
    target = tmp_path / "live" / file.name
    target.write_bytes(data[:1000])
    tail = follow(tmp_path / "live")
    tail.poll()
    first = len(tail.log()["actor/entropy"])
    target.write_bytes(data)
    tail.poll()
    assert 0 < first < 50 and len(tail.log()["actor/entropy"]) == 50


def test_wandb_tail_reads_a_growing_file_like_a_full_read(tmp_path, wandb_runs):
    """The real .wandb bytes, appended at arbitrary cuts (inside chunks, inside a record split
    across blocks): the tail ends with what a full read gives."""
    source = next(wandb_runs.verl.glob("*.wandb"))
    data = source.read_bytes()
    folder = tmp_path / "run"
    folder.mkdir()
    target = folder / source.name
    target.write_bytes(data[:3])
    tail = follow(folder)
    for cut in [*np.linspace(5, len(data), 25).astype(int).tolist()]:
        target.write_bytes(data[:cut])
        tail.poll()
    grown, full = tail.log(), read_log(wandb_runs.verl)
    for key in full.keys:
        np.testing.assert_array_equal(grown[key].values, full[key].values)


def test_mlflow_tail_picks_up_new_points(tmp_path, mlflow_store):
    from mlflow import MlflowClient

    client = MlflowClient(mlflow_store.uri)
    experiment = client.create_experiment(f"tail-{tmp_path.name}")
    run = client.create_run(experiment).info.run_id
    for step in range(5):
        client.log_metric(run, "actor/entropy", 0.5 - 0.05 * step, step=step, timestamp=step)
    tail = follow(f"mlflow:{run}", tracking_uri=mlflow_store.uri)
    assert tail.poll() == 5
    assert tail.poll() == 0
    client.log_metric(run, "actor/entropy", 0.2, step=5, timestamp=5)
    client.log_metric(run, "actor/entropy", math.nan, step=6, timestamp=6)
    assert tail.poll() == 2
    assert tail.poll() == 0  # NaN is not new again
    tail.focus(["actor/entropy"])
    client.log_metric(run, "actor/entropy", 0.9, step=2, timestamp=7)  # a restart rewrites step 2
    assert tail.poll() == 1
    log = tail.log()
    assert log["actor/entropy"].values[2] == 0.9
    assert "steps went back" in notes_of(log)["restarted_run"]


def test_csv_cannot_be_followed(tmp_path, examples):
    path = tmp_path / "run.csv"
    shutil.copy(next(examples.glob("*.csv")), path)
    with pytest.raises(InputError, match="cannot be followed"):
        follow(path)


def test_follow_yields_one_update_per_point_and_survives_a_merged_key(tmp_path):
    """The library loop, driven by its own sleep: early verl's step-0 key is merged into the
    later name once that appears, and following goes on with the merged key."""
    from entropylaw.watching.follow import Stopped, watch

    rng = np.random.default_rng(2)
    path = tmp_path / "run.log"
    path.write_text("step:0 - test_score/openai/gsm8k:0.3\n")
    batches = []
    for start in range(1, 60, 10):
        text = ""
        for step in range(start, start + 10):
            entropy = 0.05 + 0.5 * math.exp(-step / 20)
            text += f"step:{step} - actor/entropy_loss:{entropy:.4f}"
            if step % 5 == 0:
                accuracy = 0.8 - 0.3 * math.exp(entropy) + rng.normal(0, 0.005)
                text += f" - val/test_score/openai/gsm8k:{accuracy:.4f}"
            text += "\n"
        batches.append(text)
    clock = [0.0]

    def sleep(seconds):
        clock[0] += seconds
        if batches:
            with path.open("a") as handle:
                handle.write(batches.pop(0))

    updates = list(watch(path, every=1.0, timeout=3.0, sleep=sleep, clock=lambda: clock[0]))
    assert isinstance(updates[-1], Stopped) and updates[-1].reason == "timeout"
    counts = [u.n_points for u in updates[:-1]]
    assert counts == list(range(1, 14))  # steps 0, 5, ..., 60: none lost or twice
    assert updates[-2].last_step == 60
    assert updates[-2].ceiling is None or 0 <= updates[-2].ceiling.estimate <= 1


def test_watch_option_errors_are_one_line(tmp_path):
    from typer.testing import CliRunner

    from entropylaw.cli import app

    path = tmp_path / "run.log"
    path.write_text("step:1 - actor/entropy:0.5\n")
    for options, message, code in [
        (["--log-to", "foo"], "Error: --log-to must be one of mlflow, wandb, got 'foo'\n", 2),
        (["--log-run", "x"], "Error: --log-run needs --log-to (mlflow or wandb)\n", 2),
        (["--log-to", "mlflow"], f"Error: {path}: --log-to mlflow needs an mlflow: source or "
                                 f"--log-run RUN_ID\n", 1),
    ]:
        result = CliRunner().invoke(app, ["watch", str(path), "--timeout", "0", *options])
        assert result.exit_code == code and result.output == message  # 2: an option's value


def test_event_file_corrupt_from_its_first_scalar_says_where(tmp_path):
    file = _write_events(tmp_path, 3)
    data = bytearray(file.read_bytes())
    data[-5] ^= 0xFF  # inside the last record's data: the first two still read
    file.write_bytes(bytes(data))
    assert len(read_log(tmp_path)["actor/entropy"]) == 2
    data = bytearray(file.read_bytes())
    length = int.from_bytes(data[:8], "little")  # the first record holds the file version
    first_scalar = 8 + 4 + length + 4
    data[first_scalar + 14] ^= 0xFF
    file.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"the event files hold no scalars \(a record fails its "
                                         r"checksum at byte [\d,]+\)$"):
        read_log(tmp_path)


def _simulated_rows(n=120):
    run = __import__("entropylaw").simulate_run(a=0.3, b=0.8, n_steps=n, seed=11)
    rewards = dict(zip(run.reward.steps.tolist(), run.reward.values.tolist(), strict=True))
    return run, [(step, entropy, rewards.get(step)) for step, entropy in
                 zip(run.entropy.steps.tolist(), run.entropy.values.tolist(), strict=True)]


@pytest.mark.parametrize("form", ["jsonl", "tensorboard"])
def test_watch_reads_jsonl_and_tensorboard_runs(tmp_path, form):
    """`watch --timeout 0` on a finished run of each remaining form: the update's ceiling is the
    forecast of the same run."""
    from typer.testing import CliRunner

    from entropylaw import forecast
    from entropylaw.cli import app

    run, rows = _simulated_rows()
    if form == "jsonl":
        source = tmp_path / "metrics.jsonl"
        source.write_text("".join(json.dumps({"step": s, "data": {
            "actor/entropy": h, **({} if r is None else {"val-core/x/acc/mean@1": r})}}) + "\n"
            for s, h, r in rows))
    else:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        source = tmp_path / "tb"
        writer = EventFileWriter(str(source))
        for step, entropy, reward in rows:
            values = [summary_pb2.Summary.Value(tag="actor/entropy", simple_value=entropy)]
            if reward is not None:
                values.append(summary_pb2.Summary.Value(tag="val-core/x/acc/mean@1",
                                                        simple_value=reward))
            writer.add_event(event_pb2.Event(wall_time=1000.0 + step, step=step,
                                             summary=summary_pb2.Summary(value=values)))
        writer.close()
    result = CliRunner().invoke(app, ["watch", str(source), "--timeout", "0", "--json-lines"])
    assert result.exit_code == 0, result.output
    update = json.loads(result.output.splitlines()[0])
    assert update["n_points"] == len(run.reward) and update["last_step"] == 120
    read = read_log(source)
    assert read["val-core/x/acc/mean@1"].steps.tolist() == run.reward.steps.tolist()
    from entropylaw.run import select

    expected = forecast(select(read), seed=0).ceiling
    assert update["ceiling"]["estimate"] == pytest.approx(expected.estimate, abs=1e-12)
