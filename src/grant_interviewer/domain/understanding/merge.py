"""Merging the facts of every answer into the interview's values (``state.slots``).

Rules, applied answer by answer in order:

1. A **correction** ("ой, не 40, а 45 семей") replaces the value it corrects.
2. An **exact** value replaces an approximate one ("миллион где-то", then "1 050 000"); an
   approximate value never replaces an exact one.
3. The answer to the question that **owns** a value (the budget question for the requested
   amount) replaces what another answer mentioned in passing; a passing mention never replaces
   an owned value, and between passing mentions the first one stays.

Within one answer: the co-funding is the sum of its co-funding amounts (unless one of them is
the sum of the others, "490 тысяч: 240 + 150 + 100"); the beneficiaries are the main target
group's count, not the largest number; a period gives the start and end month and the duration,
each completing the others ("с сентября 2027, 12 месяцев" → end 2028-08).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from grant_interviewer.domain.understanding.facts import AnswerClass, AnswerFacts, Money

__all__ = ["OWNERS", "SlotValue", "facts_values", "merge_values"]

# slot → the reference point whose question owns it
OWNERS: dict[str, str] = {
    "requested_amount": "budget_total",
    "total_cost": "budget_total",
    "co_funding_amount": "co_funding",
    "co_funding_share": "co_funding",
    "beneficiaries": "target_audience",
    "beneficiary_group": "target_audience",
    "duration_months": "timeline",
    "start": "timeline",
    "end": "timeline",
    "start_month": "timeline",
    "region": "geography",
    "settlements": "geography",
    "organization": "organization",
    "project_title": "project_title",
    "budget_items": "budget_breakdown",
}


@dataclass(frozen=True)
class SlotValue:
    """One value read from one answer."""

    value: Any
    approximate: bool = False


def _money(amount: float) -> dict[str, Any]:
    return {"amount": float(amount), "currency": "RUB"}


def _co_funding_total(amounts: list[Money]) -> Money | None:
    if not amounts:
        return None
    if len(amounts) >= 3:
        for candidate in amounts:
            rest = sum(m.amount for m in amounts if m is not candidate)
            if abs(rest - candidate.amount) < 1.0:
                return candidate
    total = sum(m.amount for m in amounts)
    return Money(amount=total, role="co_funding",
                 approximate=any(m.approximate for m in amounts))


def _add_months(month: str, months: int) -> str:
    year, mon = (int(p) for p in month.split("-"))
    index = year * 12 + (mon - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _months_between(start: str, end: str) -> int | None:
    sy, sm = (int(p) for p in start.split("-"))
    ey, em = (int(p) for p in end.split("-"))
    months = (ey - sy) * 12 + em - sm + 1
    return months if 0 < months <= 60 else None


def facts_values(facts: AnswerFacts) -> dict[str, SlotValue]:
    """The values one answer states, by slot name."""
    values: dict[str, SlotValue] = {}
    if not facts.answer_class.is_content:
        return values
    requested = [m for m in facts.money if m.role == "requested"]
    if requested:
        values["requested_amount"] = SlotValue(_money(requested[0].amount),
                                               requested[0].approximate)
    total = [m for m in facts.money if m.role == "total"]
    if total:
        values["total_cost"] = SlotValue(_money(total[0].amount), total[0].approximate)
    co = _co_funding_total([m for m in facts.money if m.role == "co_funding"])
    if co is None and facts.extra.get("co_funding_rest") and requested and total:
        # "стоимость 3,5 млн, из них 2,45 млн просим, остальное — софинансирование"
        rest = total[0].amount - requested[0].amount
        if rest > 0:
            co = Money(amount=rest, role="co_funding")
    if co is not None:
        values["co_funding_amount"] = SlotValue(_money(co.amount), co.approximate)
    shares = [s for s in facts.shares if s.role == "co_funding"]
    if shares:
        values["co_funding_share"] = SlotValue(round(shares[0].value, 4))
    items = [m for m in facts.money if m.role == "item"]
    if items:
        values["budget_items"] = SlotValue(
            [{"item": m.label or m.span, "amount": float(m.amount)} for m in items])
    main = next((c for c in facts.counts if c.main), None)
    if main is not None:
        values["beneficiaries"] = SlotValue(main.value, main.approximate)
        values["beneficiary_group"] = SlotValue(main.group or main.of)
    start = next((p.start for p in facts.periods if p.start), None)
    end = next((p.end for p in facts.periods if p.end), None)
    # a start-to-end range says the duration better than a number said elsewhere
    months = next((p.months for p in facts.periods if p.months and p.start and p.end), None) \
        or next((p.months for p in facts.periods if p.months), None)
    approximate_period = any(p.approximate for p in facts.periods)
    if months is None and start and end:
        months = _months_between(start, end)
    if start and months and not end:
        end = _add_months(start, months - 1)
    if end and months and not start:
        start = _add_months(end, -(months - 1))
    if months:
        values["duration_months"] = SlotValue(int(months), approximate_period)
    if start:
        values["start"] = SlotValue(start)
        values["start_month"] = SlotValue(start)
    if end:
        values["end"] = SlotValue(end)
    for place in facts.places:
        if place.subject:
            values["region"] = SlotValue(place.subject)
        if place.settlements:
            values["settlements"] = SlotValue(list(place.settlements))
    if facts.orgs:
        values["organization"] = SlotValue(facts.orgs[0].name)
    if facts.title:
        values["project_title"] = SlotValue(facts.title)
    return values


def merge_values(answers: Iterable[tuple[str | None, AnswerFacts]]) -> dict[str, Any]:
    """The interview's values from its answers' facts, in order (``asked`` topic, facts)."""
    slots: dict[str, Any] = {}
    rank: dict[str, tuple[bool, bool]] = {}  # slot → (owned, exact) of the value held
    approximate: set[str] = set()
    for asked, facts in answers:
        correction = facts.answer_class == AnswerClass.CORRECTION
        for slot, found in facts_values(facts).items():
            owned = OWNERS.get(slot) == asked
            exact = not found.approximate
            held = rank.get(slot)
            if held is not None and not correction:
                held_owned, held_exact = held
                if held_exact and not exact:
                    continue
                if not (exact and not held_exact) and not owned and held_owned:
                    continue
                if not (exact and not held_exact) and not owned and not held_owned:
                    continue
            slots[slot] = found.value
            rank[slot] = (owned or (held[0] if held else False), exact)
            if exact:
                approximate.discard(slot)
            else:
                approximate.add(slot)
    if approximate:
        slots["approximate"] = sorted(approximate)
    inferred = sorted(slot for slot, (owned, _) in rank.items() if not owned and slot in OWNERS)
    if inferred:
        slots["inferred"] = inferred  # read in passing, never in an answer to their question
    return slots
