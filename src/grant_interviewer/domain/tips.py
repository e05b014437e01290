"""Tips from knowledge-base chunks: whole sentences with balanced quotes, chosen for the project.

A tip is never cut inside a sentence or a quotation: «Задача 1: …» either appears whole or not
at all. Sentences are split by hand here rather than with a segmenter such as razdel because
the split must respect quotation depth (a full stop inside «…» ends no tip) and the knowledge
base is our own Markdown, whose conventions (``Неудачно: «…». Удачно: «…».``) this module reads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from grant_interviewer.domain.directions import direction_in_text, infer_direction
from grant_interviewer.domain.model import KnowledgeChunk

__all__ = ["choose_tip", "example_from", "repeats", "sentences", "tip_from"]

DEFAULT_MAX_CHARS = 240
_OPEN = {"«": "»", "“": "”", "„": "“"}
_CLOSE = {"»", "”"}
_END = ".!?…"
# the knowledge base marks examples as "Неудачно: «…». Удачно: «…»" / "Bad: "…". Good: "…""
_GOOD = re.compile(r"(?<!\w)(?:Удачно|Хорошо|Good)\s*:\s*", re.IGNORECASE)
_BAD_START = re.compile(r"^\s*(?:Неудачно|Плохо|Bad)\s*:", re.IGNORECASE)
_STOP = frozenset((  # words too common in questions to say two parts repeat each other
    "пожалуйста", "проект", "проекта", "проекте", "проекту", "можно", "будет", "будут",
    "которые", "какие", "какой", "какая", "please", "project", "would", "could", "which",
    "what", "your", "their", "there", "about",
))
_CONTENT_WORD = re.compile(r"[^\W\d_]{4,}|[A-ZА-ЯЁ]{3}")
_FIX = re.compile(r"^\s*(?:Исправление|Fix)\s*:\s*", re.IGNORECASE)
_DEICTIC = re.compile(
    r"^(?:Ниже|Выше|Далее|В этом разделе|В этом документе|Below|Above|This section|"
    r"This document)\b", re.IGNORECASE
)
_EXAMPLE_HEADING = re.compile(r"пример|example", re.IGNORECASE)


def _clean(text: str) -> str:
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    text = re.sub(r"^#+\s.*$", "", text, flags=re.MULTILINE)  # Markdown headings
    text = re.sub(r"^\s*(?:[-•*]|\d+[.)])\s+", "", text, flags=re.MULTILINE)  # list markers
    text = re.sub(r"[*_`>]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def sentences(text: str) -> list[str]:
    """Split at sentence ends outside quotation marks; each piece has balanced quotes."""
    pieces: list[str] = []
    stack: list[str] = []
    straight = False  # inside "…" (the same mark opens and closes)
    start = 0
    for i, char in enumerate(text):
        if char in _OPEN and not (char == "“" and stack and stack[-1] == "“"):
            stack.append(_OPEN[char])
        elif char in _CLOSE and stack and stack[-1] == char:
            stack.pop()
        elif char == '"':
            straight = not straight
        elif char in _END and not stack and not straight:
            nxt = text[i + 1 : i + 3]
            if nxt[:1].isspace() and (nxt[1:2].isupper() or nxt[1:2].isdigit() or
                                      nxt[1:2] in _OPEN or nxt[1:2] in '"('):
                pieces.append(text[start : i + 1].strip())
                start = i + 1
    tail = text[start:].strip()
    if tail and (tail[-1] in _END or tail[-1] in _CLOSE or tail[-1] == '"' or not pieces):
        pieces.append(tail)  # an unfinished tail (a chunk trimmed to a budget) is left out
    return [p for p in pieces if p and _balanced(p)]


def _balanced(text: str) -> bool:
    stack: list[str] = []
    for char in text:
        if char in _OPEN and not (char == "“" and stack and stack[-1] == "“"):
            stack.append(_OPEN[char])
        elif char in _CLOSE and (not stack or stack.pop() != char):
            return False
    return not stack and text.count('"') % 2 == 0


def _quoted_after(text: str, pos: int) -> str:
    """The text inside the quotation that starts at ``text[pos]`` ("" if none or unclosed)."""
    if pos >= len(text):
        return ""
    opening = text[pos]
    if opening == '"':
        end = text.find('"', pos + 1)
        return text[pos + 1 : end].strip() if end > 0 else ""
    if opening not in _OPEN:
        return ""
    depth, closing = 0, _OPEN[opening]
    for i in range(pos, len(text)):
        if text[i] == opening:
            depth += 1
        elif text[i] == closing:
            depth -= 1
            if depth == 0:
                return text[pos + 1 : i].strip()
    return ""


def example_from(chunk: KnowledgeChunk, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The good example of an example chunk ("Удачно: «X»" → X), if it fits in ``max_chars``."""
    return _example_of(chunk.text, max_chars)


