"""Coefficients across model sizes: a, b and the ceiling b - a as lines in ln N (N in billions)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np

from .._text import few, plural
from ..arguments import check_confidence, generator
from ..errors import InputError
from ..law.fitting import LawFit
from ..results import Estimate, Notice, ResultMixin, json_float
from ..run import Run, read
from .lines import SizeLine, fit_size_line, least_squares
from .members import Coefficients, FamilyRun, family_run
from .sizes import model_size, parse_size

FEW_SIZES = 3
FAR_EXTRAPOLATION = 4.0  # warn beyond this multiple of the largest size (or 1/x of the smallest)
COEFFICIENTS = ("a", "b", "ceiling")


@dataclass(frozen=True)
class SizePrediction:
    """The coefficients of a model of ``size`` (billions), with intervals."""

    size: float
    a: Estimate
    b: Estimate
    ceiling: Estimate

    def to_dict(self) -> dict:
        return {"size": self.size, **{name: getattr(self, name).to_dict(std_error=False)
                                      for name in COEFFICIENTS}}


@dataclass(frozen=True)
class LeftOut:
    """One size predicted from the others: predicted minus that size's own fitted coefficient."""

    size: float
    a_error: float
    b_error: float
    ceiling_error: float

    def to_dict(self) -> dict:
        return {"size": self.size, "a_error": json_float(self.a_error),
                "b_error": json_float(self.b_error),
                "ceiling_error": json_float(self.ceiling_error)}


@dataclass(frozen=True, eq=False)
class FamilyFit(ResultMixin):
    """The law's coefficients across model sizes: lines in ln N with intervals, predictions,
    leave-one-size-out errors and warnings. Coefficients are fractions; sizes in billions of
    non-embedding parameters. :meth:`at` and :meth:`predict` reuse the draws."""

    runs: tuple[FamilyRun, ...]
    a_line: SizeLine
    b_line: SizeLine
    ceiling_line: SizeLine
    predictions: tuple[SizePrediction, ...]
    leave_one_out: tuple[LeftOut, ...]
    confidence: float
    scatter: bool
    n_resamples: int
    seed: int | None
    warnings: tuple[Notice, ...]
    notes: tuple[Notice, ...]

    @property
    def sizes(self) -> tuple[float, ...]:
        return tuple(sorted({run.size for run in self.runs}))

    def line(self, name: str) -> SizeLine:
        """The line of 'a', 'b' or 'ceiling'."""
        return self._lines()[name]

    def _lines(self) -> dict[str, SizeLine]:
        return {"a": self.a_line, "b": self.b_line, "ceiling": self.ceiling_line}

    def predict(self, size, *, confidence: float | None = None) -> SizePrediction:
        """a, b and the ceiling of a model of ``size`` (billions, or a known model name)."""
        confidence = self.confidence if confidence is None else confidence
        check_confidence(confidence)
        return _prediction(self._lines(), parse_size(size, what="predicted size"), confidence)

    def at(self, confidence: float) -> FamilyFit:
        """The same fit with intervals at another ``confidence`` (no new resampling)."""
        check_confidence(confidence)
        lines = {name: line.at(confidence) for name, line in self._lines().items()}
        predictions = tuple(_prediction(lines, p.size, confidence) for p in self.predictions)
        return replace(self, runs=tuple(run.at(confidence) for run in self.runs),
                       a_line=lines["a"], b_line=lines["b"], ceiling_line=lines["ceiling"],
                       predictions=predictions, confidence=confidence)

    def to_dict(self) -> dict:
        def line(value: SizeLine) -> dict:
            return {"slope": value.slope.to_dict(std_error=False),
                    "intercept": value.intercept.to_dict(std_error=False)}

        return {
            "sizes": list(self.sizes),
            "runs": [run.to_dict() for run in self.runs],
            "a_vs_log_size": line(self.a_line),
            "b_vs_log_size": line(self.b_line),
            "ceiling_vs_log_size": line(self.ceiling_line),
            "predictions": [p.to_dict() for p in self.predictions],
            "leave_one_out": [left.to_dict() for left in self.leave_one_out],
            "warnings": [w.to_dict() for w in self.warnings],
            "notes": [n.to_dict() for n in self.notes],
            "scatter": {name: json_float(self.line(name).scatter) for name in COEFFICIENTS},
            "residual_df": self.a_line.residual_df,
            "confidence": self.confidence,
            "n_resamples": self.n_resamples,
            "seed": self.seed,
        }

    _summary_lists = ("predictions",)

    def _headline(self) -> list[tuple[str, str]]:
        from ..report import interval, percent

        return [("sizes", ",".join(f"{size:g}B" for size in self.sizes)),
                *((f"ceiling@{p.size:g}B", f"{percent(p.ceiling.estimate)} {interval(p.ceiling)}")
                  for p in self.predictions)]

    def __str__(self) -> str:
        from ..report.family import format_family

        return format_family(self)


