"""W&B runs on a server: ``wandb:ENTITY/PROJECT/RUN_ID``; ``wandb:ENTITY/PROJECT`` and
``wandb:ENTITY/PROJECT/sweeps/SWEEP_ID`` name many runs.

``run.history()`` is sampled (500 rows), so every key is read in full with ``scan_history``,
one key at a time: it returns only the rows that hold every requested key, and entropy and
validation are logged in different rows. Each key is read beside the run's step axis (TRL/HF
``train/global_step``) when the key's rows hold it, else beside W&B's ``_step``. A rate limit
(HTTP 429) is waited out as its ``RateLimit-Reset`` header says, and the scan resumes where it
stopped. Runs that have ended are cached locally (:mod:`.cache`): a second read makes no request.

The W&B client is reached through :func:`connect` only; the tests replace it with a fake
that behaves like the server (see docs/sources.md).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter

import numpy as np

from .. import keys as keymod
from .._text import listing, plural
from ..errors import InputError, require
from ..keys import ROW_STEP
from ..results import Notice
from . import cache
from .log import Log, build_log, several_runs
from .network import check_reachable

PREFIX = "wandb:"
ENDED = {"finished", "crashed", "failed", "killed", "preempted"}
MAX_RETRIES = 6  # rate-limited answers retried, waiting as each asks, before giving up
RATE_LIMITED = 429  # HTTP status: Too Many Requests
LONGEST_WAIT = 300.0  # seconds: no one wait is longer, whatever reset the server asks for
API_TIMEOUT = 30  # seconds per request, once the server is known to answer
PAGE_SIZE = 1000  # history rows asked for per request
_URL = re.compile(r"^https?://(?:[\w.-]+)/")


def connect():
    """The W&B public API client (needs credentials: ``wandb login`` or WANDB_API_KEY).

    The server is probed first (:func:`.network.check_reachable`): without a network the client
    would wait about a minute and then blame its service process.
    """
    wandb = require("wandb", extra="wandb", purpose="Reading W&B runs")
    check_reachable(server_url(wandb), "the W&B server")
    try:
        return wandb.Api(timeout=API_TIMEOUT)
    except Exception as exc:  # no credentials, no network
        raise InputError(f"W&B: cannot connect ({_first_line(exc)}); run `wandb login` or set "
                         f"WANDB_API_KEY") from None


def server_url(wandb) -> str:
    """The W&B server the client talks to: WANDB_BASE_URL, the settings, or W&B's default."""
    try:
        from wandb.sdk import wandb_setup

        return wandb.env.get_base_url(wandb_setup.singleton().settings.base_url)
    except Exception:  # an older or newer client: fall back on the variable and the default
        return os.environ.get("WANDB_BASE_URL") or "https://api.wandb.ai"


def parse_address(source: str) -> tuple[str, str, str | None, str | None]:
    """(entity, project, run id, sweep id) of a ``wandb:`` address or a wandb.ai URL."""
    text = _URL.sub("", source[len(PREFIX):] if source.startswith(PREFIX) else source)
    parts = [part for part in text.split("?")[0].strip("/").split("/") if part]
    if len(parts) == 2:
        return parts[0], parts[1], None, None
    if len(parts) == 3:
        return parts[0], parts[1], parts[2], None
    if len(parts) == 4 and parts[2] in {"runs", "sweeps"}:
        run, sweep = (parts[3], None) if parts[2] == "runs" else (None, parts[3])
        return parts[0], parts[1], run, sweep
    raise InputError(f"{source}: expected wandb:ENTITY/PROJECT/RUN_ID, wandb:ENTITY/PROJECT "
                     f"or wandb:ENTITY/PROJECT/sweeps/SWEEP_ID")


def find_runs(source: str) -> list[str]:
    """The ``wandb:ENTITY/PROJECT/RUN_ID`` address of each run ``source`` names."""
    entity, project, run_id, sweep = parse_address(source)
    if run_id is not None:
        return [f"{PREFIX}{entity}/{project}/{run_id}"]
    filters = {"sweep": sweep} if sweep else {}
    runs = _retrying(lambda: list(connect().runs(f"{entity}/{project}", filters=filters)))
    if not runs:
        raise InputError(f"{source}: no runs found")
    return [f"{PREFIX}{entity}/{project}/{run.id}" for run in runs]


def read_wandb_online(source: str, *, step_key: str | None = None) -> Log:
    """Read every numeric key of one run, in full; from the local cache when it has ended."""
    entity, project, run_id, _ = parse_address(source)
    if run_id is None:
        raise several_runs(source, find_runs(source))
    path = cache.cache_path("wandb", entity, project, f"{run_id}-{step_key or 'auto'}")
    cached = cache.load(path)
    if cached is not None:
        return cached
    run = _retrying(lambda: connect().run(f"{entity}/{project}/{run_id}"))
    log = _read_run(source, run, step_key)
    if log.metadata.get("state") in ENDED:
        cache.save(log, path)
    return log


