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

    Top: entropy (left axis) and validation accuracy (right axis). Below, where the run logs
    them: training reward (left) and response length (right). Regimes are shaded over their
    steps in every panel; events are marked where they occur. With ``ax`` only the top panel
    is drawn, on it.
    """
    lower = [role for role in ("train_reward", "response_length") if role in result.series]
    if ax is not None:
        figure, top = style.axes(ax)
        bottom = None
    else:
        from matplotlib.figure import Figure

        rows = 2 if lower else 1
        figure = Figure(figsize=(style.FIGURE_SIZE[0] + 3.0, 3.3 * rows + 0.9),
                        layout="constrained")
        axes = figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
        top, bottom = axes[0], (axes[1] if lower else None)

    panels = [(top, _top(top, result))]
    if bottom is not None:
        panels.append((bottom, _bottom(bottom, result)))
    for panel, _ in panels:
        _shade(panel, result.regimes)
    _legend_regimes(top, result.regimes)
    law = result.law
    verdict = ("law applies" if law.applies else "law does not apply: " + ", ".join(law.failed))
    detail = [f"{result.entropy_key} vs {result.reward_key}", verdict]
    shown = [w for w in result.warnings if w.code != "law_does_not_apply"]
    style.title(top, style.run_name(result.source, result.model), detail, shown)
    (bottom or top).set_xlabel("training step")
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


def _shade(ax, regimes):
    for regime in regimes:
        colour = REGIME_COLOURS.get(regime.code, "#bcbd22")
        ax.axvspan(regime.start_step, regime.end_step, color=colour, alpha=0.12, linewidth=0)


def _legend_regimes(ax, regimes):
    seen = []
    for regime in regimes:
        if regime.code not in seen:
            seen.append(regime.code)
    if not seen:
        return
    text = "shaded: " + ", ".join(f"{code} ({_ranges(regimes, code)})" for code in seen)
    ax.annotate(text, xy=(0.0, 0.0), xycoords="axes fraction", xytext=(2, 2),
                textcoords="offset points", fontsize=7, color="0.3", ha="left", va="bottom")
    for code in seen:
        ax.axvspan(np.nan, np.nan, color=REGIME_COLOURS.get(code, "#bcbd22"), alpha=0.25,
                   label=code)


def _ranges(regimes, code):
    return ", ".join(f"{r.start_step}-{r.end_step}" for r in regimes if r.code == code)
