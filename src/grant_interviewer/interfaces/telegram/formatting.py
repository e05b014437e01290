"""Text for Telegram: split at the 4,096-character limit on paragraph boundaries, HTML-escaped.

Messages go out with ``parse_mode=HTML`` and every piece of text from the interview is passed
through :func:`html.escape`, so an applicant's ``<``, ``&``, ``*`` or ``_`` quoted back can never
break the message (``*`` and ``_`` mean nothing in HTML mode). The limit counts characters after
entity parsing, so the split is done on the plain text, before escaping.
"""

from __future__ import annotations

import html

TELEGRAM_LIMIT = 4096


def _length(text: str) -> int:
    """Telegram's length of a text: UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> tuple[str, str]:
    """The longest head of ``text`` within ``limit`` ending at the best boundary, and the rest."""
    # The widest prefix that fits (by UTF-16 length), then back off to a natural boundary.
    end = min(len(text), limit)
    while _length(text[:end]) > limit:
        end -= 1
    window = text[:end]
    for separator in ("\n\n", "\n", ". ", " "):
        at = window.rfind(separator)
        if at > limit // 4:  # a boundary too near the start would make a tiny message
            cut = at + len(separator)
            return text[:cut].rstrip(), text[cut:].lstrip()
    return window, text[end:]


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pieces of ``text`` each within ``limit``, cut at paragraphs, then lines, then words."""
    pieces: list[str] = []
    rest = text.strip()
    while _length(rest) > limit:
        head, rest = _cut(rest, limit)
        if head:
            pieces.append(head)
    if rest:
        pieces.append(rest)
    return pieces or [""]


def escape(text: str) -> str:
    """Text made safe for ``parse_mode=HTML``."""
    return html.escape(text, quote=False)
