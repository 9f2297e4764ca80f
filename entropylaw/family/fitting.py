"""A family across model sizes: each run's plateau as a bounded line in ln N, and the law's a, b
and ceiling b - a as lines in ln N (N in billions)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace

import numpy as np

from .._text import few, plural
from ..arguments import check_confidence, generator
from ..errors import FitError, InputError
from ..law.fitting import LawFit
from ..results import Estimate, Notice, ResultMixin, json_float
from ..run import Run, read
from .lines import SizeLine, fit_size_line, least_squares
from .members import Accuracy, Coefficients, FamilyRun, family_run
from .plateau_line import MIN_SIZES, PlateauLine, fit_plateau_line
from .sizes import model_size, parse_size

FEW_SIZES = 3  # with fewer, the lines pass through every size: nothing checks them
FAR_EXTRAPOLATION = 4.0  # warn beyond this multiple of the largest size (or 1/x of the smallest)
COEFFICIENTS = ("a", "b", "ceiling")


@dataclass(frozen=True)
class SizePrediction:
    """The plateau and the coefficients of a model of ``size`` (billions), with intervals.
    ``a``/``b`` are None without coefficient lines; ``ceiling`` is None where it is not
    meaningful (members fail the law, or the straight ceiling line leaves [0, 1])."""

    size: float
    a: Estimate | None
    b: Estimate | None
    ceiling: Estimate | None
    plateau: Estimate | None = None

    def to_dict(self) -> dict:
        return {"size": self.size,
                **{name: (None if getattr(self, name) is None
                          else getattr(self, name).to_dict(std_error=False))
                   for name in (*COEFFICIENTS, "plateau")}}


@dataclass(frozen=True)
class LeftOut:
    """One size predicted from the others: predicted minus that size's own fitted coefficient."""

    size: float
    a_error: float
    b_error: float
    ceiling_error: float
    plateau_error: float = math.nan

    def to_dict(self) -> dict:
        return {"size": self.size, "a_error": json_float(self.a_error),
                "b_error": json_float(self.b_error),
                "ceiling_error": json_float(self.ceiling_error),
                "plateau_error": json_float(self.plateau_error)}


