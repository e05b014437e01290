"""Money values of the anketa: reading a slot defensively, showing an amount."""

from __future__ import annotations

import math
from typing import Any

CURRENCY_SIGNS = {"RUB": "₽", "RUR": "₽", "USD": "$", "EUR": "€"}
MAX_AMOUNT = 1e13  # ten trillion: anything larger is a misread, not a grant


def number(value: Any) -> float | None:
    """A finite float from a slot value (``"12.5"``, ``12``), else None (a malformed slot)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        result = float(value)
    except ValueError:
        return None
    return result if math.isfinite(result) else None


def money(value: Any) -> dict[str, Any] | None:
    """``{"amount": float, "currency": str}`` from a money slot (or a bare number), else None."""
    if isinstance(value, dict):
        amount, currency = number(value.get("amount")), value.get("currency") or "RUB"
    else:
        amount, currency = number(value), "RUB"
    if amount is None or abs(amount) > MAX_AMOUNT:
        return None
    return {"amount": amount, "currency": str(currency)}


def format_amount(amount: float, currency: str, lang: str) -> str:
    """``1 500 000 ₽`` (Russian) or ``RUB 1,500,000`` (English); kopecks only when present."""
    if not math.isfinite(amount):
        return f"{amount} {currency}"
    whole = round(amount, 2)
    digits = f"{whole:,.2f}" if whole != int(whole) else f"{int(whole):,}"
    code = currency.upper()
    if lang == "ru":
        digits = digits.replace(",", " ").replace(".", ",")
        return f"{digits} {CURRENCY_SIGNS.get(code, code)}"
    return f"{code} {digits}"


def format_share(share: float, lang: str) -> str:
    """``0.3`` -> ``30 %`` (Russian) / ``30%`` (English); one decimal when it is not whole."""
    percent = round(share * 100, 1)
    text = f"{percent:g}" if lang != "ru" else f"{percent:g}".replace(".", ",")
    return f"{text} %" if lang == "ru" else f"{text}%"
