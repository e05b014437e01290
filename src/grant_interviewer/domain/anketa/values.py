"""The structured values of the anketa: slots read defensively, periods completed, checks."""

from __future__ import annotations

from typing import Any

from grant_interviewer.domain.anketa.budget import Check, read_budget
from grant_interviewer.domain.anketa.money import money
from grant_interviewer.domain.anketa.months import add_months, months_between, parse_ym, ym
from grant_interviewer.domain.anketa.people import project_head
from grant_interviewer.domain.model import InterviewState

# The keys of ``Anketa.values`` (JSON ``values``), in the order the key-figures table shows them.
VALUE_KEYS = (
    "requested_amount",
    "total_cost",
    "co_funding",
    "duration_months",
    "start",
    "end",
    "beneficiaries",
    "beneficiary_group",
    "age_range",
    "region",
    "settlements",
    "direction",
    "project_head",
    "organization",
    "project_type",
    "level",
)
MAX_MONTHS = 120  # a longer "duration" is a misread, not a plan
FPG_MAX_MONTHS = 36  # FPG projects run up to 36 months (FPG_FACTS.md): a longer one is asked about

# Slot names of ``state.slots["approximate"]`` -> the value key they mark.
_APPROXIMATE_KEYS = {"co_funding_amount": "co_funding", "co_funding_share": "co_funding"}


def slot_list(state: InterviewState, key: str) -> list[str]:
    """A list-of-strings slot (``settlements``, ``approximate``), blanks and non-strings dropped."""
    value = state.slots.get(key)
    if not isinstance(value, list | tuple):
        return []
    return [item.strip() for item in value if isinstance(item, str) and item.strip()]


def approximate_keys(state: InterviewState) -> tuple[str, ...]:
    """The value keys marked by the ``approximate`` slot names."""
    keys = [_APPROXIMATE_KEYS.get(slot, slot) for slot in slot_list(state, "approximate")]
    return tuple(dict.fromkeys(key for key in keys if key in VALUE_KEYS))


def _int(value: Any) -> int | None:
    """A whole number from a slot (a count or a number of months), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and 0 <= value <= 10**9 else None


def text_value(value: Any) -> str | None:
    """A non-blank string slot, stripped, else None."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def structured_values(state: InterviewState) -> dict[str, Any]:
    """The figures and facts of the anketa, with exactly :data:`VALUE_KEYS` (None = unknown)."""
    return read_values(state)[0]


def read_values(state: InterviewState) -> tuple[dict[str, Any], tuple[str, ...]]:
    """(values, the keys computed from others): start, end and duration complete each other
    (12 months from 2027-03 end in 2028-02)."""
    slots = state.slots
    budget = read_budget(slots)
    co_funding: dict[str, Any] | None = None
    if budget.co_funding is not None or budget.co_funding_share is not None:
        co_funding = {"amount": budget.co_funding, "currency": budget.currency,
                      "share": budget.co_funding_share}  # fmt: skip
    # "start_month" is the older key of the start (a "YYYY-MM" once the understanding sets it)
    start = parse_ym(slots.get("start")) or parse_ym(slots.get("start_month"))
    end = parse_ym(slots.get("end"))
    duration = _int(slots.get("duration_months"))
    if duration is not None and not 0 < duration <= MAX_MONTHS:
        duration = None
    derived: list[str] = []
    if duration is None and start and end and end >= start:
        duration = months_between(start, end)
        derived.append("duration_months")
    if duration and duration > 0:
        if start and end is None:
            end = add_months(start, duration - 1)
            derived.append("end")
        elif end and start is None:
            start = add_months(end, 1 - duration)
            derived.append("start")
    total_cost = money(slots.get("total_cost"))
    if total_cost is None and budget.total_cost is not None:
        total_cost = {"amount": budget.total_cost, "currency": budget.currency}
        derived.append("total_cost")
    values = {
        "requested_amount": money(slots.get("requested_amount")),
        "total_cost": total_cost,
        "co_funding": co_funding,
        "duration_months": duration,
        "start": ym(*start) if start else None,
        "end": ym(*end) if end else None,
        "beneficiaries": _int(slots.get("beneficiaries")),
        "beneficiary_group": text_value(slots.get("beneficiary_group")),
        "age_range": text_value(slots.get("age_range")),
        "region": text_value(slots.get("region")),
        "settlements": slot_list(state, "settlements") or None,
        "direction": text_value(slots.get("direction")),
        "project_head": project_head(state),
        "organization": text_value(slots.get("organization")),
        "project_type": state.project_type.value,
        "level": state.level.value,
    }
    return values, tuple(derived)


def duration_checks(
    state: InterviewState, values: dict[str, Any], labels: dict[str, str]
) -> list[Check]:
    """A stated duration that contradicts the dates, or exceeds FPG's 36 months."""
    checks: list[Check] = []
    start, end = parse_ym(state.slots.get("start")), parse_ym(state.slots.get("end"))
    stated = _int(state.slots.get("duration_months"))
    if start and end and stated is not None and months_between(start, end) != stated:
        span = months_between(start, end)
        checks.append(Check("duration", "timeline",
                            labels["check.duration"].format(actual=stated, expected=span),
                            float(span), float(stated)))  # fmt: skip
    duration = values["duration_months"]
    if duration is not None and duration > FPG_MAX_MONTHS:
        checks.append(Check("duration_too_long", "timeline",
                            labels["check.duration_too_long"].format(
                                actual=duration, expected=FPG_MAX_MONTHS),
                            float(FPG_MAX_MONTHS), float(duration)))  # fmt: skip
    return checks


