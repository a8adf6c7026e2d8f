"""A turn's replies as one Slack message in Block Kit, with every text escaped for mrkdwn.

Slack reads ``<...>`` in mrkdwn as mentions (``<!channel>``, ``<@U123>``) and links
(``<https://x|click>``), so every text that reaches a block, the user's own words included,
has ``&``, ``<`` and ``>`` escaped; only the markup written here is live. Slack's own limits
are respected (3,000 characters per text, 75 per button, 50 blocks per message): a longer
text is cut and says so rather than making Slack refuse the whole message.

Each button's value carries the session and the length of its log when the message was posted
(``ButtonValue``): a click from an older message is recognised and refused, not applied to a
conversation that has moved on.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from assistant.core.replies import (
    OUTCOME_QUESTION,
    CauseCard,
    Diagnosis,
    Evidence,
    ProbeRequest,
    Question,
    Reply,
    Text,
)
from server.probe_command import ProbeCommand, command_text, with_token
from server.schemas import RankedCause

Block = dict[str, Any]
Control = Literal["why", "undo", "restart", "fixed", "still_stuck"]

#: Slack's limits (api.slack.com/reference/block-kit): text of a section, a button's label, a
#: message's blocks, elements of one actions block; the message's notification text.
SECTION_CHARS = 3000
BUTTON_CHARS = 75
MAX_BLOCKS = 50
MAX_BUTTONS = 25
FALLBACK_CHARS = 300
CUT_NOTE = "\n_(cut here: Slack shows at most 3,000 characters per part)_"
SHOWN_CARDS = 3
SHOWN_EVIDENCE = 5
SHOWN_RANKING = 3

ANSWER_ACTION = "unstuck_answer"
CONTROL_ACTION = "unstuck_control"
CONTROL_LABELS: dict[Control, str] = {
    "why": "Why?",
    "undo": "Undo",
    "restart": "Start over",
    "fixed": "Fixed",
    "still_stuck": "Still stuck",
}
CHECKS_HINT = (
    "Reply in this thread to go on. To check your own model, reply with the path of your "
    "training file (`train.py`) for the command to run on your machine; to check your data, "
    "share a CSV or Parquet file here."
)
#: The ``unstuck probe`` option that carries a Slack probe token (``server.probe_tokens``).
PROBE_TOKEN_OPTION = "--token"
_BOLD = re.compile(r"\*\*(.+?)\*\*")


class ButtonValue(BaseModel):
    """What a button carries: the session, its log length then, and what the click means."""

    s: str
    """The session id."""
    n: int
    """How many events the session's log held when the message was posted."""
    q: str = ""
    """An answer's question id."""
    v: str = ""
    """An answer's value, or the control's name."""

    def dump(self) -> str:
        return self.model_dump_json(exclude_defaults=True)


def parse_button(value: str) -> ButtonValue | None:
    """The button's value, or None when it is not one this module wrote."""
    try:
        return ButtonValue.model_validate_json(value)
    except ValidationError:
        return None


def escape(text: str) -> str:
    """``text`` with the three characters that mrkdwn treats as markup escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(markdown: str) -> str:
    """The assistant's Markdown as escaped mrkdwn: ``**bold**`` becomes ``*bold*``."""
    return _BOLD.sub(r"*\1*", escape(markdown))


@dataclass(frozen=True)
class Message:
    """One Slack message: its blocks and the plain text that notifications show."""

    text: str
    blocks: list[Block]


def render_turn(
    replies: list[Reply],
    session_id: str,
    seq: int,
    ranking: Sequence[RankedCause] = (),
    token: str | None = None,
    first: bool = False,
    command: ProbeCommand | None = None,
) -> Message:
    """The replies of one turn as one message, with the controls at the end; the thread's
    ``first`` message also says how to bring in checks on the user's own model or data.

    ``command`` is the turn's ``unstuck probe`` command as data (``TurnReplies.command``): the
    text reply that says it is shown instead as that command with ``token`` added, as code."""
    note = None if command is None else command_text(command)
    blocks: list[Block] = []
    for reply in replies:
        if command is not None and isinstance(reply, Text) and reply.text == note:
            blocks += _command_blocks(command, token)
        else:
            blocks += _reply_blocks(reply, session_id, seq)
    if ranking and not any(isinstance(r, Diagnosis) for r in replies):
        blocks.append(_ranking_block(ranking))
    if first:
        blocks.append(_context(CHECKS_HINT))
    diagnosed = any(isinstance(r, Diagnosis) and r.found for r in replies)
    asks_outcome = any(isinstance(r, Question) and r.id == OUTCOME_QUESTION for r in replies)
    controls: list[Control] = ["why", "undo", "restart"]
    if diagnosed and not asks_outcome:
        controls += ["fixed", "still_stuck"]
    blocks = _fit(blocks)
    blocks.append(_controls_block(controls, session_id, seq))
    return Message(text=_fallback(replies), blocks=blocks)


