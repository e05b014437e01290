"""Splitting answers into sentences and list items; comparing texts."""

from __future__ import annotations

import re

_LINE_ITEM = re.compile(r"^\s*(?:[-•*·–—]|\d{1,2}[.)])\s+")
_INLINE_ITEM = re.compile(r"(?<=[\s,;:])\d{1,2}\)\s+")  # "… 1) набор; 2) занятия"
_SPACE = re.compile(r"\s+")


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` (razdel, which knows Russian abbreviations such as «т. е.»)."""
    from razdel import sentenize  # pure Python, rule-based; imported on first use

    return [s.text.strip() for s in sentenize(text) if s.text.strip()]


def items(text: str) -> list[str]:
    """Sentences and list items: lines, then sentences, then ``;`` parts and ``1)`` items.

    An activity plan is often one line of items ("1) набор (месяцы 1–2); 2) занятия …"), which
    a sentence splitter keeps whole; each item is one row of the calendar plan.
    """
    result: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _LINE_ITEM.sub("", line).strip()
        if not line:
            continue
        for sentence in sentences(line):
            for part in sentence.split(";"):
                for piece in _INLINE_ITEM.split(part):
                    piece = _LINE_ITEM.sub("", piece).strip(" ,;")
                    if re.search(r"\w", piece):
                        result.append(piece)
    return result


def normalized(text: str) -> str:
    """``text`` for comparison: case-folded, whitespace collapsed, outer punctuation dropped."""
    return _SPACE.sub(" ", text.casefold()).strip(" .,;:!?…-–—")


def clean_item(text: str) -> str:
    """A list item as a table cell: no trailing separator, first letter capitalised."""
    text = text.strip().strip(";,").strip()
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1].rstrip()
    return text[:1].upper() + text[1:] if text else text
