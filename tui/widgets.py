"""The pieces of the chat screen: messages, probe cards and progress, the question, the causes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Label, Markdown, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from assistant.core.engine import Ranked
from assistant.core.replies import Question
from probes.result import ProbeResult, Series
from tui.plotting import group_by_axes, plot
from tui.probing import ProbeProgress
from tui.rendering import bar, choice_label, percent, probe_details, probe_headline, trend
from tui.transcript import SPEAKER_NAMES, Speaker

SERIES_STYLES = ("bold cyan", "bold magenta", "bold yellow", "bold green")
PLOT_HEIGHT = 9


class ChatMessage(Vertical):
    """One message: who says it, then the text (plain, or Markdown for cause cards)."""

    def __init__(self, speaker: Speaker, text: str, markdown: bool = False) -> None:
        super().__init__(classes=f"message {speaker}")
        self.speaker = speaker
        self.text = text
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        yield Label(SPEAKER_NAMES[self.speaker], classes="speaker")
        if self.markdown:
            yield Markdown(self.text)
        else:
            yield Static(self.text, markup=False, classes="body")


class PlotView(Widget):
    """Series on one pair of axes, redrawn to the width the widget has."""

    def __init__(self, series: list[Series]) -> None:
        super().__init__(classes="plot")
        self.series = series

    def render(self) -> Text:
        drawn = plot(self.series, max(self.size.width, 20), PLOT_HEIGHT - 1)
        text = Text()
        for line, owners in zip(drawn.lines, drawn.owners, strict=False):
            for char, owner in zip(line, owners + [-1] * len(line), strict=False):
                style = SERIES_STYLES[owner % len(SERIES_STYLES)] if owner >= 0 else ""
                text.append(char, style)
            text.append("\n")
        text.append(drawn.legend)
        return text


class ProbeCard(Vertical):
    """A finished probe: status, finding, and its series drawn as plots."""

    def __init__(self, result: ProbeResult) -> None:
        super().__init__(classes=f"message probe status-{result.status}")
        self.result = result

    def compose(self) -> ComposeResult:
        yield Label(probe_headline(self.result), classes="speaker")
        yield Static("\n".join(probe_details(self.result)), markup=False, classes="body")
        for group in group_by_axes(self.result.series):
            yield PlotView(group)


class ProbeProgressRow(Horizontal):
    """A running (or waiting) probe: its title, a bar and what it is doing now."""

    def __init__(self, probe_id: str, title: str) -> None:
        super().__init__(classes="progress-row")
        self.probe_id = probe_id
        self.title = title

    def compose(self) -> ComposeResult:
        yield Label(self.title, markup=False, classes="progress-title")
        yield ProgressBar(total=1.0, show_eta=False)
        yield Label("waiting", markup=False, classes="progress-message")

    def advance(self, progress: ProbeProgress) -> None:
        self.query_one(ProgressBar).update(progress=min(max(progress.fraction, 0.0), 1.0))
        self.query_one(".progress-message", Label).update(progress.message or "running")


class ChoicePicked(Message):
    def __init__(self, question: Question, value: str, label: str) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.label = label


class ChoiceButton(Button):
    def __init__(self, number: int, value: str, label: str) -> None:
        super().__init__(Content(choice_label(number, label)), compact=True, classes="choice")
        self.value = value
        self.label_text = label


class QuestionPanel(Vertical):
    """The question waiting for an answer and why it is asked, always in view, with buttons."""

    def __init__(self) -> None:
        super().__init__(id="question", classes="empty")
        self.question: Question | None = None

    def on_mount(self) -> None:
        self.query_one("#question-text", Static).update(_question_head(None))

    def compose(self) -> ComposeResult:
        yield Static("", markup=False, id="question-text")
        yield Static("", markup=False, id="question-why")
        yield Grid(id="choices")

    async def show(self, question: Question | None) -> None:
        if question == self.question:
            return
        self.question = question
        self.set_class(question is None, "empty")
        self.query_one("#question-text", Static).update(_question_head(question))
        why = self.query_one("#question-why", Static)
        why.update(f"Why I ask: {question.why}" if question and question.why else "")
        why.display = bool(question and question.why)
        choices = self.query_one("#choices", Grid)
        await choices.remove_children()
        if question is not None:
            await choices.mount_all(
                ChoiceButton(i, o.value, o.label) for i, o in enumerate(question.choices[:9], 1)
            )

    def pick(self, number: int) -> bool:
        """Pick choice ``number`` (1-based); False when there is no such choice."""
        question = self.question
        if question is None or not 1 <= number <= min(len(question.choices), 9):
            return False
        option = question.choices[number - 1]
        self.post_message(ChoicePicked(question, option.value, option.label))
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button
        if isinstance(button, ChoiceButton) and self.question is not None:
            self.post_message(ChoicePicked(self.question, button.value, button.label_text))


def _question_head(question: Question | None) -> str:
    if question is None:
        return "No question waiting. Describe what you see, or type 'done' for a diagnosis."
    hint = f" (hint: {question.hint})" if question.hint else ""
    return f"{question.text}{hint}"


class CausePanel(OptionList):
    """The causes ranked by confidence; the bars move as evidence arrives."""

    BAR_WIDTH = 12

    def __init__(self) -> None:
        super().__init__(id="causes")
        self.border_title = "Causes"
        self._previous: dict[str, float] = {}
        self._title_width = 26

    def show_ranking(self, ranking: list[Ranked]) -> None:
        self._title_width = max(self.scrollable_content_region.width - 1, 12)
        highlighted = self.highlighted_option.id if self.highlighted_option else None
        self.clear_options()
        self.add_options(self._option(ranked) for ranked in ranking)
        self._previous = {r.id: r.confidence for r in ranking}
        if highlighted is not None and any(r.id == highlighted for r in ranking):
            self.highlighted = self.get_option_index(highlighted)

    def _option(self, ranked: Ranked) -> Option:
        arrow = trend(self._previous.get(ranked.id), ranked.confidence)
        prompt = Text(shorten(ranked.title, self._title_width))
        prompt.append("\n")
        prompt.append(bar(ranked.confidence, self.BAR_WIDTH), "bold")
        prompt.append(f" {percent(ranked.confidence):>4} {arrow}")
        return Option(prompt, id=ranked.id)


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


class SizeNotice(Static):
    """Shown instead of the chat when the terminal is too small to use."""

    def __init__(self) -> None:
        super().__init__("", markup=False, id="size-notice")
