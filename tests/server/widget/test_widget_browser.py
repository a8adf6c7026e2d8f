"""The widget in real headless Chromium: a portal on another origin embeds the script."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from widgetharness import WIDGET_KEY, Portal

pytestmark = pytest.mark.slow

TIMEOUT_MS = 20_000


def open_widget(browser: Any, url: str, width: int = 1280, height: int = 800) -> tuple[Any, Any]:
    """A fresh browser context on ``url``; returns the page and, once it starts, the frame."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    return page, None


def chat_frame(page: Any) -> Any:
    page.wait_for_selector("iframe", state="attached") if False else None
    handle = page.locator("[data-unstuck-widget]")
    handle.wait_for(state="attached")
    for _ in range(200):
        for frame in page.frames:
            if "/widget/frame" in frame.url:
                frame.wait_for_selector("#text")
                return frame
        page.wait_for_timeout(50)
    raise AssertionError("the widget's frame did not appear")


def test_smoke(browser: Any, portal: Portal, artefacts: Path) -> None:
    page, _ = open_widget(browser, portal.page(key=WIDGET_KEY, open="true"))
    frame = chat_frame(page)
    frame.wait_for_selector(".bubble.assistant")
    frame.fill("#text", "my loss is flat, regression with a sigmoid output")
    frame.press("#text", "Enter")
    frame.wait_for_selector(".choices button")
    page.screenshot(path=str(artefacts / "smoke.png"))
    print(frame.inner_text("#log"))
