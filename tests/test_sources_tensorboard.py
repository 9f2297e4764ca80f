"""TensorBoard event files written by TensorBoard's own writer (no torch)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from entropylaw.errors import InputError, MissingDependencyError
from entropylaw.sources import detect_format, find_runs, read_log
from entropylaw.sources.tensorboard import TensorboardTail


def write_events(folder, points, *, suffix=""):
    """points: (wall_time, step, tag, value) tuples, written in order to one new event file."""
    writer = EventFileWriter(str(folder), filename_suffix=suffix)
    for wall_time, step, tag, value in points:
        value_proto = summary_pb2.Summary.Value(tag=tag, simple_value=value)
        writer.add_event(event_pb2.Event(wall_time=wall_time, step=step,
                                         summary=summary_pb2.Summary(value=[value_proto])))
    writer.close()


def write_tensor_scalars(folder, points):
    """Scalars as TensorFlow 2 writes them: float64 tensors of the 'scalars' plugin."""
    from tensorboard.compat.proto import tensor_pb2, types_pb2

    writer = EventFileWriter(str(folder), filename_suffix=".v2")
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))
    for wall_time, step, tag, value in points:
        tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_DOUBLE, double_val=[value])
        value_proto = summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=metadata)
        writer.add_event(event_pb2.Event(wall_time=wall_time, step=step,
                                         summary=summary_pb2.Summary(value=[value_proto])))
    writer.close()


def test_more_than_ten_thousand_points_all_come_back(tmp_path):
    rng = np.random.default_rng(1)
    values = rng.uniform(0.1, 0.9, 12_000).astype(np.float32)
    points = [(1000.0 + i, i, "actor/entropy", float(v)) for i, v in enumerate(values)]
    write_events(tmp_path, [*points, (1000.0, 0, "val-core/x/acc/mean@4", math.nan)])
    log = read_log(tmp_path)
    assert detect_format(tmp_path) == "tensorboard"
    assert log["actor/entropy"].steps.tolist() == list(range(12_000))  # no 10,000 sampling
    # simple_value is float32: the float32 written comes back exactly
    np.testing.assert_array_equal(log["actor/entropy"].values, values.astype(float))
    assert math.isnan(log["val-core/x/acc/mean@4"].values[0])  # '@' kept (torch keeps tags)


def test_resumed_run_keeps_the_latest_wall_time(tmp_path):
    write_events(tmp_path, [(100.0 + s, s, "actor/entropy", 0.5) for s in range(6)], suffix=".a")
    # the resumed run rewrote steps 3-5 later, then went on
    write_events(tmp_path, [(500.0 + s, s, "actor/entropy", 0.25) for s in range(3, 8)],
                 suffix=".b")
    log = read_log(tmp_path)
    assert log["actor/entropy"].steps.tolist() == list(range(8))
    assert log["actor/entropy"].values.tolist() == [0.5, 0.5, 0.5] + [0.25] * 5
    notes = {n.code: n.message for n in log.notes}
    assert notes["read_events"] == "read 11 points of 1 scalar tag from 2 event files"
    assert notes["duplicate_steps"].startswith("1 key (actor/entropy) logged a step more than "
                                               "once")


def test_wall_time_decides_even_when_the_older_value_is_read_last(tmp_path):
    write_events(tmp_path, [(900.0, 4, "actor/entropy", 0.75)], suffix=".a")
    write_events(tmp_path, [(100.0, 4, "actor/entropy", 0.125)], suffix=".b")
    assert read_log(tmp_path)["actor/entropy"].values.tolist() == [0.75]


def test_tensor_scalars_come_back_as_float64(tmp_path):
    write_tensor_scalars(tmp_path, [(10.0, 1, "train/entropy", 0.1234567890123),
                                    (11.0, 2, "train/entropy", 0.2)])
    assert read_log(tmp_path)["train/entropy"].values.tolist() == [0.1234567890123, 0.2]


def test_a_folder_of_runs(tmp_path):
    for name in ("run-a", "run-b"):
        write_events(tmp_path / name, [(1.0, 1, "actor/entropy", 0.5)])
    assert find_runs(tmp_path) == [str(tmp_path / "run-a"), str(tmp_path / "run-b")]
    with pytest.raises(InputError, match=r"holds 2 runs; name one: .*run-a, .*run-b") as read:
        read_log(tmp_path)
    with pytest.raises(InputError) as followed:  # `watch` follows a run: the same message
        TensorboardTail(tmp_path)
    assert str(followed.value) == str(read.value)
    assert read_log(tmp_path / "run-b")["actor/entropy"].values.tolist() == [0.5]


def test_one_event_file(tmp_path):
    write_events(tmp_path, [(1.0, 3, "actor/entropy", 0.5)])
    file = next(tmp_path.glob("events.out.tfevents.*"))
    assert detect_format(file) == "tensorboard"
    assert read_log(file)["actor/entropy"].steps.tolist() == [3]


def test_event_files_without_scalars(tmp_path):
    EventFileWriter(str(tmp_path)).close()
    with pytest.raises(InputError, match=r": the event files hold no scalars$"):
        read_log(tmp_path)


def test_missing_tensorboard_names_the_extra(tmp_path, monkeypatch):
    write_events(tmp_path, [(1.0, 1, "actor/entropy", 0.5)])
    monkeypatch.setitem(__import__("sys").modules,
                        "tensorboard.compat.proto.event_pb2", None)
    with pytest.raises(MissingDependencyError,
                       match=r'Reading TensorBoard event files needs the \'tensorboard\' package: '
                             r'pip install "entropylaw\[tensorboard\]"'):
        read_log(tmp_path)
