"""How soon `entropylaw watch` shows a new validation point on a 100 MB verl log.

    PYTHONPATH=. .venv/bin/python benchmarks/watch_latency.py [--size-mb 100] [--every 1]

Builds the log in a temporary folder from the real deepseek log (../shared/real_logs): its first
1,000 steps, with its own non-metric lines (progress bars, generated samples) repeated between
the metric lines until the file holds ``--size-mb`` MB. Starts `watch --json-lines` on it, then,
several times, appends the next ten steps (the validation point last, its line written in two
halves as a live log is) and times the moment that update is printed. Target (issue 12): within
``--every`` + 0.3 s. Also prints the time to the first update (the initial read of the file),
the peak memory of the watch process, and the verl reader against a plain regex parser (time
and peak memory, at a tenth of the size and at the full size).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL_LOG = ROOT.parent / "shared" / "real_logs" / "verl_deepseek-llm-7b-chat_grpo_gsm8k.log"
STEP = re.compile(rb"step:(\d+) - ")


def build(path: Path, size: int, start_steps: int) -> list[bytes]:
    """Write the log up to ``start_steps``, padded to ``size`` bytes; return the later lines."""
    lines = REAL_LOG.read_bytes().split(b"\n")
    metric = [i for i, line in enumerate(lines) if STEP.search(line)]
    cut = next(i for i in metric if int(STEP.search(lines[i]).group(1)) > start_steps)
    head = lines[:cut]
    filler = [line + b"\n" for line in head if not STEP.search(line) and line.strip()]
    metric_count = sum(1 for line in head if STEP.search(line))
    core = sum(len(line) + 1 for line in head)
    per_gap = max((size - core) // max(metric_count, 1), 0)
    pad = b"".join(filler)
    pad = (pad * (per_gap // max(len(pad), 1) + 1))[:per_gap]
    pad = pad[:pad.rfind(b"\n") + 1]
    with path.open("wb") as out:
        for line in head:
            if STEP.search(line):
                out.write(pad)
            out.write(line + b"\n")
    return lines[cut:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=100.0)
    parser.add_argument("--every", type=float, default=1.0)
    parser.add_argument("--points", type=int, default=5, help="validation points to time")
    options = parser.parse_args()
    if not REAL_LOG.is_file():
        sys.exit(f"real log not found at {REAL_LOG}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "live.log"
        rest = build(path, int(options.size_mb * 1e6), 1000)
        size = path.stat().st_size
        print(f"log: {size / 1e6:.1f} MB, {sum(1 for _ in path.open('rb')):,} lines")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        started = time.perf_counter()
        watch = subprocess.Popen(
            [sys.executable, "-c", "import resource, sys\nfrom entropylaw.cli import app\n"
             "try:\n    app(prog_name='entropylaw')\nfinally:\n"
             "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)",
             "watch", str(path), "--json-lines", "--every", str(options.every), "--timeout",
             str(options.every * 4 + 5)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1)
        first = json.loads(watch.stdout.readline())
        print(f"first update (read {size / 1e6:.0f} MB, fit, forecast): "
              f"{time.perf_counter() - started:.2f} s, at step {first['last_step']}")
        latencies = []
        position = 0
        delays = random.Random(0)
        with path.open("ab", buffering=0) as out:
            for _ in range(options.points):
                time.sleep(delays.uniform(0, options.every))  # anywhere in the poll cycle
                while True:  # append up to and including the next validation line
                    line = rest[position]
                    position += 1
                    if b"val/test_score" in line:
                        out.write(line[:len(line) // 2])
                        time.sleep(0.05)
                        out.write(line[len(line) // 2:] + b"\n")
                        written = time.perf_counter()
                        break
                    out.write(line + b"\n")
                update = json.loads(watch.stdout.readline())
                latencies.append(time.perf_counter() - written)
                print(f"  validation at step {update['last_step']}: update after "
                      f"{latencies[-1]:.3f} s")
        _, err = watch.communicate(timeout=options.every * 4 + 60)
        peak = int(err.strip().splitlines()[-1]) / 1024
        print(f"latency: median {statistics.median(latencies):.3f} s, max {max(latencies):.3f} s "
              f"with --every {options.every:g} (target <= {options.every + 0.3:.1f} s); "
              f"watch process peak memory {peak:.0f} MB")
        compare_reads(path, env)


PLAIN = r"""
import re, sys
ITEM = re.compile(r"([^\s:][^:]*?):(\S+)")
rows = []
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for line in f:
        m = re.search(r"step:(\d+) - (.*)", line)
        if not m:
            continue
        step = int(m.group(1))
        for key, value in ITEM.findall(m.group(2)):
            try: rows.append((key, step, float(value)))
            except ValueError: pass
"""
OURS = "read_console_log(sys.argv[1])"
SETUP = {OURS: "from entropylaw.sources.verl import read_console_log", PLAIN: "import re"}
TIMED = ("import resource, sys, time\nexec(sys.argv.pop(1))\ncode = sys.argv.pop(1)\n"
         "start = time.perf_counter()\nexec(code)\nprint(time.perf_counter() - start, "
         "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")


def timed_read(code: str, path: Path, env: dict) -> tuple[float, float]:
    """(seconds, peak MB) of ``code`` reading ``path`` in a fresh process (imports excluded)."""
    done = subprocess.run([sys.executable, "-c", TIMED, SETUP[code], code, str(path)], env=env,
                          check=True, capture_output=True, text=True)
    seconds, peak = done.stdout.split()
    return float(seconds), float(peak)


def compare_reads(path: Path, env: dict) -> None:
    """The verl reader against a plain 12-line regex parser building (key, step, value)
    tuples (issue 14: <= 1.5x its time, <= 3x the file in memory, linear in size)."""
    size = path.stat().st_size
    tenth = path.with_name("tenth.log")
    with path.open("rb") as source, tenth.open("wb") as out:
        out.write(source.read(size // 10))
    dense = path.with_name("dense.log")  # the real log repeated, steps renumbered: all metrics
    text, written, repeat = REAL_LOG.read_bytes(), 0, 0
    with dense.open("wb") as out:
        while written < size:
            offset = repeat * 1120
            chunk = STEP.sub(lambda m, o=offset: b"step:%d - " % (int(m.group(1)) + o), text)
            out.write(chunk)
            written, repeat = written + len(chunk), repeat + 1
    print("padded log (metric lines among much other output), then a log of metric lines:")
    for file in (tenth, path, dense):
        size = file.stat().st_size / 1e6
        ours, ours_peak = timed_read(OURS, file, env)
        plain, plain_peak = timed_read(PLAIN, file, env)
        print(f"  read {file.name:<9} {size:5.1f} MB: verl reader {ours:.2f} s, "
              f"{ours_peak:.0f} MB peak; plain regex parser {plain:.2f} s, {plain_peak:.0f} MB; "
              f"ratio {ours / plain:.2f}x time, peak {ours_peak / size:.1f}x the file")


if __name__ == "__main__":
    main()