def fit_family(
    runs,
    *,
    sizes=None,
    predict=(),
    confidence: float = 0.95,
    method="ar1",
    n_resamples: int = 10_000,
    seed=None,
    entropy_window: int = 1,
    scatter: bool = True,
) -> FamilyFit:
    """Fit a = k_a ln N + c_a, b = k_b ln N + c_b and the ceiling b - a across model sizes.

    ``runs``: Runs, sources to read, LawFits or Coefficients, one per run. ``sizes``: one per
    run, in billions of non-embedding parameters or a known model name (default: each run's
    ``model_size``, else its ``model``). ``predict``: sizes at which to give a, b and the
    ceiling. ``method``, ``n_resamples``, ``entropy_window`` go to each run's fit; ``seed`` is an
    int or a numpy Generator. ``scatter=False`` leaves out the sizes' scatter around the lines
    (intervals then carry only the runs' own uncertainty; see docs/family.md).
    """
    check_confidence(confidence)
    if not isinstance(n_resamples, (int, np.integer)) or n_resamples < 100:
        raise InputError(f"`n_resamples` must be a whole number >= 100, got {n_resamples!r}")
    items = [runs] if _is_single(runs) else list(runs)
    if not items:
        raise InputError("no runs given: a family needs runs (or coefficients) at 2 sizes or more")
    if sizes is not None:
        sizes = [sizes] if _is_single(sizes) else list(sizes)
        if len(sizes) != len(items):
            raise InputError(f"`sizes` must give one size per run: {len(items)} runs, "
                             f"{len(sizes)} sizes")
    predict_sizes = [parse_size(value, what="predicted size")
                     for value in ([predict] if _is_single(predict) else predict)]
    seed_used, rng = generator(seed)
    fit_options = {"method": method, "entropy_window": entropy_window}
    members: list[FamilyRun] = []
    notes: list[Notice] = []
    for index, item in enumerate(items):
        if isinstance(item, (str, os.PathLike)):
            item = read(item)
        size = _size_of(item, None if sizes is None else sizes[index])
        member, member_notes = family_run(item, size, confidence=confidence,
                                          n_resamples=int(n_resamples), rng=rng,
                                          fit_options=fit_options)
        members.append(member)
        notes += member_notes

    distinct, estimates, draws = _by_size(members, notes)
    log_sizes = np.log(distinct)
    lines = {name: fit_size_line(log_sizes, estimates[name], draws[name], confidence=confidence,
                                 rng=rng, scatter=scatter)
             for name in COEFFICIENTS}
    predictions = tuple(_prediction(lines, size, confidence) for size in predict_sizes)
    result = FamilyFit(
        runs=tuple(members), a_line=lines["a"], b_line=lines["b"], ceiling_line=lines["ceiling"],
        predictions=predictions, leave_one_out=_leave_one_out(distinct, estimates),
        confidence=confidence, scatter=bool(scatter), n_resamples=int(n_resamples),
        seed=seed_used, warnings=(), notes=(),
    )
    return replace(result, warnings=tuple(diagnose(result)),
                   notes=tuple(notes + _method_notes(result)))


def diagnose(result: FamilyFit) -> list[Notice]:
    """Warnings that say why the family's numbers may not be trusted."""
    warnings = []
    sizes = result.sizes
    if len(sizes) < FEW_SIZES:
        warnings.append(Notice(
            "few_sizes",
            f"only {plural(len(sizes), 'size')}: the lines pass through every point, so nothing "
            f"checks them, and the intervals carry only the runs' own uncertainty, not the "
            f"scatter of sizes around the lines; use {FEW_SIZES} sizes or more",
        ))
    far = [p.size for p in result.predictions
           if p.size > FAR_EXTRAPOLATION * sizes[-1] or p.size < sizes[0] / FAR_EXTRAPOLATION]
    if far:
        warnings.append(Notice(
            "far_extrapolation",
            f"predicting at {few([f'{s:g}B' for s in far])}, more than {FAR_EXTRAPOLATION:g}x "
            f"beyond the sizes fitted ({sizes[0]:g}B-{sizes[-1]:g}B): the straight line in "
            f"ln N is an assumption there, and the intervals hold only if it holds",
        ))
    nonpositive = [run for run in result.runs if run.a.estimate <= 0]
    if nonpositive:
        warnings.append(Notice(
            "nonpositive_a",
            f"{plural(len(nonpositive), 'run')} with a <= 0 included: "
            + ", ".join(f"{_label(run)} (a = {run.a.estimate * 100:.2f}%)" for run in nonpositive)
            + ": the law does not describe them, yet they pull the lines",
        ))
    flagged = [run for run in result.runs
               if any(w.code != "nonpositive_a" for w in run.fit_warnings)]
    if flagged:
        warnings.append(Notice(
            "run_warnings",
            "the fits of some runs warn: " + "; ".join(
                f"{_label(run)}: {', '.join(w.code for w in run.fit_warnings)}"
                for run in flagged) + " (fit them one by one with `entropylaw fit` to see why)",
        ))
    return warnings


