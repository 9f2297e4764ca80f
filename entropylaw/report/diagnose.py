"""The text report of a diagnosis."""

from __future__ import annotations

from . import notices


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
    lines += ["", "Regimes" + ("" if result.regimes else "  none found")]
    for regime in result.regimes:
        lines.append(f"  {regime.code:<13}steps {regime.start_step}-{regime.end_step}"
                     f"  {_evidence(regime)}")
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


def _evidence(regime) -> str:
    e = regime.evidence
    if regime.code == "numerical":
        first = ", ".join(f"{key} at {step}" for key, step in e["first_non_finite"].items())
        return f"NaN or inf first in: {first}"
    if regime.code == "plateau":
        return (f"accuracy {e['level'] * 100:.1f}% on average, moved "
                f"{e['change_over_stretch'] * 100:+.1f} points against noise "
                f"{e['noise_sd'] * 100:.1f} ({e['n_points']} points)")
    text = f"entropy {e['entropy_from']:.3g} -> {e['entropy_to']:.3g} (alarm at {e['alarm_step']})"
    for prefix, name in (("accuracy", "accuracy"), ("train_reward", "training reward")):
        if f"{prefix}_before" in e:
            text += (f"; {name} {e[f'{prefix}_before'] * 100:.1f}% before, "
                     f"{e[f'{prefix}_during'] * 100:.1f}% during")
    if "accuracy_from" in e:
        text += f"; accuracy {e['accuracy_from'] * 100:.1f}% -> {e['accuracy_to'] * 100:.1f}%"
    if "response_length_before" in e:
        text += (f"; response length {e['response_length_before']:.0f} -> up to "
                 f"{e['response_length_during_max']:.0f}")
    if "length_clip_ratio_before" in e:
        text += (f"; truncated {e['length_clip_ratio_before'] * 100:.1f}% -> up to "
                 f"{e['length_clip_ratio_during_max'] * 100:.1f}%")
    return text
