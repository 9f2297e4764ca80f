"""Reading wide CSV exports: detection of keys, percent rewards, and every kind of bad input."""

from __future__ import annotations

import numpy as np
import pytest

import entropylaw
from entropylaw.errors import InputError
from entropylaw.sources.csv import read_csv

HEADER = "_step,actor/entropy,val-core/math/acc/mean@1\n"


def write(tmp_path, text, name="run.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def law_csv(tmp_path, *, percent=False, extra_columns="", rows=None):
    """A wide CSV whose validation points follow R = 0.8 - 0.3 exp(H) exactly."""
    lines = [HEADER.strip() + extra_columns]
    for step in range(0, 41):
        entropy = 0.05 + 0.9 * np.exp(-step / 10)
        reward = ""
        if step % 5 == 0:
            value = 0.8 - 0.3 * np.exp(entropy)
            reward = f"{value * 100:.10f}" if percent else f"{value:.12f}"
        lines.append(f"{step},{entropy:.12f},{reward}" + ("," * extra_columns.count(",")))
    lines += rows or []
    return write(tmp_path, "\n".join(lines) + "\n")


def test_wide_export_with_empty_cells_reads_to_the_exact_law(tmp_path):
    run = entropylaw.read(law_csv(tmp_path))
    assert run.entropy_key == "actor/entropy"
    assert run.reward_key == "val-core/math/acc/mean@1"
    assert len(run.entropy) == 41 and len(run.reward) == 9
    result = entropylaw.fit(run, seed=0)
    assert result.a.estimate == pytest.approx(0.3, abs=1e-9)
    assert result.b.estimate == pytest.approx(0.8, abs=1e-9)
    assert result.notes == ()


def test_percent_rewards_become_fractions_and_the_output_says_so(tmp_path):
    run = entropylaw.read(law_csv(tmp_path, percent=True))
    assert run.reward.values.max() < 1
    assert [n.code for n in run.notes] == ["percent_rewards"]
    assert "converted to fractions" in run.notes[0].message
    assert entropylaw.fit(run, seed=0).a.estimate == pytest.approx(0.3, abs=1e-9)


def test_several_reward_columns_is_an_error_listing_them(tmp_path):
    path = write(tmp_path, "step,actor/entropy,val-core/a/acc/mean@1,val-core/b/acc/mean@1\n"
                           "0,0.9,0.1,0.2\n1,0.8,0.2,0.3\n2,0.7,0.3,0.4\n")
    with pytest.raises(InputError, match=r"2 validation keys: val-core/a/acc/mean@1, "
                                         r"val-core/b/acc/mean@1; choose one with --reward-key"):
        entropylaw.read(path)
    one = entropylaw.read(path, reward_key="val-core/b/acc/mean@1")
    assert one.reward_key == "val-core/b/acc/mean@1"
    assert list(one.reward.values) == [0.2, 0.3, 0.4]


def test_reward_mean_averages_where_all_keys_were_logged_and_reports_the_rest(tmp_path):
    path = write(tmp_path, "step,actor/entropy,val-core/a/acc/mean@1,val-core/b/acc/mean@1\n"
                           "0,0.9,0.1,0.3\n1,0.8,0.2,\n2,0.7,0.3,0.5\n")
    run = entropylaw.read(path, reward_mean=True)
    assert run.reward_key == "mean(val-core/a/acc/mean@1, val-core/b/acc/mean@1)"
    assert run.reward.steps.tolist() == [0, 2]
    assert run.reward.values.tolist() == pytest.approx([0.2, 0.4])
    codes = [n.code for n in run.notes]
    assert codes == ["reward_mean", "reward_mean_incomplete"]
    assert "steps 1" in run.notes[1].message


def test_verl_val_core_prefers_acc_over_reward(tmp_path):
    path = write(tmp_path, "_step,actor/entropy,val-core/m/reward/mean@1,val-core/m/acc/mean@1\n"
                           "0,0.9,0.5,0.1\n1,0.8,0.6,0.2\n")
    assert entropylaw.read(path).reward_key == "val-core/m/acc/mean@1"


def test_duplicate_steps_keep_the_last_row_and_are_reported(tmp_path):
    path = law_csv(tmp_path, rows=["5,0.5,0.123", "5,0.5,0.456"])
    run = entropylaw.read(path)
    assert run.reward.values[run.reward.steps == 5].tolist() == [0.456]
    duplicate = next(n for n in run.notes if n.code == "duplicate_steps")
    assert duplicate.message == (
        "2 keys (actor/entropy, val-core/math/acc/mean@1) logged a step more than once: "
        "kept the last value of each step, dropped 4 earlier values")
    assert any(n.code == "unsorted_steps" for n in run.notes)


def test_unsorted_rows_are_sorted_and_reported(tmp_path):
    path = write(tmp_path, HEADER + "2,0.7,0.3\n0,0.9,0.1\n1,0.8,0.2\n")
    run = entropylaw.read(path)
    assert run.entropy.steps.tolist() == [0, 1, 2]
    assert run.reward.values.tolist() == [0.1, 0.2, 0.3]
    assert run.notes[0].code == "unsorted_steps"


def test_nan_text_is_a_logged_nan_and_empty_is_not_logged(tmp_path):
    path = write(tmp_path, HEADER + "0,0.9,0.1\n1,nan,\n2,0.7,NaN\n3,0.6,0.4\n4,0.5,inf\n")
    run = entropylaw.read(path)
    assert run.entropy.steps.tolist() == [0, 1, 2, 3, 4]
    assert np.isnan(run.entropy.values[1])
    assert run.reward.steps.tolist() == [0, 2, 3, 4]
    pairs = run.pairs()
    assert pairs.steps.tolist() == [0, 3]
    messages = {n.code: n.message for n in pairs.notes}
    assert messages["non_finite_entropy"] == "left out 1 non-finite entropy value (steps 1)"
    assert messages["non_finite_reward"] == "left out 2 non-finite validation values (steps 2, 4)"


def test_rows_without_a_step_are_skipped_and_reported(tmp_path):
    path = write(tmp_path, HEADER + "0,0.9,0.1\n,0.85,0.15\n1,0.8,0.2\n2,0.7,0.3\n")
    log = read_csv(path)
    assert log["actor/entropy"].steps.tolist() == [0, 1, 2]
    assert log.notes[0].message == "skipped 1 row with no '_step' value (lines 3)"


def test_text_columns_are_ignored_and_listed(tmp_path):
    path = write(tmp_path, "_step,run,actor/entropy,val-core/m/acc/mean@1\n"
                           "0,alpha,0.9,0.1\n1,alpha,0.8,0.2\n")
    log = read_csv(path)
    assert "run" not in log
    assert log.notes[0].message == "ignored 1 non-numeric column: run"


def test_non_numeric_cell_in_a_used_column_names_file_line_and_column(tmp_path):
    path = write(tmp_path, HEADER + "0,0.9,0.1\n1,0.8,oops\n")
    with pytest.raises(InputError, match=r"run.csv: line 3, column 'val-core/math/acc/mean@1': "
                                         r"expected a number, found 'oops'"):
        entropylaw.read(path)


def test_wandb_panel_export_columns_are_recognised(tmp_path):
    path = write(tmp_path, "Step,myrun - actor/entropy,myrun - actor/entropy__MIN,"
                           "myrun - actor/entropy__MAX,myrun - val-core/m/acc/mean@1\n"
                           "0,0.9,0.9,0.9,0.1\n1,0.8,0.8,0.8,0.2\n2,0.7,0.7,0.7,0.3\n")
    run = entropylaw.read(path)
    assert (run.entropy_key, run.reward_key) == ("actor/entropy", "val-core/m/acc/mean@1")
    assert run.notes[0].code == "panel_export"


def test_long_format_key_step_value(tmp_path):
    path = write(tmp_path, "key,step,value\nactor/entropy,0,0.9\nactor/entropy,1,0.8\n"
                           "val-core/m/acc/mean@1,0,0.1\nactor/entropy,2,0.7\n"
                           "val-core/m/acc/mean@1,2,0.3\n")
    run = entropylaw.read(path)
    assert run.entropy.values.tolist() == [0.9, 0.8, 0.7]
    assert run.reward.steps.tolist() == [0, 2]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file or directory"),
        ("", "the file is empty"),
        ("_step,actor/entropy\n", "the file has a header but no rows"),
        ("a,b\n1,2\n", r"no step column \(looked for train/global_step"),
        ("_step,loss,val-core/m/acc/mean@1\n0,1,0.1\n",
         r"no entropy key found .*keys are: loss, val-core/m/acc/mean@1; name one with "
         r"--entropy-key"),
        ("_step,actor/entropy,loss\n0,0.9,1\n",
         r"no validation-accuracy key found; keys are: actor/entropy, loss; name one with "
         r"--reward-key"),
        ("_step,actor/entropy,val-core/m/acc/mean@1\n0.5,0.9,0.1\n",
         r"key 'actor/entropy' has a step that is not a whole number \(0.5\)"),
    ],
)
def test_bad_files_give_one_line_messages(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=message) as info:
        entropylaw.read(path)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_named_keys_that_do_not_exist_list_the_keys(tmp_path):
    path = law_csv(tmp_path)
    with pytest.raises(InputError, match=r"no key 'entropy'; keys are: actor/entropy, val-core"):
        entropylaw.read(path, entropy_key="entropy")
    with pytest.raises(InputError, match=r"no key 'val/x'; keys are"):
        entropylaw.read(path, reward_key="val/x")
    with pytest.raises(InputError, match=r"no column 'iteration'"):
        entropylaw.read(path, step_key="iteration")


