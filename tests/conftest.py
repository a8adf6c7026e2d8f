from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A writable copy of the small fixture knowledge base."""
    target = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KB, target)
    return target
