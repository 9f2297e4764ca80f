"""``diagnose()``: does the law apply to a run, and what is the run doing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EntropyLawError, FitError, InputError
from ..results import Notice, ResultMixin
from ..run import Run, select
from ..sources.log import KeySeries, Log
from . import changepoint
from .companions import find_companions, numerical_series
from .events import Event, find_events
from .interventions import Intervention, read_interventions
from .regimes import Regime, entropy_regimes, numerical, plateau, truncation

FIT_RESAMPLES = 2000  # the diagnosis asks only whether the law applies: fewer draws than fit's


@dataclass(frozen=True, eq=False)
class Diagnosis(ResultMixin):
    """What a run is doing: the law gate on a fit of the whole run, regimes over step ranges,
    events at single steps, the entropy interventions it states, the companion keys used."""

    source: str
    entropy_key: str
    reward_key: str
    steps: tuple[int, int]
    law: object  # a LawGate
    regimes: tuple[Regime, ...]
    events: tuple[Event, ...]
    interventions: tuple[Intervention, ...]
    companions: dict[str, str]
    false_alarm_rate: float
    warnings: tuple[Notice, ...] = ()
    notes: tuple[Notice, ...] = ()
    model: str | None = None
    series: dict[str, KeySeries] = field(default_factory=dict, repr=False)
    fit: object = field(default=None, repr=False)

    def codes(self, kind: str = "regimes") -> list[str]:
        """The codes of the regimes (or ``'events'``) found, in step order."""
        return [item.code for item in getattr(self, kind)]

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "entropy_key": self.entropy_key,
            "reward_key": self.reward_key,
            "steps": list(self.steps),
            "law": self.law.to_dict(),
            "regimes": [regime.to_dict() for regime in self.regimes],
            "events": [event.to_dict() for event in self.events],
            "interventions": [item.to_dict() for item in self.interventions],
            "companions": dict(self.companions),
            "false_alarm_rate": self.false_alarm_rate,
            "warnings": [w.to_dict() for w in self.warnings],
            "notes": [n.to_dict() for n in self.notes],
        }

    def __str__(self) -> str:
        from ..report.diagnose import format_diagnosis

        return format_diagnosis(self)

    def _headline(self) -> list[tuple[str, str]]:
        law = "applies" if getattr(self.law, "applies", False) else "does not apply"
        return [("law", law), ("regimes", ",".join(self.codes()) or "none"),
                ("events", str(len(self.events)))]


def diagnose(
    run,
    *,
    log: Log | None = None,
    entropy_key: str | None = None,
    reward_key=None,
    reward_mean: bool = False,
    reward_scale: str = "auto",
    step_key: str | None = None,
    tracking_uri: str | None = None,
    alpha: float = changepoint.ALPHA,
    seed: int = 0,
) -> Diagnosis:
    """Diagnose ``run``: a :class:`~entropylaw.Run`, or any source ``read`` takes (a path, a
    ``wandb:``/``mlflow:`` address, a pandas DataFrame) with the same key options.

    ``log`` is the source's full Log (companion metrics come from it; read from ``run.source``
    when that is a file and ``log`` is not given). ``alpha`` is the false-alarm rate of each
    change-point and spike detector, per series and direction; ``seed`` seeds the law fit.
    """
    low, high = changepoint.ALPHA_RANGE
    if not (isinstance(alpha, (int, float)) and low <= alpha <= high):
        raise InputError(f"`alpha` (the false-alarm rate) must be in [{low}, {high}], "
                         f"got {alpha!r}")
    notes: list[Notice] = []
    run, log = _run_and_log(run, log, notes, entropy_key=entropy_key, reward_key=reward_key,
                            reward_mean=reward_mean, reward_scale=reward_scale,
                            step_key=step_key, tracking_uri=tracking_uri)
    companions = find_companions(log)
    last_step = max([run.last_step] + [int(s.steps[-1]) for s in companions.values()])
    first_step = min([int(s.steps[0]) for s in (run.entropy, run.reward) if len(s)])
    config = read_interventions(run.source)
    notes += list(config.notes)

    broken = numerical(run.entropy, numerical_series(log, companions), last_step)
    until = broken.start_step if broken else None
    regimes = _regimes(run, companions, broken, alpha)
    events = find_events(run.entropy, companions, alpha, until=until)

    fitted = run
    if until is not None:
        fitted = run.until(until - 1)
        notes.append(Notice("law_before_numerical",
                            f"the law was fitted to the steps before {until}, where the "
                            f"numbers turned NaN or inf"))
    law, fit, warnings = _law(fitted, config.interventions, seed)
    notes += _coverage_notes(run, companions)
    series = {"entropy": run.entropy, "reward": run.reward}
    series.update({role: companions[role] for role in ("train_reward", "response_length")
                   if role in companions})
    return Diagnosis(
        source=run.source, entropy_key=run.entropy_key, reward_key=run.reward_key,
        steps=(first_step, last_step), law=law, regimes=tuple(regimes), events=tuple(events),
        interventions=config.interventions,
        companions={role: s.key for role, s in companions.items()},
        false_alarm_rate=alpha, warnings=tuple(warnings), notes=tuple(list(run.notes) + notes),
        model=run.model, series=series, fit=fit,
    )


def _run_and_log(run, log, notes, *, entropy_key, reward_key, reward_mean, reward_scale,
                 step_key, tracking_uri):
    """The Run to diagnose and the source's full Log (for companion metrics), or None."""
    from ..sources import read_log

    if not isinstance(run, Run):
        log = _read(run, entropy_key, reward_key, step_key, tracking_uri)
        run = select(log, entropy_key=entropy_key, reward_key=reward_key,
                     reward_mean=reward_mean, reward_scale=reward_scale)
    elif log is None and Path(str(run.source)).exists():
        try:
            log = read_log(run.source)
        except EntropyLawError as exc:
            notes.append(Notice("companions_unread",
                                f"companion metrics not read from {run.source}: {exc}"))
    return run, log


