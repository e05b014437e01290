"""Text helpers shared by the exporters: amounts, dates, value captions, XML-safe text."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grant_interviewer.domain.anketa import Anketa

CURRENCY_SIGNS = {"RUB": "₽", "RUR": "₽", "USD": "$", "EUR": "€"}

# Characters XML 1.0 cannot hold (python-docx/lxml reject them): C0 controls except tab/newline/CR,
# surrogates, U+FFFE and U+FFFF.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML cannot contain."""
    return _XML_INVALID.sub("", text)


def format_amount(amount: float, currency: str, lang: str) -> str:
    """``1 500 000 ₽`` (Russian) or ``RUB 1,500,000`` (English); kopecks only when present."""
    whole = round(amount, 2)
    digits = f"{whole:,.2f}" if whole != int(whole) else f"{int(whole):,}"
    code = currency.upper()
    if lang == "ru":
        digits = digits.replace(",", " ").replace(".", ",")
        return f"{digits} {CURRENCY_SIGNS.get(code, code)}"
    return f"{code} {digits}"


def format_datetime(value: datetime | None) -> str:
    """``2025-03-01 09:30 UTC`` (always UTC), or an empty string."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def format_value(key: str, value: Any, anketa: Anketa) -> str:
    """A structured value as the reader should see it (``—`` when unknown)."""
    labels = anketa.labels
    if value is None:
        return labels["unknown"]
    if key in ("requested_amount", "co_funding"):
        return format_amount(float(value["amount"]), str(value["currency"]), anketa.lang)
    if key in ("duration_months", "beneficiaries"):
        return f"{int(value):,}".replace(",", " " if anketa.lang == "ru" else ",")
    if key in ("project_type", "level"):
        return labels.get(f"{key}.{value}", str(value))
    return str(value)


def value_rows(anketa: Anketa) -> list[tuple[str, str]]:
    """(caption, formatted value) for each structured value, in a fixed order."""
    from grant_interviewer.domain.anketa import VALUE_KEYS

    return [
        (anketa.labels[key], format_value(key, anketa.values.get(key), anketa))
        for key in VALUE_KEYS
    ]


def status_caption(anketa: Anketa, status: str) -> str:
    """A topic status (``missing``, ``partial`` ...) in the anketa's language."""
    return anketa.labels.get(f"status.{status}", status)
