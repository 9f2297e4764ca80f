"""verl's logs: the console logger's ``step:N - key:value - ...`` lines, and the JSONL file logger.

Console output mixes metric lines with everything else a run prints (Ray prefixes such as
``(TaskRunner pid=1)``, colour codes, progress bars redrawn with carriage returns, generated
samples). Only lines holding ``step:N`` followed by ``key:value`` items are read; numbers may be
printed bare, as ``nan``/``inf``, or wrapped as numpy >= 2 prints them (``np.float64(0.35)``).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from .._text import few, listing, plural
from ..errors import InputError
from ..results import Notice
from .log import Log
from .tail import Columns, FileTail, StepWatch, log_from

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_STEP = re.compile(r"(?<![\w/.-])step:\s*(\d+)(?:\s+-\s+(.*))?$")
_WRAPPED = re.compile(r"^(?:np\.|numpy\.)?[A-Za-z_]\w*\((.*)\)$")
_WORDS = {"true": 1.0, "false": 0.0, "np.true_": 1.0, "np.false_": 0.0}

BLOCK_BYTES = 1 << 16  # read at a time when looking for anything but blank space
# Enough to recognise a console log: a step item followed by a key:value item.
CONSOLE_SIGNATURE = re.compile(rb"(?<![\w/.-])step:\s*\d+ - [^\s:][^:\n]*:")


def parse_number(text: str) -> float | None:
    """A printed metric value as a float, or None when it is not a number."""
    text = text.strip()
    wrapped = _WRAPPED.match(text)
    if wrapped:  # np.float64(0.35), tensor(0.35, device='cuda:0')
        text = wrapped.group(1).split(",")[0].strip()
    try:
        return float(text)
    except ValueError:
        return _WORDS.get(text.lower())


def read_console_log(path) -> Log:
    """Read every ``step:N - key:value`` line of a verl console log."""
    return _read_all(ConsoleTail(_checked(Path(path))))


def read_jsonl(path) -> Log:
    """Read verl's file logger: one ``{"step": N, "data": {key: value}}`` object per line.

    verl writes NaN as ``null``: a null value is a logged NaN, not a missing one. Lines that
    are not JSON objects with a step (a line cut short by a crash) are skipped and counted.
    """
    return _read_all(JsonlTail(_checked(Path(path))))


def _read_all(tail) -> Log:
    tail.poll(final=True)
    return tail.log(final=True)


class _LineTail(FileTail):
    """A text log read line by line, in one pass into columns. Complete lines are parsed as they
    come; an unterminated last line is held back until it ends (or read with ``final``)."""

    def __init__(self, path):
        super().__init__(path)
        self.reset()

    def reset(self) -> None:
        self.columns = Columns()
        self.lines = 0
        self.steps = StepWatch()
        self.cut: Notice | None = None

    def count(self) -> int:
        return self.columns.count

    def parse(self, data: bytes, final: bool) -> int:
        end = data.rfind(b"\n") + 1
        if end:
            text = data[:end].decode("utf-8", errors="replace")
            lines = text.split("\n")
            lines.pop()  # the empty string after the last line end
            self.parse_lines(lines, "\ufffd" in text)
        if final and end < len(data):
            rest = data[end:]
            self.parse_last(rest.decode("utf-8", errors="replace"))
            return len(data)
        return end

    def parse_lines(self, lines: list[str], replaced: bool) -> None:
        raise NotImplementedError

    def parse_last(self, line: str) -> None:
        self.parse_lines([line], "\ufffd" in line)


class ConsoleTail(_LineTail):
    """Follows a verl console log."""

    def reset(self) -> None:
        super().reset()
        self.metric_lines = 0
        self.first_line = self.last_line = 0
        self.broken: list[int] = []
        self.bad_items: dict[str, int] = {}
        self.undecodable: list[int] = []
        self.layouts: dict[tuple[str, ...], list] = {}  # a line's keys -> their columns

    def parse_lines(self, lines: list[str], replaced: bool) -> None:
        number = self.lines
        self.lines += len(lines)
        for line in lines:
            number += 1
            if replaced and "\ufffd" in line:
                self.undecodable.append(number)
            if "step:" not in line:
                continue
            if "\x1b" in line:
                line = _ANSI.sub("", line)
            for segment in line.split("\r"):  # progress bars redraw with carriage returns
                self._segment(segment, number)

    def parse_last(self, line: str) -> None:
        """A last line without its line end was cut while being written: its last item may be
        a number cut short (``0.`` of ``0.75``), so it is left out."""
        rest, dash, last = line.rpartition(" - ")
        if dash and _STEP.search(rest.rstrip()):
            kept = rest
        else:
            kept, last = "", line
        if last.strip():
            self.cut = Notice("cut_last_line",
                              f"the last line (line {self.lines + 1}) has no line end (cut "
                              f"while being written?): left out its last item, which may be cut "
                              f"short: '{last.strip()[:40]}'")
        if kept:
            self.parse_lines([kept], "\ufffd" in kept)
        else:
            self.lines += 1

    def _segment(self, segment: str, number: int) -> None:
        found = _STEP.search(segment.rstrip())
        if found is None:
            return
        step = int(found.group(1))
        rest = found.group(2)
        if not rest:
            self.broken.append(number)
            return
        columns = self.columns
        read = self._common_line(step, rest.split(" - "))
        if not read:
            read = self._items(step, rest)
        if not read:
            self.broken.append(number)
            return
        columns.count += read
        self.steps.see(step, f"line {number}")
        self.metric_lines += 1
        self.first_line = self.first_line or number
        self.last_line = number

    def _common_line(self, step: int, items: list[str]) -> int:
        """The usual line, every item a key and a plain number, read in one go: 0 when it is
        not one (then :meth:`_items` reads it item by item). A run prints the same keys on
        every line, so the columns of a line's keys are looked up once."""
        parts = [item.partition(":") for item in items]
        try:
            values = [float(value) for _, _, value in parts]
        except ValueError:
            return 0
        keys = tuple([key.strip() for key, _, _ in parts])
        targets = self.layouts.get(keys)
        if targets is None:
            if not all(keys):
                return 0
            targets = self.layouts[keys] = [self.columns.column(key) for key in keys]
        for column, value in zip(targets, values, strict=True):
            column[0].append(step)
            column[1].append(value)
        return len(values)

    def _items(self, step: int, rest: str) -> int:
        read = 0
        columns = self.columns
        data = columns.data
        for item in rest.split(" - "):
            key, colon, value = item.partition(":")
            key = key.strip()
            number_value = None
            if colon and key:
                try:
                    number_value = float(value)
                except ValueError:
                    number_value = parse_number(value)
            if number_value is None:
                label = key if colon and key else item.strip()[:30]
                self.bad_items[label] = self.bad_items.get(label, 0) + 1
                continue
            column = data.get(key) or columns.column(key)
            column[0].append(step)
            column[1].append(number_value)
            read += 1
        return read

    def log(self, keys=None, *, final: bool = False) -> Log:
        if not self.metric_lines:
            raise InputError(f"{self.source}: no verl metric lines found "
                             f"(expected lines like 'step:1 - actor/entropy:0.35 - ...')")
        notes = [Notice("read_lines", f"read {plural(self.metric_lines, 'metric line')} "
                                      f"(lines {self.first_line}-{self.last_line}); "
                                      f"other output ignored")]
        if self.broken:
            notes.append(Notice("skipped_lines",
                                f"skipped {plural(len(self.broken), 'line')} starting 'step:N' "
                                f"with no key:value items (lines {few(self.broken)})"))
        if self.bad_items:
            notes.append(Notice("skipped_values",
                                f"skipped {plural(sum(self.bad_items.values()), 'item')} that "
                                f"were not key:number ({few(self.bad_items)})"))
        if self.undecodable:
            notes.append(Notice("not_utf8",
                                f"{plural(len(self.undecodable), 'line')} held bytes that are not "
                                f"UTF-8 (lines {few(self.undecodable)}): replaced, parsing went "
                                f"on"))
        _merge_initial_validation(self.columns, notes)
        self.layouts.clear()  # a merge moves columns
        notes += self.steps.restarts + self.notices()
        if self.cut is not None:
            notes.append(self.cut)
        return log_from(self.source, self.columns, keys, notes,
                        {"format": "verl console log"}, "step")