@dataclass(frozen=True, eq=False)
class FamilyFit(ResultMixin):
    """A family across model sizes: each run's plateau and its line in ln N on a bounded scale;
    the law's a, b and ceiling as lines in ln N (None when fewer than 2 sizes have coefficients);
    predictions, leave-one-size-out errors and warnings. Values are fractions; sizes billions of
    non-embedding parameters. :meth:`at` and :meth:`predict` reuse the draws."""

    runs: tuple[FamilyRun, ...]
    a_line: SizeLine | None
    b_line: SizeLine | None
    ceiling_line: SizeLine | None
    size_predictions: tuple[SizePrediction, ...]
    leave_one_out: tuple[LeftOut, ...]
    confidence: float
    scatter: bool
    n_resamples: int
    seed: int | None
    warnings: tuple[Notice, ...]
    notes: tuple[Notice, ...]
    plateau_line: PlateauLine | None = None

    @property
    def sizes(self) -> tuple[float, ...]:
        return tuple(sorted({run.size for run in self.runs}))

    @property
    def law_holds(self) -> bool:
        """Whether the law describes every member with coefficients (and there are some)."""
        with_coefficients = [run for run in self.runs if run.has_coefficients]
        return bool(with_coefficients) and not any(run.law_fails for run in with_coefficients)

    @property
    def predictions(self):
        """The predictions as a DataFrame: size, then plateau, a, b, ceiling with their
        ``_lower``/``_upper`` bounds (NaN where not given)."""
        import pandas as pd

        rows = []
        for p in self.size_predictions:
            row = {"size": p.size}
            for name in ("plateau", *COEFFICIENTS):
                value = getattr(p, name)
                row[name] = math.nan if value is None else value.estimate
                row[f"{name}_lower"] = math.nan if value is None else value.lower
                row[f"{name}_upper"] = math.nan if value is None else value.upper
            rows.append(row)
        columns = ["size"] + [f"{name}{part}" for name in ("plateau", *COEFFICIENTS)
                              for part in ("", "_lower", "_upper")]
        return pd.DataFrame(rows, columns=columns)

    def line(self, name: str) -> SizeLine | None:
        """The line of 'a', 'b' or 'ceiling' (None without coefficients at 2 sizes)."""
        return self._lines()[name]

    def _lines(self) -> dict[str, SizeLine | None]:
        return {"a": self.a_line, "b": self.b_line, "ceiling": self.ceiling_line}

    def predict(self, size, *, confidence: float | None = None) -> SizePrediction:
        """The plateau, a, b and the ceiling of a model of ``size`` (billions, or a known model
        name)."""
        confidence = self.confidence if confidence is None else confidence
        check_confidence(confidence)
        size = parse_size(size, what="predicted size")
        return _prediction(self._lines(), self.plateau_line, size, confidence, self.law_holds)

    def at(self, confidence: float) -> FamilyFit:
        """The same fit with intervals at another ``confidence`` (no new resampling)."""
        check_confidence(confidence)
        lines = {name: None if line is None else line.at(confidence)
                 for name, line in self._lines().items()}
        plateau_line = None if self.plateau_line is None else self.plateau_line.at(confidence)
        predictions = tuple(_prediction(lines, plateau_line, p.size, confidence, self.law_holds)
                            for p in self.size_predictions)
        return replace(self, runs=tuple(run.at(confidence) for run in self.runs),
                       a_line=lines["a"], b_line=lines["b"], ceiling_line=lines["ceiling"],
                       size_predictions=predictions, plateau_line=plateau_line,
                       confidence=confidence)

    def to_dict(self) -> dict:
        def line(value: SizeLine | None) -> dict | None:
            if value is None:
                return None
            return {"slope": value.slope.to_dict(std_error=False),
                    "intercept": value.intercept.to_dict(std_error=False)}

        return {
            "sizes": list(self.sizes),
            "runs": [run.to_dict() for run in self.runs],
            "law_holds": self.law_holds,
            "plateau_vs_log_size": (None if self.plateau_line is None
                                    else self.plateau_line.to_dict()),
            "a_vs_log_size": line(self.a_line),
            "b_vs_log_size": line(self.b_line),
            "ceiling_vs_log_size": line(self.ceiling_line),
            "predictions": [p.to_dict() for p in self.size_predictions],
            "leave_one_out": [left.to_dict() for left in self.leave_one_out],
            "warnings": [w.to_dict() for w in self.warnings],
            "notes": [n.to_dict() for n in self.notes],
            "scatter": {name: (None if self.line(name) is None
                               else json_float(self.line(name).scatter))
                        for name in COEFFICIENTS},
            "residual_df": (self.a_line or self.plateau_line.line).residual_df,
            "confidence": self.confidence,
            "n_resamples": self.n_resamples,
            "seed": self.seed,
        }

    _summary_lists = ("predictions",)

    def _headline(self) -> list[tuple[str, str]]:
        from ..report import interval, percent

        return [("sizes", ",".join(f"{size:g}B" for size in self.sizes)),
                ("form", self.plateau_line.form if self.plateau_line else "none"),
                *((f"plateau@{p.size:g}B", f"{percent(p.plateau.estimate)} {interval(p.plateau)}")
                  for p in self.size_predictions if p.plateau is not None)]

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
    plateau_form: str | None = None,
    forecaster=None,
) -> FamilyFit:
    """Fit each run's plateau against ln N on a bounded scale, and a = k_a ln N + c_a,
    b = k_b ln N + c_b and the ceiling b - a, across model sizes.

    ``runs``: Runs, sources to read, LawFits, Coefficients or Accuracy values, one per run.
    ``sizes``: one per run, in billions of non-embedding parameters or a known model name
    (default: each run's ``model_size``, else its ``model``). ``predict``: sizes at which to
    give the plateau, a, b and the ceiling. ``method``, ``n_resamples``, ``entropy_window`` go
    to each run's fit; ``seed`` is an int or a numpy Generator. ``scatter=False`` leaves out the
    sizes' scatter around the lines (see docs/family.md). ``plateau_form`` ('logit',
    'error_power', 'linear') overrides the choice by leave-one-size-out; ``forecaster`` (default
    ``entropylaw.forecast``) gives a still-rising run's asymptote.
    """
    items, sizes = _checked_inputs(runs, sizes, confidence, n_resamples, plateau_form)
    predict_sizes = [parse_size(value, what="predicted size")
                     for value in ([predict] if _is_single(predict) else predict)]
    seed_used, rng = generator(seed)
    members, notes = _members(items, sizes, confidence=confidence, n_resamples=int(n_resamples),
                              rng=rng, forecaster=forecaster,
                              fit_options={"method": method, "entropy_window": entropy_window})
    if len({run.size for run in members}) < 2:
        raise FitError("need at least 2 different model sizes to fit a line in log size")

    lines, distinct, estimates = _coefficient_lines(members, notes, confidence, rng, scatter)
    plateau_sizes, plateau_estimates, plateau_draws = _plateaus_by_size(members)
    plateau_line = fit_plateau_line(plateau_sizes, plateau_estimates, plateau_draws,
                                    confidence=confidence, rng=rng, scatter=scatter,
                                    form=plateau_form, predict_sizes=predict_sizes)
    result = FamilyFit(
        runs=tuple(members), a_line=lines["a"], b_line=lines["b"], ceiling_line=lines["ceiling"],
        size_predictions=(), leave_one_out=_leave_one_out(distinct, estimates, plateau_line),
        confidence=confidence, scatter=bool(scatter), n_resamples=int(n_resamples),
        seed=seed_used, warnings=(), notes=(), plateau_line=plateau_line,
    )
    predictions = tuple(_prediction(lines, plateau_line, size, confidence, result.law_holds)
                        for size in predict_sizes)
    result = replace(result, size_predictions=predictions)
    return replace(result, warnings=tuple(diagnose(result)),
                   notes=tuple(notes + _method_notes(result)))