def law_rows(separator=",", decimal="."):
    """The rows of law_csv with another separator and decimal mark."""
    lines = [HEADER.strip().replace(",", separator)]
    for step in range(0, 41):
        entropy = 0.05 + 0.9 * np.exp(-step / 10)
        reward = f"{0.8 - 0.3 * np.exp(entropy):.12f}" if step % 5 == 0 else ""
        cells = [str(step), f"{entropy:.12f}", reward]
        lines.append(separator.join(cell.replace(".", decimal) for cell in cells))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("name", "separator", "decimal"), [
    ("run.tsv", "\t", "."), ("run.csv", ";", "."), ("run.csv", ";", ","), ("run.tsv", "\t", ","),
    ("run.txt", "\t", "."),
])
def test_tab_and_semicolon_files_with_either_decimal_mark_read_to_the_exact_law(
        tmp_path, name, separator, decimal):
    run = entropylaw.read(write(tmp_path, law_rows(separator, decimal), name))
    assert (run.entropy_key, run.reward_key) == ("actor/entropy", "val-core/math/acc/mean@1")
    assert len(run.entropy) == 41 and len(run.reward) == 9
    reference = entropylaw.read(law_csv(tmp_path))
    assert np.array_equal(run.entropy.values, reference.entropy.values)
    assert np.array_equal(run.reward.values, reference.reward.values)
    result = entropylaw.fit(run, seed=0)
    assert result.a.estimate == pytest.approx(0.3, abs=1e-9)


