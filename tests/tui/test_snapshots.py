"""Screenshots at fixed sizes, from a scripted backend so the knowledge base can grow freely.

Update after a deliberate change:
    .venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from assistant.core.engine import Ranked
from assistant.core.replies import CauseCard, Diagnosis, Evidence, Option, Question, Reply, Text
from probes.result import ProbeResult, Series
from tui.widgets import ChoiceButton, ProbeCard

CARD = CauseCard(
    id="model.output_activation",
    title="Output activation does not match the task",
    family="model",
    confidence=0.91,
    evidence_for=[
        Evidence(
            fact="output_activation",
            value="softmax",
            text="the last layer is a softmax (probe output_check)",
            weight=9.0,
        )
    ],
    evidence_against=[],
    explanation="A softmax over one unit always outputs 1.0, so the loss cannot move.",
    fix_steps=["Regression: end with a plain nn.Linear and no activation."],
    snippet="model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))",
    references=["002_c17d1446106da07c.txt"],
)
RANKING = [
    Ranked(id="model.output_activation", title=CARD.title, confidence=0.91, share=0.8),
    Ranked(id="train.lr_too_low", title="Learning rate too low", confidence=0.22, share=0.1),
    Ranked(id="data.no_signal", title="The inputs carry no signal", confidence=0.05, share=0.02),
]
QUESTION = Question(
    id="ask_loss_trend",
    fact="loss_trend",
    text="How does the training loss move over the epochs?",
    choices=[
        Option(value="flat", label="it stays flat from the start"),
        Option(value="slow", label="it falls, but very slowly"),
        Option(value="decreasing", label="it goes down steadily"),
    ],
    why="The answer tells apart the leading candidates.",
)
CONVERSATION: list[Reply] = [
    Text(text="Hi, I'm unstuck. Tell me what you see."),
    Diagnosis(found=[CARD.id], cards=[CARD], settled=True, text="I believe the cause is: it."),
    QUESTION,
]
CURVE = ProbeResult(
    id="short_fit",
    status="fail",
    finding="The training loss did not move.",
    series=[
        Series(name="train", x_label="epoch", y_label="loss", x=[0, 1, 2, 3], y=[9, 5, 3, 2]),
        Series(name="valid", x_label="epoch", y_label="loss", x=[0, 1, 2, 3], y=[9, 6, 5, 5]),
    ],
    seconds=1.2,
)


def scripted_app(make_app: Any, scripted_backend: Any) -> Any:
    return make_app(backend=scripted_backend(CONVERSATION, RANKING, CARD))


def when_ready(app: Any, *keys: str) -> Callable[[Pilot[int]], Awaitable[None]]:
    """Wait for the first replies and the panels (slow on a busy machine), then press ``keys``."""

    async def run(pilot: Pilot[int]) -> None:
        for _ in range(200):
            if app.chat.snapshot.pending is not None and app.chat.query(ChoiceButton):
                break
            await pilot.pause(0.05)
        await pilot.press(*keys)
        # The footer recomposes its keys shortly after focus moves.
        await pilot.pause(0.3)
        await pilot.wait_for_scheduled_animations()

    return run


def test_chat_at_80x24(snap_compare: Any, make_app: Any, scripted_backend: Any) -> None:
    app = scripted_app(make_app, scripted_backend)
    assert snap_compare(app, terminal_size=(80, 24), run_before=when_ready(app))


def test_chat_at_120x40_with_a_plot(
    snap_compare: Any, make_app: Any, scripted_backend: Any
) -> None:
    app = scripted_app(make_app, scripted_backend)
    ready = when_ready(app)

    async def show_probe(pilot: Pilot[int]) -> None:
        await ready(pilot)
        await app.chat.query_one("#conversation").mount(ProbeCard(CURVE))
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(120, 40), run_before=show_probe)


def test_help_at_80x24(snap_compare: Any, make_app: Any, scripted_backend: Any) -> None:
    app = scripted_app(make_app, scripted_backend)
    assert snap_compare(app, terminal_size=(80, 24), run_before=when_ready(app, "f1"))


def test_cause_card_at_80x24(snap_compare: Any, make_app: Any, scripted_backend: Any) -> None:
    app = scripted_app(make_app, scripted_backend)
    keys = ("tab", "tab", "tab", "tab", "enter")
    assert snap_compare(app, terminal_size=(80, 24), run_before=when_ready(app, *keys))


def test_too_small_terminal(snap_compare: Any, make_app: Any, scripted_backend: Any) -> None:
    app = scripted_app(make_app, scripted_backend)
    assert snap_compare(app, terminal_size=(50, 12), run_before=when_ready(app))
