"""Every setting of the service is documented, in the README and in docs/server.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("document", ["README.md", "docs/server.md"])
def test_every_setting_is_in_the_settings_table(document: str) -> None:
    text = (ROOT / document).read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `UNSTUCK_")]
    missing = [
        name
        for name in Settings.model_fields
        if not any(f"`UNSTUCK_{name.upper()}`" in row for row in rows)
    ]
    assert missing == []