def _members(items, sizes, **options) -> tuple[list[FamilyRun], list[Notice]]:
    """Each item (a source is read first) as a FamilyRun at its size, and their notes."""
    members: list[FamilyRun] = []
    notes: list[Notice] = []
    for index, item in enumerate(items):
        if isinstance(item, (str, os.PathLike)):
            item = read(item)
        size = _size_of(item, None if sizes is None else sizes[index])
        member, member_notes = family_run(item, size, **options)
        members.append(member)
        notes += member_notes
    return members, notes


def _checked_inputs(runs, sizes, confidence, n_resamples, plateau_form):
    """The runs as a list and one size (or None) per run, after the options' checks."""
    from .plateau_line import FORMS

    check_confidence(confidence)
    if not isinstance(n_resamples, (int, np.integer)) or n_resamples < 100:
        raise InputError(f"`n_resamples` must be a whole number >= 100, got {n_resamples!r}")
    if plateau_form is not None and plateau_form not in FORMS:
        raise InputError(f"`plateau_form` must be one of {', '.join(FORMS)}, got "
                         f"{plateau_form!r}")
    items = [runs] if _is_single(runs) else list(runs)
    if not items:
        raise InputError("no runs given: a family needs runs (or coefficients) at 2 sizes or more")
    if sizes is not None:
        sizes = [sizes] if _is_single(sizes) else list(sizes)
        if len(sizes) != len(items):
            raise InputError(f"`sizes` must give one size per run: {len(items)} runs, "
                             f"{len(sizes)} sizes")
    return items, sizes


