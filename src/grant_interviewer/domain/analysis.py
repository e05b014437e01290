"""Answer analysis: slots (money, months, people, ages, region, names) from free text, ru + en.

The slot names are a contract with the export layer:

- ``requested_amount`` / ``co_funding_amount``: ``{"amount": float, "currency": "RUB"}``
- ``duration_months`` int, ``beneficiaries`` int, ``beneficiary_group`` str, ``age_range`` str,
  ``region`` str, ``organization`` str, ``project_title`` str, ``start_month`` str.

Everything is regular expressions over the text: deterministic, fast, no model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from grant_interviewer.domain.extractors import (
    find_age,
    find_count,
    find_duration,
    find_money,
    find_organization,
    find_start_month,
    find_title,
)
from grant_interviewer.domain.model import ProjectType, UserLevel
from grant_interviewer.domain.regions import find_regions

__all__ = [
    "MONEY_SLOTS",
    "Extraction",
    "analyze",
    "extract_name",
    "infer_level",
    "infer_project_type",
    "is_unsure",
]

MONEY_SLOTS = ("requested_amount", "co_funding_amount")

_UNSURE = re.compile(
    r"не знаю|не уверен|затрудняюсь|пока не|не думал|сложно сказать|без понятия|хз|не решили|"
    r"i don'?t know|not sure|no idea|haven'?t decided|dunno",
    re.IGNORECASE,
)
_EXPERT_MARKERS = re.compile(
    r"софинансир|целев\w+ показател|календарн\w+ план|smart|индикатор|количественн\w+ результат|"
    r"качественн\w+ результат|смет|благополучател|устойчивост|мониторинг|софинансиров|"
    r"информационн\w+ сопровожд|co-?financ|co-?fund|kpi|indicators?|logframe|deliverables|"
    r"milestones|target group|outcomes|sustainability|monitoring",
    re.IGNORECASE,
)
_TYPE_FAMILIES: tuple[tuple[ProjectType, re.Pattern[str]], ...] = (
    (ProjectType.CULTURAL, re.compile(
        r"культур|театр|музе|фестивал|выставк|концерт|искусств|библиотек|краевед|хор\b|спектакл|"
        r"culture|cultural|theatre|theater|festival|museum|exhibition|concert|\bart\b|arts|heritage|"
        r"library", re.I)),
    (ProjectType.SPORTS, re.compile(
        r"спорт|футбол|турнир|тренир|фитнес|соревнован|физкульт|sport|football|tournament|fitness",
        re.I)),
    (ProjectType.HEALTH, re.compile(
        r"здоров|медиц|профилакт|реабилит|врач|психолог\w* помощ|health|medical|rehabilit|doctor",
        re.I)),
    (ProjectType.ECOLOGY, re.compile(
        r"эколог|природ|мусор|переработ|отход|лес\b|озелен|животн|ecolog|environment|recycl|waste|"
        r"nature|wildlife", re.I)),
    (ProjectType.EDUCATIONAL, re.compile(
        r"образоват|обучен|курс|лекци|мастер-класс|наставн|просвещ|урок|школ|профориент|"
        r"education|training|course|lecture|workshop|mentor|school|learning", re.I)),
    (ProjectType.SOCIAL, re.compile(
        r"социальн|пожил|инвалид|малоимущ|многодет|трудн\w+ жизненн|поддержк|помощ|волонт|"
        r"неблагополуч|social|elderly|disabilit|low-income|support|volunteer|vulnerable", re.I)),
)


@dataclass(frozen=True)
class Extraction:
    """What one answer says: slots plus a few facts about the text itself."""

    slots: dict[str, Any] = field(default_factory=dict)
    words: int = 0
    chars: int = 0
    unsure: bool = False
    mentions: dict[str, str] = field(default_factory=dict)  # surface forms, e.g. "40 подростков"


@lru_cache(maxsize=2048)
def _analyze_cached(text: str, lang: str, default_money: str) -> Extraction:
    slots: dict[str, Any] = {}
    mentions: dict[str, str] = {}
    slots.update(find_money(text, default_money))
    duration = find_duration(text)
    if duration:
        slots["duration_months"] = duration
    count = find_count(text)
    if count:
        slots["beneficiaries"], slots["beneficiary_group"], mentions["beneficiaries"] = count
    age = find_age(text)
    if age:
        slots["age_range"] = age
    regions = find_regions(text)
    if regions:
        slots["region"] = ", ".join(regions[:3])
    org = find_organization(text)
    if org:
        slots["organization"] = org
    title = find_title(text)
    if title and title != org and (not org or title not in org):
        slots["project_title"] = title
    start = find_start_month(text, lang)
    if start:
        slots["start_month"] = start
    return Extraction(
        slots=slots,
        words=len(re.findall(r"\w+", text)),
        chars=len(text),
        unsure=is_unsure(text),
        mentions=mentions,
    )


def analyze(text: str, lang: str, *, default_money: str = "requested_amount") -> Extraction:
    """Extract slots from one answer.

    ``default_money`` says what an amount without any cue means (the engine passes
    ``"co_funding_amount"`` for answers to the co-funding question).
    """
    result = _analyze_cached(text, lang, default_money)
    return Extraction(
        slots=dict(result.slots),
        words=result.words,
        chars=result.chars,
        unsure=result.unsure,
        mentions=dict(result.mentions),
    )


def is_unsure(text: str) -> bool:
    """True when a short answer says the person does not know."""
    return bool(_UNSURE.search(text)) and len(text.split()) <= 25


_STRONG_NAME_CUES = re.compile(
    r"(?:меня зовут|моё имя|мое имя|зовите меня|обращайтесь ко мне|можно просто|"
    r"my name is|my name's|call me)\s*[—–:-]?\s*(?P<rest>.+)",
    re.IGNORECASE,
)
_WEAK_NAME_CUES = re.compile(
    r"^(?:я|это|i am|i'm|it's|this is)\s*[—–:-]?\s+(?P<rest>.+)", re.IGNORECASE
)
_GREETING = re.compile(
    r"^(?:здравствуйте|привет|добрый (?:день|вечер)|доброе утро|hello|hi|hey|"
    r"good (?:morning|afternoon|evening))\b[\s,!.—-]*",
    re.IGNORECASE,
)


def extract_name(text: str) -> str:
    """The name in an answer to "how should I address you?"."""
    cleaned = _GREETING.sub("", text.strip())
    cue = _STRONG_NAME_CUES.search(cleaned) or _WEAK_NAME_CUES.search(cleaned)
    if cue:
        cleaned = cue.group("rest")
    cleaned = re.split(r"[.,!?;:\n()]", cleaned, maxsplit=1)[0]
    words = [w for w in re.findall(r"[^\W\d_][\w'-]*", cleaned)][:3]
    if not words:
        return text.strip()[:60]
    name = " ".join(words)
    if name.islower():
        name = " ".join(w[:1].upper() + w[1:] for w in words)
    return name[:60]


def infer_level(texts: Iterable[str]) -> UserLevel:
    """Guess how experienced the applicant is from their answers."""
    return _infer_level(tuple(texts))


@lru_cache(maxsize=1024)
def _infer_level(texts: tuple[str, ...]) -> UserLevel:
    # cached: the coverage is rebuilt several times a turn from the same answers; each answer's
    # own part is cached too, so a new answer costs its own reading, not all the answers' again
    parts = [_level_part(t) for t in texts if t.strip()]
    if not parts:
        return UserLevel.INTERMEDIATE
    expert_hits = len(frozenset().union(*(markers for markers, _, _ in parts)))
    unsure = sum(1 for _, doubt, _ in parts if doubt)
    avg_words = sum(words for _, _, words in parts) / len(parts)
    if expert_hits >= 2 or (expert_hits >= 1 and avg_words >= 40) or (
        len(parts) >= 3 and avg_words >= 60
    ):
        return UserLevel.EXPERT
    if unsure >= 2 or (unsure >= 1 and avg_words < 12) or (len(parts) >= 2 and avg_words < 7):
        return UserLevel.NOVICE
    return UserLevel.INTERMEDIATE


@lru_cache(maxsize=8192)  # per answer: every active interview's answers stay in it
def _level_part(text: str) -> tuple[frozenset[str], bool, int]:
    """One answer's expert markers, whether it says "не знаю", and its words."""
    markers = frozenset(m.group(0)[:8] for m in _EXPERT_LOWER.finditer(text.lower()))
    return markers, is_unsure(text), len(text.split())


