"""Write the example runs in this folder. They are SIMULATED, not real training logs.

Each CSV has the column layout of a verl run's W&B history export (``_step``, ``_runtime``,
``_timestamp``, ``actor/entropy``, ``val-core/<dataset>/acc/mean@1`` ..., one row per step, cells
empty where a key was not logged). The runs follow the entropy-performance law
``R = -a exp(H) + b`` with coefficients that are linear in the log of the non-embedding size
(as in Cui et al. 2025), plus noise:

- entropy decays as ``H(t) = H_end + (H_0 - H_end) exp(-t / tau)`` and is logged every step with
  3% relative batch noise;
- validation runs at step 0 and every 5 steps, its accuracy drawn as the law's value at the true
  entropy plus AR(1) noise (sd 1 point, lag-1 correlation 0.4), rounded to 1/500 (a 500-problem
  set, like MATH500);
- ``qwen2.5-0.5b_grpo_math_format.csv`` adds an early phase of 15 steps where the model learns the
  answer format: accuracy starts 25 points low and catches up while entropy barely moves.

Run ``python example_logs/make_examples.py`` to rewrite them; the seed makes them identical.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
SEED = 20250528
STEPS = 300
VALIDATE_EVERY = 5
# Non-embedding parameters in billions (Qwen2.5 model cards) and the coefficient lines.
SIZES = {"0.5b": 0.36, "1.5b": 1.31, "3b": 2.77, "7b": 6.53}
A_LINE = (0.020, 0.180)  # a = 0.020 ln N + 0.180
B_LINE = (0.060, 0.620)  # b = 0.060 ln N + 0.620


def entropy_curve(steps, start, end, tau):
    return end + (start - end) * np.exp(-steps / tau)


def ar1(n, sd, rho, rng):
    noise = np.empty(n)
    noise[0] = rng.standard_normal() * sd
    for t in range(1, n):
        noise[t] = rho * noise[t - 1] + rng.standard_normal() * sd * np.sqrt(1 - rho**2)
    return noise


def make_run(size_name, size, rng, format_phase=0):
    a = A_LINE[0] * np.log(size) + A_LINE[1]
    b = B_LINE[0] * np.log(size) + B_LINE[1]
    start, end, tau = 0.95 - 0.05 * np.log(size), 0.06, 45.0
    steps = np.arange(0, STEPS + 1)
    entropy = entropy_curve(steps, start, end, tau)
    logged_entropy = entropy * (1 + 0.03 * rng.standard_normal(steps.size))
    val_steps = steps[::VALIDATE_EVERY]
    accuracy = b - a * np.exp(entropy[val_steps])
    if format_phase:
        # before the format is learned, answers are often unparsable: accuracy starts low
        accuracy -= 0.25 * np.clip(1 - val_steps / format_phase, 0, 1)
    accuracy = accuracy + ar1(val_steps.size, 0.01, 0.4, rng)
    accuracy = np.clip(np.round(accuracy * 500) / 500, 0, 1)

    table = pd.DataFrame({"_step": steps})
    table["_runtime"] = np.round(np.cumsum(rng.uniform(55, 65, steps.size)), 1)
    table["_timestamp"] = np.round(1748400000 + table["_runtime"], 1)
    table["actor/entropy"] = np.round(logged_entropy, 5)
    table.loc[0, "actor/entropy"] = np.nan  # verl logs no training metrics at step 0
    table["actor/pg_loss"] = np.round(rng.normal(0, 0.02, steps.size), 5)
    table["actor/grad_norm"] = np.round(rng.uniform(0.1, 0.4, steps.size), 4)
    table["critic/score/mean"] = np.round(accuracy.mean() + rng.normal(0, 0.03, steps.size), 4)
    table["response_length/mean"] = np.round(600 - steps * 0.5 + rng.normal(0, 20, steps.size), 1)
    for column in ("actor/pg_loss", "actor/grad_norm", "critic/score/mean", "response_length/mean"):
        table.loc[0, column] = np.nan
    table["val-core/math500/acc/mean@1"] = np.nan
    table.loc[val_steps, "val-core/math500/acc/mean@1"] = accuracy
    return table, {"a": a, "b": b, "ceiling": b - a}


def main():
    rng = np.random.default_rng(SEED)
    truths = []
    for size_name, size in SIZES.items():
        table, truth = make_run(size_name, size, rng)
        name = f"qwen2.5-{size_name}_grpo_math.csv"
        table.to_csv(HERE / name, index=False, na_rep="")
        truths.append({"file": name, "size": size, **truth})
    table, truth = make_run("0.5b", SIZES["0.5b"], rng, format_phase=15)
    name = "qwen2.5-0.5b_grpo_math_format.csv"
    table.to_csv(HERE / name, index=False, na_rep="")
    truths.append({"file": name, "size": SIZES["0.5b"], **truth})
    pd.DataFrame(truths).round(6).to_csv(HERE / "truth.csv", index=False)


if __name__ == "__main__":
    main()
