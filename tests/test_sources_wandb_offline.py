"""W&B offline runs written by wandb itself: every series back exactly, on its own step axis;
truncated files; the LevelDB-style framing."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from entropylaw.errors import InputError
from entropylaw.sources import detect_format, find_runs, read_log, read_logs
from entropylaw.sources.wandb_file import BLOCK, HEADER, payloads

pytest_plugins = ["source_writers"]
VAL_KEY = "val-core/gsm8k/acc/mean@4"


def notes_of(log) -> dict[str, str]:
    return {notice.code: notice.message for notice in log.notes}


def assert_series(log, key, truth):
    series = log[key]
    assert series.steps.tolist() == truth.steps
    np.testing.assert_array_equal(series.values, np.array(truth.values))  # NaN equals NaN


def wandb_file(run_folder):
    return next(run_folder.glob("*.wandb"))


def test_verl_like_run_comes_back_exactly(wandb_runs):
    log = read_log(wandb_runs.verl)
    for key, truth in wandb_runs.verl_truth.items():
        assert_series(log, key, truth)
    assert log.step_key == "_step"
    assert log.metadata["run_id"] == "verlrun1"
    assert log.metadata["name"] == "verl-like"
    assert log.metadata["project"] == "entropylaw-tests"
    notes = notes_of(log)
    assert notes["read_rows"] == "read 201 history rows"
    # val/generations (70,000 characters at step 50) spans three 32 KiB blocks
    assert notes["non_numeric_keys"] == "ignored 1 non-numeric key: val/generations"
    assert "truncated_file" not in notes and "unfinished_run" not in notes


def test_trl_like_run_is_on_train_global_step(wandb_runs):
    log = read_log(wandb_runs.trl)
    assert log.step_key == "train/global_step"
    for key, truth in wandb_runs.trl_truth.items():
        assert_series(log, key, truth)
    assert "step_axes" not in notes_of(log)


def test_step_key_puts_every_key_on_the_row_counter(wandb_runs):
    log = read_log(wandb_runs.trl, step_key="_step")
    # 40 training rows and 4 evaluation rows, in write order: _step counts rows, not updates
    assert log["train/entropy"].steps[:3].tolist() == [0, 1, 2]
    assert log["eval/reward"].steps.tolist() == [10, 21, 32, 43]


def test_the_file_and_the_run_folder_read_the_same(wandb_runs):
    file = wandb_file(wandb_runs.verl)
    assert detect_format(file) == "wandb-offline"
    by_file, by_folder = read_log(file), read_log(wandb_runs.verl)
    assert by_file.keys == by_folder.keys
    np.testing.assert_array_equal(by_file["actor/entropy"].values,
                                  by_folder["actor/entropy"].values)


def test_a_wandb_folder_holds_several_runs(wandb_runs):
    # runs sort by folder name: offline-run-<date>-<id>
    runs = sorted([str(wandb_runs.verl), str(wandb_runs.trl)])
    assert find_runs(wandb_runs.folder) == runs
    with pytest.raises(InputError, match=r"wandb: holds 2 runs; name one: .*offline-run-.*, "
                                         r".*offline-run-"):
        read_log(wandb_runs.folder)
    logs = read_logs(wandb_runs.folder)
    assert [log.metadata["run_id"] for log in logs] == [run[-8:] for run in runs]


def test_fit_reads_the_run(wandb_runs):
    import entropylaw

    run = entropylaw.read(wandb_runs.verl)
    assert run.entropy_key == "actor/entropy"
    assert run.reward_key == VAL_KEY


# --- crashed runs: the file ends anywhere ---------------------------------------------------

def test_truncated_file_yields_the_complete_records(wandb_runs, tmp_path):
    data = wandb_file(wandb_runs.verl).read_bytes()
    cut = tmp_path / "run-cut.wandb"
    cut.write_bytes(data[: len(data) // 2])
    log = read_log(cut)
    truth = wandb_runs.verl_truth["actor/entropy"]
    entropy = log["actor/entropy"]
    assert 0 < len(entropy) < len(truth.steps)
    # what was read is exactly the beginning of what was written
    assert entropy.steps.tolist() == truth.steps[: len(entropy)]
    np.testing.assert_array_equal(entropy.values, truth.values[: len(entropy)])
    notes = notes_of(log)
    assert notes["truncated_file"].startswith("run-cut.wandb stops at byte ")
    assert f"of {len(data) // 2:,}: the file ends inside a record" in notes["truncated_file"]
    assert "unfinished_run" in notes


@pytest.mark.parametrize("fraction", [0.1, 0.37, 0.5, 0.81, 0.999])
def test_any_cut_point_reads_a_prefix_of_the_run(wandb_runs, tmp_path, fraction):
    data = wandb_file(wandb_runs.verl).read_bytes()
    cut = tmp_path / "run-cut.wandb"
    cut.write_bytes(data[: int(len(data) * fraction)])
    log = read_log(cut)
    truth = wandb_runs.verl_truth["actor/entropy"]
    steps = log["actor/entropy"].steps.tolist() if "actor/entropy" in log else []
    assert steps == truth.steps[: len(steps)]


def test_a_file_cut_in_its_first_records_is_an_error(wandb_runs, tmp_path):
    cut = tmp_path / "run-cut.wandb"
    cut.write_bytes(wandb_file(wandb_runs.verl).read_bytes()[:200])
    with pytest.raises(InputError, match=r"run-cut\.wandb: the run logged no numeric history \("
                                         r"the file ends inside a record at byte \d+\)"):
        read_log(cut)


def test_not_a_wandb_file(tmp_path):
    path = tmp_path / "run-x.wandb"
    path.write_bytes(b"hello world")
    with pytest.raises(InputError, match=r"run-x\.wandb: not a W&B run file"):
        read_log(path)


def test_empty_run_folder(tmp_path):
    with pytest.raises(InputError, match="a directory holding no run entropylaw recognises"):
        read_log(tmp_path)


# --- the framing, on hand-made files --------------------------------------------------------

def chunk(kind: int, data: bytes) -> bytes:
    checksum = zlib.crc32(data, zlib.crc32(bytes((kind,))))
    return struct.pack("<IHB", checksum, len(data), kind) + data


def test_framing_joins_a_record_split_across_blocks():
    first = b"a" * (BLOCK - 2 * 7)  # fills block 0 after the file header and chunk header
    data = HEADER + chunk(2, first) + chunk(4, b"bcd")
    assert len(HEADER) + 7 + len(first) == BLOCK
    records, stop = payloads(data)
    assert records == [first + b"bcd"] and stop is None


def test_framing_skips_block_padding():
    filler = b"f" * (BLOCK - 7 - 7 - 3)  # leaves 3 bytes: padding
    data = HEADER + chunk(1, filler) + b"\0\0\0" + chunk(1, b"next")
    records, stop = payloads(data)
    assert records == [filler, b"next"] and stop is None


def test_framing_stops_at_a_bad_checksum():
    bad = bytearray(chunk(1, b"two"))
    bad[-1] ^= 0xFF
    records, stop = payloads(HEADER + chunk(1, b"one") + bytes(bad) + chunk(1, b"three"))
    assert records == [b"one"]
    assert (stop.offset, stop.reason) == (7 + 7 + 3, "a chunk fails its checksum")


def test_framing_reports_a_record_left_unfinished():
    records, stop = payloads(HEADER + chunk(1, b"one") + chunk(2, b"par"))
    assert records == [b"one"]
    assert (stop.offset, stop.reason) == (17, "the file ends between the parts of a record")


def test_unknown_step_key_lists_the_keys(wandb_runs):
    with pytest.raises(InputError, match=r"run-trlrun01\.wandb: no key 'iteration' to use as "
                                         r"the step; keys are: _runtime, _step, _timestamp, "
                                         r"eval/reward, train/entropy, train/global_step$"):
        read_log(wandb_runs.trl, step_key="iteration")
