"""Shared fixtures: every test gets its own data directory and fresh settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the data directory at a temporary folder and drop cached settings."""
    from grant_interviewer.settings import reset_settings

    data_dir = tmp_path / "data"
    monkeypatch.setenv("GRANT_INTERVIEWER_DATA_DIR", str(data_dir))
    for name in list(os.environ):
        if name.startswith("GRANT_INTERVIEWER_") and name != "GRANT_INTERVIEWER_DATA_DIR":
            monkeypatch.delenv(name)
    reset_settings()
    yield data_dir
    reset_settings()
