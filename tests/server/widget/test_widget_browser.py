"""The widget in real headless Chromium: a portal on another origin embeds the script."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from serverharness import Server
from widgetharness import (
    TIMEOUT_MS,
    VENDOR,
    WIDGET_KEY,
    XSS,
    Portal,
    answer_first_choice,
    chat_frame,
    no_script_ran,
    say,
    widget_message,
)

pytestmark = pytest.mark.slow


def test_a_whole_conversation_to_a_diagnosis(context: Any, portal: Portal, artefacts: Path) -> None:
    page = context.new_page()
    page.goto(portal.page(key=WIDGET_KEY, open="true"))
    frame = chat_frame(page)
    assert frame.inner_text(".bubble.assistant").startswith("Hi, I'm unstuck.")

    say(frame, "my loss is flat, regression with a sigmoid output")
    frame.wait_for_selector(".choices button")
    frame.wait_for_selector("#causes li")
    for _ in range(30):
        if frame.locator(".card").count():
            break
        answer_first_choice(frame)
    card = frame.locator(".card").first
    card.wait_for()
    assert card.locator("h3").inner_text() == "Output activation does not match the task"
    assert "Evidence for" in card.inner_text()
    assert re.search(r"Confidence \d+%", card.inner_text())
    assert frame.locator("#causes li").count() >= 1

    copy = card.locator(".copy").first
    copy.click()
    frame.wait_for_function(
        "() => [...document.querySelectorAll('.copy')].some(b => b.textContent === 'Copied')"
    )
    # The frame may write the clipboard (allow="clipboard-write"), not read it: the page reads.
    page.bring_to_front()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == card.locator("pre").first.inner_text()

    page.screenshot(path=str(artefacts / "diagnosis-1280x800.png"))
    page.set_viewport_size({"width": 375, "height": 700})
    page.wait_for_timeout(300)
    page.screenshot(path=str(artefacts / "diagnosis-375x700.png"))
    # The "did the fix work" question is answered with a button too.
    assert frame.locator(".choices").last.inner_text().splitlines() == [
        "fixed: it learns now",
        "still stuck",
    ]


def test_a_button_answer_and_a_reload_resume_the_same_conversation(
    context: Any, portal: Portal
) -> None:
    page = context.new_page()
    page.goto(portal.page(key=WIDGET_KEY, open="true"))
    frame = chat_frame(page)
    say(frame, "the loss is flat\nand the accuracy stays at chance")
    frame.wait_for_selector(".choices button")
    answer_first_choice(frame)
    before = frame.locator(".bubble.user").all_inner_texts()
    assert before[0] == "the loss is flat\nand the accuracy stays at chance"
    assert len(before) == 2

    page.reload()
    frame = chat_frame(page)
    frame.wait_for_function("n => document.querySelectorAll('.bubble.user').length >= n", arg=2)
    assert frame.locator(".bubble.user").all_inner_texts() == before
    # Only the question still waiting for an answer takes one.
    frame.wait_for_function(
        "() => [...document.querySelectorAll('.choices')].slice(0, -1).every("
        "g => [...g.querySelectorAll('button')].every(b => b.disabled))"
    )
    assert frame.locator(".choices").last.locator("button").first.is_enabled()

    second_tab = context.new_page()
    second_tab.goto(portal.page(key=WIDGET_KEY, open="true"))
    other = chat_frame(second_tab)
    other.wait_for_function("n => document.querySelectorAll('.bubble.user').length >= n", arg=2)
    assert other.locator(".bubble.user").all_inner_texts() == before


def test_html_in_a_message_and_in_a_column_name_stays_text(
    context: Any, portal: Portal, tmp_path: Path
) -> None:
    page = context.new_page()
    page.goto(portal.page(key=WIDGET_KEY, open="true"))
    frame = chat_frame(page)
    say(frame, XSS)
    frame.wait_for_selector(".bubble.user")
    frame.wait_for_selector(".typing", state="detached")
    assert frame.locator(".bubble.user").first.inner_text() == XSS
    assert frame.locator(".bubble img, .bubble script").count() == 0

    frame.click("text=Upload table")
    notes = tmp_path / "notes.docx"
    notes.write_text("not a table")
    frame.set_input_files("#file", str(notes))
    frame.fill("#label", "y")
    frame.click("#upload-send")
    frame.wait_for_selector(".bubble.error")
    assert frame.locator(".bubble.error").last.inner_text() == (
        "The file 'notes.docx' is neither CSV nor Parquet (by its name). Send a .csv or "
        ".parquet file."
    )

    table = tmp_path / "table.csv"
    table.write_text(f'"{XSS.replace(chr(34), chr(34) * 2)}",y\n1,0\n2,1\n3,0\n')
    frame.set_input_files("#file", str(table))
    frame.fill("#label", "nope")
    frame.click("#upload-send")
    frame.wait_for_function("() => document.querySelectorAll('.bubble.error').length === 2")
    assert XSS in frame.locator(".bubble.error").last.inner_text()

    frame.fill("#label", "y")
    frame.click("#upload-send")
    frame.wait_for_selector("text=Check data_checks (pass): 3 rows checked.")
    assert frame.locator(".job progress").first.get_attribute("max") == "1"
    assert frame.locator(".bubble img, .bubble script").count() == 0
    assert no_script_ran(page, frame)


def test_the_command_for_the_users_machine_and_its_report_arriving_live(
    context: Any, portal: Portal, widget_server: Server
) -> None:
    page = context.new_page()
    page.goto(portal.page(key=WIDGET_KEY, open="true"))
    frame = chat_frame(page)
    frame.click("text=Check my model")
    frame.fill("#target-path", "train/experiment.py")
    frame.click("text=Get the command")
    command = frame.locator(".command code").last
    command.wait_for()
    words = command.inner_text().split()
    assert words[:3] == ["unstuck", "probe", "train/experiment.py"]
    options = dict(zip(words[3::2], words[4::2], strict=True))
    assert options["--server"] == widget_server.url
    assert options["--api-key"].startswith("ust1.probe.")

    report = {
        "target": "train/experiment.py",
        "results": [
            {
                "id": "data_checks",
                "status": "pass",
                "facts": {"missing_values": "none"},
                "finding": "No missing values in 1,000 rows.",
            }
        ],
    }
    url = f"{widget_server.url}/v1/sessions/{options['--session']}"
    with httpx.Client(headers={"Authorization": f"Bearer {options['--api-key']}"}) as client:
        posted = client.post(url + "/probe-reports", json=report)
        read = client.get(url)
    assert posted.status_code == 200
    assert read.json()["error"]["code"] == "invalid_token"
    frame.wait_for_selector("text=Check data_checks (pass): No missing values in 1,000 rows.")


def test_a_page_on_another_origin_cannot_frame_it_nor_call_it(
    context: Any, other_portal: Portal, widget_server: Server
) -> None:
    page = context.new_page()
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(message.text))
    page.goto(other_portal.page(key=WIDGET_KEY, open="true"))
    assert widget_message(page)[1:3] == [
        "This page may not embed the assistant",
        f"Requests from {other_portal.origin} may not use this key or token. The key's "
        "origins name the portals that may embed the widget; ask the operator to add this one.",
    ]

    frame_url = f"{widget_server.url}/widget/frame?key={WIDGET_KEY}"
    page.evaluate(
        "url => { const f = document.createElement('iframe'); f.src = url; "
        "document.body.append(f); }",
        frame_url,
    )
    page.wait_for_function("() => true")
    page.wait_for_timeout(1000)
    framed = [f for f in page.frames if f != page.main_frame]
    assert framed and all(f.url != frame_url or not f.query_selector("#text") for f in framed)
    assert any("frame-ancestors" in text for text in refusals)

    called = page.evaluate(
        "url => fetch(url, {method: 'POST', headers: {Authorization: 'Bearer ' + "
        f"'{WIDGET_KEY}', 'Content-Type': 'application/json'}}, body: '{{}}'}})"
        ".then(r => r.status, () => 'blocked')",
        f"{widget_server.url}/widget/session",
    )
    assert called == "blocked"


@pytest.mark.parametrize(
    ("attributes", "heading", "text"),
    [
        (
            {},
            "This widget has no key",
            'The script tag needs data-key="<key>" with the key the operator gave for this portal.',
        ),
        (
            {"key": "not-a-key-of-this-service"},
            "The widget's key is not valid",
            "The widget's data-key is not a key this service knows. Check it for typos, or ask "
            "the operator for this portal's key.",
        ),
    ],
    ids=["missing", "wrong"],
)
def test_a_missing_or_wrong_key_says_so_in_the_panel(
    context: Any, portal: Portal, attributes: dict[str, str], heading: str, text: str
) -> None:
    page = context.new_page()
    page.goto(portal.page(open="true", **attributes))
    assert widget_message(page)[1:3] == [heading, text]


def test_a_server_that_is_down_gets_a_retry_not_a_blank_panel(
    context: Any, portal: Portal, widget_server: Server
) -> None:
    page = context.new_page()
    page.route(f"{widget_server.url}/widget/config*", lambda route: route.abort())
    page.goto(portal.page(key=WIDGET_KEY, open="true"))
    assert widget_message(page)[1] == "The assistant cannot be reached"
    page.unroute(f"{widget_server.url}/widget/config*")
    page.locator("[data-unstuck-widget] >> css=.message").get_by_role(
        "button", name="Retry"
    ).click()
    frame = chat_frame(page)

    page.route("**/messages", lambda route: route.abort())
    say(frame, "my loss is nan after a few steps")
    failed = frame.locator(".bubble.error")
    failed.wait_for()
    assert failed.inner_text().startswith(
        "The assistant cannot be reached. Check your connection, then retry."
    )
    page.unroute("**/messages")
    failed.get_by_role("button", name="Retry").click()
    frame.wait_for_selector("text=Noted:")
    assert frame.locator(".bubble.user").all_inner_texts() == ["my loss is nan after a few steps"]


def test_a_message_over_the_limit_is_refused_in_the_panel_and_not_sent(
    context: Any, portal: Portal
) -> None:
    page = context.new_page()
    page.goto(portal.page(key=WIDGET_KEY, open="true"))
    frame = chat_frame(page)
    frame.fill("#text", "x" * 40_000)
    frame.press("#text", "Enter")
    assert frame.locator(".bubble.error").inner_text() == (
        "Your message has 40,000 characters; the assistant reads at most 20,000. Shorten it: "
        "the first lines of an error and the code around it are usually enough."
    )
    assert frame.locator(".bubble.user").count() == 0
    assert len(frame.input_value("#text")) == 40_000  # kept, to shorten


def test_no_serious_accessibility_violation(browser: Any, portal: Portal, artefacts: Path) -> None:
    # Only this test lets the vendored axe-core in past the frame's Content-Security-Policy.
    context = browser.new_context(viewport={"width": 375, "height": 700}, bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(portal.page(key=WIDGET_KEY, open="true", theme="light"))
    frame = chat_frame(page)
    say(frame, "my loss is flat, regression with a sigmoid output")
    frame.wait_for_selector(".choices button")
    frame.wait_for_selector("#causes li")
    page.wait_for_timeout(400)  # let the entrance animation finish
    page.screenshot(path=str(artefacts / "question-375x700.png"))
    axe = (VENDOR / "axe.min.js").read_text(encoding="utf-8")
    found = []
    for target in (page, frame):
        target.add_script_tag(content=axe)
        found += target.evaluate(
            "async () => (await axe.run(document)).violations.map("
            "v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length}))"
        )
    context.close()
    assert [v for v in found if v["impact"] in ("serious", "critical")] == []


def test_the_stream_comes_back_after_a_server_restart_and_misses_nothing(
    context: Any, portal: Portal, widget_server: Server
) -> None:
    page = context.new_page()
    page.goto(portal.page(key=WIDGET_KEY, open="true"))
    frame = chat_frame(page)
    say(frame, "my loss is flat")
    frame.wait_for_selector("text=Noted:")
    widget_server.restart()
    say(frame, "the accuracy stays at chance")
    frame.wait_for_function("() => document.querySelectorAll('.bubble.user').length >= 2")
    frame.wait_for_selector(".typing", state="detached")
    page.wait_for_timeout(500)  # anything sent twice would arrive by now
    assert frame.locator(".bubble.user").all_inner_texts() == [
        "my loss is flat",
        "the accuracy stays at chance",
    ]
    assert frame.locator("#status").is_hidden()
