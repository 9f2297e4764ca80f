"""`entropylaw family` in-process, and its manifest: runs with sizes, predictions, JSON, errors."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from entropylaw.cli import app
from entropylaw.family import Coefficients, read_manifest
from entropylaw.run import Run

runner = CliRunner()
MANIFEST = "example_logs/family.csv"
QUICK = ("--n-resamples", "1000", "--seed", "1")
# example_logs/make_examples.py: a = 0.02 ln N + 0.18, b = 0.06 ln N + 0.62
TRUE_CEILING_14B = 0.04 * math.log(13.1) + 0.44


@pytest.fixture(autouse=True)
def in_repository(monkeypatch, examples):
    monkeypatch.chdir(examples.parent)


def invoke(*args):
    return runner.invoke(app, ["family", *args])


def write(path, text):
    path.write_text(text)
    return str(path)


def test_manifest_family_predicts_the_known_ceiling():
    result = invoke("--manifest", MANIFEST, "--predict", "Qwen2.5-14B", "--json", *QUICK)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sizes"] == [0.36, 1.31, 2.77, 6.53]
    assert data["runs"][0]["source"] == "example_logs/qwen2.5-0.5b_grpo_math.csv"
    ceiling = data["predictions"][0]["ceiling"]
    assert data["predictions"][0]["size"] == 13.1
    assert ceiling["lower"] < TRUE_CEILING_14B < ceiling["upper"]
    assert abs(ceiling["estimate"] - TRUE_CEILING_14B) < 0.01
    slope = data["a_vs_log_size"]["slope"]
    assert slope["lower"] < 0.02 < slope["upper"]
    assert data["warnings"] == []


def test_source_equals_size_arguments_give_the_same_fit_as_the_manifest():
    arguments = [f"example_logs/qwen2.5-{name}_grpo_math.csv={size}" for name, size in
                 (("0.5b", "0.36"), ("1.5b", "Qwen2.5-1.5B"), ("3b", "2.77"), ("7b", "6.53"))]
    from_arguments = invoke(*arguments, "--json", *QUICK)
    from_manifest = invoke("--manifest", MANIFEST, "--json", *QUICK)
    assert from_arguments.exit_code == 0, from_arguments.output
    first, second = json.loads(from_arguments.output), json.loads(from_manifest.output)
    assert first["a_vs_log_size"] == second["a_vs_log_size"]
    assert first["runs"][1]["model"] == "Qwen2.5-1.5B" and first["runs"][0]["model"] is None


def test_report_and_far_extrapolation_warning():
    result = invoke("--manifest", MANIFEST, "--predict", "31", *QUICK)
    assert result.exit_code == 0, result.output
    assert "predictions: a model of each size trained with the same recipe" in result.output
    assert "far_extrapolation: predicting at 31B, more than 4x beyond" in result.output


def test_two_sizes_warn_few_sizes(tmp_path):
    manifest = write(tmp_path / "two.csv", "model,a,a_lower,a_upper,b,b_lower,b_upper\n"
                                           "Qwen2.5-1.5B,18%,17%,19%,64%,62%,66%\n"
                                           "Qwen2.5-7B,0.22,0.21,0.23,0.73,0.71,0.75\n")
    result = invoke("--manifest", manifest, "--json", *QUICK)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [w["code"] for w in data["warnings"]] == ["few_sizes"]
    assert data["runs"][0]["a"]["estimate"] == pytest.approx(0.18)
    assert data["leave_one_out"] == []


def test_manifest_mixes_runs_and_given_coefficients(tmp_path):
    manifest = write(tmp_path / "mixed.csv", (
        "# published values next to a run of our own\n"
        "source,size,model,a,a_lower,a_upper,b,b_lower,b_upper,ceiling_lower,ceiling_upper,"
        "confidence\n"
        "Cui et al. Fig. 7,,Qwen2.5-0.5B,0.16,0.15,0.17,0.56,0.54,0.58,0.395,0.405,90%\n"
    ))
    members = read_manifest(manifest)
    assert isinstance(members[0], Coefficients)
    assert members[0].confidence == 0.9 and members[0].model_size == 0.36
    assert members[0].source == "Cui et al. Fig. 7"
    copy = tmp_path / "run.csv"
    copy.write_text(Path("example_logs/qwen2.5-7b_grpo_math.csv").read_text())
    with open(manifest, "a") as handle:
        handle.write("run.csv,6.53\n")
    members = read_manifest(manifest)
    assert isinstance(members[1], Run) and members[1].model_size == 6.53
    assert members[1].source == str(tmp_path / "run.csv")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"the manifest is empty"),
        ("source,size\n", r"has a header but no runs"),
        ("source,szie\nrun.csv,1\n", r"line 1: unknown column 'szie'; columns are: source, size"),
        ("size,model\n1,x\n",
         r"line 1: the header needs a 'source' column, 'a' and 'b' columns, or an 'accuracy'"),
        ("source,size\nrun.csv,1,2\n", r"line 2: 3 fields, but the header has 2"),
        ("# comment\nsource,size\nrun.csv,big\n", r"line 3: size: unknown model 'big'"),
        ("source,size\nrun.csv,-1\n", r"line 2: size must be a positive number"),
        ("source,model\nrun.csv,Qwen9-7B\n", r"line 2: unknown model 'Qwen9-7B': give its size"),
        ("source,size\nmissing.csv,1\n", r"line 2: missing.csv: no such file or directory"),
        ("source,size\n,1\n", r"line 2: give a source to read, or the coefficients a and b"),
        ("a,b,size\n0.1,,1\n", r"line 2: give both a and b, or neither"),
        ("a,b,size\n0.1,x,1\n", r"line 2: b must be a number \(a fraction, or a percent"),
        ("a,a_lower,b,size\n0.1,0.05,0.5,1\n", r"line 2: give both a_lower and a_upper"),
        ("a,a_lower,a_upper,b,size\n0.1,0.12,0.2,0.5,1\n", r"line 2: a = 0.1 is outside its"),
        ("a,b,ceiling_lower,ceiling_upper,size\n0.1,0.5,0.41,0.5,1\n",
         r"line 2: the ceiling interval \[0.41, 0.5\] does not contain b - a"),
        ("a,b,confidence,size\n0.1,0.5,95,1\n", r"line 2: confidence must be between 0 and 1"),
    ],
)
def test_manifest_errors_name_the_line(tmp_path, text, message):
    manifest = write(tmp_path / "family.csv", text)
    result = invoke("--manifest", manifest, *QUICK)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert re.search(message, result.stderr), result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Error: no runs: give SOURCE=SIZE arguments, or --manifest FILE"),
        (("example_logs/qwen2.5-7b_grpo_math.csv",),
         "Error: example_logs/qwen2.5-7b_grpo_math.csv: no model size: give its size in "
         "billions of non-embedding parameters or a known model name"),
        (("example_logs/qwen2.5-7b_grpo_math.csv=Mistral-7B",),
         "Error: 'example_logs/qwen2.5-7b_grpo_math.csv=Mistral-7B': unknown model "
         "'Mistral-7B': give its size in billions of non-embedding parameters"),
        (("example_logs/qwen2.5-7b_grpo_math.csv=",),
         "Error: 'example_logs/qwen2.5-7b_grpo_math.csv=': expected SOURCE=SIZE"),
        (("example_logs/qwen2.5-7b_grpo_math.csv=7000000000",),
         "Error: 'example_logs/qwen2.5-7b_grpo_math.csv=7000000000': size is 7e+09: sizes are "
         "in billions"),
        (("missing.csv=1",), "Error: missing.csv: no such file or directory"),
        ((MANIFEST,), f"Error: {MANIFEST} is a family manifest (a header naming its runs): "
                      f"give it with --manifest {MANIFEST}"),
        (("--manifest", "nowhere.csv"), "Error: nowhere.csv: no such manifest file"),
        (("--manifest", MANIFEST, "--predict", "huge"),
         "Error: predicted size: unknown model 'huge'"),
        (("--manifest", MANIFEST, "--predict", "0"),
         "Error: predicted size must be a positive number"),
    ],
)
def test_user_errors_print_one_line_and_exit_1(args, message):
    result = invoke(*args, *QUICK)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_usage_errors_exit_2():
    assert invoke("--no-such-option").exit_code == 2
    assert invoke("--manifest").exit_code == 2
    out_of_range = invoke("--manifest", MANIFEST, "--confidence", "1.5", *QUICK)
    assert out_of_range.exit_code == 2
    assert "Error: `confidence` must be strictly between 0 and 1" in out_of_range.stderr


def test_help_documents_the_command():
    result = runner.invoke(app, ["family", "--help"])
    assert result.exit_code == 0
    for option in ("SOURCE=SIZE", "--manifest", "--predict", "--confidence", "--seed", "--json"):
        assert option in result.output


def test_the_documented_manifest_reads_and_fits(tmp_path):
    text = Path("docs/family.md").read_text()
    block = text.split("```csv\n", 1)[1].split("```", 1)[0]
    (tmp_path / "runs").mkdir()
    for name in ("1.5b", "3b", "7b"):
        source = Path(f"example_logs/qwen2.5-{name}_grpo_math.csv")
        (tmp_path / "runs" / f"qwen2.5-{name}.csv").write_text(source.read_text())
    manifest = write(tmp_path / "family.csv", block)
    members = read_manifest(manifest)
    assert [type(m).__name__ for m in members] == ["Run", "Run", "Run", "Coefficients"]
    assert [m.model_size for m in members] == [1.31, 2.77, 6.53, 0.36]
    result = invoke("--manifest", manifest, "--json", *QUICK)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sizes"] == [0.36, 1.31, 2.77, 6.53]
    given = next(run for run in data["runs"] if run["source"] == "Cui et al. 2025 Fig. 7")
    assert given["ceiling"]["lower"] == pytest.approx(0.393, abs=0.001)
    assert given["ceiling"]["upper"] == pytest.approx(0.407, abs=0.001)
    assert "inconsistent_intervals" not in {note["code"] for note in data["notes"]}
