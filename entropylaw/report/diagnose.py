"""The text report of a diagnosis."""

from __future__ import annotations

import math

import numpy as np

from . import notices, percent, points


def format_diagnosis(result) -> str:
    """The report of :class:`entropylaw.Diagnosis`."""
    law = result.law
    lines = [
        "Diagnosis",
        f"  source   {result.source}",
        f"  entropy  {result.entropy_key}",
        f"  reward   {result.reward_key}",
        f"  steps    {result.steps[0]}-{result.steps[1]}",
        "",
        f"Law      {'applies' if law.applies else 'does not apply'}: {law.reason}",
    ]
    shown = {role: _shower(result.series.get(role)) for role in ("reward", "train_reward")}
    lines += ["", "Regimes" + ("" if result.regimes else "  none found")]
    for regime in result.regimes:
        lines.append(f"  {regime.code:<13}steps {regime.start_step}-{regime.end_step}"
                     f"  {_evidence(regime, shown)}")
    lines += ["", "Events" + ("" if result.events else "  none found")]
    for event in result.events:
        lines.append(f"  {event.code:<16}step {event.step}: {event.message}")
    lines += ["", "Interventions" + ("" if result.interventions else "  none stated")]
    for item in result.interventions:
        lines.append(f"  {item.key:<16}{item.message}")
    companions = ", ".join(f"{role} ({key})" for role, key in result.companions.items())
    lines += ["", f"Companions  {companions or 'none found'}",
              f"Detectors   false-alarm rate {result.false_alarm_rate:g} per series and "
              f"direction (thresholds set by simulation; see docs/diagnose.md)"]
    lines += notices("Warnings", [w for w in result.warnings if w.code != "law_does_not_apply"])
    lines += notices("Notes", result.notes)
    return "\n".join(lines)


def _shower(series):
    """How a reward-valued number prints: percent for accuracies in 0-1, else as it is."""
    values = np.asarray([] if series is None else series.values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size and (values.min() < 0.0 or values.max() > 1.0):
        return lambda value: f"{value:.3g}" if value is not None and math.isfinite(value) else "n/a"
    return percent


def _evidence(regime, shown) -> str:
    e = regime.evidence
    accuracy = shown["reward"]
    if regime.code == "numerical":
        first = ", ".join(f"{key} at {step}" for key, step in e["first_non_finite"].items())
        return f"NaN or inf first in: {first}"
    if regime.code == "truncation":
        text = (f"truncated responses {percent(e['truncated_before'])} -> up to "
                f"{percent(e['truncated_max'])} (alarm at {e['alarm_step']})")
        if "response_length_before" in e:
            text += (f"; response length {e['response_length_before']:.0f} -> up to "
                     f"{e['response_length_during_max']:.0f}")
        return text
    if regime.code == "plateau":
        gap = (lambda v: points(v, 1)) if accuracy is percent else accuracy
        return (f"accuracy {accuracy(e['level'])} on average, changed by "
                f"{_signed(e['change_over_stretch'], gap)} against noise sd "
                f"{gap(e['noise_sd'])} ({e['n_points']} validation points)")
    text = f"entropy {e['entropy_from']:.3g} -> {e['entropy_to']:.3g} (alarm at {e['alarm_step']})"
    for prefix, name in (("accuracy", "accuracy"), ("train_reward", "training reward")):
        show = shown["reward" if prefix == "accuracy" else "train_reward"]
        if f"{prefix}_before" in e:
            text += (f"; {name} {show(e[f'{prefix}_before'])} before, "
                     f"{show(e[f'{prefix}_during'])} during")
    if "accuracy_from" in e:
        text += f"; accuracy {accuracy(e['accuracy_from'])} -> {accuracy(e['accuracy_to'])}"
    if "response_length_before" in e:
        text += (f"; response length {e['response_length_before']:.0f} -> up to "
                 f"{e['response_length_during_max']:.0f}")
    if "length_clip_ratio_before" in e:
        text += (f"; truncated {percent(e['length_clip_ratio_before'])} -> up to "
                 f"{percent(e['length_clip_ratio_during_max'])}")
    return text


def _signed(value, show) -> str:
    text = show(abs(value)) if value is not None else "n/a"
    return ("-" if value is not None and value < 0 else "+") + text
