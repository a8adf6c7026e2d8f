"""activations, gradients, overfit_one_batch: each flags its fault and passes a healthy setup."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from probes.api import run


def mlp(inputs: int = 10, outputs: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Linear(inputs, 32), nn.ReLU(), nn.Linear(32, outputs))


class DeadReLU(nn.Module):
    """A ReLU layer whose bias starts so negative that no unit ever fires."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(10, 32)
        self.out = nn.Linear(32, 3)
        with torch.no_grad():
            self.hidden.bias.fill_(-10.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.hidden(x)))


def deep_sigmoid() -> nn.Module:
    layers: list[nn.Module] = []
    for _ in range(12):
        layers += [nn.Linear(10, 10), nn.Sigmoid()]
    return nn.Sequential(*layers, nn.Linear(10, 3))


def test_activations_pass_a_healthy_relu_network(cases: Any) -> None:
    result = run("activations", cases.classification())
    assert result.status == "pass"
    assert result.facts == {
        "depth": "shallow",
        "linear_stack": "no",
        "hidden_activation": "relu",
        "dead_units": "few",
        "saturation": "no",
        "nonfinite_values": "no",
        "init_scheme": "default",
        "order_blind": "no",
    }
    assert result.finding == "No dead, saturated or non-finite activations; hidden layers use ReLU."


def constant_init() -> nn.Module:
    model = nn.Sequential(nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 3))
    for parameter in model.parameters():
        nn.init.zeros_(parameter)
    return model


def wide_init() -> nn.Module:
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 2))
    nn.init.normal_(model[0].weight, std=3.0)
    return model


def test_activations_notice_weights_that_all_start_equal(cases: Any) -> None:
    experiment = cases.classification()
    experiment["model"] = constant_init
    result = run("activations", experiment)
    assert result.facts["init_scheme"] == "custom_constant"
    assert result.status == "fail"
    assert "Every weight of some layer starts at the same value" in result.finding


def test_activations_notice_a_far_too_wide_initial_spread() -> None:
    from probes.model.activations import init_scheme

    assert init_scheme(wide_init()) == "custom_large"
    assert init_scheme(nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 2))) == "default"


def test_activations_find_dead_units_behind_a_functional_relu(cases: Any) -> None:
    result = run("activations", cases.classification(model=DeadReLU))
    assert result.status == "fail"
    assert result.facts["dead_units"] == "many"
    assert result.facts["hidden_activation"] == "relu"
    assert result.finding == (
        "100% of the ReLU units after 'hidden' never fire at initialisation (1 layer affected)."
    )


def test_activations_find_saturated_sigmoids(cases: Any, scale: Any) -> None:
    model = scale(lambda: nn.Sequential(nn.Linear(10, 32), nn.Sigmoid(), nn.Linear(32, 3)), 30.0)
    result = run("activations", cases.classification(model=model))
    assert result.facts["saturation"] == "yes"
    assert result.facts["hidden_activation"] == "sigmoid_tanh"
    assert result.finding == (
        "77% of the inputs to sigmoid/tanh '1' lie beyond ±5 at initialisation, where the "
        "gradient is almost zero."
    )


def test_activations_find_linear_layers_stacked_without_activation(cases: Any) -> None:
    model = lambda: nn.Sequential(nn.Linear(10, 32), nn.Linear(32, 3))  # noqa: E731
    result = run("activations", cases.classification(model=model))
    assert result.facts["linear_stack"] == "yes"
    assert result.facts["hidden_activation"] == "none"
    assert result.finding == (
        "Linear layers follow each other with no activation between them, so together they are "
        "just one linear map: put a ReLU between them."
    )


def test_activations_find_nan_appearing_after_a_few_steps_at_a_huge_rate(cases: Any) -> None:
    experiment = cases.classification(optimizer=lambda p: torch.optim.SGD(p, lr=50.0))
    result = run("activations", experiment)
    assert result.facts["nonfinite_values"] == "yes"
    assert result.finding == "NaN or inf appear after 30 training steps, first in layer '2'."


def test_gradients_pass_a_healthy_network(cases: Any) -> None:
    result = run("gradients", cases.classification())
    assert result.status == "pass"
    assert result.facts == {
        "gradient_flow": "healthy",
        "params_without_grad": "no",
        "frozen_layers": "no",
        "update_ratio": "healthy",
    }
    assert result.series[0].y and len(result.series[0].y) == 2


def test_gradients_vanish_through_twelve_sigmoids(cases: Any) -> None:
    sgd = lambda p: torch.optim.SGD(p, lr=0.01)  # noqa: E731
    result = run("gradients", cases.classification(model=deep_sigmoid, optimizer=sgd))
    assert result.status == "fail"
    assert result.facts["gradient_flow"] == "vanishing"
    assert result.finding.startswith("Gradients vanish: the first layer's norm is ")


