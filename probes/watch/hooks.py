"""``Watcher``: PyTorch's global hooks and a few thin wrappers, filling a ``Recording``.

PyTorch has global hooks for module calls and optimizer steps; for what it has none of
(functional losses, ``backward``, ``zero_grad``, warnings, DataLoader iteration, starting
distributed training) the watcher swaps in a thin wrapper for as long as it is installed and
puts the original back on exit. Nothing of the user's objects is changed: models are copied
before their first update, batches are copied as they pass.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.modules import module as module_hooks
from torch.optim import optimizer as optimizer_hooks
from torch.utils.data import DataLoader

from probes.inputs import Inputs, InputsError, ModelInputs, several
from probes.target import loss_kind
from probes.watch.recording import (
    DETAILED_CALLS,
    KEEP_BATCHES,
    Forward,
    LossCall,
    ModelInfo,
    OptimizerInfo,
    Recording,
    StepRecord,
)

#: The functional losses wrapped, by their name in torch.nn.functional.
FUNCTIONAL_LOSSES = (
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "kl_div",
)
#: Losses that compare prediction and target element by element, so differing shapes
#: broadcast silently instead of failing.
ELEMENTWISE = ("mse", "mae", "huber", "bce", "bce_with_logits")
#: Inputs and outputs are checked for NaN, and gradient norms taken, on this many first steps,
#: then every CHECK_EVERY-th: both cost a pass over the data, and a loop repeats itself.
FIRST_CHECKED, CHECK_EVERY = 20, 10
#: After this many optimizer steps every model and loss in the loop has been called: the
#: global module hooks give way to hooks on those modules alone.
DISCOVERY_STEPS = 3
_SENSITIVE = (nn.modules.batchnorm._BatchNorm, nn.modules.dropout._DropoutNd)


class StopWatching(BaseException):
    """Raised from a hook to end the watched code once enough steps were seen.

    A BaseException, so the user's ``except Exception`` does not swallow it.
    """


class RefusedByWatcher(Exception):
    """The watched code started something the watcher cannot follow (distributed training)."""


@dataclass
class _OptimizerState:
    index: int
    pending: bool = False
    """Stepped, and not yet stepped again: whether it was cleared in between is open."""
    cleared: bool = False
    grad_ids: dict[int, int] = field(default_factory=dict)


class Watcher:
    """Install with ``with Watcher() as watcher:``; ``watcher.recording`` holds what it saw.

    After ``stop_after`` optimizer steps the step hook raises ``StopWatching`` (once the step
    is done). Entering the same watcher again goes on with the same recording. Models first
    called after the first ``DISCOVERY_STEPS`` steps are not watched.
    """

    def __init__(self, stop_after: int | None = None, keep_batches: int = KEEP_BATCHES) -> None:
        self.recording = Recording()
        self.stop_after = stop_after
        self.keep_batches = keep_batches
        self._stack: list[nn.Module] = []
        self._models: dict[int, ModelInfo] = {}
        self._names: dict[int, str] = {}
        """Parameter id -> "model.layer.weight", for gradient norms."""
        self._optimizers: dict[int, _OptimizerState] = {}
        self._outputs: dict[int, ModelInfo] = {}
        self._last_input: Inputs | None = None
        """What the model was last called with: its one tensor, or all its tensors."""
        self._in_loss = False
        self._current_loader: object | None = None
        self._exits = contextlib.ExitStack()
        self._narrowed = False
        self._global_hooks = contextlib.ExitStack()
        self._loss_modules: dict[int, nn.Module] = {}
        """Loss modules seen, by id: hooked one by one once the watch narrows."""
        self._with_parameters: dict[int, bool] = {}
        """Module id -> whether it has parameters (asked on every call, so kept)."""
        self._losses_since: list[float] = []
        self._backward_since = 0
        self._parameters_of: dict[int, list[nn.Parameter]] = {}
        """Each optimizer's parameters, by its index in the recording."""

    # --- installing ----------------------------------------------------------------------
    def __enter__(self) -> Watcher:
        exits = self._exits
        if self._narrowed:
            self._hook_known_modules()
        else:
            self._global_hooks = contextlib.ExitStack()
            exits.enter_context(self._global_hooks)
            self._global_hooks.enter_context(
                module_hooks.register_module_forward_pre_hook(self._before_forward)
            )
            self._global_hooks.enter_context(
                module_hooks.register_module_forward_hook(self._after_forward, always_call=True)
            )
            for info in self.recording.models:
                self._hook_keywords(info.module)
        exits.enter_context(optimizer_hooks.register_optimizer_step_pre_hook(self._before_step))
        exits.enter_context(optimizer_hooks.register_optimizer_step_post_hook(self._after_step))
        for name in FUNCTIONAL_LOSSES:
            self._swap(F, name, self._functional_loss(getattr(F, name)))
        self._swap(torch.autograd, "backward", self._backward(torch.autograd.backward))
        self._swap(torch.optim.Optimizer, "zero_grad", self._optimizer_zero_grad())
        self._swap(nn.Module, "zero_grad", self._module_zero_grad())
        self._swap(DataLoader, "__iter__", self._loader_iter())
        if torch.distributed.is_available():
            self._swap(torch.distributed, "init_process_group", _refuse_distributed)
        exits.enter_context(warnings.catch_warnings())
        warnings.simplefilter("default")
        warnings.showwarning = self._warning
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._exits.close()

    def _narrow(self) -> None:
        """From global module hooks to hooks on the models and losses found: a global hook
        runs Python for every layer of every call, which would cost a small model's step
        a fifth of its time; one hook per model costs almost nothing."""
        self._narrowed = True
        self._global_hooks.close()
        self._hook_known_modules()

    def _hook_known_modules(self) -> None:
        # A pre-hook alone: what the loop shows from here on (mode, inputs, loss targets) is
        # there before the call, and the models that feed the loss are known by now.
        for info in self.recording.models:
            self._exits.enter_context(
                info.module.register_forward_pre_hook(self._known_model_called, with_kwargs=True)
            )
        for loss in self._loss_modules.values():
            # torch.nn's own losses call the functional ones, which are wrapped already
            if loss_kind(loss) == "other":
                self._exits.enter_context(loss.register_forward_pre_hook(self._known_loss_called))

    def _known_model_called(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        self._model_called(module, args, kwargs)

    def _hook_keywords(self, module: nn.Module) -> None:
        """A model's own pre-hook for its keyword inputs, which global hooks never see."""
        self._exits.enter_context(
            module.register_forward_pre_hook(self._keywords_seen, with_kwargs=True)
        )

    def _keywords_seen(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        if kwargs and self._stack and self._stack[0] is module:  # the model's own call
            self._last_input = _model_inputs(module, args, kwargs, _first_tensor(args))

    def _known_loss_called(self, module: nn.Module, args: tuple[Any, ...]) -> None:
        self._loss_called(module, args, {})

    def _swap(self, owner: Any, name: str, replacement: object) -> None:
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        setattr(owner, name, replacement)
        self._exits.callback(setattr, owner, name, original)

    # --- models --------------------------------------------------------------------------
    def _before_forward(self, module: nn.Module, args: tuple[Any, ...]) -> None:
        top = not self._stack
        self._stack.append(module)
        if isinstance(module, nn.modules.loss._Loss):
            if not any(isinstance(m, nn.modules.loss._Loss) for m in self._stack[:-1]):
                self._loss_modules.setdefault(id(module), module)
                owner = self._stack[0] if not self._has_parameters(self._stack[0]) else module
                self._loss_called(owner, args, {})
            return
        if top and self._has_parameters(module):
            self._model_called(module, args)

    def _after_forward(self, module: nn.Module, args: tuple[Any, ...], output: object) -> None:
        if self._stack and self._stack[-1] is module:
            self._stack.pop()
        if not self._stack and isinstance(output, Tensor):
            info = self._models.get(id(module))
            if info is not None:
                self._outputs = {id(output): info}
                self._check_finite(output, f"the output of {info.name}")

    def _has_parameters(self, module: nn.Module) -> bool:
        key = id(module)
        if key not in self._with_parameters:
            self._with_parameters[key] = _has_parameters(module)
        return self._with_parameters[key]

    def _model_called(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any] | None = None
    ) -> None:
        info = self._models.get(id(module))
        if info is None:
            info = self._register_model(module)
        grad = torch.is_grad_enabled()
        first = _first_tensor((*args, *(kwargs or {}).values()))
        recording = self.recording
        detailed = len(recording.forwards) < DETAILED_CALLS * 4
        if detailed:
            recording.forwards.append(
                Forward(
                    model=info.name,
                    training_mode=module.training,
                    sensitive_in_eval=any(
                        not m.training for m in module.modules() if isinstance(m, _SENSITIVE)
                    ),
                    grad_enabled=grad,
                    autocast=torch.is_autocast_enabled(),
                    input_shape=tuple(first.shape) if first is not None else None,
                    input_dtype=str(first.dtype).removeprefix("torch.")
                    if first is not None
                    else None,
                    input_min=_extreme(first, min) if first is not None else None,
                    input_max=_extreme(first, max) if first is not None else None,
                    step=recording.step_count,
                )
            )
        if grad:
            info.forwards_in_training += 1
        else:
            recording.validation_forwards += 1
        self._last_input = _model_inputs(module, args, kwargs or {}, first)
        if first is not None:
            self._check_finite(first, f"the input of {info.name}")

    def _register_model(self, module: nn.Module) -> ModelInfo:
        kind = type(module).__name__
        variable = _variable_name(module)
        name = f"{variable} ({kind})" if variable else kind
        same = sum(1 for m in self._models.values() if m.name == name)
        if same:
            name = f"{name} #{same + 1}"
        try:
            initial: nn.Module | None = copy.deepcopy(module)
        except Exception:  # a model that cannot be copied is still watched
            initial = None
        info = ModelInfo(name=name, module=module, initial=initial)
        self._models[id(module)] = info
        if not self._narrowed:
            self._hook_keywords(module)  # from its next call on
        self.recording.models.append(info)
        for parameter_name, parameter in module.named_parameters():
            self._names.setdefault(id(parameter), f"{name}.{parameter_name}")
        return info

    # --- losses --------------------------------------------------------------------------
    def _functional_loss(self, original: Callable[..., Tensor]) -> Callable[..., Tensor]:
        @functools.wraps(original)
        def watched(*args: Any, **kwargs: Any) -> Tensor:
            if self._in_loss or any(isinstance(m, nn.modules.loss._Loss) for m in self._stack):
                return original(*args, **kwargs)
            self._in_loss = True
            try:
                bound = functools.partial(original, **_loss_options(kwargs))
                functools.update_wrapper(bound, original)
                self._loss_called(bound, args, kwargs)
                return original(*args, **kwargs)
            finally:
                self._in_loss = False

        return watched

    def _loss_called(self, loss: object, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        prediction = args[0] if args else kwargs.get("input")
        target = args[1] if len(args) > 1 else kwargs.get("target")
        if not isinstance(prediction, Tensor) or not isinstance(target, Tensor):
            return
        recording = self.recording
        training = torch.is_grad_enabled()
        source = self._outputs.get(id(prediction))
        if source is not None and training:
            source.feeds_loss += 1
        if len(recording.losses) < DETAILED_CALLS * 4:
            recording.losses.append(
                LossCall(
                    kind=loss_kind(loss) or "other",
                    prediction_shape=tuple(prediction.shape),
                    target_shape=tuple(target.shape),
                    prediction_dtype=str(prediction.dtype).removeprefix("torch."),
                    target_dtype=str(target.dtype).removeprefix("torch."),
                    training=training,
                    step=recording.step_count,
                    target_min=_extreme(target, min),
                    target_max=_extreme(target, max),
                )
            )
        if training and recording.loss_function is None:
            recording.loss_function = loss
        self._keep_batch(target, training)

    def _keep_batch(self, target: Tensor, training: bool) -> None:
        inputs = self._last_input
        if inputs is None or target.ndim == 0:
            return
        kept = self.recording.train_batches if training else self.recording.valid_batches
        if len(kept) >= self.keep_batches:
            return
        if isinstance(inputs, ModelInputs):
            try:  # one row per example in each, or EmbeddingBag tokens with their offsets
                inputs = several(inputs.args, inputs.kwargs, target.shape[0])
            except InputsError:
                return
            kept.append(
                (inputs.with_parts({k: _copy(v) for k, v in inputs.parts()}), _copy(target))
            )
        elif inputs.ndim and inputs.shape[0] == target.shape[0]:
            kept.append((_copy(inputs), _copy(target)))

    # --- backward and clearing -----------------------------------------------------------
    def _backward(self, original: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(original)
        def watched(tensors: Any, *args: Any, **kwargs: Any) -> None:
            if isinstance(tensors, Tensor) and tensors.numel() == 1:
                value = float(tensors.detach())
                self.recording.backward_values.append(value)
                if not math.isfinite(value):
                    self._nonfinite(f"the loss at step {self.recording.step_count + 1}")
                self._losses_since.append(value)
            self._backward_since += 1
            for state in self._optimizers.values():
                if state.pending and not state.cleared and self._all_clear(state):
                    state.cleared = True
            original(tensors, *args, **kwargs)

        return watched

    def _optimizer_zero_grad(self) -> Callable[..., None]:
        original = torch.optim.Optimizer.zero_grad

        def zero_grad(optimizer: torch.optim.Optimizer, *args: Any, **kwargs: Any) -> None:
            state = self._optimizers.get(id(optimizer))
            if state is not None:
                state.cleared = True
            original(optimizer, *args, **kwargs)

        return zero_grad

    def _module_zero_grad(self) -> Callable[..., None]:
        original = nn.Module.zero_grad

        def zero_grad(module: nn.Module, *args: Any, **kwargs: Any) -> None:
            ids = {id(p) for p in module.parameters()}
            for state in self._optimizers.values():
                if ids & self.recording.optimizers[state.index].parameter_ids:
                    state.cleared = True
            original(module, *args, **kwargs)

        return zero_grad

    def _all_clear(self, state: _OptimizerState) -> bool:
        parameters = self._parameters_of.get(state.index, [])
        for parameter in parameters:
            grad = parameter.grad
            if grad is not None and bool(grad.any()):
                return False
        return bool(parameters)

    # --- optimizer steps -----------------------------------------------------------------
    def _before_step(
        self, optimizer: torch.optim.Optimizer, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        # With a closure (Lightning, LBFGS) the forward, zero_grad and backward of this step
        # run inside step(): it is recorded after, when its gradients exist.
        if not _has_closure(args, kwargs):
            self._record_step(optimizer)

    def _record_step(self, optimizer: torch.optim.Optimizer) -> None:
        state = self._optimizers.get(id(optimizer))
        if state is None:
            state = self._register_optimizer(optimizer)
        if self.recording.train_loader is None:
            self.recording.train_loader = self._current_loader
        if state.pending:
            if not state.cleared:
                state.cleared = self._grads_replaced(optimizer, state)
            self.recording.stale_grads.append(not state.cleared)
        step = self.recording.step_count + 1
        sampled = step <= FIRST_CHECKED or step % CHECK_EVERY == 0
        parameters = (
            [p for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
            if sampled
            else []
        )
        norms = _norms(parameters)
        named: dict[str, float] = {}
        for parameter, norm in zip(parameters, norms, strict=True):
            name = self._names.get(id(parameter), f"parameter {len(named)}")
            named[name] = norm
            if not math.isfinite(norm):
                self._nonfinite(f"the gradient of {name} at step {step}")
        losses = self._losses_since
        self.recording.steps.append(
            StepRecord(
                optimizer=state.index,
                lrs=[float(g["lr"]) for g in optimizer.param_groups],
                grad_norms=named,
                loss=sum(losses) / len(losses) if losses else None,
                backward_calls=self._backward_since,
            )
        )
        # Losses and backward calls since the previous step (of any optimizer: a GAN's two
        # steps each follow their own loss) belong to this step.
        self._losses_since = []
        self._backward_since = 0

    def _after_step(
        self, optimizer: torch.optim.Optimizer, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        if _has_closure(args, kwargs):
            self._record_step(optimizer)
        state = self._optimizers[id(optimizer)]
        state.pending = True
        state.cleared = False
        state.grad_ids = {
            id(p): id(p.grad)
            for g in optimizer.param_groups
            for p in g["params"]
            if p.grad is not None
        }
        if not self._narrowed and self.recording.step_count >= DISCOVERY_STEPS:
            self._narrow()
        if self.stop_after is not None and self.recording.step_count >= self.stop_after:
            raise StopWatching(f"stopped after {self.recording.step_count} optimizer steps")

    def _register_optimizer(self, optimizer: torch.optim.Optimizer) -> _OptimizerState:
        groups = optimizer.param_groups
        largest = max(groups, key=lambda g: len(g["params"]))
        settings = {
            k: v for k, v in largest.items() if k != "params" and not k.startswith("initial")
        }
        if "initial_lr" in largest:  # a scheduler has already moved lr; keep the user's own
            settings["lr"] = largest["initial_lr"]
        info = OptimizerInfo(
            kind=type(optimizer),
            name=type(optimizer).__name__,
            settings=settings,
            parameter_ids={id(p) for g in groups for p in g["params"]},
            groups=len(groups),
        )
        self.recording.optimizers.append(info)
        state = _OptimizerState(index=len(self.recording.optimizers) - 1)
        self._optimizers[id(optimizer)] = state
        self._parameters_of[state.index] = [p for g in groups for p in g["params"]]
        return state

    def _grads_replaced(self, optimizer: torch.optim.Optimizer, state: _OptimizerState) -> bool:
        """Whether every gradient left by the last step was dropped (``p.grad = None``)."""
        now = {id(p): id(p.grad) for g in optimizer.param_groups for p in g["params"]}
        old = state.grad_ids
        return bool(old) and all(now.get(key) != value for key, value in old.items())

    # --- data, warnings, non-finite values -----------------------------------------------
    def _loader_iter(self) -> Callable[[DataLoader[Any]], Iterator[Any]]:
        original = DataLoader.__iter__

        def iterate(loader: DataLoader[Any]) -> Iterator[Any]:
            self._current_loader = loader
            self.recording.loaders.append(loader)
            self.recording.workers = max(self.recording.workers, loader.num_workers)
            return original(loader)

        return iterate

    def _warning(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: object = None,
        line: str | None = None,
    ) -> None:
        text = f"{category.__name__}: {message}"
        if text not in self.recording.warnings:
            self.recording.warnings.append(text)

    def _check_finite(self, tensor: Tensor, what: str) -> None:
        # Every step's loss is checked in backward; inputs and outputs, which cost a pass
        # over the batch, on the first steps and then every CHECK_EVERY-th, to name where a
        # NaN comes from without slowing the loop.
        step = self.recording.step_count
        if step >= FIRST_CHECKED and step % CHECK_EVERY:
            return
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            self._nonfinite(f"{what} at step {self.recording.step_count + 1}")

    def _nonfinite(self, where: str) -> None:
        recording = self.recording
        if len(recording.nonfinite) < DETAILED_CALLS:
            recording.nonfinite.append(where)
        if recording.first_nonfinite_step is None:
            recording.first_nonfinite_step = recording.step_count + 1


# --- helpers ---------------------------------------------------------------------------------
def _has_parameters(module: nn.Module) -> bool:
    return next(module.parameters(), None) is not None


def _variable_name(value: object) -> str | None:
    """The name the user's code calls ``value`` by, in the first frame outside torch and
    unstuck: ``generator`` and ``discriminator`` say more than two ``Sequential``s."""
    frame = sys._getframe(1)
    while frame is not None and (
        _library_frame(frame.f_code.co_filename)
        or str(frame.f_globals.get("__name__", "")).startswith(("lightning", "pytorch_lightning"))
    ):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return None
    for scope in (frame.f_locals, frame.f_globals):
        for name, candidate in scope.items():
            if candidate is value and not name.startswith("_") and name != "self":
                return name
    return None


def _library_frame(filename: str) -> bool:
    return filename.startswith(_LIBRARY_ROOTS)


#: Where torch and unstuck's probes live, and Python's own frozen modules: frames there are
#: not the user's. Lightning's trainer is skipped by its package name wherever it lives.
_LIBRARY_ROOTS = (
    os.path.dirname(torch.__file__) + os.sep,
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
    "<frozen ",
)


def _has_closure(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    return (bool(args) and args[0] is not None) or kwargs.get("closure") is not None


@functools.lru_cache(maxsize=64)
def _forward_signature(forward: Callable[..., object]) -> inspect.Signature:
    """The signature of a model class's ``forward``, self included: read once per class, not on
    every call of the watched loop."""
    return inspect.signature(forward)


def _model_inputs(
    module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], first: Tensor | None
) -> Inputs | None:
    """The model's inputs as the probes take them: its one tensor; every argument when it was
    called with several tensors (``model(tokens, offsets)``); all of them by name when some came
    as keywords (``model(x, lengths=n)``, ``model(**batch)``), named by its ``forward``'s
    parameters. Keywords set to None are left out (the call without them is the same); a call
    with other values than tensors is captured by its first tensor alone."""
    given = {name: value for name, value in kwargs.items() if value is not None}
    if given:
        try:
            named = _forward_signature(type(module).forward).bind(module, *args, **given).arguments
        except (TypeError, ValueError):
            return first
        bound = dict(list(named.items())[1:])  # without self
        if bound and all(isinstance(value, Tensor) for value in bound.values()):
            return ModelInputs(kwargs=bound)
        return first
    if len(args) > 1 and all(isinstance(arg, Tensor) for arg in args):
        return ModelInputs(tuple(args))
    return first


def _first_tensor(args: tuple[Any, ...]) -> Tensor | None:
    for arg in args:
        if isinstance(arg, Tensor):
            return arg
    return None


def _extreme(tensor: Tensor, which: Callable[..., Any]) -> float | None:
    """The smallest or largest finite value, or None for an empty or non-numeric tensor."""
    if tensor.numel() == 0 or tensor.dtype == torch.bool or tensor.is_complex():
        return None
    values = tensor.detach()
    if values.is_floating_point():
        values = values[torch.isfinite(values)]
        if values.numel() == 0:
            return None
    return float(values.min() if which is min else values.max())


def _loss_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keyword settings of a functional loss call (reduction, weight, ignore_index...)."""
    return {k: v for k, v in kwargs.items() if k not in ("input", "target")}


def _copy(tensor: Tensor) -> Tensor:
    return tensor.detach().to("cpu", copy=True)


def _norms(parameters: list[Tensor]) -> list[float]:
    if not parameters:
        return []
    grads = [p.grad for p in parameters if p.grad is not None]
    if any(g.is_sparse for g in grads):
        return [float(g.coalesce().values().norm()) for g in grads]
    norms = torch.stack([n.float() for n in torch._foreach_norm(grads)])
    return [float(n) for n in norms.cpu().tolist()]


def _refuse_distributed(*args: Any, **kwargs: Any) -> None:
    raise RefusedByWatcher(
        "the script starts distributed training (torch.distributed.init_process_group); "
        "unstuck watches one process only. Run it as one process (no torchrun, world size 1) "
        "for the check"
    )
