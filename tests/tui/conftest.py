"""Fakes for the TUI tests: a probe runner with fixed results and a scripted backend."""

from __future__ import annotations

import runpy
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from assistant.core.engine import Ranked
from assistant.core.replies import CauseCard, Question, Reply
from assistant.drive.script_reading import ScriptReading
from probes.result import ProbeResult, Series
from tui.app import UnstuckApp
from tui.backend import Backend
from tui.local import LocalBackend
from tui.probing import ConnectedTarget, ProbeProgress, TargetProblem

FIXTURES = Path(__file__).parent / "fixtures"
SOFTMAX_TARGET = str(FIXTURES / "softmax_regression.py")
BROKEN_TARGET = str(FIXTURES / "raises_on_import.py")
KEYS = ["loss", "model", "optimizer", "train", "valid"]
FIXED_TIME = datetime(2025, 1, 2, 3, 4, 5)

#: What the real probes find on the softmax-regression fixture.
SOFTMAX_FACTS: dict[str, dict[str, str]] = {
    "output_check": {
        "output_activation": "softmax",
        "output_range_mismatch": "yes",
        "softmax_into_ce": "no",
        "output_units": "match",
        "task": "regression",
    },
    "loss_target_check": {
        "broadcast_mismatch": "no",
        "loss_task_fit": "fits",
        "label_format": "ok",
        "crash": "none",
    },
    "overfit_one_batch": {"overfit_one_batch": "fail"},
    "short_fit": {
        "loss_trend": "flat",
        "train_valid_gap": "none",
        "mode_effect": "no",
        "constant_predictions": "yes",
    },
    "init_loss": {"init_loss": "too_high"},
    "lr_range": {"lr_vs_suggested": "close", "learning_rate": "normal"},
}


def flat_curve() -> list[Series]:
    epochs = [float(i) for i in range(10)]
    return [
        Series(name="train", x_label="epoch", y_label="loss", x=epochs, y=[120.0] * 10),
        Series(name="valid", x_label="epoch", y_label="loss", x=epochs, y=[118.0] * 10),
    ]


def softmax_result(probe_id: str) -> ProbeResult:
    facts = SOFTMAX_FACTS.get(probe_id, {})
    return ProbeResult(
        id=probe_id,
        status="fail" if facts else "pass",
        facts=facts,
        finding=f"{probe_id}: " + (", ".join(facts.values()) or "nothing unusual"),
        series=flat_curve() if probe_id == "short_fit" else [],
        seconds=0.5,
    )


class FakeRunner:
    """Stands in for ``probes.runner``: fixed results, a crash or a hang on request."""

    def __init__(
        self,
        result_of: Callable[[str], ProbeResult] = softmax_result,
        keys: list[str] | None = None,
        hang: frozenset[str] = frozenset(),
    ) -> None:
        self.result_of = result_of
        self.keys = KEYS if keys is None else keys
        self.hang = hang
        self.ran: list[str] = []
        self.started = threading.Event()

    def inspect(self, spec: str) -> ConnectedTarget:
        try:
            runpy.run_path(spec.partition(":")[0])
        except Exception as error:
            raise TargetProblem(f"{type(error).__name__}: {error}") from error
        return ConnectedTarget(spec=spec, keys=self.keys)

    def run(
        self,
        spec: str,
        probe_id: str,
        on_progress: Callable[[ProbeProgress], None],
        cancel: threading.Event,
    ) -> ProbeResult:
        self.ran.append(probe_id)
        on_progress(ProbeProgress(probe_id, 0.5, "halfway"))
        if probe_id in self.hang:
            self.started.set()
            cancel.wait(10)
        return self.result_of(probe_id)


class ScriptedBackend:
    """A backend with fixed replies, for snapshots that must not move when the KB grows."""

    def __init__(self, replies: list[Reply], ranking: list[Ranked], card: CauseCard) -> None:
        self.replies = replies
        self.ranking = ranking
        self._card = card
        self.sent: list[str] = []

    @property
    def where(self) -> str:
        return "scripted"

    async def start(self) -> list[Reply]:
        return list(self.replies)

    async def send(self, text: str) -> list[Reply]:
        self.sent.append(text)
        return []

    async def choose(self, question: str, value: str) -> list[Reply]:
        self.sent.append(f"{question}={value}")
        return []

    async def attach(self, target: str, keys: list[str]) -> list[Reply]:
        return []

    async def read_script(self, script: ScriptReading) -> list[Reply]:
        self.sent.append(script.source)
        return []

    async def report(self, result: ProbeResult) -> list[Reply]:
        return []

    async def undo(self) -> list[Reply]:
        return []

    async def restart(self) -> list[Reply]:
        return []

    async def why(self) -> str:
        return "Because."

    async def snapshot(self):  # type: ignore[no-untyped-def]
        from tui.backend import Snapshot

        pending = next((r for r in self.replies if isinstance(r, Question)), None)
        return Snapshot(ranking=self.ranking, pending=pending)

    async def card(self, cause_id: str) -> CauseCard:
        return self._card

    async def close(self) -> None:
        return None


AppFactory = Callable[..., UnstuckApp]


@pytest.fixture
def make_app() -> Iterator[AppFactory]:
    """An app at a fixed time, with the in-process backend unless told otherwise."""

    def make(
        backend: Backend | None = None,
        runner: FakeRunner | None = None,
        target: str | None = None,
        ask_target: bool = False,
    ) -> UnstuckApp:
        return UnstuckApp(
            backend or LocalBackend(),
            runner,
            target=target,
            ask_target=ask_target,
            clock=lambda: FIXED_TIME,
        )

    yield make


@pytest.fixture
def fake_runner() -> type[FakeRunner]:
    return FakeRunner


@pytest.fixture
def scripted_backend() -> type[ScriptedBackend]:
    return ScriptedBackend


@pytest.fixture
def softmax_target() -> str:
    return SOFTMAX_TARGET


@pytest.fixture
def broken_target() -> str:
    return BROKEN_TARGET
