"""The composition root picks adapters and defaults from settings."""

from __future__ import annotations

import pytest

from grant_interviewer.bootstrap import score_threshold
from grant_interviewer.settings import Settings


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, 0.78),  # the default model: its measured off-topic/on-topic boundary
        ({"kb_score_threshold": 0.5}, 0.5),  # an explicit value always wins
        ({"embedding_model": "/models/other-e5.bin"}, None),  # unknown scale: no default
        ({"embedding_backend": "sentence-transformers"}, None),
        ({"embedding_backend": "openai", "embedding_url": "http://127.0.0.1:1"}, None),
    ],
)
def test_score_threshold_defaults_only_for_models_with_a_known_scale(
        env: dict[str, object], expected: float | None) -> None:
    """A model whose similarity scale was measured gets its threshold; others keep every hit."""
    assert score_threshold(Settings(**env)) == expected  # type: ignore[arg-type]