# Cached by the chunk's text: a question looks at up to five chunks of a knowledge base of a few
# hundred, so the same texts are cleaned and split for every interview (~0.2 ms a question).
@lru_cache(maxsize=2048)
def _example_of(raw: str, max_chars: int) -> str:
    text = _clean(raw)
    match = _GOOD.search(text)
    if not match:
        return ""
    inner = _quoted_after(text, match.end()).rstrip(".")
    return inner if inner and len(inner) <= max_chars and _balanced(inner) else ""


def tip_from(chunk: KnowledgeChunk, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The first whole sentences of a chunk that fit in ``max_chars`` ("" if none does).

    Example sentences ("Неудачно: …", "Удачно: …") are never shown as advice:
    :func:`example_from` words them. A "mistake and fix" chunk ("Ошибка: … Исправление: …")
    gives its fix, which is the advice.
    """
    return _tip_of(chunk.text, max_chars)


@lru_cache(maxsize=2048)  # as _example_of
def _tip_of(raw: str, max_chars: int) -> str:
    pieces = sentences(_clean(raw))
    fix = next((i for i, p in enumerate(pieces) if _FIX.match(p)), None)
    if fix is not None:
        first = _FIX.sub("", pieces[fix], count=1)
        pieces = [first[:1].upper() + first[1:], *pieces[fix + 1 :]]
    tip = ""
    for sentence in pieces:
        if len(sentence.split()) < 3 or sentence[-1] not in _END + "»”\"":
            continue  # too short to advise, or unfinished
        if _BAD_START.match(sentence) or _GOOD.match(sentence):
            break
        if _DEICTIC.match(sentence):
            break  # "Ниже — …" points into a document the person does not see
        candidate = f"{tip} {sentence}".strip()
        if len(candidate) > max_chars:
            if tip:
                break
            continue  # a sentence too long to show: a later one may stand on its own
        tip = candidate
        if len(tip) >= max_chars // 2:
            break
    return tip


def _stems(text: str) -> set[str]:
    return {w.lower()[:5] for w in _CONTENT_WORD.findall(text) if w.lower() not in _STOP}


def repeats(part: str, earlier: str) -> bool:
    """Whether ``part`` mostly says what ``earlier`` already says (shared content stems)."""
    mine, theirs = _stems(part), _stems(earlier)
    if not mine:
        return False
    shared = len(mine & theirs)
    return shared >= 3 or (shared >= 2 and shared / len(mine) >= 0.25)


def chunk_direction(chunk: KnowledgeChunk) -> str | None:
    """The grant direction a chunk is written for (named in its heading), if any."""
    return direction_in_text(chunk.heading, chunk.lang)


def _is_example(chunk: KnowledgeChunk) -> bool:
    return bool(_EXAMPLE_HEADING.search(chunk.heading)) or bool(_GOOD.search(chunk.text))


def choose_tip(
    context: Sequence[KnowledgeChunk],
    *,
    direction: str | None,
    family: str | None,
    shown: Sequence[str],
    avoid: str = "",
) -> tuple[str, str]:
    """``(kind, text)`` of the best chunk for this project not shown yet; ``("", "")`` if none.

    ``kind`` is ``"example"`` (a good wording from an example chunk) or ``"tip"``; a tip that
    repeats ``avoid`` (the question it goes with) is passed over. Chunks written
    for another direction are left out; those for the project's own direction (or its family)
    come first. A general example (its heading names no direction) is used only when its own
    text names no other direction.
    """
    def rank(item: tuple[int, KnowledgeChunk]) -> tuple[int, float, int]:
        index, chunk = item
        own = chunk_direction(chunk) in {direction, family} - {None}
        return (0 if own else 1, -chunk.score, index)

    for _, chunk in sorted(enumerate(context), key=rank):
        about = chunk_direction(chunk)
        if about is not None and about not in {direction, family}:
            continue
        example = example_from(chunk)
        if about is None and _is_example(chunk):
            # a general example is still someone's project: keep it only if it is neutral
            # ("Вологодская область: город Котлас и 6 сёл") or about this project's direction
            said, _ = infer_direction([example or chunk.text], chunk.lang, min_hits=1)
            if said is not None and said not in {direction, family}:
                continue
        if example:
            kind, text = "example", example
        else:
            kind, text = "tip", tip_from(chunk)
        if text and not any(text in question for question in shown):
            if avoid and repeats(text, avoid):
                continue  # it says what the question itself says: try the next chunk
            return kind, text
    return "", ""
