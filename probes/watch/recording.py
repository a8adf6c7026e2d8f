"""What a watcher saw of a training loop: plain data, filled by ``hooks.Watcher``."""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import Tensor, nn

from probes.inputs import Inputs

#: Batches kept for the probes: enough for a one-batch overfit and a short fit.
KEEP_BATCHES = 16
#: Shapes and ranges are recorded for this many loss calls and forwards; later ones repeat.
DETAILED_CALLS = 8


@dataclass
class LossCall:
    """One call of a loss (a module or a function) during training or validation."""

    kind: str
    """``cross_entropy``, ``mse``, ... or ``other`` (``probes.target.loss_kind``)."""
    prediction_shape: tuple[int, ...]
    target_shape: tuple[int, ...]
    prediction_dtype: str
    target_dtype: str
    training: bool
    """Whether autograd was recording (a validation pass runs under no_grad)."""
    step: int
    """Optimizer steps taken before this call."""
    target_min: float | None = None
    target_max: float | None = None


@dataclass
class Forward:
    """One call of a top-level model (a module with parameters, not inside another)."""

    model: str
    training_mode: bool
    """``model.training`` when it ran."""
    sensitive_in_eval: bool
    """Whether its dropout or batch norm layers ran in eval mode."""
    grad_enabled: bool
    autocast: bool
    input_shape: tuple[int, ...] | None
    input_dtype: str | None
    input_min: float | None
    input_max: float | None
    step: int


@dataclass
class StepRecord:
    """One optimizer step."""

    optimizer: int
    """Index of the optimizer in ``Recording.optimizers``."""
    lrs: list[float]
    """The learning rate of every parameter group."""
    grad_norms: dict[str, float]
    """Gradient norm of each parameter that had one, by name; empty on the steps between
    samples (the first steps, then every tenth)."""
    loss: float | None
    """The mean of the losses backpropagated since the previous step."""
    backward_calls: int


@dataclass
class OptimizerInfo:
    kind: type
    """The optimizer's class, to build one of the same kind for the probes."""
    name: str
    """The class name, ``Adam``, ``SGD``..."""
    settings: dict[str, object]
    """The largest group's settings (lr as first set), for an optimizer of the same kind."""
    parameter_ids: set[int]
    groups: int


@dataclass
class ModelInfo:
    name: str
    """Its class name, with a number when two models share a class."""
    module: nn.Module
    initial: nn.Module | None
    """A copy taken at its first call, before any update."""
    forwards_in_training: int = 0
    feeds_loss: int = 0
    """How often its output went straight into a loss."""


@dataclass
class Recording:
    """Everything a watcher saw, in the order it happened."""

    steps: list[StepRecord] = field(default_factory=list)
    losses: list[LossCall] = field(default_factory=list)
    forwards: list[Forward] = field(default_factory=list)
    backward_values: list[float] = field(default_factory=list)
    stale_grads: list[bool] = field(default_factory=list)
    """For each first backward after an optimizer step: were the last step's gradients still
    there? True means they were never cleared; correct accumulation clears after each step."""
    warnings: list[str] = field(default_factory=list)
    optimizers: list[OptimizerInfo] = field(default_factory=list)
    models: list[ModelInfo] = field(default_factory=list)
    train_batches: list[tuple[Inputs, Tensor]] = field(default_factory=list)
    """Batches that reached the model and its loss: the inputs (one tensor, or several that the
    model was called with positionally) and the loss's target."""
    valid_batches: list[tuple[Inputs, Tensor]] = field(default_factory=list)
    loaders: list[object] = field(default_factory=list)
    """Every DataLoader iterated, in order."""
    train_loader: object | None = None
    """The loader being iterated when the first optimizer step came."""
    loss_function: object | None = None
    """The loss module or function (with its keyword arguments bound) used in training."""
    nonfinite: list[str] = field(default_factory=list)
    """Where NaN or inf showed first, in order: "the loss at step 3", ..."""
    first_nonfinite_step: int | None = None
    validation_forwards: int = 0
    """Model calls without gradients (a validation pass, or inference)."""
    workers: int = 0
    """The most DataLoader worker processes any loader used."""

    @property
    def step_count(self) -> int:
        return len(self.steps)