class JsonlTail(_LineTail):
    """Follows a verl JSONL file log."""

    def reset(self) -> None:
        super().reset()
        self.broken: list[int] = []
        self.non_numeric: set[str] = set()
        self.nulls = 0
        self.read = 0

    def parse_lines(self, lines: list[str], replaced: bool) -> None:
        number = self.lines
        self.lines += len(lines)
        columns = self.columns
        for line in lines:
            number += 1
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except (ValueError, RecursionError):  # RecursionError: nested too deeply
                self.broken.append(number)
                continue
            step, data = _jsonl_entry(entry)
            if step is None:
                self.broken.append(number)
                continue
            self.read += 1
            self.steps.see(step, f"line {number}")
            for key, value in data.items():
                if value is None:
                    self.nulls += 1
                    columns.add(key, step, math.nan)
                elif isinstance(value, bool | int | float):
                    columns.add(key, step, float(value))
                else:
                    self.non_numeric.add(key)

    def log(self, keys=None, *, final: bool = False) -> Log:
        if not self.columns.data:
            raise InputError(f"{self.source}: no metrics found (expected JSON lines like "
                             f"'{{\"step\": 1, \"data\": {{\"actor/entropy\": 0.35}}}}')")
        notes = [Notice("read_lines", f"read {plural(self.read, 'JSON line')}")]
        if self.broken:
            notes.append(Notice("skipped_lines",
                                f"skipped {plural(len(self.broken), 'line')} that held no JSON "
                                f"object with a whole-number step (lines {few(self.broken)})"))
        if self.nulls:
            notes.append(Notice("null_values", f"read {plural(self.nulls, 'null value')} as NaN "
                                               f"(verl writes NaN as null)"))
        if self.non_numeric:
            notes.append(Notice("non_numeric_keys",
                                f"ignored {plural(len(self.non_numeric), 'non-numeric key')}: "
                                f"{listing(sorted(self.non_numeric))}"))
        notes += self.steps.restarts + self.notices()
        return log_from(self.source, self.columns, keys, notes, {"format": "verl JSONL"}, "step")


