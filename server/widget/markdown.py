"""Markdown from the assistant as HTML that is safe to put into the widget's page.

Two locks, so that neither alone has to be perfect: markdown-it-py with raw HTML turned off
writes any ``<tag>`` in the text (a column name, a pasted traceback) as text, and nh3 then
keeps only the tags and attributes listed here.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "a", "blockquote",
    "h1", "h2", "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "code": {"class"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "breaks": the assistant's texts put a command or a list item on its own line.
    return MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table")


@lru_cache(maxsize=4096)
def to_html(text: str) -> str:
    """``text`` (Markdown) as sanitised HTML; links open in a new tab without an opener."""
    return nh3.clean(
        _parser().render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
