"""The widget for people, in real headless Chromium: keyboard only, a 320 px phone, reduced
motion, the dark theme, and a reply that lands while the panel is closed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from serverharness import Server
from widgetharness import (
    TIMEOUT_MS,
    WIDGET_KEY,
    Portal,
    answer_first_choice,
    chat_frame,
    launcher,
    launcher_expanded,
    say,
)

pytestmark = pytest.mark.slow

#: WCAG AA for body text.
MIN_CONTRAST = 4.5

WHERE_FOCUS_IS = """() => {
  const host = document.querySelector('[data-unstuck-widget]');
  if (document.activeElement !== host) return 'page:' + document.activeElement.tagName;
  const inner = host.shadowRoot.activeElement;
  if (inner && inner.classList.contains('launcher')) return 'launcher';
  return inner ? inner.tagName.toLowerCase() : 'none';
}"""
FRAME_FOCUS = """() => {
  const active = document.activeElement;
  if (!active || active === document.body) return 'body';
  return active.id || active.textContent.trim();
}"""
#: Focus on the frame's body means it is still on its way to a control (the frame's script
#: moves it on from there); a landing there is read again until it settles.
IN_TRANSIT = "frame:body"


def focus_at(page: Any, frame: Any) -> str:
    """'launcher', 'frame:<id or text of the focused control>', or 'page:<tag>' (a leak)."""
    place: str = page.evaluate(WHERE_FOCUS_IS)
    if place == "iframe":
        return "frame:" + str(frame.evaluate(FRAME_FOCUS))
    return place


def tab_round(page: Any, frame: Any, presses: int, key: str = "Tab") -> list[str]:
    """Where focus lands after each press. Focus may move through a message between the two
    pages, so each landing is read once it differs from the last (or after a second: two
    neighbours may read the same, two "Copy" buttons). The frame's body is not a landing: focus
    passes through it on the way in."""
    places = []
    before = focus_at(page, frame)
    for _ in range(presses):
        page.keyboard.press(key)
        place = focus_at(page, frame)
        for _ in range(50):
            if place not in (before, IN_TRANSIT):
                break
            page.wait_for_timeout(20)
            place = focus_at(page, frame)
        places.append(place)
        before = place
    return places


def test_tab_goes_round_the_panel_and_the_launcher_and_esc_returns_to_the_launcher(
    context: Any, portal: Portal
) -> None:
    page = context.new_page()
    page.goto(portal.page(key=WIDGET_KEY, say="training loss goes to nan"))
    frame = chat_frame(page)
    frame.wait_for_selector(".bubble.user")
    frame.wait_for_selector(".typing", state="detached")
    assert frame.locator(".bubble.user").inner_text() == "training loss goes to nan"

    frame.locator("#send").focus()  # the panel's last control
    forward = tab_round(page, frame, 3)
    assert forward == ["launcher", "frame:close", forward[2]]
    assert forward[2] != "frame:close" and forward[2].startswith("frame:")
    backward = tab_round(page, frame, 3, "Shift+Tab")
    assert backward == ["frame:close", "launcher", "frame:send"]
    # All the way round: every stop is in the panel or the launcher, never the portal's page.
    lap = tab_round(page, frame, 40)
    assert lap.count("launcher") >= 2
    assert [place for place in lap if place.startswith("page:")] == []

    frame.locator("#text").focus()
    page.keyboard.press("Escape")
    assert launcher_expanded(page, "false") == "false"
    assert focus_at(page, frame) == "launcher"
    page.keyboard.press("Enter")  # the launcher opens it again
    assert launcher_expanded(page, "true") == "true"
    page.keyboard.press("Escape")  # Esc on the launcher closes it too
    assert launcher_expanded(page, "false") == "false"
    page.evaluate("() => window.unstuck.open()")
    assert launcher_expanded(page, "true") == "true"


def test_a_reply_that_lands_while_the_panel_is_closed_shows_on_the_launcher(
    context: Any, portal: Portal, widget_server: Server
) -> None:
    page = context.new_page()
    page.goto(portal.page(key=WIDGET_KEY, open="true"))
    frame = chat_frame(page)
    frame.click("text=Check my model")
    frame.fill("#target-path", "experiment.py")
    frame.click("text=Get the command")
    command = frame.locator(".command code").last
    command.wait_for()
    words = command.inner_text().split()
    options = dict(zip(words[3::2], words[4::2], strict=True))
    frame.click("#close")
    assert launcher_expanded(page, "false") == "false"
    badge = page.locator("[data-unstuck-widget] >> css=.badge")
    assert badge.is_hidden()

    report = {
        "target": "experiment.py",
        "results": [{"id": "data_checks", "status": "pass", "finding": "Nothing missing."}],
    }
    posted = httpx.post(
        f"{widget_server.url}/v1/sessions/{options['--session']}/probe-reports",
        json=report,
        headers={"Authorization": f"Bearer {options['--api-key']}"},
    )
    assert posted.status_code == 200
    badge.wait_for(state="visible")
    replies = len(posted.json()["replies"])
    page.wait_for_function(
        "n => document.querySelector('[data-unstuck-widget]').shadowRoot"
        ".querySelector('.badge').textContent === String(n)",
        arg=replies,
    )
    name = launcher(page).inner_text().replace("\n", "")
    assert re.fullmatch(
        rf"Model not learning\? Ask unstuck{replies}, {replies} new repl(y|ies)", name
    )

    launcher(page).click()
    assert launcher_expanded(page, "true") == "true"
    assert badge.is_hidden()
    assert frame.locator("text=Check data_checks (pass): Nothing missing.").count() == 1


def test_a_320_px_phone_shows_the_whole_panel_and_it_works(
    browser: Any, portal: Portal, artefacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(portal.page(key=WIDGET_KEY))
    launcher(page).click()
    frame = chat_frame(page)
    say(frame, "my loss is flat, regression with a sigmoid output")
    frame.wait_for_selector(".choices button")
    answer_first_choice(frame)
    frame.click("text=Upload table")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artefacts / "phone-320x640.png"))

    box = page.locator("[data-unstuck-widget] >> css=iframe").bounding_box()
    assert box is not None
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 320, 640)
    cut_off = frame.evaluate(
        """() => [...document.querySelectorAll('button, textarea, input, summary, h1')]
          .filter(e => e.offsetParent !== null)
          .map(e => [e.id || e.textContent.trim(), e.getBoundingClientRect()])
          .filter(([, r]) => r.left < 0 || r.right > window.innerWidth + 0.5)
          .map(([name]) => name)"""
    )
    assert cut_off == []
    assert frame.evaluate("() => document.documentElement.scrollWidth") <= 320
    # Tab stays in the panel: the launcher is hidden under the full-screen panel.
    frame.locator("#send").focus()
    assert tab_round(page, frame, 1) == ["frame:close"]
    context.close()


def animations(page: Any, frame: Any) -> tuple[str, str]:
    panel = page.evaluate(
        "() => getComputedStyle(document.querySelector('[data-unstuck-widget]').shadowRoot"
        ".querySelector('.panel')).animationName"
    )
    bubble = frame.evaluate(
        "() => getComputedStyle(document.querySelector('.bubble')).animationName"
    )
    return panel, bubble


def test_reduced_motion_turns_the_animations_off(context: Any, portal: Portal) -> None:
    page = context.new_page()
    page.emulate_media(reduced_motion="no-preference")
    page.goto(portal.page(key=WIDGET_KEY, open="true"))
    frame = chat_frame(page)
    assert animations(page, frame) == ("rise", "appear")
    page.emulate_media(reduced_motion="reduce")
    assert animations(page, frame) == ("none", "none")
    assert frame.evaluate(
        "() => getComputedStyle(document.querySelector('.meter > span') || document.body)"
        ".transitionDuration"
    ) in ("0s", "0s, 0s")


def luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


COLOURS = """selectors => selectors.map(s => {
  const e = document.querySelector(s);
  if (!e) return [s, null, null];
  let back = e, bg = 'rgba(0, 0, 0, 0)';
  while (back && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
    bg = getComputedStyle(back).backgroundColor; back = back.parentElement;
  }
  return [s, getComputedStyle(e).color, bg];
})"""


@pytest.mark.parametrize(
    ("attribute", "scheme"), [("dark", "light"), ("auto", "dark")], ids=["data-theme", "auto"]
)
def test_the_dark_theme_is_dark_and_readable(
    context: Any, portal: Portal, artefacts: Path, attribute: str, scheme: str
) -> None:
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    page.goto(portal.page(key=WIDGET_KEY, open="true", theme=attribute))
    frame = chat_frame(page)
    say(frame, "my loss is flat, regression with a sigmoid output")
    frame.wait_for_selector(".choices button")
    frame.wait_for_selector("#causes li")
    page.wait_for_timeout(400)  # the entrance animation
    page.screenshot(path=str(artefacts / f"dark-{attribute}-1280x800.png"))

    seen = frame.evaluate(
        COLOURS,
        [
            "body", ".bubble.assistant", ".bubble.user", ".choices button", "#send",
            ".tools button", "#causes li", "#text", ".bar h1",
        ],
    )  # fmt: skip
    assert frame.evaluate("() => getComputedStyle(document.body).backgroundColor") == (
        "rgb(17, 24, 39)"
    )
    weak = {s: round(contrast(fg, bg), 2) for s, fg, bg in seen if contrast(fg, bg) < MIN_CONTRAST}
    assert weak == {}
    launcher_colours = page.evaluate(
        "() => { const s = getComputedStyle(document.querySelector('[data-unstuck-widget]')"
        ".shadowRoot.querySelector('.launcher')); return [s.color, s.backgroundColor]; }"
    )
    assert contrast(*launcher_colours) >= MIN_CONTRAST
