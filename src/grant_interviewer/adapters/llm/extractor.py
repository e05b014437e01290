"""LLM answer understanding: structured extraction into the same ``AnswerFacts`` as the offline
analyzer, merged with the offline result by fixed rules.

:class:`LLMAnswerAnalyzer` implements ``ports.AnswerAnalyzer``. It always runs the offline
analyzer, and at the same time asks the model for JSON following :data:`FACTS_SCHEMA` (the
OpenAI path sends it as ``response_format``; GigaChat gets it in the prompt), within its
budget, through the same guard as the question writer. Any failure, timeout or invalid JSON returns
the offline facts unchanged: both paths produce the same structure.

**Merge rules** (:func:`merge_facts`; the offline result is the base):

1. *Answer class*: the model's class replaces the offline one only when its confidence is
   at least 0.8 and higher than the offline confidence.
2. *Money and counts*: per role (money) and for the main group (counts): a value only one side
   found is taken (a model value needs confidence >= 0.6 and a span found in the answer); when
   both found one and they differ (by more than 1 %), the offline value stays and the slot is
   listed in ``disagreements`` so the interviewer asks about it: never silently picked.
3. *Periods, shares, places, organisations, persons, title*: the model fills what the offline
   analyzer left empty (confidence >= 0.6); it never overrides an offline value.
4. *Sentences and topics*: the offline ones (its sentence splitter and topic matcher).
5. ``source`` is ``merged`` when the model added or flagged anything, else ``offline``;
   ``extra["llm"]`` keeps the model's own facts for the record.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, ValidationError
from rapidfuzz import fuzz

from grant_interviewer.adapters.llm.base import ChatClient
from grant_interviewer.adapters.llm.guard import ProviderGuard
from grant_interviewer.domain.prompts import load_extract_prompt
from grant_interviewer.domain.understanding import (
    AnswerClass,
    AnswerFacts,
    Count,
    Money,
    Org,
    Period,
    Person,
    Place,
)
from grant_interviewer.errors import GrantInterviewerError, LLMResponseError

if TYPE_CHECKING:
    from grant_interviewer.domain.model import InterviewState
    from grant_interviewer.ports import AnswerAnalyzer

logger = logging.getLogger(__name__)

__all__ = ["FACTS_SCHEMA", "LLMAnswerAnalyzer", "merge_facts", "parse_facts"]

MIN_CONFIDENCE = 0.6
CLASS_CONFIDENCE = 0.8
MONEY_SLOTS = {"requested": "requested_amount", "co_funding": "co_funding_amount",
               "total": "total_cost", "item": "budget_items"}


class _Money(BaseModel):
    amount: float = Field(ge=0)
    role: Literal["requested", "total", "co_funding", "item", "unknown"] = "unknown"
    label: str = ""
    approximate: bool = False
    span: str = ""
    confidence: float = Field(default=0.5, ge=0, le=1)


class _Count(BaseModel):
    value: int = Field(ge=0)
    of: str = ""
    main: bool = False
    approximate: bool = False
    span: str = ""
    confidence: float = Field(default=0.5, ge=0, le=1)


class _Period(BaseModel):
    start: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$")
    end: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$")
    months: int | None = Field(default=None, ge=1, le=120)
    span: str = ""
    confidence: float = Field(default=0.5, ge=0, le=1)


class _Place(BaseModel):
    subject: str | None = None
    settlements: list[str] = Field(default_factory=list)
    confidence: float = Field(default=0.5, ge=0, le=1)


class _Org(BaseModel):
    name: str
    confidence: float = Field(default=0.5, ge=0, le=1)


class _Person(BaseModel):
    first: str = ""
    patronymic: str = ""
    last: str = ""
    confidence: float = Field(default=0.5, ge=0, le=1)


class ExtractedFacts(BaseModel):
    """What the model must return (its JSON schema is :data:`FACTS_SCHEMA`)."""

    answer_class: Literal["substantive", "non_answer", "deferral", "refers_back", "correction",
                          "off_topic", "question_back"] = "substantive"
    class_confidence: float = Field(default=0.5, ge=0, le=1)
    money: list[_Money] = Field(default_factory=list)
    counts: list[_Count] = Field(default_factory=list)
    periods: list[_Period] = Field(default_factory=list)
    places: list[_Place] = Field(default_factory=list)
    orgs: list[_Org] = Field(default_factory=list)
    persons: list[_Person] = Field(default_factory=list)
    title: str | None = None


FACTS_SCHEMA: dict[str, Any] = ExtractedFacts.model_json_schema()


def parse_facts(raw: str, text: str) -> AnswerFacts:
    """The model's JSON as ``AnswerFacts`` (source ``llm``); facts whose span is not in the
    answer are dropped. Raises LLMResponseError for text that is not valid JSON of the schema."""
    content = raw.strip()
    if content.startswith("```"):  # a fenced block: ```json … ```
        content = content.strip("`").removeprefix("json").strip()
    try:
        data = ExtractedFacts.model_validate(json.loads(content))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise LLMResponseError(f"facts are not valid JSON of the schema ({type(exc).__name__})"
                               ) from exc
    folded = text.casefold()

    def grounded(span: str) -> bool:
        return not span or fuzz.partial_ratio(span.casefold(), folded) >= 85

    return AnswerFacts(
        answer_class=AnswerClass(data.answer_class),
        class_confidence=data.class_confidence,
        money=tuple(Money(amount=m.amount, role=m.role, label=m.label,
                          approximate=m.approximate, span=m.span, confidence=m.confidence)
                    for m in data.money if grounded(m.span)),
        counts=tuple(Count(value=c.value, of=c.of, main=c.main, approximate=c.approximate,
                           span=c.span, confidence=c.confidence)
                     for c in data.counts if grounded(c.span)),
        periods=tuple(Period(start=p.start, end=p.end, months=p.months, span=p.span,
                             confidence=p.confidence) for p in data.periods if grounded(p.span)),
        places=tuple(Place(subject=p.subject, settlements=tuple(p.settlements),
                           confidence=p.confidence) for p in data.places),
        orgs=tuple(Org(name=o.name, confidence=o.confidence) for o in data.orgs),
        persons=tuple(Person(first=p.first, patronymic=p.patronymic, last=p.last,
                             confidence=p.confidence) for p in data.persons),
        title=data.title,
        source="llm",
    )


def merge_facts(offline: AnswerFacts, llm: AnswerFacts) -> AnswerFacts:
    """The offline facts completed and checked by the model's (rules in the module docstring)."""
    changes: dict[str, Any] = {}
    disagreements = list(offline.disagreements)
    if (llm.class_confidence >= CLASS_CONFIDENCE
            and llm.class_confidence > offline.class_confidence
            and llm.answer_class != offline.answer_class):
        changes |= {"answer_class": llm.answer_class, "class_confidence": llm.class_confidence}
    money = list(offline.money)
    for role, slot in MONEY_SLOTS.items():
        mine = [m for m in offline.money if m.role == role]
        theirs = [m for m in llm.money if m.role == role and m.confidence >= MIN_CONFIDENCE]
        if role == "item":
            known = {round(m.amount) for m in mine}
            money += [m for m in theirs if round(m.amount) not in known] if not mine else []
            continue
        if theirs and not mine:
            money.append(theirs[0])
        elif theirs and mine and not _close(mine[0].amount, theirs[0].amount):
            disagreements.append(slot)
    if money != list(offline.money):
        changes["money"] = tuple(money)
    mine_main = next((c for c in offline.counts if c.main), None)
    their_main = next((c for c in llm.counts if c.main and c.confidence >= MIN_CONFIDENCE), None)
    if their_main is not None:
        if mine_main is None and not offline.counts:
            changes["counts"] = (*offline.counts, their_main)
        elif mine_main is not None and mine_main.value != their_main.value:
            disagreements.append("beneficiaries")
    for name in ("periods", "shares", "places", "orgs", "persons"):
        if not getattr(offline, name):
            confident = tuple(item for item in getattr(llm, name)
                              if item.confidence >= MIN_CONFIDENCE)
            if confident:
                changes[name] = confident
    if offline.title is None and llm.title:
        changes["title"] = llm.title
    if disagreements != list(offline.disagreements):
        changes["disagreements"] = tuple(dict.fromkeys(disagreements))
    if not changes:
        return offline
    extra = dict(offline.extra) | {"llm": llm.to_dict()}
    return dataclasses.replace(offline, **changes, source="merged", extra=extra)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 0.01 * max(abs(a), abs(b), 1.0)


