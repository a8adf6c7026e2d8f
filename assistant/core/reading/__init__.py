"""Turn what the user types into facts: readers by concern, combined by :class:`TextReader`.

- :mod:`.bounds`: what part of a message is read, cleaned into sentences and clauses;
- :mod:`.words`: the knowledge base's phrases, with negation;
- :mod:`.numbers`: numbers read in context;
- :mod:`.model`: the text model for words neither of those reads;
- :mod:`.answers`: a reply read as the answer to the pending question;
- :mod:`.reader`: :class:`Reading` and :class:`TextReader`, which combine them.
"""

from __future__ import annotations

from assistant.core.reading.model import text_model
from assistant.core.reading.reader import Reading, TextReader

__all__ = ["Reading", "TextReader", "text_model"]
