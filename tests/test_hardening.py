"""Bad inputs found by the hostile audit (issue 15), each reproduced: what the user gets."""

from __future__ import annotations

import csv
import json
import os
import socket

import numpy as np
import pytest
from typer.testing import CliRunner

import entropylaw
from entropylaw._text import clean, clean_message, clean_report, listing
from entropylaw.cli import app
from entropylaw.errors import InputError
from entropylaw.sources import FORMATS, READERS, detect_format, read_log

PASSWORD = "hunter2"
API_KEY = "0123456789abcdef0123456789abcdef01234567"
RUN_ID = "0123456789abcdef0123456789abcdef"
FAST = ["--n-resamples", "200", "--seed", "0"]
ENTROPY, REWARD = "actor/entropy", "val-core/math/acc/mean@1"


def invoke(*args, env=None):
    return CliRunner().invoke(app, [str(arg) for arg in args], env=env)


def write_run(path, *, reward=None, entropy=None, extra=()):
    """A wide CSV of a simulated run (a = 0.3, b = 0.8), with columns changed as asked."""
    run = entropylaw.simulate_run(n_steps=200, validate_every=5, b=0.9, seed=1)
    pairs = run.pairs()
    h = pairs.entropy if entropy is None else entropy(pairs.entropy)
    r = pairs.reward if reward is None else reward(pairs.reward)
    rows = [["step", ENTROPY, REWARD, *(name for name, _ in extra)]]
    for i, step in enumerate(pairs.steps):
        rows.append([step, repr(float(h[i])), repr(float(r[i])),
                     *(repr(float(value)) for _, value in extra)])
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the sanitiser ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "shown", "hidden"), [
    (f"http://alice:{PASSWORD}@127.0.0.1:9", "http://***@127.0.0.1:9", PASSWORD),
    (f"WANDB_API_KEY={API_KEY}", "WANDB_API_KEY=***", API_KEY),
    (f'{{"password": "{PASSWORD}"}}', '"password": "***"', PASSWORD),
    ("token ghp_abcdefghijklmnopqrstuvwx", "token ***", "ghp_"),
    ("\x1b[2J\x1b]0;pwned\x07title", "\\x1b[2J\\x1b]0;pwned\\x07title", "\x1b"),
    ("a\u202eb\nc", "a\\u202eb\\nc", "\u202e"),
])
def test_clean_redacts_secrets_and_escapes_terminal_controls(text, shown, hidden):
    assert shown in clean(text)
    assert hidden not in clean(text)


def test_clean_caps_echoed_text_and_keeps_both_ends():
    assert len(clean("k" * 10_000)) == 200
    message = clean_message("file.csv: columns are: " + "k" * 10_000_000 + "; name it")
    assert len(message) < 600
    assert message.startswith("file.csv: columns are: kkk") and message.endswith("; name it")
    assert len(listing(["x" * 5000, "y"])) < 220


def test_clean_report_keeps_lines_but_escapes_them():
    assert clean_report("a\n\x1b[31mb\n") == "a\n\\x1b[31mb\n"


def test_every_error_message_is_made_safe_where_it_is_raised():
    error = InputError(f"{'x' * 5000}\x1b[2J at http://u:{PASSWORD}@h\nsecond line")
    assert "\n" not in str(error) and "\x1b" not in str(error) and PASSWORD not in str(error)
    assert len(str(error)) <= 600


# --- secrets (audit item 2) -----------------------------------------------------------------

def test_an_unreachable_mlflow_server_is_named_without_its_password(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri = f"http://alice:{PASSWORD}@127.0.0.1:{closed_port()}"
    result = invoke("keys", f"mlflow:{RUN_ID}", env={"MLFLOW_TRACKING_URI": uri})
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot reach the MLflow server at http://***@127.0.0.1:")
    assert "connection refused" in result.stderr
    assert PASSWORD not in result.output and "no run with id" not in result.output


def test_an_unknown_mlflow_host_is_a_dns_failure_not_a_missing_run():
    result = invoke("keys", f"mlflow:{RUN_ID}", "--tracking-uri",
                    f"http://alice:{PASSWORD}@no-such-host.invalid:5000")
    assert "host 'no-such-host.invalid' is not known" in result.stderr
    assert PASSWORD not in result.output


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty, not an MLflow store"),
    (b"not a database at all, just text", "not a sqlite database"),
])
def test_a_sqlite_store_that_is_not_one_says_so(tmp_path, content, message):
    store = tmp_path / "mlflow.db"
    store.write_bytes(content)
    result = invoke("keys", f"mlflow:{RUN_ID}", "--tracking-uri", f"sqlite:///{store}")
    assert message in result.stderr
    assert store.read_bytes() == content  # reading never writes a store


