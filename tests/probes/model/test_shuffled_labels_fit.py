"""shuffled_labels_fit: real labels with signal are fitted faster than shuffled ones; labels
without signal, or out of step with their inputs, are not."""

from __future__ import annotations

import math
from typing import Any

import torch

from probes.api import run
from probes.model.shuffled_labels_fit import LabelFits, judge, lead, speed, word


def test_labels_with_signal_fit_faster_than_shuffled(cases: Any) -> None:
    result = run("shuffled_labels_fit", cases.classification())
    assert result.status == "pass"
    assert result.facts == {"real_vs_shuffled_fit": "faster"}
    assert result.values["real_lead"] > 0.3
    assert result.finding.startswith("The real labels are fitted much faster than shuffled ones")


def test_labels_without_signal_fit_no_faster(cases: Any) -> None:
    generator = torch.Generator().manual_seed(5)
    x = torch.randn(400, 10, generator=generator)
    noise = torch.randint(0, 3, (400,), generator=generator)
    result = run("shuffled_labels_fit", cases.classification(train=(x, noise)))
    assert result.status == "warn"
    assert result.facts == {"real_vs_shuffled_fit": "same"}
    assert result.finding.startswith("The real labels are fitted no faster than shuffled ones")
    assert result.finding.endswith(
        "Either there is nothing (labels out of step with their inputs, inputs without the "
        "signal) or the model cannot take it in (a fault in its layers or output that the "
        "other probes name)."
    )


def test_labels_out_of_step_with_inputs_fit_no_faster(cases: Any) -> None:
    experiment = cases.classification()
    x, y = experiment["train"]
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(3))
    experiment["train"] = (x, y[order])  # labels shuffled apart from their inputs
    result = run("shuffled_labels_fit", experiment)
    assert result.facts == {"real_vs_shuffled_fit": "same"}


def test_regression_with_signal_fits_faster(cases: Any) -> None:
    result = run("shuffled_labels_fit", cases.regression())
    assert result.facts == {"real_vs_shuffled_fit": "faster"}


def test_speed_is_the_mean_share_of_the_start_removed() -> None:
    assert speed([2.0, 1.0, 0.0]) == 0.75
    assert math.isnan(speed([1.0, float("nan")]))


def test_lead_is_the_widest_windowed_share_below_the_shuffled_loss() -> None:
    shuffled = [1.0] * 11
    real = [1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert lead(real, shuffled) == 0.5
    assert lead([1.0, 0.0, 1.0, 1.0, 1.0, 1.0], [1.0] * 6) == 0.2  # one step is no lead


def test_unmoved_losses_are_skipped_without_a_fact() -> None:
    fits = LabelFits(128, [1.0] * 10, [1.0] * 10)
    verdict = judge(fits)
    assert (verdict.status, verdict.facts) == ("pass", {})
    assert word(fits, verdict) == (
        "Skipped: neither the real nor the shuffled labels of 128 examples moved the loss in "
        "10 steps, so the speeds cannot be compared."
    )