def _coefficient_lines(members, notes, confidence, rng, scatter):
    """The lines of a, b and the ceiling in ln N (None each with under 2 sizes of
    coefficients), the distinct sizes and the estimates they were fitted to."""
    lines = dict.fromkeys(COEFFICIENTS)
    coefficient_members = [run for run in members if run.has_coefficients]
    distinct, estimates = np.array([]), {}
    if len({run.size for run in coefficient_members}) >= 2:
        distinct, estimates, draws = _by_size(coefficient_members, notes)
        log_sizes = np.log(distinct)
        lines = {name: fit_size_line(log_sizes, estimates[name], draws[name],
                                     confidence=confidence, rng=rng, scatter=scatter)
                 for name in COEFFICIENTS}
    return lines, distinct, estimates


def diagnose(result: FamilyFit) -> list[Notice]:
    """Warnings that say why the family's numbers may not be trusted."""
    from .names import short_names

    warnings = []
    sizes = result.sizes
    names = dict(zip(map(id, result.runs),
                     short_names([r.source for r in result.runs],
                                 [r.model or f"{r.size:g}B" for r in result.runs]), strict=True))

    def _label(run: FamilyRun) -> str:
        return f"{names[id(run)]} ({run.size:g}B)"

    if len(sizes) < FEW_SIZES:
        warnings.append(Notice(
            "few_sizes",
            f"only {plural(len(sizes), 'size')}: the lines pass through every point, so nothing "
            f"checks them or the plateau's form; the coefficient lines' intervals carry only "
            f"the runs' own uncertainty, the plateau's only a prior guess of the scatter; use "
            f"{FEW_SIZES} sizes or more",
        ))
    far = [p.size for p in result.size_predictions
           if p.size > FAR_EXTRAPOLATION * sizes[-1] or p.size < sizes[0] / FAR_EXTRAPOLATION]
    if far:
        warnings.append(Notice(
            "far_extrapolation",
            f"predicting at {few([f'{s:g}B' for s in far])}, more than {FAR_EXTRAPOLATION:g}x "
            f"beyond the sizes fitted ({sizes[0]:g}B-{sizes[-1]:g}B): the straight line in "
            f"ln N is an assumption there, and the intervals hold only if it holds",
        ))
    return warnings + _member_warnings(result, _label)


