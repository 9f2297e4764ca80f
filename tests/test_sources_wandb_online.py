"""W&B runs on a server, through a fake of the public API at one thin boundary.

The fake stands in for the object ``connect()`` returns (``wandb.Api``) and reproduces what the
real server does and what this reader must cope with: ``scan_history(keys=...)`` returns only
the rows holding every requested key, a page of ``page_size`` steps per request from
``min_step``; a rate limit is a ``requests.HTTPError`` whose response has status 429 and a
``RateLimit-Reset`` header; ``history()`` is sampled and must never be called.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import requests
from typer.testing import CliRunner

from entropylaw.cli import app
from entropylaw.errors import InputError
from entropylaw.sources import find_runs, read_log, read_logs, wandb_online


class FakeRun:
    def __init__(self, entity, project, run_id, rows, *, name=None, state="finished",
                 sweep=None):
        self.entity, self.project, self.id = entity, project, run_id
        self.name, self.state, self.sweep_id = name or run_id, state, sweep
        self.rows = rows  # every logged row, each with its '_step'
        self.scans: list[list[str]] = []  # the keys of each scan_history call
        self.pages: dict[str, int] = {}  # pages served per first requested key
        # (first requested key, its page number) -> the 429's RateLimit-Reset header
        self.rate_limits: dict[tuple[str, int], str | None] = {}

    @property
    def history_keys(self):
        keys = sorted({key for row in self.rows for key in row})
        return {"keys": {key: {"typeCounts": [{"type": "number"}]} for key in keys},
                "lastStep": max(row["_step"] for row in self.rows)}

    def history(self, *args, **kwargs):
        raise AssertionError("history() is sampled: it must never be used")

    def scan_history(self, keys=None, page_size=1000, min_step=0, max_step=None):
        self.scans.append(list(keys))
        last = max(row["_step"] for row in self.rows)
        for start in range(min_step, last + 1, page_size):
            page = self.pages[keys[0]] = self.pages.get(keys[0], 0) + 1
            if (keys[0], page) in self.rate_limits:
                raise rate_limited(self.rate_limits.pop((keys[0], page)))
            for row in self.rows:
                if start <= row["_step"] < start + page_size and all(k in row for k in keys):
                    yield {key: row[key] for key in keys}


def rate_limited(reset: str | None) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = 429
    if reset is not None:
        response.headers["RateLimit-Reset"] = reset
    return requests.HTTPError("429 Client Error: Too Many Requests", response=response)


class FakeApi:
    def __init__(self, runs):
        self.by_path = {f"{r.entity}/{r.project}/{r.id}": r for r in runs}
        self.calls = 0

    def run(self, path):
        self.calls += 1
        if path not in self.by_path:
            raise ValueError(f"Could not find run <Run {path} (not found)>")
        return self.by_path[path]

    def runs(self, path, filters=None):
        self.calls += 1
        sweep = (filters or {}).get("sweep")
        return [run for key, run in self.by_path.items() if key.startswith(path + "/")
                and (sweep is None or run.sweep_id == sweep)]


def verl_rows(seed: int, steps: int = 120) -> list[dict]:
    """verl logs with ``step=global_step``: validation in the same row every 10 steps."""
    rng = np.random.default_rng(seed)
    rows = [{"_step": 0, "val-core/gsm8k/acc/mean@4": 0.25, "_runtime": 1.0}]
    for step in range(1, steps + 1):
        row = {"_step": step, "actor/entropy": float(rng.uniform(0.05, 0.6)),
               "_runtime": float(step), "val/generations": {"_type": "table-file"}}
        if step % 10 == 0:
            row["val-core/gsm8k/acc/mean@4"] = math.nan if step == 50 else float(rng.uniform())
        rows.append(row)
    return rows


def trl_rows(seed: int) -> list[dict]:
    """HF/TRL: every row carries train/global_step (5 per update), evaluation in its own rows."""
    rng = np.random.default_rng(seed)
    rows, counter = [], 0
    for update in range(1, 41):
        rows.append({"_step": counter, "train/global_step": 5 * update,
                     "train/entropy": float(rng.uniform(0.1, 0.5))})
        counter += 1
        if update % 10 == 0:
            rows.append({"_step": counter, "train/global_step": 5 * update,
                         "eval/reward": float(rng.uniform(0.3, 0.7))})
            counter += 1
    return rows


def openrlhf_rows() -> list[dict]:
    """OpenRLHF: training rows on train/global_step, evaluation rows on eval/global_step."""
    rows = [{"_step": i, "train/global_step": i + 1, "train/entropy_loss": 0.5 - i / 100}
            for i in range(20)]
    rows += [{"_step": 20 + i, "eval/global_step": 10 * (i + 1), "eval/eval_gsm8k_pass1": 0.1 * i}
             for i in range(2)]
    return rows


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    """Every test gets its own cache folder."""
    monkeypatch.setenv("ENTROPYLAW_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def sleeps(monkeypatch):
    waited: list[float] = []
    monkeypatch.setattr(wandb_online, "sleep", waited.append)
    return waited


@pytest.fixture
def api(monkeypatch):
    runs = [FakeRun("team", "rl", "verl1", verl_rows(0), name="verl-a", sweep="sw1"),
            FakeRun("team", "rl", "verl2", verl_rows(1), name="verl-b", sweep="sw1"),
            FakeRun("team", "rl", "trl1", trl_rows(2)),
            FakeRun("team", "other", "orl1", openrlhf_rows(), state="running")]
    fake = FakeApi(runs)
    monkeypatch.setattr(wandb_online, "connect", lambda: fake)
    return fake


def expected(rows, key, axis="_step"):
    points = [(row[axis], row[key]) for row in rows if key in row and axis in row]
    return [s for s, _ in points], [v for _, v in points]


def test_every_key_in_full_one_key_at_a_time(api):
    log = read_log("wandb:team/rl/verl1")
    run = api.by_path["team/rl/verl1"]
    for key in ("actor/entropy", "val-core/gsm8k/acc/mean@4"):
        steps, values = expected(run.rows, key)
        assert log[key].steps.tolist() == steps
        np.testing.assert_array_equal(log[key].values, np.array(values))  # NaN stays NaN
    assert all(len([k for k in keys if k != "_step"]) == 1 for keys in run.scans)
    notes = {n.code: n.message for n in log.notes}
    assert notes["non_numeric_keys"] == "ignored 1 key holding non-numbers: val/generations"
    assert log.metadata["name"] == "verl-a"


def test_trl_run_is_read_on_train_global_step(api):
    log = read_log("wandb:team/rl/trl1")
    rows = api.by_path["team/rl/trl1"].rows
    assert log.step_key == "train/global_step"
    for key in ("train/entropy", "eval/reward"):
        steps, values = expected(rows, key, "train/global_step")
        assert (log[key].steps.tolist(), log[key].values.tolist()) == (steps, values)


def test_openrlhf_evaluation_is_read_on_its_own_axis(api):
    log = read_log("wandb:team/other/orl1")
    assert log["eval/eval_gsm8k_pass1"].steps.tolist() == [10, 20]
    assert log["train/entropy_loss"].steps.tolist() == list(range(1, 21))
    notes = {n.code: n.message for n in log.notes}
    assert notes["step_axes"] == ("keys are on 2 step axes: eval/global_step (1 key), "
                                  "train/global_step (1 key)")


def test_rate_limit_is_waited_out_and_the_scan_resumes(api, sleeps):
    run = api.by_path["team/rl/verl1"]
    run.rate_limits = {("actor/entropy", 2): "7", ("actor/entropy", 3): None}
    wandb_online.PAGE_SIZE, saved = 25, wandb_online.PAGE_SIZE
    try:
        log = read_log("wandb:team/rl/verl1")
    finally:
        wandb_online.PAGE_SIZE = saved
    assert sleeps == [7.0, 2.0]  # the header's seconds; without a header, backing off
    assert [keys for keys in run.scans if "actor/entropy" in keys] == [
        ["actor/entropy", "_step"]] * 3  # the scan resumed twice
    assert run.pages["actor/entropy"] == 7  # 5 pages of 25 steps, and the 2 refused
    steps, values = expected(run.rows, "actor/entropy")
    assert (log["actor/entropy"].steps.tolist(), log["actor/entropy"].values.tolist()) == (
        steps, values)
    assert "duplicate_steps" not in {n.code for n in log.notes}


def test_endless_rate_limit_gives_up_with_a_message(api, sleeps):
    api.by_path["team/rl/verl1"].rate_limits = {("_runtime", page): "1" for page in range(50)}
    with pytest.raises(InputError, match=r"^wandb:team/rl/verl1: still rate-limited \(HTTP 429\) "
                                         r"after 6 retries; try again later$"):
        read_log("wandb:team/rl/verl1")
    assert sleeps == [1.0] * 6


def test_a_second_read_comes_from_the_cache(api, cache_dir, monkeypatch):
    first = read_log("wandb:team/rl/verl1")
    assert list(cache_dir.rglob("*.npz"))
    monkeypatch.setattr(wandb_online, "connect", lambda: pytest.fail("the API was called"))
    second = read_log("wandb:team/rl/verl1")
    assert second.keys == first.keys
    np.testing.assert_array_equal(second["val-core/gsm8k/acc/mean@4"].values,
                                  first["val-core/gsm8k/acc/mean@4"].values)
    assert second.notes[-1].code == "cached"


def test_a_running_run_is_not_cached(api, cache_dir):
    read_log("wandb:team/other/orl1")
    assert not list(cache_dir.rglob("*.npz"))


def test_project_and_sweep_name_many_runs(api):
    assert find_runs("wandb:team/rl") == ["wandb:team/rl/verl1", "wandb:team/rl/verl2",
                                          "wandb:team/rl/trl1"]
    assert find_runs("wandb:team/rl/sweeps/sw1") == ["wandb:team/rl/verl1", "wandb:team/rl/verl2"]
    assert [log.metadata["run_id"] for log in read_logs("https://wandb.ai/team/rl/sweeps/sw1")] \
        == ["verl1", "verl2"]
    with pytest.raises(InputError, match=r"^wandb:team/rl: holds 3 runs; name one: "
                                         r"wandb:team/rl/verl1, wandb:team/rl/verl2, "
                                         r"wandb:team/rl/trl1$"):
        read_log("wandb:team/rl")


def test_unknown_run_is_one_line(api):
    result = CliRunner().invoke(app, ["keys", "wandb:team/rl/nope"])
    assert result.exit_code == 1
    assert result.stderr == ("Error: W&B: Could not find run <Run team/rl/nope (not found)>\n")


def test_bad_address(api):
    with pytest.raises(InputError, match=r"^wandb:team: expected wandb:ENTITY/PROJECT/RUN_ID"):
        read_log("wandb:team")


def test_import_then_fit_equals_fit(api, tmp_path):
    out = tmp_path / "run.csv"
    fit = ["--json", "--seed", "0", "--n-resamples", "300"]
    direct = CliRunner().invoke(app, ["fit", "wandb:team/rl/verl1", *fit])
    imported = CliRunner().invoke(app, ["import", "wandb:team/rl/verl1", "-o", str(out)])
    again = CliRunner().invoke(app, ["fit", str(out), *fit])
    assert (direct.exit_code, imported.exit_code, again.exit_code) == (0, 0, 0), imported.output
    first, second = json.loads(direct.stdout), json.loads(again.stdout)
    assert [first[k] for k in ("a", "b", "ceiling")] == [second[k] for k in ("a", "b", "ceiling")]


def test_unknown_step_key_lists_the_keys(api):
    with pytest.raises(InputError, match=r"^wandb:team/rl/trl1: no key 'iteration' to use as "
                                         r"the step; keys are: _step, eval/reward, "
                                         r"train/entropy, train/global_step$"):
        read_log("wandb:team/rl/trl1", step_key="iteration")
