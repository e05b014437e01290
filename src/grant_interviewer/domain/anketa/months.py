"""Calendar months as ``"YYYY-MM"`` strings: parsing, arithmetic and display names."""

from __future__ import annotations

import re

_YM = re.compile(r"^(\d{4})-(\d{2})$")

# Nominative month names for display ("март 2027", "March 2027").
MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "ru": ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
           "октябрь", "ноябрь", "декабрь"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}  # fmt: skip


def parse_ym(value: object) -> tuple[int, int] | None:
    """``"2027-03"`` -> ``(2027, 3)``; anything else (a malformed slot) -> None."""
    if not isinstance(value, str):
        return None
    match = _YM.match(value.strip())
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return (year, month) if 1 <= month <= 12 and 1900 <= year <= 2200 else None


def ym(year: int, month: int) -> str:
    """``(2027, 3)`` -> ``"2027-03"``."""
    return f"{year:04d}-{month:02d}"


def add_months(value: tuple[int, int], months: int) -> tuple[int, int]:
    """The month ``months`` after ``value`` (negative goes back)."""
    index = value[0] * 12 + value[1] - 1 + months
    return index // 12, index % 12 + 1


def months_between(start: tuple[int, int], end: tuple[int, int]) -> int:
    """How many months a period from ``start`` to ``end`` covers, both included."""
    return (end[0] - start[0]) * 12 + end[1] - start[1] + 1


def month_caption(value: tuple[int, int], lang: str) -> str:
    """``(2027, 3)`` -> ``"март 2027"`` / ``"March 2027"``."""
    names = MONTH_NAMES.get(lang, MONTH_NAMES["en"])
    return f"{names[value[1] - 1]} {value[0]}"


def period_caption(start: tuple[int, int], end: tuple[int, int], lang: str) -> str:
    """``"март – май 2027"``, ``"ноябрь 2027 – февраль 2028"`` or ``"март 2027"``."""
    if start == end:
        return month_caption(start, lang)
    names = MONTH_NAMES.get(lang, MONTH_NAMES["en"])
    if start[0] == end[0]:
        return f"{names[start[1] - 1]} – {names[end[1] - 1]} {end[0]}"
    return f"{month_caption(start, lang)} – {month_caption(end, lang)}"
