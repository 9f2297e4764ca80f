"""Speed against yardsticks measured in the same run: whole commands, readers, fits at scale.

    python benchmarks/speed.py                 # everything (about 3 minutes on 2 busy cores)
    python benchmarks/speed.py --skip-verl     # without the 100 MB verl log
    python benchmarks/speed.py --max-n 100000  # fits up to 10^5 points only
    python benchmarks/speed.py --real-logs /path/to/shared/real_logs
    python benchmarks/speed.py --only verl --only fits

Figures are CPU seconds (user + system), medians of paired runs: each measurement is taken
right after its yardstick's, so a busy machine slows both alike and the ratio holds while the
seconds drift. The goals (issue 14) and the table of the last run are in docs/speed.md.

1. Whole processes, against ``python -c "import numpy, pandas"``: ``entropylaw fit`` on the
   example CSV, ``forecast --fit-fraction 0.15``, ``backtest --reward-mean`` on the four shared
   verl logs (skipped when ../shared/real_logs is absent). entropylaw's modules load from
   bytecode cached by an untimed first run, as an installed package's do (even where
   PYTHONDONTWRITEBYTECODE is set); ``--no-bytecode-cache`` compiles them in every run.
2. Readers, against what they stand on: the CSV reader against ``pandas.read_csv`` of the same
   file (30,000 and 300,000 rows); the verl reader against a plain regex parser (16 lines) on a
   100 MB log built from a real one, with the peak memory of each (in a fresh process).
3. Fits at n = 10^2 .. 10^6 points for each interval method (10,000 resamples): CPU time and
   peak traced memory, and the time exponent (slope of log time on log n from 10^4 to 10^6).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REAL_LOGS = ROOT.parent / "shared" / "real_logs"
FOUR_LOGS = ["verl_deepseek-llm-7b-chat_grpo_gsm8k.log", "verl_gemma-2-2b-it_ppo_gsm8k.log",
             "verl_qwen2-7b-instruct_gpg_math-gsm8k.log",
             "verl_qwen2.5-0.5b-instruct_ppo_gsm8k_resp256.log"]
EXAMPLE = ROOT / "example_logs" / "qwen2.5-7b_grpo_math.csv"
YARDSTICK = [sys.executable, "-c", "import numpy, pandas"]
VERL_MB = 100
SECTIONS = ("whole", "csv", "verl", "fits")

# The yardstick for the verl reader: a regex per line, the step line's key:value items split
# into columns (on the real logs it reads exactly the points entropylaw reads).
PLAIN_PARSER = r'''
import re, numpy as np
STEP = re.compile(rb"(?<![\w/.-])step:(\d+) - (.*)")
def read(path):
    steps, values = {}, {}
    with open(path, "rb") as handle:
        for line in handle:
            found = b"step:" in line and STEP.search(line)
            for key, _, value in (item.rpartition(b":") for item in
                                  (found.group(2).split(b" - ") if found else ())):
                try:
                    values.setdefault(key, []).append(float(value))
                except ValueError:
                    continue
                steps.setdefault(key, []).append(int(found.group(1)))
    return {key.decode(): (np.array(steps[key]), np.array(values[key])) for key in values}
'''


def cpu_of(command, env=None) -> float:
    """CPU seconds (user + system) of a whole child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, capture_output=True, env=env, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cpu_in_process(function) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def paired(*timers, repeats: int) -> tuple[float, ...]:
    """Medians of ``repeats`` rounds of measurements of zero-argument timers, taken in turn."""
    times = [[] for _ in timers]
    for _ in range(repeats):
        for timer, measured in zip(timers, times, strict=True):
            measured.append(timer())
    return tuple(statistics.median(measured) for measured in times)


