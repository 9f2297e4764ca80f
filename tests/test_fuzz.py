"""Fuzz the commands with mutated real logs and example files (seeded, bounded).

Each case takes one seed: it picks a base file (the example CSVs, the real verl logs when
present, a JSONL and a trainer_state.json written here), applies one to three mutations
(truncation at a byte, inside a number, at a line; byte flips; shuffled columns; duplicated and
removed lines; a planted secret, terminal escape or megabyte-long cell), and runs every command
of :data:`COMMANDS` on it in-process. Whatever the input, a command must exit 0, or 1/2 with a
one-line ``Error: ...`` that is not an internal error; echo no secret, no terminal control and no
piece of input longer than 200 characters (``--json`` keeps key names whole); and print no
accuracy outside 0-100% without a warning. The default run is a few cases; the ``slow`` ones
(``--runslow``, or in CI) are ``ENTROPYLAW_FUZZ_CASES`` more (default 40). To fuzz another
command (forecast, backtest, family, diagnose), add its arguments to :data:`COMMANDS`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from entropylaw.cli import app

ROOT = Path(__file__).resolve().parents[1]
REAL_LOGS = Path(__file__).resolve().parents[2] / "shared" / "real_logs"
PASSWORD = "hunter2-fuzz"
API_KEY = "f" * 8 + "0123456789abcdef0123456789abcdef"
SECRETS = (PASSWORD, API_KEY)
ECHO_LIMIT = 200
BASE_BYTES = 300_000  # a real log's first bytes: enough for a fit, quick to read

# command -> its arguments after the source; "{out}" is a file in the case's folder.
FAST = ("--n-resamples", "100", "--seed", "0")
COMMANDS: dict[str, tuple[str, ...]] = {
    "fit": FAST,
    "fit --json": (*FAST, "--json"),
    "keys": (),
    "keys --json": ("--json",),
    "import": ("-o", "{out}"),
    "forecast": (*FAST, "--fit-fraction", "0.15"),
    "forecast --json": (*FAST, "--fit-fraction", "0.2", "--json"),
    "diagnose --json": ("--json",),
}
DEFAULT_CASES = range(8)
SLOW_CASES = range(8, 8 + int(os.environ.get("ENTROPYLAW_FUZZ_CASES", "40")))


def base_files(folder: Path) -> list[Path]:
    """The unmutated inputs: every example CSV, real logs, and a JSONL and trainer state."""
    files = sorted((ROOT / "example_logs").glob("*.csv"))
    if REAL_LOGS.is_dir():
        files += sorted(REAL_LOGS.glob("*.log")) + sorted(REAL_LOGS.glob("*/*.csv"))
    rng = np.random.default_rng(0)
    rows, history = [], []
    for step in range(1, 61):
        entropy = 0.05 + 0.6 * np.exp(-step / 25) + rng.normal(0, 0.003)
        data = {"actor/entropy": entropy}
        if step % 5 == 0:
            data["val-core/m/acc/mean@1"] = 0.75 - 0.3 * np.exp(entropy) / 2
        rows.append(json.dumps({"step": step, "data": data}))
        history.append({"step": step, "entropy": entropy,
                        **({"eval_reward": data["val-core/m/acc/mean@1"]}
                           if step % 5 == 0 else {})})
    (folder / "metrics.jsonl").write_text("\n".join(rows) + "\n")
    (folder / "trainer_state.json").write_text(json.dumps({"log_history": history}))
    return [*files, folder / "metrics.jsonl", folder / "trainer_state.json"]


# --- mutations: bytes -> bytes, each drawing from rng ------------------------------------

def truncate_anywhere(data: bytes, rng) -> bytes:
    return data[: int(rng.integers(0, len(data) + 1))]


def truncate_in_number(data: bytes, rng) -> bytes:
    digits = [m.start() for m in re.finditer(rb"\d\.\d", data[-20000:])]
    if not digits:
        return truncate_anywhere(data, rng)
    return data[: len(data) - min(len(data), 20000) + int(rng.choice(digits)) + 2]


def truncate_at_line(data: bytes, rng) -> bytes:
    lines = data.split(b"\n")
    return b"\n".join(lines[: int(rng.integers(0, len(lines) + 1))])


def flip_bytes(data: bytes, rng) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    special = b"\x00\x1b\r\",;\n\xff-=@"
    for at in rng.integers(0, len(out), size=int(rng.integers(1, 12))):
        out[at] = special[rng.integers(len(special))] if rng.random() < 0.5 else rng.integers(256)
    return bytes(out)


def shuffle_columns(data: bytes, rng) -> bytes:
    lines = data.split(b"\n")
    width = len(lines[0].split(b","))
    order = rng.permutation(width)
    out = []
    for line in lines:
        cells = line.split(b",")
        out.append(b",".join(cells[i] for i in order) if len(cells) == width else line)
    return b"\n".join(out)


def duplicate_lines(data: bytes, rng) -> bytes:
    lines = data.split(b"\n")
    for _ in range(int(rng.integers(1, 6))):
        at = int(rng.integers(0, len(lines)))
        lines.insert(int(rng.integers(0, len(lines) + 1)), lines[at])
    return b"\n".join(lines)


def remove_lines(data: bytes, rng) -> bytes:
    lines = data.split(b"\n")
    keep = rng.random(len(lines)) > rng.uniform(0.05, 0.8)
    return b"\n".join(line for line, kept in zip(lines, keep, strict=True) if kept)


def plant(data: bytes, rng) -> bytes:
    """A secret, a terminal escape or a megabyte-long cell, in the header or a random line."""
    lines = data.split(b"\n")
    payload = [f",WANDB_API_KEY={API_KEY}", f",http://alice:{PASSWORD}@10.0.0.1:5000/x",
               f"\npassword: {PASSWORD}", ",\x1b[2J\x1b]0;pwned\x07evil", ",\u202eevil",
               "," + "k" * int(rng.integers(300, 1_000_000)),
               " - val-core/x/acc/mean@1:" + "9" * 400][int(rng.integers(7))]
    at = 0 if rng.random() < 0.6 else int(rng.integers(0, len(lines)))
    lines[at] = lines[at] + payload.encode()
    return b"\n".join(lines)


MUTATIONS = (truncate_anywhere, truncate_in_number, truncate_at_line, flip_bytes,
             shuffle_columns, duplicate_lines, remove_lines, plant)


def mutant(seed: int, folder: Path) -> tuple[Path, list[str]]:
    """The seed's mutated file (in ``folder``) and the names of the mutations applied."""
    rng = np.random.default_rng(seed)
    bases = base_files(folder)
    base = bases[int(rng.integers(len(bases)))]
    data = base.read_bytes()[:BASE_BYTES]
    applied = [MUTATIONS[i] for i in rng.choice(len(MUTATIONS), int(rng.integers(1, 4)))]
    for mutation in applied:
        data = mutation(data, rng)
    suffix = base.suffix if rng.random() < 0.85 else [".txt", ""][int(rng.integers(2))]
    path = folder / f"mutant{suffix}"
    path.write_bytes(data)
    return path, [base.name, *(m.__name__ for m in applied)]