def answered_blocks(blocks: list[Block], note: str) -> list[Block]:
    """The clicked message's blocks with its buttons replaced by ``note`` (already mrkdwn), so
    the message cannot be answered twice."""
    kept = [block for block in blocks if block.get("type") != "actions"]
    return [*kept, {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]


def text_message(text: str) -> Message:
    """A plain notice (escaped), such as a file that cannot be checked."""
    return Message(text=text[:FALLBACK_CHARS], blocks=_sections(escape(text)))


# -- one reply each ---------------------------------------------------------------------


def _reply_blocks(reply: Reply, session_id: str, seq: int) -> list[Block]:
    if isinstance(reply, Text):
        prefix = {"info": "", "notice": ":information_source: ", "error": ":warning: "}[reply.tone]
        return _sections(prefix + mrkdwn(reply.text))
    if isinstance(reply, Question):
        return _question_blocks(reply, session_id, seq)
    if isinstance(reply, ProbeRequest):
        return _probe_blocks(reply)
    return _diagnosis_blocks(reply)


def _question_blocks(question: Question, session_id: str, seq: int) -> list[Block]:
    blocks = _sections("*" + mrkdwn(question.text) + "*")
    if question.hint:
        blocks.append(_context(mrkdwn(question.hint)))
    buttons = [
        _button(
            f"{ANSWER_ACTION}:{index}",
            option.label,
            ButtonValue(s=session_id, n=seq, q=question.id, v=option.value),
        )
        for index, option in enumerate(question.choices[:MAX_BUTTONS])
    ]
    if buttons:
        blocks.append({"type": "actions", "block_id": "answers", "elements": buttons})
    blocks.append(_context("Click an answer, or reply in this thread in your own words."))
    return blocks


def _probe_blocks(request: ProbeRequest) -> list[Block]:
    titles = ", ".join(request.titles or request.probes)
    blocks = _sections(f"Checks to run next: {mrkdwn(titles)}.")
    if request.why:
        blocks.append(_context(mrkdwn(request.why)))
    return blocks


def _command_blocks(command: ProbeCommand, token: str | None) -> list[Block]:
    """The ``unstuck probe`` command with this session's token, set as code so that it copies
    whole, quoted for the shell as ``ProbeCommand.line`` is."""
    line = command.line
    if token is not None:
        line = shlex.join(with_token(command, token, PROBE_TOKEN_OPTION))
    return [
        *_sections(f"{mrkdwn(command.intro)}\n```{escape(line)}```"),
        _context(
            "The token opens this conversation only, and expires. Or share a CSV or Parquet "
            "file in this thread to check a table here."
        ),
    ]


def _diagnosis_blocks(diagnosis: Diagnosis) -> list[Block]:
    blocks = _sections(mrkdwn(diagnosis.text))
    for card in diagnosis.cards[:SHOWN_CARDS]:
        blocks.append({"type": "divider"})
        blocks += _card_blocks(card)
    return blocks


def _card_blocks(card: CauseCard) -> list[Block]:
    blocks = _sections(
        f"*{mrkdwn(card.title)}*  ({card.confidence:.0%} sure)\n{mrkdwn(card.explanation)}"
    )
    if card.evidence_for:
        blocks += _sections("*Evidence for*\n" + _evidence(card.evidence_for))
    if card.evidence_against:
        blocks += _sections("*Evidence against*\n" + _evidence(card.evidence_against))
    if card.fix_steps:
        steps = "\n".join(f"{n}. {mrkdwn(step)}" for n, step in enumerate(card.fix_steps, 1))
        blocks += _sections("*The fix*\n" + steps)
    if card.snippet:
        blocks += _sections(f"```{escape(card.snippet.strip())}```")
    return blocks


def _evidence(items: list[Evidence]) -> str:
    return "\n".join(f"• {mrkdwn(item.text)}" for item in items[:SHOWN_EVIDENCE])


def _ranking_block(ranking: Sequence[RankedCause]) -> Block:
    leading = " · ".join(
        f"{n}. {escape(cause.title)} {cause.confidence:.0%}"
        for n, cause in enumerate(ranking[:SHOWN_RANKING], 1)
    )
    return _context(f"Leading causes so far: {leading}")


def _controls_block(controls: list[Control], session_id: str, seq: int) -> Block:
    return {
        "type": "actions",
        "block_id": "controls",
        "elements": [
            _button(
                f"{CONTROL_ACTION}:{control}",
                CONTROL_LABELS[control],
                ButtonValue(s=session_id, n=seq, v=control),
            )
            for control in controls
        ],
    }


# -- pieces -------------------------------------------------------------------------------


def _sections(text: str) -> list[Block]:
    """``text`` (already mrkdwn) as one section, cut to Slack's limit with a note if longer."""
    if len(text) > SECTION_CHARS:
        text = text[: SECTION_CHARS - len(CUT_NOTE)] + CUT_NOTE
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text or " "}}]


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_CHARS]}]}


def _button(action_id: str, label: str, value: ButtonValue) -> Block:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label[:BUTTON_CHARS] or "?"},
        "value": value.dump(),
    }


def _fit(blocks: list[Block]) -> list[Block]:
    """At most ``MAX_BLOCKS - 2`` blocks, leaving room for the note and the controls."""
    if len(blocks) <= MAX_BLOCKS - 1:
        return blocks
    return [*blocks[: MAX_BLOCKS - 2], _context("_(more than Slack shows in one message)_")]


def _fallback(replies: list[Reply]) -> str:
    """What a notification shows: the first words of the first reply, escaped."""
    for reply in replies:
        text = reply.text if isinstance(reply, Text | Question | Diagnosis) else ""
        if text.strip():
            return escape(text.strip())[:FALLBACK_CHARS]
    return "unstuck replied"