def test_decimal_comma_in_a_text_column_is_parsed_and_a_bad_cell_still_named(tmp_path):
    text = "_step;actor/entropy;val-core/m/acc/mean@1\n0;0,9;nan\n1;0,8;0,2\n2;0,7;oops\n"
    with pytest.raises(InputError, match=r"line 4, column 'val-core/m/acc/mean@1': expected a "
                                         r"number, found 'oops'"):
        entropylaw.read(write(tmp_path, text))
    run = entropylaw.read(write(tmp_path, text.replace("oops", "0,3")))
    assert run.reward.values[1:].tolist() == [0.2, 0.3] and np.isnan(run.reward.values[0])


def test_gzipped_csv_reads_like_the_plain_file(tmp_path):
    import gzip

    plain = law_csv(tmp_path)
    packed = tmp_path / "run.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    run, reference = entropylaw.read(packed), entropylaw.read(plain)
    assert run.source == str(packed)
    assert np.array_equal(run.reward.values, reference.reward.values)
    assert np.array_equal(run.entropy.steps, reference.entropy.steps)
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(b"not gzip at all\n")
    with pytest.raises(InputError, match=r"broken.csv.gz: not a readable gzipped CSV"):
        entropylaw.read(broken)


def test_repeated_column_names_are_an_error_where_used_and_a_note_elsewhere(tmp_path):
    # pandas alone would rename the second 'val-core/...' to '...mean@1.1' and use the first
    path = write(tmp_path, "_step,actor/entropy,val-core/m/acc/mean@1,val-core/m/acc/mean@1\n"
                           "0,0.9,0.1,0.5\n1,0.8,0.2,0.6\n")
    with pytest.raises(InputError, match=r"run.csv: 2 columns are named 'val-core/m/acc/mean@1' "
                                         r"\(columns 3, 4\): rename them so each name is unique"):
        entropylaw.read(path)
    path = write(tmp_path, "_step,loss,actor/entropy,loss ,val-core/m/acc/mean@1\n"
                           "0,1,0.9,2,0.1\n1,1,0.8,2,0.2\n")
    log = read_csv(path)
    assert "loss" not in log and "loss.1" not in log
    assert [n.message for n in log.notes] == ["ignored 2 columns sharing a name: loss"]
    with pytest.raises(InputError, match=r"2 columns are named 'loss'"):
        entropylaw.read(path, entropy_key="loss")


def test_nan_and_empty_stay_apart_in_a_column_pandas_parses_as_numbers(tmp_path):
    # a column of numbers and empty cells only: pandas' parser gives floats; empty = not logged
    path = write(tmp_path, HEADER + "0,0.9,0.1\n1,0.8,\n2,0.7,0.3\n3,0.6,\n")
    log = read_csv(path)
    assert log["val-core/math/acc/mean@1"].steps.tolist() == [0, 2]
    assert log["actor/entropy"].values.tolist() == [0.9, 0.8, 0.7, 0.6]


def test_header_names_are_kept_as_written(tmp_path):
    """Names that look like numbers or NaN words stay text, a padded one is stripped, and a
    quoted one keeps its separator."""
    path = write(tmp_path, '_step, 1e3 ,nan,"a,b",007,actor/entropy,val-core/m/acc/mean@1\n'
                           "1,1,2,3,4,0.5,0.2\n2,1,2,3,4,0.4,0.3\n")
    log = read_csv(path)
    assert {"1e3", "nan", "a,b", "007", "actor/entropy"} <= set(log.keys)
    assert log["007"].values.tolist() == [4.0, 4.0]


def test_a_column_without_a_name_is_named_as_pandas_names_it(tmp_path):
    path = write(tmp_path, "_step,,actor/entropy,val-core/m/acc/mean@1\n1,5,0.5,0.2\n2,6,0.4,0.3\n")
    log = read_csv(path)
    assert log.keys == ["Unnamed: 1", "actor/entropy", "val-core/m/acc/mean@1"]
    assert log["Unnamed: 1"].values.tolist() == [5.0, 6.0]