class Table:
    def __init__(self):
        self.rows = []

    def add(self, what, ours, yardstick_name, yardstick, goal=None):
        ratio = ours / yardstick if yardstick > 0 else math.nan
        met = "" if goal is None else ("yes" if ratio <= goal else "no")
        self.rows.append((what, f"{ours:.3f} s", f"{yardstick_name} {yardstick:.3f} s",
                          f"{ratio:.2f}x", "" if goal is None else f"<= {goal:g}x", met))
        print(f"  {what:<58} {ours:7.3f} s  {yardstick_name} {yardstick:7.3f} s  "
              f"{ratio:5.2f}x" + ("" if goal is None else f"  (goal <= {goal:g}x: {met})"),
              flush=True)

    def markdown(self) -> str:
        lines = ["| what | entropylaw | yardstick | ratio | goal | met |",
                 "|---|---|---|---|---|---|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def whole_processes(table: Table, repeats: int, bytecode_cache: Path | None) -> None:
    print(f"Whole processes, CPU seconds, medians of {repeats} paired runs:")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    if bytecode_cache is not None:  # as installed: modules load from .pyc files, not source
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode_cache)
        print(f"  (bytecode cached in {bytecode_cache}, written by a first untimed run)")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        print("  (--no-bytecode-cache: modules not already compiled are compiled from source "
              "in every run)")
    command = [sys.executable, "-m", "entropylaw.cli"]
    cases = [("`entropylaw fit` on the example CSV", ["fit", str(EXAMPLE)], 1.1),
             ("`entropylaw forecast --fit-fraction 0.15` on the example CSV",
              ["forecast", str(EXAMPLE), "--fit-fraction", "0.15"], 1.3)]
    if all((REAL_LOGS / name).is_file() for name in FOUR_LOGS):
        cases.append(("`entropylaw backtest --reward-mean` on the four shared logs",
                      ["backtest", "--reward-mean", *(str(REAL_LOGS / n) for n in FOUR_LOGS)], 3))
    else:
        print(f"  (backtest skipped: {REAL_LOGS} not found)")
    cases.append(("`entropylaw --help`", ["--help"], None))
    # The command line runs BLAS on one thread (cli/__init__.py), which also makes loading
    # numpy cheaper; the yardstick is measured both as it is and with that setting.
    one_thread = {**env, "OPENBLAS_NUM_THREADS": "1"}
    cpu_of(YARDSTICK, env)  # the yardstick loads numpy and pandas as the commands do
    for what, arguments, goal in cases:
        cpu_of([*command, *arguments], env)  # untimed: writes the bytecode cache
        ours, yardstick, yardstick_one = paired(
            lambda a=arguments: cpu_of([*command, *a], env), lambda: cpu_of(YARDSTICK, env),
            lambda: cpu_of(YARDSTICK, one_thread), repeats=repeats)
        table.add(what, ours, "`import numpy, pandas`", yardstick, goal)
        table.add("  the same, against the yardstick on one BLAS thread", ours,
                  "`OPENBLAS_NUM_THREADS=1 ... import numpy, pandas`", yardstick_one)


def write_wide_csv(path: Path, rows: int, columns: int = 20) -> None:
    import pandas as pd

    rng = np.random.default_rng(0)
    table = pd.DataFrame({"_step": np.arange(rows), "actor/entropy": rng.uniform(0.1, 1, rows)})
    for j in range(columns):
        table[f"metric/{j}"] = rng.standard_normal(rows)
    reward = np.full(rows, np.nan)
    reward[::10] = rng.uniform(size=reward[::10].size)
    table["val-core/math/acc/mean@1"] = reward
    table.to_csv(path, index=False)


def csv_reader(table: Table, folder: Path, repeats: int) -> None:
    import pandas as pd

    from entropylaw.sources.csv import read_csv

    print(f"CSV reader against pandas.read_csv, CPU seconds, medians of {repeats} paired reads:")
    for rows in (30_000, 300_000):
        path = folder / f"run_{rows}.csv"
        write_wide_csv(path, rows)
        read_csv(path)  # imports done before timing
        ours, yardstick = paired(lambda p=path: cpu_in_process(lambda: read_csv(p)),
                                 lambda p=path: cpu_in_process(lambda: pd.read_csv(p)),
                                 repeats=repeats)
        size = path.stat().st_size / 1e6
        table.add(f"read a {rows:,}-step CSV ({size:.0f} MB, 23 columns)", ours,
                  "`pandas.read_csv`", yardstick, 2)


def write_verl_log(path: Path, megabytes: int) -> None:
    """The real deepseek log repeated with its steps shifted on, up to ``megabytes``."""
    text = (REAL_LOGS / FOUR_LOGS[0]).read_bytes()
    step = re.compile(rb"step:(\d+)")
    copies = max(1, round(megabytes * 1e6 / len(text)))
    with path.open("wb") as handle:
        for copy in range(copies):
            offset = copy * 10_000
            handle.write(step.sub(lambda m, o=offset: b"step:%d" % (int(m.group(1)) + o), text))


def measured_in_child(code: str) -> tuple[float, float]:
    """(CPU seconds, peak memory in MB above the imports) of ``code`` run in a fresh process;
    ``code`` defines ``work()``, imports done before the measurement starts."""
    script = code + r'''
import time
def peak_kb():  # VmHWM: this process image's peak (ru_maxrss keeps the parent's across exec)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
base = peak_kb()
start = time.process_time()
work()
cpu = time.process_time() - start
print(cpu, (peak_kb() - base) / 1024)
'''
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                         text=True, env=env).stdout.split()
    return float(out[-2]), float(out[-1])