def _merge_initial_validation(columns: Columns, notes: list[Notice]) -> None:
    """Early verl printed the validation before training as ``test_score/<data>`` and later ones
    as ``val/test_score/<data>``: one metric under two names, read as the second."""
    keys = columns.data
    renamed = {key: "val/" + key for key in list(keys)
               if key.startswith("test_score/") and "val/" + key in keys}
    if not renamed:
        return
    notes.append(Notice("merged_keys",
                        f"read {listing(sorted(renamed))} (early verl's name for the validation "
                        f"before training) as {listing(sorted(renamed.values()))}"))
    for old, new in renamed.items():
        columns.rename(old, new)


def _jsonl_entry(entry) -> tuple[int | None, dict]:
    """(step, data) of one JSON line: verl's nested form, or a flat object with a 'step'."""
    if not isinstance(entry, dict):
        return None, {}
    step = entry.get("step")
    if isinstance(step, bool) or not isinstance(step, int | float):
        return None, {}
    if not math.isfinite(step) or step != int(step):
        return None, {}
    data = entry.get("data")
    if not isinstance(data, dict):
        data = {key: value for key, value in entry.items() if key != "step"}
    return int(step), data


def _checked(path: Path) -> Path:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with path.open("rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            if block.strip():
                return path
    raise InputError(f"{path}: the file is empty")
