"""Block Kit rendering: escaping, Slack's limits, buttons that name their session and moment."""

from __future__ import annotations

import json

import pytest

from assistant.core.replies import (
    OUTCOME_QUESTION,
    CauseCard,
    Diagnosis,
    Evidence,
    Option,
    ProbeRequest,
    Question,
    Text,
)
from server.probe_command import command_text, probe_command
from server.schemas import RankedCause
from server.slack.blocks import (
    ButtonValue,
    answered_blocks,
    escape,
    mrkdwn,
    parse_button,
    render_turn,
)
from server.slack.text import incoming, target_named


def texts(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel> look", "&lt;!channel&gt; look"),
        ("<!here|here>", "&lt;!here|here&gt;"),
        ("<https://evil.example|click me>", "&lt;https://evil.example|click me&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("a & b", "a &amp; b"),
        ("&lt; stays text", "&amp;lt; stays text"),
    ],
    ids=["channel", "here", "link", "user mention", "ampersand", "an entity"],
)
def test_markup_in_text_is_escaped(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped
    message = render_turn([Text(text=raw)], "s_1", 1)
    assert message.blocks[0]["text"]["text"] == escaped  # type: ignore[index]
    assert raw not in texts(message.blocks) or raw == escaped


def test_markdown_bold_becomes_mrkdwn_bold() -> None:
    assert mrkdwn("**Output activation** <b>") == "*Output activation* &lt;b&gt;"


def test_a_question_gets_a_button_per_choice_naming_its_session_and_moment() -> None:
    question = Question(
        id="ask_task",
        fact="task",
        text="What does the model predict?",
        choices=[
            Option(value="regression", label="a number"),
            Option(value="binary", label="yes/no"),
        ],
    )
    message = render_turn([question], "s_abc", 7)
    answers = next(b for b in message.blocks if b.get("block_id") == "answers")
    values = [parse_button(e["value"]) for e in answers["elements"]]  # type: ignore[index]
    assert values == [
        ButtonValue(s="s_abc", n=7, q="ask_task", v="regression"),
        ButtonValue(s="s_abc", n=7, q="ask_task", v="binary"),
    ]
    assert [e["text"]["text"] for e in answers["elements"]] == ["a number", "yes/no"]  # type: ignore[index]
    assert message.text == "What does the model predict?"


def test_every_turn_ends_with_why_undo_and_start_over() -> None:
    message = render_turn([Text(text="Noted.")], "s_1", 2)
    controls = message.blocks[-1]
    assert [e["action_id"] for e in controls["elements"]] == [  # type: ignore[index]
        "unstuck_control:why",
        "unstuck_control:undo",
        "unstuck_control:restart",
    ]


def card(**changes: object) -> CauseCard:
    fields: dict[str, object] = {
        "id": "model.output_activation",
        "title": "Output activation does not match the task",
        "family": "model",
        "confidence": 0.91,
        "evidence_for": [
            Evidence(fact="a", value="b", text="sigmoid on a regression <x>", weight=9.0)
        ],
        "evidence_against": [],
        "explanation": "The last layer squashes outputs.",
        "fix_steps": ["Remove the sigmoid."],
        "snippet": "model = nn.Sequential(nn.Linear(4, 1))",
        "references": [],
    }
    return CauseCard.model_validate({**fields, **changes})


def test_a_diagnosis_shows_the_card_and_offers_fixed_and_still_stuck() -> None:
    diagnosis = Diagnosis(
        found=["model.output_activation"], cards=[card()], settled=True, text="I believe it is:"
    )
    message = render_turn([diagnosis], "s_1", 3)
    body = texts(message.blocks)
    assert "*Output activation does not match the task*  (91% sure)" in body
    assert "sigmoid on a regression &lt;x&gt;" in body
    assert "```model = nn.Sequential(nn.Linear(4, 1))```" in body
    labels = [e["text"]["text"] for e in message.blocks[-1]["elements"]]  # type: ignore[index]
    assert labels == ["Why?", "Undo", "Start over", "Fixed", "Still stuck"]


def test_when_the_engine_asks_about_the_fix_its_question_carries_fixed_and_still_stuck() -> None:
    diagnosis = Diagnosis(found=["x"], cards=[card()], settled=True, text="It is x.")
    outcome = Question(
        id=OUTCOME_QUESTION,
        fact="",
        text="How did the fix go?",
        choices=[
            Option(value="fixed", label="fixed"),
            Option(value="still_stuck", label="still stuck"),
        ],
    )
    message = render_turn([diagnosis, outcome], "s_1", 3)
    labels = [e["text"]["text"] for e in message.blocks[-1]["elements"]]  # type: ignore[index]
    assert labels == ["Why?", "Undo", "Start over"]


def test_the_probe_command_gets_the_token_and_is_set_as_code() -> None:
    command = probe_command("https://u.example/", "s_1", "my runs/a<b>.py")
    request = ProbeRequest(probes=["gradients"], titles=["gradient flow"])
    note = Text(text=command_text(command))
    message = render_turn([request, note], "s_1", 4, token="usp_T", command=command)
    shown = [b["text"]["text"] for b in message.blocks if "unstuck probe" in json.dumps(b)]
    # rendered from the data, quoted for the shell, the token after --token, escaped for mrkdwn
    assert shown == [
        "These checks need your model and data, which live on your machine. Run this there "
        "and the results join this conversation:\n"
        "```unstuck probe 'my runs/a&lt;b&gt;.py' --server https://u.example --session s_1 "
        "--token usp_T```"
    ]
    assert "Checks to run next: gradient flow." in texts(message.blocks)


def test_a_text_that_only_reads_like_the_probe_note_stays_text() -> None:
    command = probe_command("https://u.example", "s_1", None)
    lookalike = Text(text=command_text(command) + " --api-key mine")
    message = render_turn([lookalike], "s_1", 4, token="usp_T", command=None)
    body = texts(message.blocks)
    assert "usp_T" not in body and "```" not in body
    assert "--api-key mine" in body


def test_the_ranking_shows_the_three_leading_causes() -> None:
    ranking = [
        RankedCause(id=f"c{n}", title=f"Cause <{n}>", confidence=0.5 - n / 10, share=0.2)
        for n in range(5)
    ]
    message = render_turn([Text(text="Noted.")], "s_1", 1, ranking)
    assert message.blocks[1]["elements"][0]["text"] == (  # type: ignore[index]
        "Leading causes so far: 1. Cause &lt;0&gt; 50% · 2. Cause &lt;1&gt; 40% · "
        "3. Cause &lt;2&gt; 30%"
    )


def test_slacks_limits_hold_for_long_texts_and_many_replies() -> None:
    replies = [Text(text="x" * 10_000) for _ in range(80)]
    message = render_turn(replies, "s_1", 1)
    assert len(message.blocks) <= 50
    sections = [b for b in message.blocks if b["type"] == "section"]
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)  # type: ignore[index]
    assert sections[0]["text"]["text"].endswith(  # type: ignore[index]
        "_(cut here: Slack shows at most 3,000 characters per part)_"
    )
    assert len(message.text) <= 300
    long_label = Question(id="q", fact="f", text="?", choices=[Option(value="v", label="y" * 200)])
    button = render_turn([long_label], "s_1", 1).blocks[1]["elements"][0]  # type: ignore[index]
    assert len(button["text"]["text"]) == 75


