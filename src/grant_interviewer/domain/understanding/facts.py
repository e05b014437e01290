"""Typed facts of one answer: what kind of answer it is, which topics it serves, what it states.

One :class:`AnswerFacts` is produced per answer, by the offline analyzer (``adapters/nlp``) or an
LLM extractor (``adapters/llm``), and stored with the answer's turn, so a resume, ``/back`` or a
restart merges stored facts instead of running models again. Everything round-trips through
``to_dict`` / ``from_dict`` (plain JSON).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields, is_dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any, Literal

__all__ = [
    "AnswerClass",
    "AnswerFacts",
    "Count",
    "Money",
    "MoneyRole",
    "Org",
    "Period",
    "Person",
    "Place",
    "SentenceTopics",
    "Share",
]


class AnswerClass(StrEnum):
    """What an answer is, as a whole."""

    SUBSTANTIVE = "substantive"  # content for the form
    NON_ANSWER = "non_answer"  # "не знаю", "нету пока", "это не важно", garbage
    DEFERRAL = "deferral"  # "потом скажу", "давайте позже"
    REFERS_BACK = "refers_back"  # "писала выше", "уже говорила"
    CORRECTION = "correction"  # "ой, не 40, а 45 семей": replaces an earlier value
    OFF_TOPIC = "off_topic"  # text that serves no topic of the form
    QUESTION_BACK = "question_back"  # "а что писать?"

    @property
    def is_content(self) -> bool:
        """Whether the answer's text may be stored as content of the form."""
        return self in (AnswerClass.SUBSTANTIVE, AnswerClass.CORRECTION)


MoneyRole = Literal["requested", "total", "co_funding", "item", "unknown"]


@dataclass(frozen=True)
class Money:
    """An amount of money and what it is in the application."""

    amount: float
    role: MoneyRole
    currency: str = "RUB"
    approximate: bool = False
    label: str = ""  # a budget item's name ("аренда зала"), when role == "item"
    span: str = ""  # the words it was read from
    confidence: float = 1.0


@dataclass(frozen=True)
class Share:
    """A share of the budget, e.g. co-funding 30% → ``value=0.3``."""

    value: float
    role: Literal["co_funding", "unknown"] = "co_funding"
    span: str = ""
    confidence: float = 1.0


@dataclass(frozen=True)
class Count:
    """A number of people (or things) and what is counted."""

    value: int
    of: str  # the counted noun's lemma ("подросток", "семья", "зритель")
    main: bool = False  # the project's main target group (not spectators, not the largest number)
    group: str = ""  # what is counted, as a reader says it ("подростки", "families")
    approximate: bool = False
    span: str = ""
    confidence: float = 1.0


@dataclass(frozen=True)
class Period:
    """When the project runs: start and end month ("YYYY-MM") and/or the duration in months."""

    start: str | None = None
    end: str | None = None
    months: int | None = None
    approximate: bool = False
    span: str = ""
    confidence: float = 1.0


@dataclass(frozen=True)
class Place:
    """Where the project runs: the federal subject and the settlements named."""

    subject: str | None = None  # official name, e.g. "Свердловская область"
    settlements: tuple[str, ...] = ()
    span: str = ""
    confidence: float = 1.0


@dataclass(frozen=True)
class Org:
    """An organisation named in an answer."""

    name: str
    confidence: float = 1.0


@dataclass(frozen=True)
class Person:
    """A person named in an answer (first name, patronymic, surname, any may be empty)."""

    first: str = ""
    patronymic: str = ""
    last: str = ""
    confidence: float = 1.0

    @property
    def full(self) -> str:
        """First name, patronymic and surname in that order."""
        return " ".join(p for p in (self.first, self.patronymic, self.last) if p)

    @property
    def address(self) -> str:
        """How to address the person: the first name, with the patronymic when given."""
        return " ".join(p for p in (self.first, self.patronymic) if p) or self.last


@dataclass(frozen=True)
class SentenceTopics:
    """One sentence of an answer and the reference points it serves."""

    text: str
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnswerFacts:
    """Everything understood from one answer."""

    answer_class: AnswerClass = AnswerClass.SUBSTANTIVE
    class_confidence: float = 1.0
    sentences: tuple[SentenceTopics, ...] = ()
    money: tuple[Money, ...] = ()
    shares: tuple[Share, ...] = ()
    counts: tuple[Count, ...] = ()
    periods: tuple[Period, ...] = ()
    places: tuple[Place, ...] = ()
    orgs: tuple[Org, ...] = ()
    persons: tuple[Person, ...] = ()
    title: str | None = None
    source: str = "offline"  # "offline", "llm" or "merged"
    disagreements: tuple[str, ...] = ()  # slot names the sources disagree on (asked about)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def topics(self) -> tuple[str, ...]:
        """Every reference point some sentence serves, in first-mention order."""
        seen: dict[str, None] = {}
        for sentence in self.sentences:
            for topic in sentence.topics:
                seen.setdefault(topic, None)
        return tuple(seen)

    def text_for(self, topic: str) -> str:
        """The sentences that serve ``topic``, joined (empty when none does)."""
        return " ".join(s.text for s in self.sentences if topic in s.topics)

    def to_dict(self) -> dict[str, Any]:
        """Serialise to JSON-compatible data (a fresh copy each call)."""
        return copy.deepcopy(self.serialised)

    @cached_property
    def serialised(self) -> dict[str, Any]:
        """The JSON-compatible data, computed once and shared: read it, never change it."""
        # Computed once: the repository serialises every turn's facts on every save.
        # dataclasses.asdict (~0.4 ms an answer, most of it deep-copying values) is replaced by
        # a plain walk: the facts are frozen, their values are str/int/float/bool and tuples.
        data: dict[str, Any] = _plain(self)
        data["answer_class"] = self.answer_class.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnswerFacts:
        """Inverse of :meth:`to_dict` (unknown keys are ignored)."""

        def many(key: str, kind: type[Any]) -> tuple[Any, ...]:
            items = data.get(key) or ()
            out = []
            for item in items:
                values = {k: v for k, v in item.items() if k in kind.__dataclass_fields__}
                for name, value in values.items():
                    if isinstance(value, list):
                        values[name] = tuple(value)
                out.append(kind(**values))
            return tuple(out)

        facts = cls(
            answer_class=AnswerClass(data.get("answer_class", "substantive")),
            class_confidence=float(data.get("class_confidence", 1.0)),
            sentences=many("sentences", SentenceTopics),
            money=many("money", Money),
            shares=many("shares", Share),
            counts=many("counts", Count),
            periods=many("periods", Period),
            places=many("places", Place),
            orgs=many("orgs", Org),
            persons=many("persons", Person),
            title=data.get("title"),
            source=str(data.get("source", "offline")),
            disagreements=tuple(data.get("disagreements") or ()),
            extra=dict(data.get("extra") or {}),
        )
        if set(data) == set(cls.__dataclass_fields__):
            # what storage holds is what ``serialised`` gives: reuse it (cached_property keeps
            # its value in the instance dict, which a frozen dataclass still has)
            facts.__dict__["serialised"] = data
        return facts


def _plain(value: Any) -> Any:
    """JSON-shaped data of a (frozen) facts dataclass: dicts and lists, values as they are."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