@pytest.mark.parametrize(("name", "content"), [
    (".env", f"WANDB_API_KEY={API_KEY}\nMLFLOW_TRACKING_PASSWORD={PASSWORD}\n"),
    (".git-credentials", f"https://alice:{PASSWORD}@github.com\n"),
    ("shadow", f"root:$6$salt${PASSWORD}:19000:0:99999:7:::\n"),
    ("notes.txt", f"password = {PASSWORD}\n"),
])
def test_a_secret_file_given_as_a_source_is_refused_without_echoing_it(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    for command in (["keys"], ["fit"], ["import", "-o", tmp_path / "out.csv"]):
        result = invoke(*command, path)
        assert result.exit_code == 1
        assert "unrecognised source" in result.stderr
        assert PASSWORD not in result.output and API_KEY not in result.output


def test_a_one_column_csv_is_refused_without_quoting_its_first_line(tmp_path):
    path = tmp_path / "shadow.csv"
    path.write_text(f"root:$6$salt${PASSWORD}:19000:0:99999:7:::\nbin:*:19000::::::\n")
    result = invoke("keys", path)
    assert "the first line is not a CSV header (it holds no comma)" in result.stderr
    assert PASSWORD not in result.output


def test_a_deeply_nested_trainer_state_is_an_input_error(tmp_path):
    path = tmp_path / "trainer_state.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    result = invoke("keys", path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: not valid JSON (maximum recursion depth")


def test_a_secret_in_a_csv_header_is_redacted_in_the_columns_listing(tmp_path):
    path = tmp_path / "leak.csv"
    path.write_text(f"time,WANDB_API_KEY={API_KEY}\n1,2\n")
    result = invoke("keys", path)
    assert "columns are: time, WANDB_API_KEY=***" in result.stderr
    assert API_KEY not in result.output


# --- W&B without a network (audit item 6) ---------------------------------------------------