def test_an_answered_message_loses_its_buttons_and_says_who_chose_what() -> None:
    message = render_turn(
        [Question(id="q", fact="f", text="?", choices=[Option(value="v", label="yes")])], "s_1", 1
    )
    closed = answered_blocks(message.blocks, "<@U1> chose *yes*")
    assert [b for b in closed if b["type"] == "actions"] == []
    assert closed[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "<@U1> chose *yes*"}],
    }


@pytest.mark.parametrize("value", ["", "not json", '{"s": 1}', '{"n": 2}', "[]"])
def test_a_button_value_unstuck_did_not_write_is_not_read(value: str) -> None:
    assert parse_button(value) is None


@pytest.mark.parametrize(
    ("slack_text", "words"),
    [
        ("<@UBOT> my loss is flat", "my loss is flat"),
        ("see <https://x.example/a|the docs> &amp; &lt;this&gt;", "see the docs & <this>"),
        ("<https://x.example/a>", "https://x.example/a"),
        ("<!channel> help", "@channel help"),
    ],
)
def test_slack_markup_in_what_users_write_becomes_plain_words(slack_text: str, words: str) -> None:
    assert incoming(slack_text) == words


@pytest.mark.parametrize(
    ("words", "target"),
    [
        ("train.py", "train.py"),
        ("target: src/exp.py:experiment", "src/exp.py:experiment"),
        ("`models/run.py`", "models/run.py"),
        ("my train.py does not learn", None),
        ("the loss is flat", None),
    ],
)
def test_a_message_that_only_names_a_python_file_names_the_target(
    words: str, target: str | None
) -> None:
    assert target_named(words) == target


def test_the_first_message_of_a_thread_says_how_to_bring_in_checks() -> None:
    first = render_turn([Text(text="Noted.")], "s_1", 1, first=True)
    assert first.blocks[-2] == {
        "type": "context",
        "elements": [
            {
                "type": "mrkdwn",
                "text": "Reply in this thread to go on. To check your own model, reply with the "
                "path of your training file (`train.py`) for the command to run on your machine; "
                "to check your data, share a CSV or Parquet file here.",
            }
        ],
    }
    later = render_turn([Text(text="Noted.")], "s_1", 2)
    assert "training file" not in texts(later.blocks)
