"""The verl console reader's one-go path for plain lines reads what the item-by-item path reads."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from entropylaw.sources.verl import ConsoleTail

LINES = [
    "(TaskRunner pid=1) step:0 - test_score/gsm8k:0.25 - x:1",
    "step:1 - actor/entropy:0.9 - critic/score/mean:0.1 - x:2",
    "step:2 - actor/entropy:0.85 - critic/score/mean:np.float64(0.2) - x:3",  # a wrapped number
    "step:3 - actor/entropy:nan - critic/score/mean:inf - x:4 - x:5",  # a key twice
    "step:4 - actor/entropy:0.8 - :0.3 - x:6",  # an empty key
    "step:5 - actor/entropy:0.75 - note - x:7",  # an item with no colon
    "step:6 - val/test_score/gsm8k:0.5 - actor/entropy:0.7",  # keys in another order
    "step:7 - actor/entropy:0.65 - critic/score/mean:abc - x:8",  # not a number
    "step:8 - actor/entropy: 0.6 - critic/score/mean:1e-3 -  x :9",  # spaces around
    "step:9 - actor/entropy:true - x:1_000",
    "step:10",
    "noise step: here",
    "step:11 - val/test_score/gsm8k:0.6 - actor/entropy:0.55",  # after a merge moved the column
]
AFTER_STEP_6 = len("\n".join(LINES[:7])) + 1  # a log() there merges, then step 11 comes


def _read(path, chunks, one_go: bool, monkeypatch):
    if not one_go:
        monkeypatch.setattr(ConsoleTail, "_common_line", lambda self, step, items: 0)
    tail = ConsoleTail(path)
    logs = []
    text = "\n".join(LINES) + "\n"
    cut = [0, *chunks, len(text)]
    for start, end in itertools.pairwise(cut):
        with path.open("a") as handle:
            handle.write(text[start:end])
        tail.poll()
        logs.append(tail.log())  # a log in between merges test_score into val/test_score
    monkeypatch.undo()
    return logs


def _contents(log):
    return (log.notes, list(log.series),
            {key: (series.steps.tolist(), series.values.tolist())
             for key, series in log.series.items()})


@pytest.mark.parametrize("chunks", [[], [200], [120, AFTER_STEP_6]])
def test_one_go_lines_read_as_item_by_item(tmp_path, monkeypatch, chunks):
    ours = _read(tmp_path / "a.log", chunks, True, monkeypatch)
    reference = _read(tmp_path / "b.log", chunks, False, monkeypatch)
    assert len(ours) == len(reference) == len(chunks) + 1
    for mine, theirs in zip(ours, reference, strict=True):
        mine_notes, mine_keys, mine_values = _contents(mine)
        their_notes, their_keys, their_values = _contents(theirs)
        assert [n.code for n in mine_notes] == [n.code for n in their_notes]
        assert mine_keys == their_keys
        assert mine_values.keys() == their_values.keys()
        for key in mine_values:
            assert mine_values[key][0] == their_values[key][0]
            assert np.array_equal(mine_values[key][1], their_values[key][1], equal_nan=True)
    last = ours[-1]
    assert last["x"].values.tolist() == [1, 2, 3, 5, 6, 7, 8, 9, 1000]  # step 3: the last
    assert last["val/test_score/gsm8k"].steps.tolist() == [0, 6, 11]
    assert last["critic/score/mean"].values.tolist() == [0.1, 0.2, np.inf, 0.001]
    assert [n.code for n in last.notes if n.code != "merged_keys"] == [
        "read_lines", "skipped_lines", "skipped_values", "duplicate_steps"]
    # the merge is told by the log() that makes it
    assert sum(n.code == "merged_keys" for log in ours for n in log.notes) == 1