def infer_project_type(texts: Iterable[str]) -> ProjectType:
    """The project's kind by keyword families (ties go to the more specific family)."""
    return _infer_project_type(tuple(texts))


@lru_cache(maxsize=1024)
def _infer_project_type(texts: tuple[str, ...]) -> ProjectType:
    # the families' hits summed over the answers (each answer's counted once and cached): the
    # same counts as in the joined text, since no family's pattern spans a line break
    totals = [sum(counts) for counts in zip(*(_type_hits(t) for t in texts), strict=True)]
    best, best_hits = ProjectType.OTHER, 0
    for (kind, _), hits in zip(_TYPE_FAMILIES, totals or [0] * len(_TYPE_FAMILIES), strict=True):
        if hits > best_hits:
            best, best_hits = kind, hits
    return best


@lru_cache(maxsize=8192)  # per answer, as _level_part
def _type_hits(text: str) -> tuple[int, ...]:
    """How often each family of ``_TYPE_FAMILIES`` occurs in one answer."""
    low = text.lower()
    return tuple(len(pattern.findall(low)) for _, pattern in _TYPE_LOWER)


def _for_lowercase(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` without IGNORECASE, to match text lowercased once: re's case-insensitive
    matching folds every character for every alternative, ~5x slower on Russian answers
    (the families' patterns are written in lowercase; tests/test_domain_analysis.py checks)."""
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)


_TYPE_LOWER = tuple((kind, _for_lowercase(pattern)) for kind, pattern in _TYPE_FAMILIES)
_EXPERT_LOWER = _for_lowercase(_EXPERT_MARKERS)
