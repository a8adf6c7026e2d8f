"""Bad input in a conversation: each paste gets a message that says what was read, and the
conversation goes on (the next message is read as usual)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from assistant.cli.chat import plain_chat
from assistant.core.engine import Engine
from assistant.core.replies import Question, Reply, Text
from assistant.core.session import Session
from knowledge.loader import KnowledgeBase


@pytest.fixture
def session(kb: KnowledgeBase) -> Session:
    session = Session(Engine(kb))
    session.start()
    return session


def notices(replies: list[Reply]) -> list[str]:
    return [r.text for r in replies if isinstance(r, Text) and r.tone == "notice"]


def goes_on(session: Session) -> None:
    replies = session.send("the loss is flat")
    assert session.state.facts["loss_trend"].value == "flat"
    assert any(isinstance(r, Question) for r in replies)


def test_a_paste_calling_os_system_is_read_never_run(session: Session, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    replies = session.send(
        "import os\n"
        f"os.system('touch {marker}')\n"
        f"exec(\"open('{marker}', 'w')\")\n"
        "model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())\n"
    )
    assert not marker.exists()
    assert session.state.facts["output_activation"].value == "sigmoid"
    assert replies
    goes_on(session)


def test_a_paste_with_a_syntax_error_says_what_was_read(session: Session) -> None:
    replies = session.send(
        "model = nn.Sequential(nn.Linear(10, 3), nn.Softmax(dim=1)\n"
        "criterion = nn.CrossEntropyLoss()\n"
        "loss = criterion(model(x), y)\n"
    )
    assert notices(replies)[0] == (
        "I read 2 of 3 lines as Python: the rest does not parse (the first at line 1), so I "
        "took only the calls in them."
    )
    assert session.state.facts["softmax_into_ce"].value == "yes"
    goes_on(session)


def test_a_megabyte_paste_is_bounded_and_says_so(session: Session) -> None:
    text = "criterion = nn.CrossEntropyLoss()\n" + "x = layer(x)  # padding padding\n" * 35_000
    assert len(text) > 1_000_000
    replies = session.send(text)
    # one note for the paste, however many of its readers cut it short
    assert notices(replies) == [
        "The paste is long (35,002 lines, 1,120,034 characters), so I read part of it: error "
        "messages in its first 20,000 and last 50,000 characters, and code in its first 5,000 "
        "lines. If what matters is elsewhere in it, paste that part on its own."
    ]
    assert session.state.facts["loss_function"].value == "cross_entropy"
    goes_on(session)


def test_code_in_another_language_says_it_reads_python(session: Session) -> None:
    replies = session.send(
        "let model = Sequential::new()\n"
        "    .add(Linear::new(784, 10))\n"
        "    .add(Softmax::new());\n"
        "let loss = cross_entropy(&logits, &targets);\n"
        "fn main() { train(&mut model); }\n"
    )
    assert any("I read Python (PyTorch, Keras, scikit-learn)" in n for n in notices(replies))
    goes_on(session)


def test_confusable_characters_in_a_paste_read_as_plain_ones(session: Session) -> None:
    session.send("criterion ＝ nn．BCEWithLogitsLoss()\nout = torch．sigmoid(model(x))\n")
    assert session.state.facts["loss_function"].value == "bce_with_logits"


def test_the_plain_chat_goes_on_past_a_script_it_cannot_read(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_bytes(b"# caf\xe9\nmodel = 1\n")
    out = io.StringIO()
    assert plain_chat(str(path), io.StringIO("the loss is flat\n"), out) == 0
    text = " ".join(out.getvalue().split())
    assert (
        f"Notice: cannot read {path}: the script '{path}' is not UTF-8 text: byte 0xe9 at "
        "position 5 does not decode. Expected a Python source file; save it as UTF-8 (or "
        "paste the training code into the chat instead). Going on without it."
    ) in text
    assert "Noted: the training loss does not move." in text
