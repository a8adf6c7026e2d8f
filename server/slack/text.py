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
#: A message that is only a training file (``train.py``, ``src/exp.py:experiment``), optionally
#: after ``target:``: the file lives on the user's machine, where ``unstuck probe`` runs it.
_TARGET = re.compile(r"^(?:target\s*[:=]?\s*)?`?([^\s`]+\.py(?::[A-Za-z_]\w*)?)`?$", re.I)


def incoming(text: str) -> str:
    """``text`` without mentions of people or the bot, links as what they show, unescaped."""
    words = _MENTION.sub("", text[:MAX_MESSAGE_CHARS])
    words = _SPECIAL.sub(lambda m: "@" + m.group(1), words)
    words = _LINK.sub(lambda m: m.group(2) or m.group(1) or m.group(3) or "", words)
    return words.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def target_named(words: str) -> str | None:
    """The training file when the message names one and nothing else, else None."""
    found = _TARGET.match(words.strip())
    return found.group(1) if found else None
