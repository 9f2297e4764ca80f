"""The family's plateaus: each run's plateau against known truth, the bounded plateau line and
its choice of form, given accuracies, and the real Qwen2.5 MATH family's held-out sizes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from entropylaw import Estimate, InputError, fit_family, read, simulate_run
from entropylaw.family import Accuracy, Coefficients, read_manifest
from entropylaw.family.names import short_names
from entropylaw.family.plateau_line import FORMS
from entropylaw.family.plateaus import late_level
from entropylaw.run import Run
from entropylaw.sources.log import KeySeries

QWEN = (0.36, 1.31, 2.77, 6.53, 13.1)


def real_family_folder() -> Path:
    for parent in Path(__file__).resolve().parents:
        folder = parent / "shared" / "real_logs" / "qwen2.5_math_family"
        if folder.is_dir():
            return folder
    pytest.skip("the real Qwen2.5 MATH family (../shared/real_logs/qwen2.5_math_family) is "
                "not beside this checkout")


def given(values, se=0.003):
    return [Accuracy(float(v), se, source=f"size{i}") for i, v in enumerate(values)]


def error_power(size, c=-0.614, k=-0.229):
    return 1.0 - math.exp(c + k * math.log(size))


def logit_curve(size, c=0.0, k=0.45):
    return 1.0 / (1.0 + math.exp(-(c + k * math.log(size))))


# --- each run's plateau -------------------------------------------------------------------


def test_late_level_interval_covers_a_flat_runs_level_with_ar1_noise():
    rng = np.random.default_rng(0)
    hits, n = 0, 300
    for _ in range(n):
        level, rho, sd = 0.55, 0.6, 0.01
        noise = np.empty(25)
        noise[0] = rng.normal(0, sd)
        for i in range(1, 25):
            noise[i] = rho * noise[i - 1] + rng.normal(0, sd * math.sqrt(1 - rho**2))
        values = level + noise
        _, draws, _, _, m = late_level(np.arange(25) * 5, values, n_draws=2000, rng=rng,
                                          confidence=0.95)
        lower, upper = np.quantile(draws, [0.025, 0.975])
        hits += lower <= level <= upper
        assert m == 6
    # AR(1) with rho 0.6 over 6 points: an iid standard error would cover far less
    assert hits / n >= 0.88


def test_law_runs_with_exhausted_entropy_plateau_at_their_ceiling():
    runs = [simulate_run(a=0.2, b=0.7 + 0.03 * i, noise_sd=0.01, seed=i, source=f"r{i}.csv")
            for i in range(3)]
    result = fit_family(runs, sizes=[1.0, 2.0, 4.0], seed=0, n_resamples=1000)
    for i, run in enumerate(result.runs):
        assert run.plateau.kind == "ceiling"
        assert run.law.applies
        assert run.plateau.value.contains(0.5 + 0.03 * i)
    assert result.law_holds


def test_a_still_rising_run_takes_the_forecasters_asymptote_or_warns():
    steps = np.arange(0, 125, 5)
    values = 0.3 + 0.002 * steps  # rises steadily to the end
    run = Run("rising.csv", "entropy", "acc", KeySeries("entropy", steps, 0.5 - steps / 400),
              KeySeries("acc", steps, values))
    flat = [Accuracy(v, 0.003, source=f"given{i}") for i, v in enumerate((0.40, 0.50))]

    class Result:
        plateau = Estimate(0.62, 0.58, 0.66)
        plateau_kind = "asymptote"

    result = fit_family([run, *flat], sizes=[4.0, 1.0, 2.0], seed=0, n_resamples=500,
                        forecaster=lambda run, confidence: Result())
    member = result.runs[0]
    assert member.plateau.kind == "asymptote"
    assert member.plateau.value.estimate == pytest.approx(0.62)
    assert member.plateau.value.lower == pytest.approx(0.58, abs=0.01)
    no_asymptote = fit_family([run, *flat], sizes=[4.0, 1.0, 2.0], seed=0, n_resamples=500,
                              forecaster=lambda run, confidence: object())
    assert no_asymptote.runs[0].plateau.kind == "last_level"
    assert no_asymptote.runs[0].plateau.still_rising
    assert "still_rising" in [w.code for w in no_asymptote.warnings]


# --- the plateau line ---------------------------------------------------------------------


@pytest.mark.parametrize(("curve", "form"), [(error_power, "error_power"),
                                             (logit_curve, "logit")])
def test_leave_one_size_out_picks_the_true_form(curve, form):
    truth = [curve(s) for s in QWEN]
    result = fit_family(given(truth[:4], se=0.001), sizes=QWEN[:4], predict=13.1, seed=0,
                        n_resamples=2000)
    assert result.plateau_line.form == form
    assert result.plateau_line.rms[form] == min(result.plateau_line.rms.values())
    prediction = result.size_predictions[0].plateau
    assert prediction.estimate == pytest.approx(truth[4], abs=0.002)
    assert prediction.contains(truth[4])


def test_leave_one_out_errors_are_refits_through_the_other_sizes():
    values = [0.30, 0.47, 0.58, 0.64]
    result = fit_family(given(values), sizes=QWEN[:4], seed=0, n_resamples=500)
    x = np.log(QWEN[:4])
    for form, (transform, inverse, _) in FORMS.items():
        for k in range(4):
            keep = np.arange(4) != k
            slope, intercept = np.polyfit(x[keep], transform(np.array(values)[keep]), 1)
            expected = float(inverse(intercept + slope * x[k])) - values[k]
            assert result.plateau_line.leave_one_out[form][k] == pytest.approx(expected)


def test_plateau_coverage_on_simulated_families_with_scatter():
    """Known plateaus on an error-power curve, each size off it by 1.5 points (sd); 3 or 4
    sizes fitted, the next predicted: the 95% intervals cover at least 90%."""
    rng = np.random.default_rng(1)
    hits = total = 0
    for index in range(80):
        k = 3 + index % 2
        truth = np.clip([error_power(s) + rng.normal(0, 0.015) for s in QWEN[:k + 1]], 0, 1)
        measured = truth[:k] + rng.normal(0, 0.003, size=k)
        result = fit_family(given(measured), sizes=QWEN[:k], predict=QWEN[k], seed=rng,
                            n_resamples=1000)
        prediction = result.size_predictions[0].plateau
        assert 0.0 <= prediction.lower <= prediction.estimate <= prediction.upper <= 1.0
        hits += prediction.contains(truth[k])
        total += 1
    assert hits / total >= 0.9


def test_published_coefficients_never_predict_a_ceiling_above_100_percent():
    """Issue 15 item 9: three published rows whose straight ceiling line passes 100%."""
    rows = [(0.10, 0.75), (0.08, 0.82), (0.05, 0.95)]
    members = [Coefficients(Estimate(a, math.nan, math.nan), Estimate(b, math.nan, math.nan),
                            source=f"paper row {i}") for i, (a, b) in enumerate(rows)]
    result = fit_family(members, sizes=[0.36, 1.31, 6.53], predict=[70.0], seed=0,
                        n_resamples=1000)
    prediction = result.size_predictions[0]
    assert prediction.ceiling is None  # its straight line reaches > 100% at 70B
    assert "ceiling_out_of_range" in [w.code for w in result.warnings]
    assert 0.0 <= prediction.plateau.lower <= prediction.plateau.upper <= 1.0
    assert prediction.plateau.upper < 1.0
    assert "ceiling" not in str(result).split("predictions:")[1].splitlines()[1]


def test_predictions_are_a_dataframe_and_the_json_keeps_its_schema():
    result = fit_family(given([0.30, 0.47, 0.58, 0.64]), sizes=QWEN[:4], predict=[13.1, 31.0],
                        seed=0, n_resamples=500)
    frame = result.predictions
    assert list(frame["size"]) == [13.1, 31.0]
    assert {"plateau", "plateau_lower", "plateau_upper", "ceiling"} <= set(frame.columns)
    assert frame["a"].isna().all()  # given accuracies have no coefficients
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["predictions"][0]["plateau"]["estimate"] == pytest.approx(frame["plateau"][0])
    assert data["a_vs_log_size"] is None and data["runs"][0]["plateau_kind"] == "given"


# --- given accuracies and names ---------------------------------------------------------------


def test_manifest_accuracy_rows_detect_percent_and_give_standard_errors(tmp_path):
    manifest = tmp_path / "published.csv"
    manifest.write_text("model,accuracy,n_items,accuracy_se\n"
                        "Qwen2.5-0.5B,31.5,5000,\nQwen2.5-1.5B,49.3,,0.8\n"
                        "Qwen2.5-3B,0.57%,,\nQwen2.5-7B,64.8,,\n")
    members = read_manifest(manifest)
    assert [m.value for m in members] == pytest.approx([0.315, 0.493, 0.0057, 0.648])
    assert members[0].std_error == pytest.approx(math.sqrt(0.315 * 0.685 / 5000))
    assert members[1].std_error == pytest.approx(0.008)
    assert members[3].std_error == 0.0
    fractions = tmp_path / "fractions.csv"
    fractions.write_text("model,accuracy\nQwen2.5-0.5B,0.543\nQwen2.5-1.5B,0.779\n")
    assert [m.value for m in read_manifest(fractions)] == pytest.approx([0.543, 0.779])


@pytest.mark.parametrize(("text", "message"), [
    ("model,accuracy\nQwen2.5-0.5B,130\n", "line 2: accuracy must be a fraction"),
    ("model,accuracy,a,b\nQwen2.5-0.5B,0.5,0.1,0.6\n", "line 2: give the accuracy, or a and b"),
    ("model,accuracy,n_items\nQwen2.5-0.5B,0.5,1.5\n", "line 2: n_items must be a whole"),
    ("model,source,n_items\nQwen2.5-0.5B,x.csv,10\n", "line 2: n_items is given without"),
])
def test_manifest_accuracy_errors_name_the_line(tmp_path, text, message):
    manifest = tmp_path / "bad.csv"
    manifest.write_text(text)
    with pytest.raises(InputError, match=message):
        read_manifest(manifest)


def test_short_names_tell_runs_apart():
    sources = [f"/x/verl_qwen2.5-{s}-instruct_grpo-lora_math.csv" for s in ("0.5b", "14b", "1.5b")]
    assert short_names(sources) == ["0.5b", "14b", "1.5b"]
    assert short_names(["a/trainer_state.json", "b/trainer_state.json"]) == ["a", "b"]
    assert short_names(["paper", "paper"], ["0.5B", "7B"]) == ["paper 0.5B", "paper 7B"]
    assert short_names(["same", "same"]) == ["same #1", "same #2"]


# --- the real family --------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "fitted"), [("14b", ("0.5b", "1.5b", "3b", "7b")),
                                                ("7b", ("0.5b", "1.5b", "3b"))])
def test_real_family_predicts_the_held_out_sizes_plateau(target, fitted):
    folder = real_family_folder()

    def run(size):
        return read(str(folder / f"verl_qwen2.5-{size}-instruct_grpo-lora_math.csv"),
                    model=f"Qwen2.5-{size.upper()}")

    truth = fit_family([run(s) for s in (*fitted, target)], seed=0, n_resamples=1000).runs[-1]
    assert truth.plateau.kind == "last_level"
    result = fit_family([run(s) for s in fitted], predict=f"Qwen2.5-{target.upper()}", seed=0,
                        n_resamples=4000)
    prediction = result.size_predictions[0]
    plateau = prediction.plateau
    actual = truth.plateau.value.estimate
    assert abs(plateau.estimate - actual) <= 0.04
    assert plateau.contains(actual)
    assert plateau.upper - plateau.lower <= 0.25
    assert plateau.lower >= 0.0 and plateau.upper <= 1.0
    # the law fails for most sizes: the report leads with the plateau and drops the ceiling
    assert not result.law_holds and prediction.ceiling is None
    text = str(result)
    assert text.startswith("Plateau across model sizes")
    assert "not meaningful for this family" in text
    assert "0.5b " in text and "instruct_grpo" not in text
    assert result.to_dict()["runs"][0]["source"].endswith(
        "verl_qwen2.5-0.5b-instruct_grpo-lora_math.csv")


def test_the_readers_notes_pass_into_the_familys_notes(tmp_path):
    rows = ["step,actor/entropy,val/test_score", "0,,0.30"]
    rows += [f"{s},{0.5 - s / 200:.3f},{0.30 + 0.18 * (1 - math.exp(-s / 15)):.3f}"
             for s in range(5, 55, 5)]
    rows.append("50,0.25,0.49")  # step 50 logged twice
    path = tmp_path / "dup.csv"
    path.write_text("\n".join(rows) + "\n")
    run = read(str(path), reward_key="val/test_score")
    result = fit_family([run, Accuracy(0.3, 0.01, source="given")], sizes=[2.0, 1.0], seed=0,
                        n_resamples=500)
    note = next(n for n in result.notes if n.code == "duplicate_steps")
    assert note.message.startswith(str(path))
