"""Render the figures of the docs from the simulated runs in example_logs/ (seeded, so
repeatable). Run from the repository root: ``python docs/images/make_images.py``.

Each figure is what the command shown in its docs page writes with ``--plot``.
"""

from __future__ import annotations

from pathlib import Path

import entropylaw
from entropylaw.family import fit_family, read_manifest
from entropylaw.forecasting import backtest, forecast
from entropylaw.plot import plot_backtest, plot_family, plot_fit, plot_forecast, save

HERE = Path(__file__).parent
EXAMPLES = HERE.parent.parent / "example_logs"
DPI = 110  # modest: the images live in the repository


def main() -> None:
    seven = entropylaw.read(EXAMPLES / "qwen2.5-7b_grpo_math.csv")
    law = entropylaw.fit(seven, seed=0)
    save(plot_fit(law), HERE / "fit.png", dpi=DPI)
    save(plot_fit(law, log_entropy=True), HERE / "fit_log_entropy.png", dpi=DPI)

    early = entropylaw.read(EXAMPLES / "qwen2.5-0.5b_grpo_math_format.csv")
    save(plot_forecast(forecast(early, fit_fraction=0.15, seed=0)), HERE / "forecast.png",
         dpi=DPI)

    real = HERE.parents[2] / "shared" / "real_logs" / "qwen2.5_math_family"
    if real.is_dir():  # a real run where the law does not hold (docs/forecast.md)
        seven_real = entropylaw.read(real / "verl_qwen2.5-7b-instruct_grpo-lora_math.csv")
        save(plot_forecast(forecast(seven_real, fit_fraction=0.15, seed=0)),
             HERE / "forecast_real.png", dpi=DPI)

    family = fit_family(read_manifest(EXAMPLES / "family.csv"), predict=["Qwen2.5-14B", 31.0],
                        seed=0)
    save(plot_family(family), HERE / "family.png", dpi=DPI)

    runs = [entropylaw.read(path) for path in sorted(EXAMPLES.glob("qwen*.csv"))]
    save(plot_backtest(backtest(runs, seed=0)), HERE / "backtest.png", dpi=DPI)


if __name__ == "__main__":
    main()
