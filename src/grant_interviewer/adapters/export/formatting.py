"""What the exporters share: value captions, dates, XML-safe text and the form's layout.

:func:`form_parts` lays the anketa out as the FPG form (``domain.anketa.FORM``): numbered
parts with their fields, tables (calendar plan, indicators, cost items), lists and the
applicant's own text. The Markdown and DOCX renderers both draw these parts, so the two files
always have the same order and captions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from grant_interviewer.domain.anketa.money import CURRENCY_SIGNS, format_amount, format_share
from grant_interviewer.domain.anketa.months import month_caption, parse_ym

if TYPE_CHECKING:
    from grant_interviewer.domain.anketa import Anketa, AnketaSection

__all__ = [
    "CURRENCY_SIGNS",
    "FormPart",
    "Table",
    "form_parts",
    "format_amount",
    "format_datetime",
    "format_value",
    "status_caption",
    "value_rows",
    "xml_safe",
]

# Characters XML 1.0 cannot hold (python-docx/lxml reject them): C0 controls except tab/newline/CR,
# surrogates, U+FFFE and U+FFFF.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML cannot contain."""
    return _XML_INVALID.sub("", text)


def format_datetime(value: datetime | None) -> str:
    """``2025-03-01 09:30 UTC`` (always UTC), or an empty string."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _count(value: int, lang: str) -> str:
    return f"{int(value):,}".replace(",", " " if lang == "ru" else ",")


def _bare_value(key: str, value: Any, anketa: Anketa) -> str:
    labels, lang = anketa.labels, anketa.lang
    if key in ("requested_amount", "total_cost"):
        return format_amount(float(value["amount"]), str(value["currency"]), lang)
    if key == "co_funding":
        share = value.get("share")
        if value.get("amount") is None:
            return format_share(float(share), lang) if share is not None else labels["unknown"]
        amount = format_amount(float(value["amount"]), str(value["currency"]), lang)
        return f"{amount} ({format_share(float(share), lang)})" if share is not None else amount
    if key in ("duration_months", "beneficiaries"):
        return _count(int(value), lang)
    if key in ("start", "end"):
        month = parse_ym(value)
        return month_caption(month, lang) if month else str(value)
    if key == "settlements":
        return ", ".join(str(item) for item in value)
    if key == "direction":
        direction = anketa.direction
        if direction is None:
            return str(value)
        state = "direction.confirmed" if direction.confirmed else "direction.inferred"
        return f"{direction.name} ({labels[state]})" if not direction.confirmed else direction.name
    if key in ("project_type", "level"):
        return labels.get(f"{key}.{value}", str(value))
    return str(value)


def format_value(key: str, value: Any, anketa: Anketa) -> str:
    """A structured value as the reader should see it (``—`` when unknown).

    An approximate value is marked ``≈``; one computed from others says so.
    """
    labels = anketa.labels
    if value is None:
        return labels["unknown"]
    text = _bare_value(key, value, anketa)
    if key in anketa.approximate:
        text = f"{labels['approximately']} {text}"
    if key in anketa.derived:
        text = f"{text} ({labels['computed_note']})"
    return text


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


@dataclass(frozen=True)
class Table:
    """A table of a form part (all cells are text)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths_cm: tuple[float, ...]  # for the DOCX (17 cm of A4 between the margins)
    footer: tuple[str, ...] | None = None  # a totals row


@dataclass(frozen=True)
class FormPart:
    """One numbered part of the FPG form."""

    number: int
    caption: str
    fields: tuple[tuple[str, str], ...] = ()
    tables: tuple[Table, ...] = ()
    lists: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (caption, items)
    topics: tuple[AnketaSection, ...] = ()
    show_text: bool = True  # False when the tables and lists already hold the topics' text
    subheadings: bool = False  # each topic under its own heading (a part of several topics)

    def text_of(self, section: AnketaSection) -> str:
        """The text to show for one of this part's topics (empty when it is not shown)."""
        return section.text if self.show_text else ""


def _fields(anketa: Anketa, *keys: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (anketa.labels[key], format_value(key, anketa.values.get(key), anketa)) for key in keys
    )


def _amount(anketa: Anketa, amount: float) -> str:
    return format_amount(amount, anketa.budget.currency, anketa.lang)


