"""MLflow runs from a real sqlite store, a legacy mlruns folder and a real mlflow server."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from entropylaw.cli import app
from entropylaw.errors import InputError
from entropylaw.sources import detect_format, find_runs, read_log, read_logs

pytest_plugins = ["source_writers"]
VAL_KEY = "val-core/gsm8k/acc/mean@4"


def notes_of(log) -> dict[str, str]:
    return {notice.code: notice.message for notice in log.notes}


def assert_truth(log, truth):
    for key, series in truth.items():
        assert log[key].steps.tolist() == series.steps, key
        np.testing.assert_array_equal(log[key].values, np.array(series.values))


def test_run_by_id_comes_back_exactly(mlflow_store):
    log = read_log(f"mlflow:{mlflow_store.run_id}", tracking_uri=mlflow_store.uri)
    assert detect_format(f"mlflow:{mlflow_store.run_id}") == "mlflow"
    assert_truth(log, mlflow_store.truth)  # NaN kept; '_at_' read back as '@'
    assert "val-core/gsm8k/acc/mean_at_4" not in log
    notes = notes_of(log)
    assert notes["at_keys"] == ("read '_at_' as '@' in 1 key (verl rewrites '@' for MLflow): "
                                "val-core/gsm8k/acc/mean_at_4")
    # step 20 was written twice; the later timestamp (written first) wins
    assert notes["duplicate_steps"].startswith(f"1 key ({VAL_KEY}) logged a step more than once")
    assert log.metadata["name"] == "verl-like"
    assert log.metadata["experiment"] == "entropylaw-tests"


def test_run_by_name_within_an_experiment(mlflow_store):
    log = read_log("mlflow:entropylaw-tests/verl-like", tracking_uri=mlflow_store.uri)
    assert log.metadata["run_id"] == mlflow_store.run_id
    by_name = read_log("mlflow:verl-like", tracking_uri=mlflow_store.uri)
    assert by_name.metadata["run_id"] == mlflow_store.run_id


def test_tracking_uri_from_the_environment(mlflow_store, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_store.uri)
    assert read_log(f"mlflow:{mlflow_store.run_id}").metadata["run_id"] == mlflow_store.run_id


def test_an_experiment_names_many_runs(mlflow_store):
    runs = find_runs("mlflow:entropylaw-tests", tracking_uri=mlflow_store.uri)
    assert runs == [f"mlflow:{mlflow_store.run_id}", runs[1]] and len(runs) == 2
    with pytest.raises(InputError, match=r"^mlflow:entropylaw-tests: holds 2 runs; name one: "
                                         rf"mlflow:{mlflow_store.run_id}, mlflow:"):
        read_log("mlflow:entropylaw-tests", tracking_uri=mlflow_store.uri)
    logs = read_logs("mlflow:entropylaw-tests", tracking_uri=mlflow_store.uri)
    assert [log.metadata["name"] for log in logs] == ["verl-like", "second"]


def test_legacy_mlruns_folder(mlflow_store):
    log = read_log(f"mlflow:{mlflow_store.legacy_run_id}", tracking_uri=str(mlflow_store.legacy))
    assert_truth(log, mlflow_store.truth)


@pytest.mark.slow
def test_real_server(mlflow_server, mlflow_store):
    log = read_log("mlflow:entropylaw-tests/verl-like", tracking_uri=mlflow_server)
    assert_truth(log, mlflow_store.truth)
    assert log.metadata["tracking_uri"] == mlflow_server


@pytest.mark.slow
def test_cli_fit_over_the_server(mlflow_server, mlflow_store, tmp_path):
    address = f"mlflow:{mlflow_store.run_id}"
    fit = ["--json", "--seed", "0", "--n-resamples", "200"]
    direct = CliRunner().invoke(app, ["fit", address, "--tracking-uri", mlflow_server, *fit])
    assert direct.exit_code == 0, direct.output
    out = tmp_path / "run.csv"
    imported = CliRunner().invoke(app, ["import", address, "--tracking-uri", mlflow_server,
                                        "-o", str(out)])
    assert imported.exit_code == 0, imported.output
    again = CliRunner().invoke(app, ["fit", str(out), *fit])
    assert again.exit_code == 0, again.output
    import json

    first, second = json.loads(direct.stdout), json.loads(again.stdout)
    for name in ("a", "b", "ceiling"):
        assert first[name] == second[name]


# --- errors a user can make -------------------------------------------------------------------

def test_unknown_run_id(mlflow_store):
    with pytest.raises(InputError, match=r"^mlflow:0{32}: no run with id 0{32} in sqlite:///"):
        read_log("mlflow:" + "0" * 32, tracking_uri=mlflow_store.uri)


def test_unknown_run_name(mlflow_store):
    with pytest.raises(InputError, match=r"^mlflow:entropylaw-tests/nope: no run named 'nope' "
                                         r"in experiment 'entropylaw-tests'$"):
        read_log("mlflow:entropylaw-tests/nope", tracking_uri=mlflow_store.uri)


def test_missing_sqlite_file_is_not_created(tmp_path):
    database = tmp_path / "none.db"
    with pytest.raises(InputError, match=r"none\.db: no such sqlite file \(reading never "
                                         r"creates a store\)"):
        read_log("mlflow:abc", tracking_uri=f"sqlite:///{database}")
    assert not database.exists()


def test_no_store_named(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["fit", "mlflow:abc"])
    assert result.exit_code == 1
    assert result.stderr == ("Error: no MLflow tracking store: pass --tracking-uri "
                             "(sqlite:///mlflow.db, http://host:5000, ./mlruns) or set "
                             "MLFLOW_TRACKING_URI\n")


def test_tracking_uri_is_refused_for_other_sources(tmp_path):
    path = tmp_path / "run.log"
    path.write_text("step:1 - actor/entropy:0.5\n")
    with pytest.raises(InputError, match=r"run\.log: --tracking-uri does not apply to a verl "
                                         r"console log"):
        read_log(path, tracking_uri="sqlite:///x.db")


def test_an_mlruns_folder_given_as_the_source_says_how_to_name_a_run(mlflow_store):
    result = CliRunner().invoke(app, ["keys", str(mlflow_store.legacy)])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {mlflow_store.legacy}: an MLflow file store; name a run in "
                             f"it as mlflow:RUN_ID --tracking-uri {mlflow_store.legacy}\n")
