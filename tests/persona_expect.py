"""Persona ``expect`` blocks: read them and compare them with a finished anketa's JSON export.

``expect`` keys name JSON-export fields (issue #7 item 5): ``project_title``,
``values.requested_amount.amount``, ``values.co_funding.amount`` / ``.share``,
``values.duration_months``, ``values.beneficiaries``, ``values.region``, ``values.settlements``,
``values.start`` / ``values.end``; ``max_questions`` bounds the questions asked (the name question
included). Text compares case-insensitively (``ё`` = ``е``), settlements as a set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PERSONAS = Path(__file__).resolve().parents[1] / "examples" / "personas"

# expect key -> path in the anketa JSON export
EXPORT_PATHS: dict[str, tuple[str, ...]] = {
    "project_title": ("project_title",),
    "requested_amount": ("values", "requested_amount", "amount"),
    "co_funding_amount": ("values", "co_funding", "amount"),
    "co_funding_share": ("values", "co_funding", "share"),
    "duration_months": ("values", "duration_months"),
    "beneficiaries": ("values", "beneficiaries"),
    "region": ("values", "region"),
    "settlements": ("values", "settlements"),
    "start": ("values", "start"),
    "end": ("values", "end"),
}
EXPECT_KEYS = frozenset(EXPORT_PATHS) | {"max_questions"}


def load_expect(name: str) -> dict[str, Any]:
    """The ``expect`` block of ``examples/personas/<name>.yaml`` ({} when it has none)."""
    data = yaml.safe_load((PERSONAS / f"{name}.yaml").read_text(encoding="utf-8"))
    expect = data.get("expect") or {}
    assert isinstance(expect, dict)
    return expect


def _norm(text: Any) -> str:
    return str(text).strip().strip("«»\"'").casefold().replace("ё", "е")


def _get(anketa: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = anketa
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _same(key: str, want: Any, got: Any) -> bool:
    if got is None:
        return False
    if key == "settlements":
        return isinstance(got, list) and {_norm(s) for s in got} == {_norm(s) for s in want}
    if key == "co_funding_share":
        return isinstance(got, int | float) and abs(got - want) < 0.005
    if isinstance(want, int | float):
        return isinstance(got, int | float) and abs(got - want) < 0.5
    return _norm(got) == _norm(want)


def mismatches(expect: dict[str, Any], anketa: dict[str, Any], questions: int) -> list[str]:
    """Human-readable differences between ``expect`` and an anketa export ([] when it matches)."""
    problems: list[str] = []
    for key, want in expect.items():
        if key == "max_questions":
            if questions > want:
                problems.append(f"{questions} questions > max_questions {want}")
            continue
        got = _get(anketa, EXPORT_PATHS[key])
        if not _same(key, want, got):
            problems.append(f"{key}: expected {want!r}, got {got!r}")
    return problems