def _coverage_notes(run: Run, companions: dict) -> list[Notice]:
    """What the diagnosis could not look at: too few entropy values, no companion metrics."""
    notes = []
    if run.entropy.n_finite < changepoint.MIN_POINTS:
        notes.append(Notice("short_run",
                            f"only {run.entropy.n_finite} finite entropy values: collapse, "
                            f"explosion and events need at least {changepoint.MIN_POINTS}"))
    if not companions:
        notes.append(Notice("no_companions",
                            "no companion metrics (training reward, response length, clip "
                            "fraction, grad norm, KL) found: regimes and events use entropy "
                            "and validation accuracy only"))
    return notes


def _regimes(run: Run, companions: dict, broken: Regime | None, alpha: float) -> list[Regime]:
    """Every regime, in step order; only steps before ``broken`` (NaN or inf) are looked at."""
    entropy, reward, before = run.entropy, run.reward, companions
    if broken is not None:
        entropy, reward = _before(entropy, broken.start_step), _before(reward, broken.start_step)
        before = {role: _before(s, broken.start_step) for role, s in companions.items()}
    flat = plateau(reward)
    regimes = entropy_regimes(entropy, reward, before, flat, alpha)
    exploding = [r.start_step for r in regimes if r.code == "explosion"]
    if flat is not None and exploding and flat.end_step >= exploding[0]:
        flat = plateau(_before(reward, exploding[0]))  # accuracy is not flat once it falls
    regimes += truncation(before, alpha)
    regimes += [r for r in (flat, broken) if r is not None]
    return sorted(regimes, key=lambda regime: (regime.start_step, regime.code))


def _read(source, entropy_key, reward_key, step_key, tracking_uri) -> Log:
    """Every series of ``source``: a path or address, or a pandas DataFrame."""
    from ..sources import read_log

    wanted = [k for k in (entropy_key, *([reward_key] if isinstance(reward_key, str)
                                          else (reward_key or []))) if k]
    if type(source).__module__.startswith("pandas"):
        from ..sources.frame import read_frame

        return read_frame(source, step_key=step_key, wanted=wanted)
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(f"diagnose takes a Run, a source (path or address) or a DataFrame, "
                         f"got a {type(source).__name__}")
    return read_log(source, step_key=step_key, wanted=wanted, tracking_uri=tracking_uri)


def _before(series: KeySeries, step: int) -> KeySeries:
    keep = series.steps < step
    return KeySeries(series.key, series.steps[keep], series.values[keep])


def _law(run: Run, interventions, seed):
    """The gate on a fit of the whole run; when the run cannot be fitted, a gate saying so."""
    from ..law.early import find_early_phase
    from ..law.fitting import fit as fit_law
    from ..law.gate import LawGate, check_law

    stated = [item.message for item in interventions]
    try:
        fit = fit_law(run, n_resamples=FIT_RESAMPLES, seed=seed)
    except FitError as exc:
        reason = f"the law cannot be fitted to this run: {exc}"
        warnings = [Notice("law_does_not_apply", f"the law does not apply: {reason}")]
        return LawGate(False, reason, ("not_fitted",), {"interventions": stated}), None, warnings
    early = find_early_phase(fit.data.entropy, fit.data.reward, entropy_noise=fit.entropy_noise,
                             entropy_window=fit.entropy_window)
    gate = check_law(fit, early_phase=early, interventions=stated)
    warnings = [Notice("law_does_not_apply", f"the law does not apply: {gate.reason}")] \
        if not gate.applies else []
    return gate, fit, warnings