# --- what every command must do --------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CEILING = re.compile(r"^\s+ceiling\s+(-?[\d.]+)%\s+\[(-?[\d.]+|n/a)%?, (-?[\d.]+|n/a)%?\]", re.M)


def check(command: str, source: Path, folder: Path, what: list[str]) -> None:
    out = folder / "out.csv"
    args = [a.replace("{out}", str(out)) for a in COMMANDS[command]]
    name = command.split()[0]
    result = CliRunner().invoke(app, [name, str(source), *args])
    context = f"{command} on {what}: {result.output[-400:]!r}"
    assert result.exception is None or isinstance(result.exception, SystemExit), context
    assert result.exit_code in (0, 1, 2), context
    if result.exit_code:
        assert result.stderr.startswith("Error: "), context
        assert result.stderr.count("\n") == 1, context
        assert not result.stderr.startswith("Error: unexpected "), context  # an internal error
    text = result.output
    assert not any(secret in text for secret in SECRETS), context
    assert not _CONTROL.search(text), context
    # --json gives key names in full (data to process, not prose); everything else is capped.
    shown = result.stderr if "--json" in command else text
    assert longest_echo(shown, source.read_bytes()) <= ECHO_LIMIT + 50, context
    if result.exit_code == 0 and command == "fit":
        for match in _CEILING.finditer(result.stdout):
            numbers = [float(x) for x in match.groups() if x != "n/a"]
            assert all(0 <= x <= 100 for x in numbers), context  # never the impossible
    if result.exit_code == 0 and command == "fit --json":
        fit = json.loads(result.stdout)
        if fit["ceiling"] is not None:  # given only where the law applies, as an accuracy
            assert fit["law"]["applies"], context
            bounds = [fit["ceiling"][key] for key in ("estimate", "lower", "upper")]
            assert all(0 <= v <= 1 for v in bounds if v is not None), context
    if result.exit_code == 0 and name == "import":
        header = out.read_text(encoding="utf-8").split("\n", 1)[0]
        assert not re.search(r'(^|,)"?[=+\-@]', header), context


def longest_echo(output: str, source: bytes) -> int:
    """A lower bound on the longest run of ``output`` copied from the input (0 when under 250):
    each window of 201 characters starting every 49th position is looked up in the input."""
    text = source.decode("utf-8", "replace")
    window = ECHO_LIMIT + 1
    for line in output.splitlines():
        for start in range(0, max(len(line) - window + 1, 0), 49):
            if line[start:start + window] in text:
                return len(line)
    return 0


def run_case(seed: int, tmp_path: Path) -> None:
    source, what = mutant(seed, tmp_path)
    for command in COMMANDS:
        check(command, source, tmp_path, what)


@pytest.mark.parametrize("seed", DEFAULT_CASES)
def test_commands_survive_mutated_inputs(seed, tmp_path):
    run_case(seed, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SLOW_CASES)
def test_commands_survive_more_mutated_inputs(seed, tmp_path):
    run_case(seed, tmp_path)


def test_the_checks_catch_what_they_look_for(tmp_path):
    """The harness must be able to fail: an echoed long line, a secret, a raw escape."""
    source = tmp_path / "x.csv"
    source.write_bytes(b"step," + b"k" * 1000 + b"\n")
    assert longest_echo("Error: " + "k" * 600, source.read_bytes()) > ECHO_LIMIT
    assert longest_echo("Error: " + "k" * 200, source.read_bytes()) == 0
    assert _CONTROL.search("a\x1b[2Jb") and not _CONTROL.search("a\\x1b[2Jb\n")
