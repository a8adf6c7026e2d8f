"""An estimate of the share of wrong labels, from out-of-fold predictions.

Classes: among the tenth of rows the model is most sure about, the share whose label disagrees
with its prediction. Far from the class boundaries a sound label agrees with a good model, so
classes that merely overlap stay quiet, while labels flipped at random show up everywhere.
(Confident learning's per-class thresholds, tried first, took overlapping classes for noise.)
Numbers: the share of rows whose out-of-fold error is beyond three robust standard deviations.
"""

from __future__ import annotations

import numpy as np

from probes.data.outcome import Check, percent

#: An estimated share of wrong labels at or above this is "high".
HIGH_NOISE = 0.1
#: The share of rows the model is surest about, and the fewest rows worth judging.
CONFIDENT_SHARE, MIN_CONFIDENT = 0.1, 30
#: Residuals beyond this many robust standard deviations are labelled wrong (regression).
FAR_RESIDUAL = 3.0


def label_noise(predictions: np.ndarray, target: np.ndarray, task: str) -> Check | None:
    """low or high, with the estimate; None where it cannot be estimated."""
    if task == "regression":
        share = _far_residuals(predictions, target)
    else:
        share = _confident_errors(predictions, target)
    if share is None:
        return None
    high = share >= HIGH_NOISE
    return Check(
        fact="label_noise",
        value="high" if high else "low",
        severity="warn" if high else "ok",
        note=f"about {percent(share)} of the labels disagree with a model that never saw them, "
        "even where it is surest",
        values={"label_noise_estimate": round(share, 4)},
    )


def _confident_errors(probabilities: np.ndarray, target: np.ndarray) -> float | None:
    confidence = probabilities.max(axis=1)
    count = max(MIN_CONFIDENT, int(CONFIDENT_SHARE * len(target)))
    if len(target) < count:
        return None
    surest = np.argsort(-confidence, kind="stable")[:count]
    return float((probabilities[surest].argmax(axis=1) != target[surest]).mean())


def _far_residuals(predictions: np.ndarray, target: np.ndarray) -> float | None:
    residuals = target - predictions
    spread = 1.4826 * np.median(np.abs(residuals - np.median(residuals)))
    if spread == 0:
        return None
    return float((np.abs(residuals - np.median(residuals)) > FAR_RESIDUAL * spread).mean())
