"""Checks on a model-written question before an applicant sees it (pure functions).

:func:`check_question` returns the cleaned question or raises :class:`QuestionRejectedError`
with the failed check as ``reason``; the service then words the question with templates in the
same turn. The checks, in order:

``empty``            nothing left after stripping labels and quotes
``length``           shorter than 15 or longer than 400 characters
``instruction_echo`` a marker of the prompt (``<answer``, "Rules:" …) or a line of the system
                     prompt reappears (fuzzy)
``not_one_question`` not exactly one "?", or the "?" is not at the end, or a numbered list
``wrong_language``   for ru under 70 % of the letters are Cyrillic; for en over 15 % are
``duplicate``        close to an earlier question of the interview (rapidfuzz ratio ≥ 88 or
                     token-sort ratio ≥ 90 after normalising case and punctuation)
``invented_number``  a number (digits; "1,5" and "1 500" normalised) that occurs neither in the
                     applicant's answers nor in the knowledge-base context given to the model
``invented_quote``   a «quoted» or "quoted" fragment that is not (fuzzily) in what was given

Number *words* ("пятьсот") are not checked; the prompt forbids inventing facts and the number
check catches the usual case, digits. Script counting stands in for language detection: the two
interview languages use different alphabets, which needs no model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz

from grant_interviewer.errors import QuestionRejectedError

__all__ = ["MAX_CHARS", "MIN_CHARS", "check_question", "numbers_in"]

MIN_CHARS = 15
MAX_CHARS = 400
DUPLICATE_RATIO = 88.0
DUPLICATE_TOKEN_SORT = 90.0
ECHO_RATIO = 85.0
QUOTE_RATIO = 85.0

_LABEL = re.compile(r"^\s*(?:вопрос|следующий вопрос|question|next question)\s*[:：]\s*",
                    re.IGNORECASE)
_WRAPPING_QUOTES = "\"'«»“”„`"
_NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f]\d{3})*(?:[.,]\d+)?")
_QUOTED = re.compile(r"«([^»]{3,})»|\"([^\"]{3,})\"|“([^”]{3,})”")
_NUMBERED = re.compile(r"(?:^|\n)\s*(?:\d+[.)]|[-•*])\s+\S")
_NORMALISE = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")


def check_question(
    raw: str,
    *,
    lang: str,
    earlier: Sequence[str],
    given: Iterable[str],
    echo_markers: Sequence[str] = (),
    instructions: Sequence[str] = (),
) -> str:
    """The cleaned question, or QuestionRejectedError(reason) naming the failed check.

    ``earlier``: questions already asked in the interview; ``given``: the texts the model was
    given as facts (the applicant's answers, the knowledge-base context).
    """
    lines = _strip(raw)
    text = _SPACES.sub(" ", lines)
    if not text:
        raise QuestionRejectedError("empty")
    if len(text) < MIN_CHARS or len(text) > MAX_CHARS:
        raise QuestionRejectedError("length")
    folded = text.casefold()
    if any(marker.casefold() in folded for marker in echo_markers):
        raise QuestionRejectedError("instruction_echo")
    for line in instructions:
        if fuzz.partial_ratio(line.casefold(), folded) >= ECHO_RATIO and len(text) >= 30:
            raise QuestionRejectedError("instruction_echo")
    if text.count("?") != 1 or not text.rstrip(")»\"”").endswith("?") or _NUMBERED.search(lines):
        raise QuestionRejectedError("not_one_question")
    if not _language_ok(text, lang):
        raise QuestionRejectedError("wrong_language")
    mine = _normalise(text)
    for question in earlier:
        theirs = _normalise(question)
        if (fuzz.ratio(mine, theirs) >= DUPLICATE_RATIO
                or fuzz.token_sort_ratio(mine, theirs) >= DUPLICATE_TOKEN_SORT):
            raise QuestionRejectedError("duplicate")
    sources = [s for s in given if s]
    known = set().union(*(numbers_in(s) for s in sources)) if sources else set()
    if numbers_in(text) - known:
        raise QuestionRejectedError("invented_number")
    corpus = "\n".join(sources).casefold()
    for match in _QUOTED.finditer(text):
        quote = next(group for group in match.groups() if group).casefold()
        if fuzz.partial_ratio(quote, corpus) < QUOTE_RATIO:
            raise QuestionRejectedError("invented_quote")
    return text


def numbers_in(text: str) -> set[str]:
    """The numbers written with digits in ``text``, normalised ("1 500,0" → "1500")."""
    found: set[str] = set()
    for match in _NUMBER.finditer(text):
        value = re.sub(r"[ \u00a0\u202f]", "", match.group()).replace(",", ".")
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        found.add(value.lstrip("0") or "0")
    return found


def _strip(raw: str) -> str:
    """Without a "Question:" label and wrapping quotes; line breaks kept (lists are checked)."""
    text = _LABEL.sub("", raw.replace("\r", "").strip()).strip()
    while len(text) >= 2 and text[0] in _WRAPPING_QUOTES and text[-1] in _WRAPPING_QUOTES:
        text = text[1:-1].strip()
    return text


def _language_ok(text: str, lang: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff") / len(letters)
    return cyrillic >= 0.7 if lang == "ru" else cyrillic <= 0.15


def _normalise(text: str) -> str:
    return _SPACES.sub(" ", _NORMALISE.sub(" ", text.casefold())).strip()