def _part(anketa: Anketa, part_id: str, number: int, caption: str,
          topics: tuple[AnketaSection, ...]) -> FormPart:  # fmt: skip
    labels = anketa.labels
    fields: tuple[tuple[str, str], ...]
    rows: tuple[tuple[str, ...], ...]
    header: tuple[str, ...]
    tables: tuple[Table, ...] = ()
    if part_id == "title":
        title = anketa.project_title  # the title itself, once known, rather than the answer
        fields = ((labels["project"], title),) if title else ()
        return FormPart(number, caption, fields, topics=topics, show_text=title is None)
    if part_id == "direction":
        return FormPart(number, caption, _fields(anketa, "direction"), topics=topics)
    if part_id == "dates":
        fields = _fields(anketa, "start", "end", "duration_months")
        return FormPart(number, caption, fields, topics=topics)
    if part_id == "geography":
        return FormPart(number, caption, _fields(anketa, "region", "settlements"), topics=topics)
    if part_id == "target_groups":
        fields = _fields(anketa, "beneficiary_group", "beneficiaries", "age_range")
        return FormPart(number, caption, fields, topics=topics)
    if part_id == "team":
        return FormPart(number, caption, _fields(anketa, "project_head"), topics=topics)
    if part_id == "organization":
        return FormPart(number, caption, _fields(anketa, "organization"), topics=topics)
    if part_id == "calendar" and anketa.calendar:
        rows = tuple(
            (str(i), row.what, row.when or labels["calendar.no_date"])  # № · what · when
            for i, row in enumerate(anketa.calendar, start=1)
        )
        header = (labels["calendar.number"], labels["calendar.what"], labels["calendar.when"])
        table = Table(header, rows, (1.0, 10.0, 6.0))
        return FormPart(number, caption, tables=(table,), topics=topics, show_text=False)
    if part_id == "results" and (anketa.indicators or anketa.qualitative):
        if anketa.indicators:
            rows = tuple(
                (i.what, " ".join(p for p in (i.qualifier, _count_or_float(i.value, anketa))
                                  if p), i.unit)
                for i in anketa.indicators
            )  # fmt: skip
            header = (labels["indicator.what"], labels["indicator.value"],
                      labels["indicator.unit"])  # fmt: skip
            tables = (Table(header, rows, (10.0, 3.5, 3.5)),)
        lists = ((labels["results.qualitative"], tuple(anketa.qualitative)),) \
            if anketa.qualitative else ()  # fmt: skip
        return FormPart(number, caption, tables=tables, lists=lists, topics=topics,
                        show_text=False)  # fmt: skip
    if part_id == "budget":
        fields = _fields(anketa, "requested_amount", "total_cost")
        budget = anketa.budget
        if budget.items:
            rows = tuple((item.item, _amount(anketa, item.amount)) for item in budget.items)
            footer = (labels["budget.items_total"], _amount(anketa, budget.items_total or 0.0))
            header = (labels["budget.item"], labels["budget.amount"])
            tables = (Table(header, rows, (12.0, 5.0), footer),)
        return FormPart(number, caption, fields, tables=tables, topics=topics)
    if part_id == "co_financing":
        return FormPart(number, caption, _co_financing(anketa), topics=topics)
    return FormPart(number, caption, topics=topics)


def _count_or_float(value: float, anketa: Anketa) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return _count(int(value), anketa.lang)
    text = f"{value:g}"
    return text.replace(".", ",") if anketa.lang == "ru" else text


def _co_financing(anketa: Anketa) -> tuple[tuple[str, str], ...]:
    labels, budget = anketa.labels, anketa.budget
    amount = (
        _amount(anketa, budget.co_funding) if budget.co_funding is not None else labels["unknown"]
    )
    if budget.co_funding is not None and "co_funding" in anketa.approximate:
        amount = f"{labels['approximately']} {amount}"
    share = labels["unknown"]
    if budget.co_funding_share is not None:
        share = format_share(budget.co_funding_share, anketa.lang)
        if budget.share_computed:
            share = f"{share} ({labels['computed_note']})"
    return ((labels["co_funding"], amount), (labels["co_funding_share"], share))


def form_parts(anketa: Anketa) -> list[FormPart]:
    """The anketa as the FPG form's numbered parts (plus a last part for other topics)."""
    from grant_interviewer.domain.anketa import FORM

    by_id = {section.id: section for section in anketa.sections}
    placed: set[str] = set()
    parts: list[FormPart] = []
    for number, form_section in enumerate(FORM, start=1):
        topics = tuple(by_id[t] for t in form_section.topics if t in by_id)
        placed.update(s.id for s in topics)
        caption = form_section.caption(anketa.lang)
        part = _part(anketa, form_section.id, number, caption, topics)
        parts.append(replace(part, subheadings=len(topics) > 1))
    others = tuple(s for s in anketa.sections if s.id not in placed)
    if others:
        parts.append(FormPart(len(parts) + 1, anketa.labels["other_sections"], topics=others,
                              subheadings=True))  # fmt: skip
    return parts


def see_section_caption(anketa: Anketa, section: AnketaSection) -> str:
    """"See the section …" for a section whose text sits in another one, else ``""``."""
    if section.see_also is None:
        return ""
    other = anketa.section(section.see_also)
    name = other.anketa_section if other is not None else section.see_also
    return anketa.labels["see_section"].format(section=name)
