"""The model probes: checks that run the user's model, loss and optimizer."""

from __future__ import annotations

from collections.abc import Callable

from probes.model.activations import activations
from probes.model.gradients import gradients
from probes.model.init_loss import init_loss
from probes.model.loss_target_check import loss_target_check
from probes.model.lr_range import lr_range
from probes.model.output_check import output_check
from probes.model.overfit_one_batch import overfit_one_batch
from probes.model.short_fit import short_fit
from probes.model.train_step_check import train_step_check
from probes.progress import ProgressFn
from probes.result import ProbeResult
from probes.target import Target

ProbeFn = Callable[[Target, ProgressFn], ProbeResult]

#: In the order a full run takes them: cheap structural checks first, training last.
PROBES: dict[str, ProbeFn] = {
    "output_check": output_check,
    "loss_target_check": loss_target_check,
    "init_loss": init_loss,
    "activations": activations,
    "gradients": gradients,
    "overfit_one_batch": overfit_one_batch,
    "lr_range": lr_range,
    "train_step_check": train_step_check,
    "short_fit": short_fit,
}