def verl_reader(table: Table, folder: Path, repeats: int) -> None:
    if not (REAL_LOGS / FOUR_LOGS[0]).is_file():
        print(f"verl reader skipped: {REAL_LOGS} not found")
        return
    path = folder / "big.log"
    write_verl_log(path, VERL_MB)
    size = path.stat().st_size / 1e6
    print(f"verl reader against a plain regex parser on a {size:.0f} MB log, CPU seconds and "
          f"peak memory above the imports, medians of {repeats} paired fresh processes:")
    ours_code = ("from entropylaw.sources import read_log\n"
                 f"def work():\n    read_log({str(path)!r})\n")
    plain_code = PLAIN_PARSER + f"def work():\n    read({str(path)!r})\n"
    ours, plain = [], []
    for _ in range(repeats):
        ours.append(measured_in_child(ours_code))
        plain.append(measured_in_child(plain_code))
    ours_cpu, ours_mb = (statistics.median(v) for v in zip(*ours, strict=True))
    plain_cpu, plain_mb = (statistics.median(v) for v in zip(*plain, strict=True))
    table.add(f"read a {size:.0f} MB verl log", ours_cpu, "plain regex parser", plain_cpu, 1.5)
    print(f"  {'peak memory':<58} {ours_mb:7.0f} MB  parser {plain_mb:7.0f} MB  "
          f"{ours_mb / size:5.2f}x the file (goal <= 3x)")
    table.rows.append((f"peak memory reading the {size:.0f} MB verl log", f"{ours_mb:.0f} MB",
                       f"parser {plain_mb:.0f} MB", f"{ours_mb / size:.2f}x the file", "<= 3x",
                       "yes" if ours_mb <= 3 * size else "no"))


def simulated(n: int):
    from entropylaw.simulate import ar1_noise, entropy_curve

    rng = np.random.default_rng(1)
    entropy = entropy_curve(np.arange(n), n_steps=n) + 0.01 * rng.standard_normal(n)
    reward = 0.8 - 0.3 * np.exp(entropy) + ar1_noise(n, sd=0.01, autocorrelation=0.5, rng=rng)
    return entropy, reward


def fit_growth(table: Table, max_n: int) -> None:
    import entropylaw

    sizes = [10**k for k in range(2, 7) if 10**k <= max_n]
    print("Fits, 10,000 resamples: CPU seconds / peak traced memory (MB)")
    print("  " + f"{'n':>9}" + "".join(f"{m:>22}" for m in ("ar1", "block", "iid")))
    results = {}
    for n in sizes:
        entropy, reward = simulated(n)
        cells = []
        for method in ("ar1", "block", "iid"):
            tracemalloc.start()
            seconds = cpu_in_process(lambda m=method, e=entropy, r=reward: entropylaw.fit(
                entropy=e, reward=r, method=m, n_resamples=10_000, seed=0))
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            results[method, n] = seconds, peak
            cells.append(f"{seconds:9.3f} s {peak:7.1f} MB")
        print("  " + f"{n:>9,}" + "".join(f"{c:>22}" for c in cells), flush=True)
    for method in ("ar1", "block", "iid"):
        big = [n for n in sizes if n >= 10**4]
        exponent = math.nan
        if len(big) >= 2:
            exponent = np.polyfit(np.log10(big), np.log10([results[method, n][0] for n in big]),
                                  1)[0]
        seconds, peak = results[method, sizes[-1]]
        table.rows.append((f"`{method}` fit at {sizes[-1]:,} points", f"{seconds:.2f} s, "
                           f"{peak:.0f} MB", "", f"time exponent {exponent:.2f}",
                           "< 2 s, < 1 GB, linear", "yes" if seconds < 2 and peak < 1000
                           and exponent < 1.15 else "no"))
        print(f"  {method}: time exponent {exponent:.2f} (10^4..10^6)")


def main() -> None:
    global REAL_LOGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-n", type=int, default=10**6)
    parser.add_argument("--skip-verl", action="store_true", help="skip the 100 MB verl log")
    parser.add_argument("--only", action="append", choices=SECTIONS,
                        help="run only this section (repeat for several)")
    parser.add_argument("--real-logs", type=Path, default=REAL_LOGS,
                        help="folder of the shared real logs (default: ../shared/real_logs)")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="whole processes: compile entropylaw from source in every run "
                             "(as with PYTHONDONTWRITEBYTECODE=1 on a source checkout) instead "
                             "of loading .pyc files as an installed package does")
    args = parser.parse_args()
    REAL_LOGS = args.real_logs
    sections = set(args.only or SECTIONS) - ({"verl"} if args.skip_verl else set())
    table = Table()
    with tempfile.TemporaryDirectory() as folder:
        if "whole" in sections:
            whole_processes(table, args.repeats,
                            None if args.no_bytecode_cache else Path(folder) / "pycache")
        if "csv" in sections:
            csv_reader(table, Path(folder), args.repeats)
        if "verl" in sections:
            verl_reader(table, Path(folder), max(1, (args.repeats + 1) // 2))
    if "fits" in sections:
        fit_growth(table, args.max_n)
    print("\n" + table.markdown())


if __name__ == "__main__":
    main()
