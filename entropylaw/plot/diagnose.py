"""The figure of a diagnosis: the run's series over steps, its regimes shaded, events marked."""

from __future__ import annotations

import numpy as np

from . import _style as style

REGIME_COLOURS = {"collapse": "#1f77b4", "explosion": "#d62728", "entropy_rise": "#ff7f0e",
                  "numerical": "#7f7f7f", "plateau": "#2ca02c", "truncation": "#e377c2"}
EVENT_MARKERS = {"entropy_spike": ("^", "#9467bd"), "reward_collapse": ("v", "#8c564b")}
ENTROPY = "#1f77b4"
ACCURACY = "#ff7f0e"
TRAIN_REWARD = "#8c564b"
LENGTH = "#17becf"


def plot_diagnosis(result, ax=None):
    """Draw a :class:`~entropylaw.Diagnosis` and return the figure.

    Top: entropy (left axis) and validation accuracy (right axis). A strip below it has one
    lane per regime code with a bar over each regime's steps; alarms (explosion, entropy rise,
    truncation, numerical) are also shaded across the panels. Below, where the run logs them:
    training reward (left) and response length (right). Events are marked where they start.
    With ``ax`` only the top panel is drawn, on it, every regime shaded.
    """
    lower = [role for role in ("train_reward", "response_length") if role in result.series]
    codes = list(dict.fromkeys(regime.code for regime in result.regimes))
    lanes = bottom = None
    if ax is not None:
        figure, top = style.axes(ax)
    else:
        from matplotlib.figure import Figure

        heights = [3.0] + ([0.25 * len(codes) + 0.2] if codes else []) + ([3.0] if lower else [])
        figure = Figure(figsize=(style.FIGURE_SIZE[0] + 3.0, sum(heights) + 1.2),
                        layout="constrained")
        axes = list(figure.subplots(len(heights), 1, sharex=True, squeeze=False,
                                    gridspec_kw={"height_ratios": heights})[:, 0])
        top = axes.pop(0)
        lanes = axes.pop(0) if codes else None
        bottom = axes.pop(0) if lower else None

    panels = [(top, _top(top, result))]
    if bottom is not None:
        panels.append((bottom, _bottom(bottom, result)))
    for panel, _ in panels:
        _shade(panel, result.regimes, alarms_only=lanes is not None)
    if lanes is not None:
        _lanes(lanes, result.regimes, codes)
    law = result.law
    verdict = ("law applies" if law.applies else "law does not apply: " + ", ".join(law.failed))
    detail = [f"{result.entropy_key} vs {result.reward_key}", verdict]
    shown = [w for w in result.warnings if w.code != "law_does_not_apply"]
    style.title(top, style.run_name(result.source, result.model), detail, shown)
    (bottom or lanes or top).set_xlabel("training step")
    for panel, twin in panels:
        handles, labels = panel.get_legend_handles_labels()
        if twin is not None:
            more, more_labels = twin.get_legend_handles_labels()
            handles, labels = handles + more, labels + more_labels
        panel.grid(True, color="0.9", linewidth=0.8)
        panel.set_axisbelow(True)
        if handles:  # outside, right of the twin axis: the series fill the panel
            panel.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.1, 1.0),
                         fontsize=7, frameon=False)
    return figure


def _top(ax, result):
    entropy, reward = result.series["entropy"], result.series["reward"]
    ax.plot(entropy.steps, entropy.values, color=ENTROPY, linewidth=1.0, label="entropy")
    ax.set_ylabel("entropy (nats)", color=ENTROPY)
    _events(ax, result, "entropy_spike", entropy)
    twin = ax.twinx()
    finite = np.isfinite(reward.values)
    twin.plot(reward.steps[finite], reward.values[finite], "o-", color=ACCURACY, markersize=3,
              linewidth=1.0, label="validation accuracy")
    as_percent = style.is_fraction(reward.values)
    style.reward_axis(twin, "validation accuracy", as_percent)
    twin.yaxis.label.set_color(ACCURACY)
    return twin


def _bottom(ax, result):
    target = None
    if "train_reward" in result.series:
        series = result.series["train_reward"]
        ax.plot(series.steps, series.values, color=TRAIN_REWARD, linewidth=1.0,
                label=f"training reward ({series.key})")
        _events(ax, result, "reward_collapse", series)
        ax.set_ylabel("training reward", color=TRAIN_REWARD)
    if "response_length" in result.series:
        series = result.series["response_length"]
        target = ax.twinx() if "train_reward" in result.series else ax
        target.plot(series.steps, series.values, color=LENGTH, linewidth=1.0,
                    label=f"response length ({series.key})")
        target.set_ylabel("response length (tokens)", color=LENGTH)
    return target if target is not ax else None


def _events(ax, result, code, series):
    marker, colour = EVENT_MARKERS[code]
    steps = [event.step for event in result.events if event.code == code]
    if not steps:
        return
    index = np.searchsorted(series.steps, steps)
    index = np.clip(index, 0, len(series) - 1)
    ax.plot(series.steps[index], series.values[index], linestyle="none", marker=marker,
            markersize=8, color=colour, markeredgecolor="black", markeredgewidth=0.5,
            label=f"{code.replace('_', ' ')} ({len(steps)})", zorder=5)


ALARMS = ("explosion", "entropy_rise", "truncation", "numerical")


def _shade(ax, regimes, *, alarms_only: bool):
    for regime in regimes:
        if alarms_only and regime.code not in ALARMS:
            continue
        colour = REGIME_COLOURS.get(regime.code, "#bcbd22")
        ax.axvspan(regime.start_step, regime.end_step, color=colour, alpha=0.12, linewidth=0)


def _lanes(ax, regimes, codes):
    """One lane per regime code, a bar over each regime's steps, labelled with its range."""
    for lane, code in enumerate(codes):
        colour = REGIME_COLOURS.get(code, "#bcbd22")
        for regime in regimes:
            if regime.code != code:
                continue
            width = max(regime.end_step - regime.start_step, 0.5)
            ax.broken_barh([(regime.start_step, width)], (lane - 0.35, 0.7), color=colour,
                           alpha=0.7)
            ax.annotate(f"{regime.start_step}-{regime.end_step}",
                        xy=(regime.start_step + width / 2, lane), ha="center", va="center",
                        fontsize=7, color="white", fontweight="bold")
    ax.set_yticks(range(len(codes)), codes, fontsize=8)
    ax.set_ylim(len(codes) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.grid(True, axis="x", color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)
