"""The watcher on small loops run in this process: what it records and how it judges it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from probes.inputs import ModelInputs
from probes.watch.capture import build_target, main_model
from probes.watch.hooks import StopWatching, Watcher
from probes.watch.judge import judge as judge_loop
from probes.watch.judge import lr_collapses, measure

Loop = Callable[[], None]


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(256, 6, generator=generator)
    return inputs, (inputs[:, 0] > 0).long()


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))


def _watch(loop: Loop, stop_after: int | None = None) -> Watcher:
    with Watcher(stop_after=stop_after) as watcher, contextlib.suppress(StopWatching):
        loop()
    return watcher


def _facts(watcher: Watcher) -> dict[str, str]:
    recording = watcher.recording
    return judge_loop(measure(recording, main_model(recording))).facts


def _loop(*, clear_every: int | None, step_every: int = 1, batches: int = 24) -> Loop:
    inputs, targets = _data()
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

    def loop() -> None:
        for batch in range(batches):
            rows = slice(batch * 8 % 256, batch * 8 % 256 + 8)
            F.cross_entropy(model(inputs[rows]), targets[rows]).backward()
            if (batch + 1) % step_every == 0:
                optimizer.step()
                if clear_every is not None:
                    optimizer.zero_grad()

    return loop


def test_a_loop_that_never_clears_gradients_is_seen_piling_them_up() -> None:
    watcher = _watch(_loop(clear_every=None))
    assert all(watcher.recording.stale_grads)
    assert _facts(watcher)["zero_grad_called"] == "no"


def test_accumulation_that_clears_after_each_step_is_not_a_fault() -> None:
    watcher = _watch(_loop(clear_every=1, step_every=4))
    recording = watcher.recording
    assert recording.step_count == 6
    assert [s.backward_calls for s in recording.steps] == [4] * 6
    assert recording.stale_grads == [False] * 5
    assert _facts(watcher)["zero_grad_called"] == "yes"


def test_clearing_by_setting_grads_to_none_counts_as_clearing() -> None:
    inputs, targets = _data()
    model = _model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def loop() -> None:
        for _ in range(5):
            for p in model.parameters():
                p.grad = None
            F.cross_entropy(model(inputs), targets).backward()
            optimizer.step()

    assert _watch(loop).recording.stale_grads == [False] * 4


def test_two_models_with_their_own_optimizers_are_told_apart() -> None:
    torch.manual_seed(0)
    generator, discriminator = nn.Linear(3, 2), nn.Linear(2, 1)
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=1e-3)
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=1e-3)
    loss = nn.BCEWithLogitsLoss()

    def loop() -> None:
        for _ in range(4):
            fake = generator(torch.randn(8, 3))
            d_optimizer.zero_grad()
            loss(discriminator(fake.detach()), torch.zeros(8, 1)).backward()
            d_optimizer.step()
            g_optimizer.zero_grad()
            loss(discriminator(fake), torch.ones(8, 1)).backward()
            g_optimizer.step()

    watcher = _watch(loop)
    recording = watcher.recording
    assert [m.name for m in recording.models] == ["generator (Linear)", "discriminator (Linear)"]
    assert not any(recording.stale_grads)
    main = main_model(recording)
    assert main is not None and main.name == "discriminator (Linear)"


def test_a_scheduler_stepped_every_batch_collapses_the_learning_rate() -> None:
    inputs, targets = _data()
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.1)

    def loop() -> None:
        for _ in range(12):
            optimizer.zero_grad()
            F.cross_entropy(model(inputs), targets).backward()
            optimizer.step()
            scheduler.step()

    watcher = _watch(loop)
    lrs = [step.lrs[0] for step in watcher.recording.steps]
    assert lrs[0] == pytest.approx(0.1) and lrs[-1] == pytest.approx(1e-3)
    assert _facts(watcher)["lr_collapses"] == "yes"


@pytest.mark.parametrize(
    ("lrs", "expected"),
    [
        pytest.param([[0.1]] * 10, False, id="steady"),
        pytest.param([[0.1 * 0.999**i] for i in range(10)], False, id="slow-decay-per-batch"),
        pytest.param([[0.1 * 0.95**i] for i in range(10)], True, id="per-epoch-decay-per-batch"),
        pytest.param([[0.1 * (i + 1) / 10] for i in range(10)], False, id="warm-up"),
        pytest.param([[0.1], [0.1]], None, id="too-few-steps"),
    ],
)
def test_lr_collapse_is_judged_on_the_rate_seen_and_where_it_leads(
    lrs: list[list[float]], expected: bool | None
) -> None:
    assert lr_collapses(lrs) is expected


def test_a_prediction_that_broadcasts_against_the_target_is_seen_with_its_warning() -> None:
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    inputs, targets = torch.randn(32, 4), torch.randn(32)

    def loop() -> None:
        for _ in range(3):
            optimizer.zero_grad()
            F.mse_loss(model(inputs), targets).backward()
            optimizer.step()

    watcher = _watch(loop)
    facts = _facts(watcher)
    assert facts["broadcast_mismatch"] == "yes"
    assert facts["shape_warning"] == "yes"
    assert any("target size" in w for w in watcher.recording.warnings)


def test_training_in_eval_mode_is_seen() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    inputs, targets = torch.randn(16, 4), torch.randint(0, 2, (16,))
    model.eval()

    def loop() -> None:
        for _ in range(3):
            optimizer.zero_grad()
            nn.CrossEntropyLoss()(model(inputs), targets).backward()
            optimizer.step()

    facts = _facts(_watch(loop))
    assert facts["trained_in_eval_mode"] == "yes"
    assert facts["mode_switching"] == "missing"


def test_a_layer_left_out_of_the_optimizer_is_named() -> None:
    inputs, targets = _data()
    model = _model()
    optimizer = torch.optim.SGD(model[2].parameters(), lr=0.05)

    def loop() -> None:
        for _ in range(3):
            optimizer.zero_grad()
            F.cross_entropy(model(inputs), targets).backward()
            optimizer.step()

    watcher = _watch(loop)
    recording = watcher.recording
    seen = measure(recording, main_model(recording))
    assert seen.outside_optimizer == ["0.weight", "0.bias"]
    assert judge_loop(seen).facts["frozen_layers"] == "yes"


def test_nan_in_the_inputs_is_found_where_it_first_shows() -> None:
    inputs, targets = _data()
    inputs[40, 2] = float("nan")
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

    def loop() -> None:
        for start in range(0, 64, 16):
            optimizer.zero_grad()
            F.cross_entropy(
                model(inputs[start : start + 16]), targets[start : start + 16]
            ).backward()
            optimizer.step()

    recording = _watch(loop).recording
    assert recording.nonfinite[0] == "the input of model (Sequential) at step 3"
    assert _facts(_watch(loop))["nonfinite_values"] == "yes"


def test_the_watch_stops_after_the_steps_asked_even_past_except_exception() -> None:
    inputs, targets = _data()
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

    def loop() -> None:
        for _ in range(50):
            try:
                optimizer.zero_grad()
                F.cross_entropy(model(inputs), targets).backward()
                optimizer.step()
            except Exception:  # a user's catch-all must not swallow the stop
                continue

    assert _watch(loop, stop_after=7).recording.step_count == 7


def test_the_watcher_puts_every_original_back() -> None:
    originals = (
        F.cross_entropy,
        F.mse_loss,
        torch.autograd.backward,
        torch.optim.Optimizer.zero_grad,
        nn.Module.zero_grad,
        torch.utils.data.DataLoader.__iter__,
    )
    with Watcher():
        assert F.cross_entropy is not originals[0]
    after = (
        F.cross_entropy,
        F.mse_loss,
        torch.autograd.backward,
        torch.optim.Optimizer.zero_grad,
        nn.Module.zero_grad,
        torch.utils.data.DataLoader.__iter__,
    )
    assert after == originals


def test_the_captured_target_starts_from_the_model_before_its_first_update() -> None:
    inputs, targets = _data()
    model = _model()
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    loss = nn.CrossEntropyLoss(label_smoothing=0.1)

    def loop() -> None:
        for start in range(0, 256, 32):
            optimizer.zero_grad()
            loss(model(inputs[start : start + 32]), targets[start : start + 32]).backward()
            optimizer.step()

    recording = _watch(loop).recording
    target = build_target(recording, main_model(recording), "test")
    fresh = target.model()
    assert all(torch.equal(a, b) for a, b in zip(before, fresh.parameters(), strict=True))
    assert target.loss is loss
    assert target.optimizer is not None
    rebuilt = target.optimizer(fresh.parameters())
    assert type(rebuilt) is torch.optim.SGD
    assert rebuilt.param_groups[0]["lr"] == 0.5 and rebuilt.param_groups[0]["momentum"] == 0.9
    x, y = target.train_tensors()
    assert x.shape == (256, 6) and y.shape == (256,)
    assert target.batch_size == 32


class _Bag(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bag, self.head = nn.EmbeddingBag(50, 8), nn.Linear(8, 3)

    def forward(self, tokens: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.head(self.bag(tokens, offsets))


def test_a_model_called_with_tokens_and_offsets_is_captured_with_both() -> None:
    model = _Bag()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    generator = torch.Generator().manual_seed(0)

    def loop() -> None:
        for _ in range(3):  # 8 documents of 2-5 tokens a batch
            lengths = torch.randint(2, 6, (8,), generator=generator)
            tokens = torch.randint(50, (int(lengths.sum()),), generator=generator)
            offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths[:-1].cumsum(0)])
            optimizer.zero_grad()
            F.cross_entropy(model(tokens, offsets), torch.randint(3, (8,))).backward()
            optimizer.step()

    recording = _watch(loop).recording
    x, y = build_target(recording, main_model(recording), "test").train_tensors()

    assert isinstance(x, ModelInputs) and x.bag is not None  # the offsets were seen as such
    assert len(x) == 24 and y.shape == (24,)
    assert int(x.args[1][-1]) < len(x.args[0])  # offsets shifted as the batches were joined


class _Masked(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(6, 3)

    def forward(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.layer(features if mask is None else features * mask)


@pytest.mark.parametrize("call", ["positional_and_keyword", "all_keywords", "keyword_none"])
def test_a_model_called_by_keyword_is_captured_with_its_inputs_named(call: str) -> None:
    inputs, targets = _data()
    model = _Masked()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    mask = torch.ones_like(inputs)

    def loop() -> None:
        for start in range(0, 96, 32):
            x, m = inputs[start : start + 32], mask[start : start + 32]
            if call == "positional_and_keyword":
                output = model(x, mask=m)
            elif call == "all_keywords":
                output = model(**{"features": x, "mask": m})
            else:
                output = model(x, mask=None)
            optimizer.zero_grad()
            F.cross_entropy(output, targets[start : start + 32]).backward()
            optimizer.step()

    recording = _watch(loop).recording
    x, y = build_target(recording, main_model(recording), "test").train_tensors()

    # The first call registers the model, so its keywords are seen from the second batch on.
    assert y.shape == ((64,) if call != "keyword_none" else (96,))
    if call == "keyword_none":
        assert isinstance(x, torch.Tensor) and x.shape == (96, 6)
    else:
        assert isinstance(x, ModelInputs) and set(x.kwargs) == {"features", "mask"}


def test_a_step_with_a_closure_is_recorded_after_its_closure_ran() -> None:
    """Lightning and LBFGS clear, forward and backward inside optimizer.step(closure)."""
    inputs, targets = _data()
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        value = F.cross_entropy(model(inputs), targets)
        value.backward()
        return value

    def loop() -> None:
        for _ in range(4):
            optimizer.step(closure)

    recording = _watch(loop).recording
    assert recording.stale_grads == [False] * 3
    assert all(step.grad_norms for step in recording.steps)
    assert all(step.loss is not None for step in recording.steps)