def _member_warnings(result: FamilyFit, _label) -> list[Notice]:
    """Warnings about the runs themselves: the law failing them, a ceiling line leaving
    [0, 1], runs still rising, runs whose own fits warn."""
    warnings = []
    with_coefficients = [run for run in result.runs if run.has_coefficients]
    nonpositive = [run for run in with_coefficients if run.a.estimate <= 0]
    if nonpositive:
        warnings.append(Notice(
            "nonpositive_a",
            f"{plural(len(nonpositive), 'run')} with a <= 0 included: "
            + ", ".join(f"{_label(run)} (a = {run.a.estimate * 100:.2f}%)" for run in nonpositive)
            + ": the law does not describe them, yet they pull the lines",
        ))
    failing = [run for run in with_coefficients if run.law_fails]
    if failing:
        warnings.append(Notice(
            "law_fails",
            f"{len(failing)} of {plural(len(with_coefficients), 'run')} fail the law ("
            + "; ".join(f"{_label(run)}: {', '.join(run.law_fails)}" for run in failing)
            + "): the lines of a, b and the ceiling are not meaningful for this family; "
              "the plateau line is the prediction",
        ))
    if result.law_holds and result.ceiling_line is not None:
        dropped = [p.size for p in result.size_predictions if p.ceiling is None]
        if dropped:
            warnings.append(Notice(
                "ceiling_out_of_range",
                f"the straight ceiling line leaves [0, 100%] at "
                f"{few([f'{s:g}B' for s in dropped])}: its prediction there is left out; the "
                f"plateau line stays inside",
            ))
    rising = [run for run in result.runs if run.plateau is not None and run.plateau.still_rising]
    if rising:
        warnings.append(Notice(
            "still_rising",
            f"{few([_label(run) for run in rising])} still rose at the end and no forecaster "
            f"asymptote was available: their late level is a floor of their plateau",
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
    df = len(result.sizes) - 2
    if not result.scatter:
        notes.append(Notice("scatter_left_out",
                            "intervals carry only the runs' own uncertainty (scatter=False): they "
                            "assume the values lie exactly on the lines"))
    elif 1 <= df <= 2:
        notes.append(Notice(
            "few_degrees_of_freedom",
            f"the scatter of sizes around the lines rests on {plural(df, 'degree')} of freedom "
            f"({len(result.sizes)} sizes - 2): the intervals are wide because a few sizes say "
            f"little about how far a new size may fall from the line",
        ))
    kinds = sorted({run.plateau.kind for run in result.runs if run.plateau is not None})
    if len(kinds) > 1:
        notes.append(Notice(
            "mixed_plateau_kinds",
            f"the runs' plateaus are of different kinds ({', '.join(kinds)}): they measure "
            f"slightly different things (see each run's kind)",
        ))
    return notes


def _prediction(lines: dict, plateau_line, size: float, confidence: float,
                law_holds: bool) -> SizePrediction:
    values = {name: None if lines[name] is None else lines[name].predict(size, confidence)
              for name in COEFFICIENTS}
    ceiling = values["ceiling"]
    if ceiling is not None:
        if law_holds and 0.0 <= ceiling.estimate <= 1.0:  # an accuracy: its interval too
            ceiling = Estimate(ceiling.estimate, max(ceiling.lower, 0.0),
                               min(ceiling.upper, 1.0), ceiling.std_error)
        else:
            ceiling = None
    plateau = None if plateau_line is None else plateau_line.predict(size, confidence)
    return SizePrediction(size, values["a"], values["b"], ceiling, plateau)


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


def _plateaus_by_size(members: list[FamilyRun]):
    """Distinct sizes, and per size the mean plateau and mean plateau draws."""
    distinct = np.array(sorted({run.size for run in members}))
    estimates = np.empty(distinct.size)
    draws = np.empty((distinct.size, len(members[0].plateau.draws)))
    for k, size in enumerate(distinct):
        rows = [run for run in members if run.size == size]
        estimates[k] = np.mean([run.plateau.value.estimate for run in rows])
        draws[k] = np.mean([run.plateau.draws for run in rows], axis=0)
    return distinct, estimates, draws


def _leave_one_out(distinct: np.ndarray, estimates: dict,
                   plateau_line: PlateauLine) -> tuple[LeftOut, ...]:
    """Each size predicted by the line through the others (needs 3 sizes or more)."""
    plateau_errors = dict(zip(plateau_line.sizes, plateau_line.leave_one_out[plateau_line.form],
                              strict=False))
    coefficient_errors = {}
    if distinct.size >= MIN_SIZES:
        log_sizes = np.log(distinct)
        for k, size in enumerate(distinct):
            keep = np.arange(distinct.size) != k
            errors = []
            for name in COEFFICIENTS:
                intercept, slope = least_squares(log_sizes[keep], estimates[name][keep])
                errors.append(intercept + slope * log_sizes[k] - estimates[name][k])
            coefficient_errors[float(size)] = errors
    every = sorted(set(plateau_errors) | set(coefficient_errors))
    missing = [math.nan] * len(COEFFICIENTS)
    return tuple(LeftOut(size, *map(float, coefficient_errors.get(size, missing)),
                         float(plateau_errors.get(size, math.nan))) for size in every)


def _is_single(value) -> bool:
    return isinstance(value, (str, bytes, os.PathLike, int, float, Run, LawFit, Coefficients,
                              Accuracy))


def _describe(item) -> str:
    source = getattr(item, "source", None)
    return str(source) if source else type(item).__name__



