"""Facts for an answer stored before answers were analysed once (or with no analyzer wired).

Converts the regular-expression reading of :mod:`grant_interviewer.domain.analysis` into
:class:`AnswerFacts`, so an interview saved by an earlier version still resumes with its values.
The offline analyzer (``adapters/nlp``) is what new answers get.
"""

from __future__ import annotations

from grant_interviewer.domain.analysis import analyze
from grant_interviewer.domain.understanding.facts import (
    AnswerClass,
    AnswerFacts,
    Count,
    Money,
    Period,
    Place,
    SentenceTopics,
)

_MONEY_DEFAULT = {"co_funding": "co_funding_amount", "budget_breakdown": ""}


def legacy_facts(text: str, lang: str, asked: str | None) -> AnswerFacts:
    """The facts the regular-expression analysis finds in ``text``."""
    extraction = analyze(text, lang, default_money=_MONEY_DEFAULT.get(asked or "",
                                                                      "requested_amount"))
    slots = extraction.slots
    if extraction.unsure and not slots:
        return AnswerFacts(answer_class=AnswerClass.NON_ANSWER, class_confidence=0.6,
                           sentences=(SentenceTopics(text, ()),), source="legacy")
    money: list[Money] = []
    if "requested_amount" in slots:
        money.append(Money(amount=float(slots["requested_amount"]["amount"]), role="requested"))
    if "co_funding_amount" in slots:
        money.append(Money(amount=float(slots["co_funding_amount"]["amount"]),
                           role="co_funding"))
    counts: tuple[Count, ...] = ()
    if "beneficiaries" in slots:
        counts = (Count(value=int(slots["beneficiaries"]),
                        of=str(slots.get("beneficiary_group") or ""), main=True),)
    periods: tuple[Period, ...] = ()
    if "duration_months" in slots:
        periods = (Period(months=int(slots["duration_months"])),)
    places: tuple[Place, ...] = ()
    if "region" in slots:
        places = (Place(subject=str(slots["region"]).split(", ")[0]),)
    return AnswerFacts(
        sentences=(SentenceTopics(text, (asked,) if asked else ()),),
        money=tuple(money),
        counts=counts,
        periods=periods,
        places=places,
        title=slots.get("project_title") or (text.strip() if asked == "project_title" and
                                              len(text.split()) <= 15 else None),
        source="legacy",
    )
