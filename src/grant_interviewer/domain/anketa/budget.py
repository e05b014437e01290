"""The budget part of the anketa and its sum checks.

The form wants the requested amount, the project's total cost, the budget by cost items and the
co-financing (amount and share of the total). :func:`budget_checks` compares them: the items
should add up to the requested amount, and requested + co-financing to the total; a mismatch
becomes a :class:`Check` the service can ask about.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from grant_interviewer.domain.anketa.money import format_amount, format_share, money, number

# Exact figures may differ by rounding only; one of them approximate ("около 2 млн") by 5 %.
EXACT_TOLERANCE = 1.0
APPROXIMATE_TOLERANCE = 0.05
SHARE_TOLERANCE = 0.01  # a stated share vs amount/total: one percentage point


@dataclass(frozen=True)
class BudgetItem:
    """One cost item."""

    item: str
    amount: float


@dataclass(frozen=True)
class Check:
    """A figure that does not add up (or is implied but unstated): something to ask about."""

    id: str
    section: str  # the reference point to ask about
    message: str  # in the anketa's language
    expected: float | None = None
    actual: float | None = None
    approximate: bool = False  # one of the figures was approximate

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        difference = (
            self.actual - self.expected
            if self.actual is not None and self.expected is not None
            else None
        )
        return {"id": self.id, "section": self.section, "message": self.message,
                "expected": self.expected, "actual": self.actual, "difference": difference,
                "approximate": self.approximate}  # fmt: skip


@dataclass(frozen=True)
class Budget:
    """Requested amount, total cost, co-financing and cost items (amounts in ``currency``)."""

    currency: str = "RUB"
    requested: float | None = None
    total_cost: float | None = None
    co_funding: float | None = None
    co_funding_share: float | None = None
    share_computed: bool = False  # the share is co_funding / total_cost, not stated
    total_computed: bool = False  # the total is requested + co-funding, not stated
    items: tuple[BudgetItem, ...] = field(default_factory=tuple)

    @property
    def items_total(self) -> float | None:
        """The sum of the cost items (None without items)."""
        return sum(item.amount for item in self.items) if self.items else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "currency": self.currency,
            "requested_amount": self.requested,
            "total_cost": self.total_cost,
            "co_funding_amount": self.co_funding,
            "co_funding_share": self.co_funding_share,
            "co_funding_share_computed": self.share_computed,
            "total_cost_computed": self.total_computed,
            "items": [{"item": i.item, "amount": i.amount} for i in self.items],
            "items_total": self.items_total,
        }


def _items(value: Any) -> tuple[BudgetItem, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return ()
    result = []
    for entry in value:
        if not isinstance(entry, Mapping):
            continue
        name, amount = entry.get("item"), money(entry.get("amount"))
        if isinstance(name, str) and name.strip() and amount is not None:
            result.append(BudgetItem(name.strip(), amount["amount"]))
    return tuple(result)


def _share(value: Any) -> float | None:
    share = number(value)
    if share is None or share < 0:
        return None
    if 1 < share <= 100:  # a percentage slipped through ("30" for 30 %)
        share /= 100
    return share if share <= 1 else None


def read_budget(slots: Mapping[str, Any]) -> Budget:
    """The budget figures of the interview's slots (malformed ones are unknown)."""
    requested = money(slots.get("requested_amount"))
    total = money(slots.get("total_cost"))
    co_funding = money(slots.get("co_funding_amount"))
    currency = next((m["currency"] for m in (requested, total, co_funding) if m), "RUB")
    total_amount = total["amount"] if total else None
    co_amount = co_funding["amount"] if co_funding else None
    total_computed = False
    if total_amount is None and requested is not None and co_amount is not None:
        # The form's total cost is, by definition, the grant plus the co-financing.
        total_amount, total_computed = requested["amount"] + co_amount, True
    share, computed = _share(slots.get("co_funding_share")), False
    if share is None and co_amount is not None and total_amount:
        share, computed = round(co_amount / total_amount, 4), True
    return Budget(
        currency=currency,
        requested=requested["amount"] if requested else None,
        total_cost=total_amount,
        co_funding=co_amount,
        co_funding_share=share,
        share_computed=computed,
        total_computed=total_computed,
        items=_items(slots.get("budget_items")),
    )


def _differs(expected: float, actual: float, approximate: bool) -> bool:
    tolerance = abs(expected) * APPROXIMATE_TOLERANCE if approximate else EXACT_TOLERANCE
    return abs(actual - expected) > tolerance


def budget_checks(
    budget: Budget, *, approximate: frozenset[str], labels: Mapping[str, str], lang: str
) -> list[Check]:
    """The sum checks of ``budget``; ``approximate`` holds the slot names said approximately."""

    def amount(value: float) -> str:
        return format_amount(value, budget.currency, lang)

    def check(check_id: str, section: str, expected: float, actual: float, approx: bool,
              **extra: str) -> Check:  # fmt: skip
        message = labels[f"check.{check_id}"].format(
            expected=amount(expected), actual=amount(actual),
            difference=amount(abs(actual - expected)), **extra,
        )  # fmt: skip
        return Check(check_id, section, message, expected, actual, approx)

    checks: list[Check] = []
    requested, total, co = budget.requested, budget.total_cost, budget.co_funding
    items_total = budget.items_total
    if items_total is not None and requested is not None:
        approx = bool(approximate & {"requested_amount", "budget_items"})
        if _differs(requested, items_total, approx):
            checks.append(check("budget_items_sum", "budget_breakdown", requested, items_total,
                                approx))  # fmt: skip
    if requested is not None and total is not None and co is not None and not budget.total_computed:
        approx = bool(approximate & {"requested_amount", "total_cost", "co_funding_amount"})
        if _differs(total, requested + co, approx):
            checks.append(check("total_cost_sum", "co_funding", total, requested + co, approx))
    elif requested is not None and total is not None:
        approx = bool(approximate & {"requested_amount", "total_cost"})
        if requested > total and _differs(total, requested, approx):
            checks.append(check("requested_exceeds_total", "budget_total", total, requested,
                                approx))  # fmt: skip
        elif total - requested > EXACT_TOLERANCE and budget.co_funding_share is None:
            checks.append(check("co_funding_implied", "co_funding", total - requested,
                                total - requested, approx))  # fmt: skip
    share = budget.co_funding_share
    if share is not None and not budget.share_computed and co is not None and total:
        computed = co / total
        if abs(computed - share) > SHARE_TOLERANCE:
            checks.append(Check(
                "co_funding_share", "co_funding",
                labels["check.co_funding_share"].format(
                    expected=format_share(computed, lang), actual=format_share(share, lang)),
                round(computed, 4), share,
                bool(approximate & {"co_funding_amount", "total_cost", "co_funding_share"}),
            ))  # fmt: skip
    return checks
