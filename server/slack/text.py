"""What a user wrote in Slack, as the plain words the engine reads.

Slack sends message text in its own markup: mentions as ``<@U123>``, links as
``<https://x|label>``, and ``&``, ``<``, ``>`` escaped. The engine wants the words as typed.
"""

from __future__ import annotations

import re

#: Longest message Slack lets a user post; longer text is not a message Slack sent.
MAX_MESSAGE_CHARS = 40_000
_MENTION = re.compile(r"<@[A-Z0-9]+(\|[^>]*)?>")
_SPECIAL = re.compile(r"<!([a-z]+)(\^[^|>]*)?(\|[^>]*)?>")
_LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>|<([^<>|]+)>")


def incoming(text: str) -> str:
    """``text`` without mentions of people or the bot, links as what they show, unescaped."""
    words = _MENTION.sub("", text[:MAX_MESSAGE_CHARS])
    words = _SPECIAL.sub(lambda m: "@" + m.group(1), words)
    words = _LINK.sub(lambda m: m.group(2) or m.group(1) or m.group(3) or "", words)
    return words.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()