def test_wandb_without_a_network_fails_at_once_naming_the_server(monkeypatch):
    """The client itself would wait about a minute, then blame its service process."""
    from entropylaw.sources import wandb_online

    monkeypatch.setenv("WANDB_BASE_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("WANDB_API_KEY", API_KEY)
    with pytest.raises(InputError, match=r"cannot reach the W&B server at http://127\.0\.0\.1"):
        wandb_online.connect()


# --- terminal escapes and formula injection (items 4, 5) -------------------------------------

def test_terminal_escapes_in_key_names_never_reach_the_terminal(tmp_path):
    evil = "\x1b[2J\x1b]0;pwned\x07evil"
    path = write_run(tmp_path / "esc.csv", extra=[(evil, 0.5)])
    for args in (["keys", path], ["fit", path, "--reward-key", "nope"],
                 ["keys", path, "--json"]):
        result = invoke(*args)
        assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b[2J\\x1b]0;pwned\\x07evil" in invoke("keys", path).output


def test_import_escapes_formula_like_column_names_and_says_so(tmp_path):
    names = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"]
    path = write_run(tmp_path / "formula.csv", extra=[(name, 0.5) for name in names])
    out = tmp_path / "out.csv"
    result = invoke("import", path, "-o", out, "--json")
    header = out.read_text().splitlines()[0]
    assert header == ('step,actor/entropy,val-core/math/acc/mean@1,"\'=HYPERLINK(""http://x"")",'
                      "'+1,'-2,'@SUM(A1)")
    notes = {n["code"]: n["message"] for n in json.loads(result.stdout)["notes"]}
    assert "4 column names began with =, +, -, @" in notes["formula_escaped"]
    back, given = read_log(out)[ENTROPY].values, read_log(path)[ENTROPY].values
    assert back.tolist() == given.tolist()  # the numbers are untouched


# --- reward scale, degenerate inputs (items 8, 10) ------------------------------------------

def test_scores_between_1_and_2_are_an_error_not_percent(tmp_path):
    path = write_run(tmp_path / "s.csv", reward=lambda r: 1 + r / 2)
    result = invoke("fit", path, *FAST)
    assert result.exit_code == 1
    assert "neither fractions (0-1) nor percent (0-100, reaching above 1.5)" in result.stderr
    raw = invoke("fit", path, *FAST, "--reward-scale", "raw", "--json")
    assert "reward_not_accuracy" in {w["code"] for w in json.loads(raw.stdout)["warnings"]}


def test_a_reward_reaching_153_is_an_error_not_a_ceiling_of_thousands_of_percent(tmp_path):
    path = write_run(tmp_path / "s.csv", reward=lambda r: r * 190)
    result = invoke("fit", path, *FAST)
    assert "runs from" in result.stderr and "neither fractions" in result.stderr
    assert "%" not in result.stdout


@pytest.mark.parametrize(("change", "code"), [
    ({"reward": lambda r: np.full_like(r, 0.5)}, "constant_reward"),
    ({"entropy": lambda h: h - 0.5}, "entropy_out_of_range"),
    ({"entropy": lambda h: 1 + 6.5 * h / h.max()}, "entropy_out_of_range"),
])
def test_degenerate_inputs_carry_a_coded_warning(tmp_path, change, code):
    result = invoke("fit", write_run(tmp_path / "d.csv", **change), *FAST, "--json")
    assert code in {w["code"] for w in json.loads(result.stdout)["warnings"]}


def test_a_loose_ceiling_interval_beyond_100_percent_is_flagged():
    run = entropylaw.simulate_run(n_steps=80, validate_every=5, noise_sd=0.05, a=0.2, b=1.15,
                                  entropy_end=0.7, seed=2)
    result = entropylaw.fit(run, seed=0, n_resamples=300)
    assert result.ceiling.estimate < 1 < result.ceiling.upper
    assert "ceiling_interval_out_of_range" in {w.code for w in result.warnings}


# --- resources (item 13) -----------------------------------------------------------------------

def test_a_fifo_is_refused_instead_of_blocking(tmp_path):
    fifo = tmp_path / "stream"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"a named pipe \(FIFO\), not a file"):
        detect_format(fifo)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_is_refused_instead_of_filling_memory():
    result = invoke("keys", "/dev/zero")
    assert result.stderr == ("Error: /dev/zero: a device, not a file; entropylaw reads regular "
                             "files only (save the stream to a file first)\n")


def test_a_huge_header_gives_a_short_error_line(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("time," + "k" * 2_000_000 + "\n1,2\n")
    result = invoke("fit", path)
    assert result.exit_code == 1
    assert len(result.stderr) < 600 and result.stderr.count("\n") == 1


def test_the_format_of_a_suffixless_file_is_told_from_a_bounded_prefix(tmp_path):
    from entropylaw.sources import SNIFF_BYTES

    path = tmp_path / "stdout"
    path.write_text("x" * SNIFF_BYTES + "\nstep:1 - actor/entropy:0.5 - val:0.1\n")
    with pytest.raises(InputError, match="unrecognised source"):
        detect_format(path)


# --- the registry (issue 13) and notes carried (item 1) ---------------------------------------

def test_every_reader_in_the_registry_resolves_and_takes_known_options():
    for reader in READERS:
        assert callable(reader.function(reader.read))
        assert reader.runs is None or callable(reader.function(reader.runs))
        assert reader.options <= {"step_key", "wanted", "tracking_uri"}
    assert list(FORMATS) == [reader.name for reader in READERS]


def test_an_option_a_format_cannot_use_is_one_error_for_all(tmp_path):
    path = write_run(tmp_path / "r.csv")
    with pytest.raises(InputError, match="--tracking-uri does not apply to a CSV export"):
        read_log(path, tracking_uri="sqlite:///x.db")


def test_reader_notes_reach_every_result_of_fit_keys_and_import(tmp_path):
    path = write_run(tmp_path / "dup.csv")
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[5]]) + "\n")  # step 20 logged twice
    fit = json.loads(invoke("fit", path, *FAST, "--json").stdout)
    keys = json.loads(invoke("keys", path, "--json").stdout)
    written = json.loads(invoke("import", path, "-o", tmp_path / "o.csv", "--json").stdout)
    for result in (fit, keys, written):
        assert "duplicate_steps" in {n["code"] for n in result["notes"]}