def test_gradients_find_a_frozen_layer(cases: Any) -> None:
    def frozen() -> nn.Module:
        model = mlp()
        model[0].weight.requires_grad_(False)
        return model

    result = run("gradients", cases.classification(model=frozen))
    assert result.status == "warn"
    assert result.facts["frozen_layers"] == "yes"
    assert result.finding == "Some parameters are frozen (requires_grad False): 0.weight."


def test_gradients_find_parameters_left_out_of_the_optimizer(cases: Any) -> None:
    last_only = lambda p: torch.optim.Adam(list(p)[2:], lr=1e-3)  # noqa: E731
    result = run("gradients", cases.classification(optimizer=last_only))
    assert result.facts["params_without_grad"] == "yes"
    assert result.finding == "These parameters are never handed to the optimizer: 0.weight, 0.bias."


class ListOfLayers(nn.Module):
    """Hidden layers in a plain list: they run, but the model does not know them."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = [nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32)]
        self.head = nn.Linear(32, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.hidden:
            x = layer(x)
        return self.head(torch.relu(x))


class Registered(nn.Module):
    """The same layers in nn.ModuleList and nn.ModuleDict, plus plain containers of numbers."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.ModuleList([nn.Linear(10, 32), nn.ReLU()])
        self.heads = nn.ModuleDict({"main": nn.Linear(32, 3)})
        self.sizes = [10, 32, 3]
        self.options = {"dropout": 0.0}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.hidden:
            x = layer(x)
        return self.heads["main"](x)


def test_gradients_find_layers_kept_in_a_plain_list(cases: Any) -> None:
    result = run("gradients", cases.classification(model=ListOfLayers))
    assert result.status == "fail"
    assert result.facts["params_without_grad"] == "yes"
    assert result.facts["frozen_layers"] == "yes"
    assert result.values["unregistered"] == "hidden (2 layers with weights)"
    assert result.finding == (
        "Layers kept in a plain Python list, tuple or dict are not part of the model, so no "
        "optimizer ever updates them: hidden (2 layers with weights). Hold them in "
        "nn.ModuleList or nn.ModuleDict."
    )


def test_gradients_accept_layers_in_module_lists_and_dicts(cases: Any) -> None:
    result = run("gradients", cases.classification(model=Registered))
    assert result.status == "pass"
    assert result.facts["params_without_grad"] == "no"
    assert result.values["unregistered"] is None


def test_gradients_measure_a_tiny_and_a_huge_update(cases: Any) -> None:
    tiny = run("gradients", cases.classification(optimizer=lambda p: torch.optim.SGD(p, lr=1e-7)))
    huge = run("gradients", cases.classification(optimizer=lambda p: torch.optim.SGD(p, lr=50.0)))
    assert tiny.facts["update_ratio"] == "tiny"
    assert huge.facts["update_ratio"] == "huge"
    assert tiny.finding.endswith("(healthy: 1e-5 to 1e-1): the learning rate looks too small.")


def test_gradients_see_that_dead_units_pass_no_gradient(cases: Any) -> None:
    result = run("gradients", cases.classification(model=DeadReLU))
    assert result.finding == (
        "Every weight's gradient is exactly zero: the loss does not depend on the weights (dead "
        "units, or an output that cannot change)."
    )
    # a step that moves nothing for want of gradient says nothing about the learning rate
    assert "update_ratio" not in result.facts


def test_overfit_one_batch_memorises_with_a_healthy_setup(cases: Any) -> None:
    result = run("overfit_one_batch", cases.classification())
    assert result.status == "pass"
    assert result.facts == {"overfit_one_batch": "pass"}
    assert result.series[0].name == "your optimizer"
    assert result.finding.startswith("The model memorised 16 examples: the loss fell from 1.138")


def test_overfit_one_batch_blames_the_rate_when_adam_can_fit(cases: Any) -> None:
    result = run(
        "overfit_one_batch", cases.classification(optimizer=lambda p: torch.optim.SGD(p, lr=1e-7))
    )
    assert result.status == "fail"
    assert result.values["fits_with_adam"] is True
    assert result.finding.endswith(
        "so the learning rate or the optimizer settings are the problem."
    )


def test_overfit_one_batch_fails_a_softmax_on_one_regression_unit(cases: Any) -> None:
    model = lambda: nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1), nn.Softmax(1))  # noqa: E731
    result = run("overfit_one_batch", cases.regression(model=model))
    assert result.facts == {"overfit_one_batch": "fail"}
    assert result.values["fits_with_adam"] is False
    assert result.finding.endswith(
        "and Adam at 1e-3 got no further (3.208): the model and loss cannot fit even a tiny "
        "batch, so look for a bug in the setup (output layer, loss, labels)."
    )