class LLMAnswerAnalyzer:
    """``ports.AnswerAnalyzer`` over a chat model, never worse than the offline analyzer."""

    def __init__(self, client: ChatClient, guard: ProviderGuard, offline: AnswerAnalyzer, *,
                 budget: float) -> None:
        self.client = client
        self.guard = guard
        self.offline = offline
        self.budget = budget
        self.name = f"{offline.name}+{client.name}"[:64]

    def start(self) -> None:
        """Start the offline analyzer's models (the client needs nothing)."""
        self.offline.start()

    async def analyze(
        self, text: str, *, lang: str, asked: str | None, state: InterviewState
    ) -> AnswerFacts:
        """Offline facts, completed and checked by the model's within the budget.

        Both readings run at once; the model's is awaited only until the budget's end.
        """
        deadline = time.monotonic() + self.budget
        model = asyncio.ensure_future(self._extract(text, lang=lang, asked=asked, state=state,
                                                    deadline=deadline))
        try:
            offline = await self.offline.analyze(text, lang=lang, asked=asked, state=state)
        except BaseException:
            model.cancel()
            raise
        try:
            llm = await model
        except GrantInterviewerError as exc:
            logger.info("LLM understanding unavailable (%s); offline facts only", exc)
            return offline
        return merge_facts(offline, llm)

    async def _extract(self, text: str, *, lang: str, asked: str | None,
                       state: InterviewState, deadline: float) -> AnswerFacts:
        from grant_interviewer.domain.packs import load_pack

        topic = ""
        if asked:
            try:
                topic = load_pack(lang).point(asked).title
            except KeyError:
                topic = asked
        prompt = load_extract_prompt(lang)
        messages = prompt.messages(topic=topic, answer=text,
                                   schema=json.dumps(FACTS_SCHEMA, ensure_ascii=False))
        raw = await self.guard.call(
            lambda limit: self.client.complete(messages, time_limit=limit,
                                               json_schema=FACTS_SCHEMA, max_tokens=800,
                                               temperature=0.0),
            deadline=deadline)
        return parse_facts(raw, text)

    def __getattr__(self, name: str) -> Any:
        """Everything else (``read_sync``, ``status``) is the offline analyzer's."""
        return getattr(self.offline, name)

    async def aclose(self) -> None:
        """Nothing of its own to close (the client belongs to the writer)."""
