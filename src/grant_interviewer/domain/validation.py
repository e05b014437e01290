"""Cleaning and validating a user's answer before the interview uses it.

Answers are plain text: SQL, HTML or Markdown in them is kept verbatim and never interpreted.
Rejections are :class:`AnswerRejected` errors whose ``code`` is one of ``empty``, ``too_long``,
``binary``, ``not_text``, ``emoji_only`` (each a phrase key of the content pack) and whose
``params`` fill that phrase's placeholders.
"""

from __future__ import annotations

import re
import unicodedata

from grant_interviewer.errors import InputError

__all__ = ["REJECTION_CODES", "AnswerRejected", "clean_answer"]

REJECTION_CODES = ("empty", "too_long", "binary", "not_text", "emoji_only")

_MESSAGES = {
    "empty": "The answer is empty.",
    "too_long": "The answer is longer than {limit} characters.",
    "binary": "The answer looks like binary data, not text.",
    "not_text": "Only text answers are accepted.",
    "emoji_only": "The answer contains only emoji or symbols.",
}
_KEEP_FORMAT = {"\u200d", "\ufe0f", "\ufe0e"}  # zero-width joiner and variation selectors (emoji)
_HSPACE = re.compile(r"[^\S\n]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


class AnswerRejected(InputError):
    """An answer that cannot be accepted; ``code`` names the reason, ``params`` its details."""

    def __init__(self, code: str, **params: object) -> None:
        if code not in REJECTION_CODES:
            raise ValueError(f"unknown rejection code {code!r}")
        self.code = code
        self.params: dict[str, object] = dict(params)
        super().__init__(_MESSAGES[code].format(**params))


def clean_answer(text: object, *, max_chars: int) -> str:
    """Return the answer normalised (NFC, no control characters, tidy whitespace) or raise."""
    if isinstance(text, bytes | bytearray | memoryview):
        raise AnswerRejected("binary")
    if not isinstance(text, str):
        raise AnswerRejected("not_text")
    if len(text) > max_chars * 4 + 1000:  # refuse huge inputs before any per-character work
        raise AnswerRejected("too_long", limit=max_chars)
    # the usual message (letters, digits, punctuation, spaces, new lines): no character needs
    # a look — the per-character checks below cost ~0.5 ms on a long answer; NFC and the CR
    # rewrite below keep such text plain (a CR is a control character: not plain)
    plain = _plain(text)
    controls = 0 if plain else sum(1 for ch in text if _is_control(ch))
    if controls:
        nuls = text.count("\x00")
        if (
            (nuls >= 3 and nuls * 10 >= len(text))  # NUL bytes dominate: a file, not a message
            or (controls >= 3 and controls * 3 >= len(text))
            or controls == len(text)
        ):
            raise AnswerRejected("binary")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not plain:
        text = "".join(ch for ch in text if not _is_control(ch) and not _is_stray_format(ch))
    text = _HSPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _MANY_NEWLINES.sub("\n\n", text).strip()
    if not text:
        raise AnswerRejected("empty")
    if not any(ch.isalnum() for ch in text):
        if any(unicodedata.category(ch) in ("So", "Sk") for ch in text):
            raise AnswerRejected("emoji_only")
        raise AnswerRejected("empty")
    if len(text) > max_chars:
        raise AnswerRejected("too_long", limit=max_chars)
    return text


def _plain(text: str) -> bool:
    """Printable text with new lines and tabs (C-speed ``str.isprintable``): it holds no
    control or format character, so nothing needs counting or dropping."""
    return text.replace("\n", "").replace("\t", "").isprintable()


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" and ch not in "\n\t"


def _is_stray_format(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf" and ch not in _KEEP_FORMAT