def _read_run(source: str, run, step_key: str | None) -> Log:
    keys = _history_keys(run)
    if step_key and step_key not in keys:
        raise InputError(f"{source}: no key '{step_key}' to use as the step; keys are: "
                         f"{listing(keys)}")
    main = step_key or keymod.find_step_key([k for k in keys if k != ROW_STEP]) or ROW_STEP
    columns, used, not_numeric = {}, {}, []
    for key in keys:
        if key == ROW_STEP:
            continue
        for axis in _axes(key, keys, main, step_key):
            rows = _scan(run, [key, ROW_STEP] if axis == ROW_STEP else [key, axis, ROW_STEP])
            if rows:
                break
        steps, values = _numbers(rows, key, axis)
        if steps is None:
            not_numeric.append(key)
        elif steps.size:
            columns[key], used[key] = (steps, values), axis
    if not columns:
        raise InputError(f"{source}: no numeric history")
    axes = Counter(axis for key, axis in used.items()
                   if not key.startswith("_") and not keymod.is_axis_key(key))
    notes = [Notice("read_keys", f"read {plural(len(columns), 'key')} of run {_path(run)} in "
                                 f"full, one key at a time")]
    if len(axes) > 1:
        notes.append(Notice("step_axes", f"keys are on {len(axes)} step axes: "
                                         + ", ".join(f"{axis} ({plural(n, 'key')})"
                                                     for axis, n in axes.most_common())))
    if not_numeric:
        notes.append(Notice("non_numeric_keys", f"ignored {plural(len(not_numeric), 'key')} "
                                                f"holding non-numbers: {listing(not_numeric)}"))
    metadata = {"format": "wandb", "run_id": run.id, "name": run.name, "state": run.state,
                "project": run.project, "entity": run.entity}
    step_axis = axes.most_common(1)[0][0] if axes else main
    return build_log(source, columns, notes=notes, metadata=metadata, step_key=step_axis)


def _axes(key: str, keys: list[str], main: str, step_key: str | None) -> list[str]:
    """The step axes to read ``key`` beside, in order: its family's own (``eval/step``), the
    run's (``train/global_step``), then W&B's ``_step``. A given ``step_key`` is the only one."""
    if step_key:
        return [step_key]
    if keymod.is_axis_key(key):
        return [ROW_STEP]
    axes = [*keymod.family_axes(key, keys), main, ROW_STEP]
    return list(dict.fromkeys(axis for axis in axes if axis != key))


def _path(run) -> str:
    return f"{run.entity}/{run.project}/{run.id}"


def _history_keys(run) -> list[str]:
    history_keys = run.history_keys
    if isinstance(history_keys, str):
        history_keys = json.loads(history_keys)
    keys = list((history_keys or {}).get("keys", {}))
    if not keys:
        raise InputError(f"{PREFIX}{_path(run)}: the run logged no history")
    return keys


def _numbers(rows: list[dict], key: str, axis: str):
    """(steps, values) of ``key`` in ``rows``; (None, None) when its values are not numbers."""
    steps, values = [], []
    for row in rows:
        value, step = row.get(key), row.get(axis)
        if isinstance(value, bool) or (value is not None and not isinstance(value, int | float)):
            return None, None
        if isinstance(step, int | float) and step == int(step):
            steps.append(int(step))
            values.append(np.nan if value is None else float(value))
    return np.array(steps, dtype=np.int64), np.array(values, dtype=float)


def _scan(run, keys: list[str]) -> list[dict]:
    """Every row holding all ``keys``; after a rate limit the scan resumes where it stopped."""
    rows: list[dict] = []
    for attempt in range(MAX_RETRIES + 1):
        start = rows[-1][ROW_STEP] + 1 if rows else 0
        try:
            for row in run.scan_history(keys=keys, page_size=PAGE_SIZE, min_step=start):
                rows.append(row)
            return rows
        except Exception as exc:
            _wait_or_raise(exc, attempt, f"{PREFIX}{_path(run)}")
    raise AssertionError("unreachable")  # pragma: no cover


def _retrying(call):
    for attempt in range(MAX_RETRIES + 1):
        try:
            return call()
        except InputError:
            raise
        except Exception as exc:
            _wait_or_raise(exc, attempt, "W&B")
    raise AssertionError("unreachable")  # pragma: no cover


def _wait_or_raise(exc: Exception, attempt: int, where: str) -> None:
    """Sleep as a 429 answer's ``RateLimit-Reset`` asks; raise anything else as an InputError."""
    response = _response(exc)
    if response is None or response.status_code != RATE_LIMITED:
        raise InputError(f"{where}: {_first_line(exc)}") from None
    if attempt == MAX_RETRIES:
        raise InputError(f"{where}: still rate-limited (HTTP 429) after "
                         f"{MAX_RETRIES} retries; try again later") from None
    reset = response.headers.get("RateLimit-Reset") or response.headers.get("Retry-After")
    try:
        delay = max(float(reset), 0.0)
    except (TypeError, ValueError):
        delay = 2.0 ** attempt
    sleep(min(delay, LONGEST_WAIT))


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def _response(exc: BaseException | None):
    """The HTTP response behind an exception (requests' HTTPError, possibly wrapped)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        response = getattr(exc, "response", None)
        if response is not None and hasattr(response, "status_code"):
            return response
        exc = getattr(exc, "exc", None) or exc.__cause__ or exc.__context__
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