def _method_notes(result: FamilyFit) -> list[Notice]:
    notes = []
    df = result.a_line.residual_df
    if not result.scatter:
        notes.append(Notice("scatter_left_out",
                            "intervals carry only the runs' own uncertainty (scatter=False): they "
                            "assume the coefficients lie exactly on the lines"))
    elif 1 <= df <= 2:
        notes.append(Notice(
            "few_degrees_of_freedom",
            f"the scatter of sizes around the lines rests on {plural(df, 'degree')} of freedom "
            f"({len(result.sizes)} sizes - 2): the intervals are wide because a few sizes say "
            f"little about how far a new size may fall from the line",
        ))
    return notes


def _prediction(lines: dict, size: float, confidence: float) -> SizePrediction:
    return SizePrediction(size, *(lines[name].predict(size, confidence) for name in COEFFICIENTS))


def _size_of(item, given) -> float:
    if given is not None:
        return parse_size(given, what=f"size of {_describe(item)}")
    own = getattr(item, "model_size", None)
    if own is not None:
        return parse_size(own, what=f"size of {_describe(item)}")
    model = getattr(item, "model", None)
    if model:
        return model_size(model)
    raise InputError(
        f"{_describe(item)}: no model size: give its size in billions of non-embedding "
        f"parameters or a known model name (SOURCE=SIZE on the command line, the size or "
        f"model column of a manifest, or sizes= in Python)"
    )


def _by_size(members: list[FamilyRun], notes: list[Notice]):
    """Distinct sizes, and per size the mean estimate and mean draws of each coefficient."""
    distinct = np.array(sorted({run.size for run in members}))
    a_draws = np.array([run.a_draws for run in members])
    b_draws = np.array([run.b_draws for run in members])
    usable = np.isfinite(a_draws).all(axis=0) & np.isfinite(b_draws).all(axis=0)
    if usable.sum() < 100:
        raise InputError("fewer than 100 resamples have finite coefficients for every run: "
                         "the runs' fits are degenerate")
    a_draws, b_draws = a_draws[:, usable], b_draws[:, usable]
    estimates = {name: np.empty(distinct.size) for name in COEFFICIENTS}
    draws = {name: np.empty((distinct.size, int(usable.sum()))) for name in COEFFICIENTS}
    shared = []
    for k, size in enumerate(distinct):
        rows = [i for i, run in enumerate(members) if run.size == size]
        if len(rows) > 1:
            shared.append(f"{len(rows)} at {size:g}B")
        a = np.mean([members[i].a.estimate for i in rows])
        b = np.mean([members[i].b.estimate for i in rows])
        estimates["a"][k], estimates["b"][k], estimates["ceiling"][k] = a, b, b - a
        draws["a"][k] = a_draws[rows].mean(axis=0)
        draws["b"][k] = b_draws[rows].mean(axis=0)
        draws["ceiling"][k] = draws["b"][k] - draws["a"][k]
    if shared:
        notes.append(Notice("runs_averaged",
                            f"runs of one size are averaged into one point per size "
                            f"({', '.join(shared)})"))
    return distinct, estimates, draws


def _leave_one_out(distinct: np.ndarray, estimates: dict) -> tuple[LeftOut, ...]:
    """Each size predicted by the line through the others (needs 3 sizes or more)."""
    if distinct.size < 3:
        return ()
    log_sizes = np.log(distinct)
    left_out = []
    for k, size in enumerate(distinct):
        keep = np.arange(distinct.size) != k
        errors = []
        for name in COEFFICIENTS:
            intercept, slope = least_squares(log_sizes[keep], estimates[name][keep])
            errors.append(intercept + slope * log_sizes[k] - estimates[name][k])
        left_out.append(LeftOut(float(size), *map(float, errors)))
    return tuple(left_out)


def _is_single(value) -> bool:
    return isinstance(value, (str, bytes, os.PathLike, int, float, Run, LawFit, Coefficients))


def _describe(item) -> str:
    source = getattr(item, "source", None)
    return str(source) if source else type(item).__name__


def _label(run: FamilyRun) -> str:
    return f"{os.path.basename(run.source) if run.source else 'coefficients'} ({run.size:g}B)"


