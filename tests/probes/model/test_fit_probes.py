"""lr_range, train_step_check and short_fit: each flags its fault and passes a healthy setup."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from torch import nn

from probes.api import run
from probes.model.lr_range import Fall, compare, find_fall, learning_rate_bucket, suggest
from probes.model.short_fit import _gap, classify_trend


def test_lr_range_finds_a_healthy_rate_close(cases: Any) -> None:
    result = run("lr_range", cases.classification())
    assert result.status == "pass"
    assert result.facts == {"learning_rate": "normal", "lr_vs_suggested": "close"}
    assert (
        result.finding
        == "Your learning rate 1e-3 is close to the range test's suggestion of 0.031."
    )
    assert result.series[0].log_x is True


@pytest.mark.parametrize(
    ("lr", "verdict", "bucket"),
    [(50.0, "much_higher", "very_high"), (1e-7, "much_lower", "very_low")],
    ids=["too-high", "too-low"],
)
def test_lr_range_flags_a_rate_far_from_the_suggestion(
    cases: Any, lr: float, verdict: str, bucket: str
) -> None:
    result = run("lr_range", cases.classification(optimizer=lambda p: torch.optim.SGD(p, lr=lr)))
    assert result.status == "warn"
    assert result.facts == {"learning_rate": bucket, "lr_vs_suggested": verdict}


LRS = [1e-7 * (1e8) ** (i / 99) for i in range(100)]
#: Where the synthetic curve falls fastest.
STEEPEST = 1e-2


def _range_curve(noise: float = 0.0, seed: int = 0, sinks_back: bool = False) -> list[float]:
    """A range-test curve: flat at 2, a fall of 1.5 steepest at 1e-2, then a blow-up past 0.3.

    With ``sinks_back`` the loss, once blown up, sinks back towards 2, as a dead network's does.
    """
    generator = torch.Generator().manual_seed(seed)
    losses = []
    for lr in LRS:
        position = math.log10(lr)
        value = 2.0 - 1.5 / (1 + math.exp(-3 * (position - math.log10(STEEPEST))))
        if position > -0.5:
            value += 3 * (position + 0.5) ** 2
        if sinks_back and position > 0.2:
            value = 2.0 + 1.5 * math.exp(-3 * (position - 0.2))
        losses.append(value + noise * float(torch.randn(1, generator=generator)))
    return losses


def _with(losses: list[float], changes: dict[int, float]) -> list[float]:
    return [changes.get(i, value) for i, value in enumerate(losses)]


def _index(lr: float) -> int:
    return min(range(len(LRS)), key=lambda i: abs(math.log10(LRS[i] / lr)))


CURVES = {
    "clean": _range_curve(),
    **{f"noisy-seed{seed}": _range_curve(noise=0.1, seed=seed) for seed in range(5)},
    # a lucky batch on the flat start: the steepest step of a lightly smoothed curve
    "early-dip": _with(_range_curve(noise=0.05), {8: 0.1}),
    # the first batches far above the rest: an average started there falls for 20 steps
    "high-start": _with(_range_curve(noise=0.05), {0: 6.0, 1: 5.0, 2: 5.5}),
    "early-spikes": _with(_range_curve(noise=0.05), {3: 8.0, 12: 0.0, 13: 7.0, 30: 9.0}),
    # one lucky batch at the bottom of the valley, just before the blow-up
    "lucky-batch-at-the-bottom": _with(_range_curve(noise=0.05), {_index(0.1): 0.0}),
    "sinks-back-after-blow-up": _range_curve(noise=0.05, sinks_back=True),
}


@pytest.mark.parametrize("losses", CURVES.values(), ids=CURVES.keys())
def test_the_suggestion_is_the_steepest_fall_despite_noise_and_spikes(
    losses: list[float],
) -> None:
    suggestion = suggest(LRS, losses)
    assert suggestion is not None
    assert STEEPEST / 3 <= suggestion <= STEEPEST * 3


def test_the_fall_runs_from_where_the_loss_starts_falling_to_its_lowest_point() -> None:
    fall = find_fall(LRS, _range_curve(noise=0.05))
    assert fall is not None
    assert 1e-4 <= fall.begins <= 3e-3
    assert 0.05 <= fall.lowest <= 0.3


def test_a_curve_that_never_falls_gives_no_suggestion() -> None:
    lrs = [1e-7 * 10 ** (i / 10) for i in range(60)]
    assert suggest(lrs, [1.0 + 0.001 * i for i in range(60)]) is None


def test_rates_are_bucketed_per_optimizer_family() -> None:
    assert [learning_rate_bucket(lr, adaptive=True) for lr in (0.3, 0.03, 1e-3, 1e-5, 1e-7)] == [
        "very_high",
        "high",
        "normal",
        "low",
        "very_low",
    ]
    assert learning_rate_bucket(0.1, adaptive=False) == "high"
    assert compare(1.0, 0.01) == "much_higher"
    assert compare(1e-4, 0.01) == "much_lower"
    assert compare(3e-3, 0.01) == "close"


@pytest.mark.parametrize(
    ("lr", "verdict"),
    [(1.0, "much_higher"), (0.3, "close"), (1e-3, "close"), (1e-4, "close"), (1e-6, "much_lower")],
    ids=["past-the-bottom", "below-the-bottom", "in-the-fall", "where-it-starts", "tiny"],
)
def test_a_rate_is_far_only_past_the_bottom_or_before_the_fall(lr: float, verdict: str) -> None:
    fall = Fall(begins=1e-4, steepest=0.01, lowest=0.5)
    assert compare(lr, fall.steepest, fall) == verdict


def _step(clear: bool, update: bool = True) -> Any:
    def train_step(model: nn.Module, batch: Any, loss: Any, optimizer: Any) -> float:
        inputs, targets = batch
        if clear:
            optimizer.zero_grad()
        value = loss(model(inputs), targets)
        value.backward()
        if update:
            optimizer.step()
        return float(value)

    return train_step


def test_train_step_check_passes_a_correct_step(cases: Any) -> None:
    result = run("train_step_check", cases.classification(train_step=_step(clear=True)))
    assert result.status == "pass"
    assert result.facts == {
        "train_step_clears_grad": "yes",
        "zero_grad_called": "yes",
        "train_step_updates": "yes",
        "trained_in_eval_mode": "no",
        "lr_collapses": "no",
        "broadcast_mismatch": "no",
        "shape_warning": "no",
    }


def test_train_step_check_finds_gradients_piling_up(cases: Any) -> None:
    result = run("train_step_check", cases.classification(train_step=_step(clear=False)))
    assert result.status == "fail"
    assert result.facts["zero_grad_called"] == "no"
    assert result.finding == (
        "Gradients pile up from one call of your train_step to the next: call "
        "optimizer.zero_grad() in every step."
    )


def test_train_step_check_finds_a_step_that_never_updates(cases: Any) -> None:
    result = run("train_step_check", cases.classification(train_step=_step(True, update=False)))
    assert result.facts["train_step_updates"] == "no"
    assert result.finding == (
        "Your train_step leaves the parameters unchanged: check that it calls optimizer.step() "
        "and that the optimizer holds the model's parameters."
    )


def _accumulating_step(every: int) -> Any:
    """Correct accumulation: the optimizer steps, and the gradients are cleared, every
    ``every`` calls."""
    calls = [0]

    def train_step(model: nn.Module, batch: Any, loss: Any, optimizer: Any) -> float:
        inputs, targets = batch
        value = loss(model(inputs), targets)
        (value / every).backward()
        calls[0] += 1
        if calls[0] % every == 0:
            optimizer.step()
            optimizer.zero_grad()
        return float(value)

    return train_step


@pytest.mark.parametrize("every", [2, 4])
def test_train_step_check_does_not_flag_correct_accumulation(cases: Any, every: int) -> None:
    result = run("train_step_check", cases.classification(train_step=_accumulating_step(every)))
    assert result.facts["zero_grad_called"] == "yes"
    assert result.facts["train_step_updates"] == "yes"
    assert result.status == "pass"


def _scheduled_step(model: nn.Module, batch: Any, loss: Any, optimizer: Any) -> float:
    """A per-epoch schedule (gamma 0.5 per step) stepped after every batch."""
    if not hasattr(optimizer, "schedule"):
        optimizer.schedule = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
    inputs, targets = batch
    optimizer.zero_grad()
    value = loss(model(inputs), targets)
    value.backward()
    optimizer.step()
    optimizer.schedule.step()
    return float(value)


def test_train_step_check_sees_a_scheduler_that_collapses_the_rate(cases: Any) -> None:
    result = run("train_step_check", cases.classification(train_step=_scheduled_step))
    assert result.facts["lr_collapses"] == "yes"
    assert result.values["first_lr"] == pytest.approx(1e-3)
    assert "a scheduler meant per epoch seems to be stepped every batch" in result.finding


def _squeezing_step(model: nn.Module, batch: Any, loss: Any, optimizer: Any) -> float:
    """Squeezes the targets to (N,) while the prediction stays (N, 1)."""
    inputs, targets = batch
    optimizer.zero_grad()
    value = loss(model(inputs), targets.squeeze())
    value.backward()
    optimizer.step()
    return float(value)


def test_train_step_check_sees_shapes_that_broadcast_inside_the_step(cases: Any) -> None:
    experiment = cases.regression(train_step=_squeezing_step)
    result = run("train_step_check", experiment)
    assert result.facts["broadcast_mismatch"] == "yes"
    assert result.facts["shape_warning"] == "yes"
    assert "In your train_step the loss compared prediction (32, 1) against target (32,)" in (
        result.finding
    )


def test_short_fit_sees_a_healthy_model_learn(cases: Any) -> None:
    result = run("short_fit", cases.classification())
    assert result.status == "pass"
    assert result.facts == {
        "loss_trend": "decreasing",
        "train_valid_gap": "none",
        "mode_effect": "no",
        "constant_predictions": "no",
    }
    assert [s.name for s in result.series] == ["train loss", "valid loss"]


def _mostly_class_zero(rows: int = 400) -> tuple[torch.Tensor, torch.Tensor]:
    """Three learnable classes, class 0 about 70% of them."""
    x = torch.randn(rows, 10, generator=torch.Generator().manual_seed(0))
    y = torch.where(x[:, 0] > -0.5, 0, 1 + (x[:, 1] > 0).long())
    return x, y


def test_short_fit_sees_a_loss_that_ignores_the_most_common_class(cases: Any) -> None:
    experiment = cases.classification(
        train=_mostly_class_zero(),
        valid=None,
        loss=nn.CrossEntropyLoss(ignore_index=0),
        batch_size=4,
    )
    result = run("short_fit", experiment)

    assert result.status == "warn"
    assert result.facts["accuracy_follows_loss"] == "no"
    # batches of class 0 alone give NaN (a mean over nothing), which is no overflow
    assert result.facts["loss_trend"] == "decreasing"
    assert result.values["uncounted_steps"] > 0
    assert result.values["train_accuracy"] <= result.values["majority_share"]
    assert "yet the training accuracy" in result.finding
    assert result.finding.endswith(
        "training steps had every target left out by the loss's ignore_index, which makes "
        "their loss NaN (a mean over nothing)."
    )


def test_short_fit_sees_the_accuracy_follow_once_no_class_is_ignored(cases: Any) -> None:
    experiment = cases.classification(train=_mostly_class_zero(), valid=None, batch_size=4)
    result = run("short_fit", experiment)

    assert result.facts["accuracy_follows_loss"] == "yes"
    assert "uncounted_steps" not in result.values


def test_short_fit_sees_nan_at_a_huge_rate(cases: Any) -> None:
    result = run("short_fit", cases.classification(optimizer=lambda p: torch.optim.SGD(p, lr=50.0)))
    assert result.status == "fail"
    assert result.facts["loss_trend"] == "nan"
    assert result.finding == "The loss became NaN or inf during training."


def test_short_fit_sees_a_flat_loss_at_a_tiny_rate(cases: Any) -> None:
    result = run("short_fit", cases.classification(optimizer=lambda p: torch.optim.SGD(p, lr=1e-7)))
    assert result.facts["loss_trend"] == "flat"
    assert result.finding == "The training loss did not move (1.089 to 1.089 in 12 epochs)."


def test_short_fit_says_when_there_is_only_one_class(cases: Any) -> None:
    x, _ = cases.classification()["train"]
    one_class = (x, torch.zeros(len(x), dtype=torch.long))
    result = run("short_fit", cases.classification(train=one_class, valid=None))
    assert result.status == "warn"
    assert result.finding == (
        "Every training label is 0: there is only one class to predict, so a constant "
        "prediction is right and nothing else can be learnt."
    )


def test_short_fit_sees_dropout_split_train_and_eval_mode(cases: Any) -> None:
    def dropped() -> nn.Module:
        return nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.9), nn.Linear(32, 3))

    result = run("short_fit", cases.classification(model=dropped))
    assert result.facts["mode_effect"] == "yes"


@pytest.mark.parametrize(
    ("curve", "trend"),
    [
        ([1.0, 0.8, 0.6, 0.45, 0.35, 0.3], "decreasing"),
        ([1.0, 1.0, 0.999, 1.0, 0.999, 1.0], "flat"),
        ([1.0, 0.98, 0.96, 0.95, 0.94, 0.93], "slow"),
        ([1.1, 0.8, 0.75, 0.75, 0.75, 0.75, 0.75], "plateau_high"),
        # near a blind guess and creeping (3% off in the last third): stalled all the same
        ([1.1, 0.84, 0.83, 0.82, 0.81, 0.805, 0.8, 0.796, 0.789], "plateau_high"),
        # still falling fast near a blind guess, or creeping far below it: learning
        ([1.0, 0.97, 0.94, 0.91, 0.88, 0.85, 0.82, 0.78, 0.74], "decreasing"),
        ([1.0, 0.33, 0.27, 0.22, 0.21, 0.207, 0.204, 0.202, 0.2], "decreasing"),
        ([1.0, 1.5, 2.5, 4.0], "diverging"),
        ([1.0, 0.6, 0.9, 0.5, 0.95, 0.55, 0.9], "oscillating"),
        ([1.0, 0.5, float("nan")], "nan"),
        ([0.5, 0.1, -0.3], "negative"),
    ],
)
def test_loss_curves_are_classified(curve: list[float], trend: str) -> None:
    assert classify_trend(curve, [], reference=1.0) == trend


@pytest.mark.parametrize(
    ("train", "valid", "reference", "accuracy_gap", "gap"),
    [
        (0.035, 0.066, 1.1, None, "none"),
        (0.05, 1.2, math.log(2), None, "large"),
        (0.2, 0.3, math.log(2), 0.25, "large"),
        (0.005, 0.39, math.log(4), 0.064, "none"),
        (0.005, 0.40, math.log(2), 0.11, "large"),
        (0.6, 0.2, math.log(2), None, "valid_better"),
        (0.035, 0.066, None, None, "large"),
        (0.3, float("nan"), 1.0, None, "none"),
    ],
    ids=[
        "small-next-to-a-blind-guess",
        "far-in-units-of-a-blind-guess",
        "accuracy-gap",
        "confident-but-ordinary-accuracy-gap",
        "loss-gap-beside-a-sizeable-accuracy-gap",
        "valid-better",
        "ratio-when-no-reference",
        "not-finite",
    ],
)
def test_short_fit_judges_the_gap_in_units_of_a_blind_guess(
    train: float, valid: float, reference: float | None, accuracy_gap: float | None, gap: str
) -> None:
    assert _gap(train, valid, reference, accuracy_gap) == gap


def _eval_step(model: nn.Module, batch: Any, loss: Any, optimizer: Any) -> float:
    model.eval()
    return _step(clear=True)(model, batch, loss, optimizer)  # type: ignore[no-any-return]


def _batch_norm_model() -> nn.Module:
    return nn.Sequential(nn.Linear(10, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 3))


def test_train_step_check_sees_a_step_that_trains_in_eval_mode(cases: Any) -> None:
    experiment = cases.classification(model=_batch_norm_model, train_step=_eval_step)
    result = run("train_step_check", experiment)
    assert result.status == "fail"
    assert result.values["runs_in_eval_mode"] is True
    assert result.finding.endswith(
        "Your train_step runs the model in eval mode (it calls model.eval()), so dropout is "
        "off and batch norm uses its running statistics instead of the batch's: call "
        "model.train() before the training forward pass."
    )


def test_short_fit_sees_a_step_that_trains_in_eval_mode(cases: Any) -> None:
    experiment = cases.classification(model=_batch_norm_model, train_step=_eval_step)
    result = run("short_fit", experiment)
    assert result.facts["mode_effect"] == "yes"
    assert result.values["steps_in_eval_mode"] > 0


def test_eval_mode_does_not_matter_without_dropout_or_batch_norm(cases: Any) -> None:
    result = run("train_step_check", cases.classification(train_step=_eval_step))
    assert result.values["runs_in_eval_mode"] is False
