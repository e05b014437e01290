"""Building the anketa of one interview (pure: no I/O, the state is not changed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from grant_interviewer.domain.anketa.budget import Budget, Check, budget_checks, read_budget
from grant_interviewer.domain.anketa.form import FORM, TOPIC_ORDER, direction_name
from grant_interviewer.domain.anketa.indicators import Indicator, results_of
from grant_interviewer.domain.anketa.labels import labels_for
from grant_interviewer.domain.anketa.plan import CalendarRow, calendar_plan
from grant_interviewer.domain.anketa.sections import section_contents
from grant_interviewer.domain.anketa.values import (
    VALUE_KEYS,
    approximate_keys,
    duration_checks,
    read_values,
    slot_list,
    text_value,
)
from grant_interviewer.domain.model import (
    ContentPack,
    InterviewState,
    ReferencePoint,
    SessionStatus,
    TopicStatus,
    Turn,
    utcnow,
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class AnketaSection:
    """One questionnaire section: a reference point and what the applicant said about it."""

    id: str
    title: str
    anketa_section: str
    priority: int
    required: bool
    status: TopicStatus
    text: str
    see_also: str | None = None  # the section that holds the text this one only repeated

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "id": self.id,
            "title": self.title,
            "anketa_section": self.anketa_section,
            "priority": self.priority,
            "required": self.required,
            "status": self.status.value,
            "text": self.text,
            "see_also": self.see_also,
        }


@dataclass(frozen=True)
class Direction:
    """The FPG grant direction: inferred from the answers until the applicant confirms it."""

    id: str
    name: str
    confirmed: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {"id": self.id, "name": self.name, "confirmed": self.confirmed}


@dataclass(frozen=True)
class Anketa:
    """The questionnaire of one interview."""

    session_id: str
    user_id: str
    lang: str
    pack_id: str
    status: SessionStatus
    applicant_name: str | None
    project_title: str | None
    generated_at: datetime
    sections: list[AnketaSection] = field(default_factory=list)  # in the FPG form's order
    values: dict[str, Any] = field(default_factory=dict)
    missing: list[dict[str, str]] = field(default_factory=list)
    log: list[Turn] = field(default_factory=list)  # every question and answer, in order
    direction: Direction | None = None
    activities_answers: tuple[str, ...] = ()  # the activities topic's content, read on first use
    results_answers: tuple[str, ...] = ()  # the results topic's content, read on first use
    budget: Budget = field(default_factory=Budget)
    sum_checks: list[Check] = field(default_factory=list)  # budget and duration checks
    approximate: tuple[str, ...] = ()  # value keys that were said approximately
    derived: tuple[str, ...] = ()  # value keys computed from others (end = start + duration …)
    morph: Any = field(default=None, compare=False, repr=False)  # a shared pymorphy3 analyzer

    # The calendar plan and the results are read when first rendered, not when the anketa is
    # built: the finishing turn builds it on the event loop for its summary, reading indicators
    # may load the morphology, and a long activities paste takes a while to read.
    @cached_property
    def _results(self) -> tuple[list[Indicator], list[str]]:
        return results_of(self.results_answers, self.lang, self.morph)

    @cached_property
    def calendar(self) -> list[CalendarRow]:
        """The calendar plan: one row per activity named in the activities topic."""
        return calendar_plan(self.activities_answers, lang=self.lang, start=self.values.get(
            "start"), duration=self.values.get("duration_months"))  # fmt: skip

    @property
    def checks(self) -> list[Check]:
        """What does not add up, for the service to ask about (sums, dates, the plan)."""
        return [*self.sum_checks,
                *_calendar_checks(self.calendar, self.values.get("duration_months"),
                                  self.labels)]  # fmt: skip

    @property
    def indicators(self) -> list[Indicator]:
        """The quantitative results ("200 семей"), read from the results topic."""
        return self._results[0]

    @property
    def qualitative(self) -> list[str]:
        """The results without a number."""
        return self._results[1]

    @property
    def labels(self) -> dict[str, str]:
        """Headings and captions in the anketa's language."""
        return labels_for(self.lang)

    def section(self, rp_id: str) -> AnketaSection | None:
        """The section of a reference point, if the pack has it."""
        return next((s for s in self.sections if s.id == rp_id), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (ISO datetimes, enum values as strings); see docs/architecture.md."""
        values: dict[str, Any] = {key: self.values.get(key) for key in VALUE_KEYS}
        values["approximate"] = list(self.approximate)
        values["derived"] = list(self.derived)
        return {
            "session_id": self.session_id,
            "user_id": self.user_id,
            "lang": self.lang,
            "pack_id": self.pack_id,
            "status": self.status.value,
            "applicant_name": self.applicant_name,
            "project_title": self.project_title,
            "generated_at": _iso(self.generated_at),
            "values": values,
            "direction": self.direction.to_dict() if self.direction else None,
            "budget": self.budget.to_dict(),
            "calendar_plan": [row.to_dict() for row in self.calendar],
            "results": {
                "indicators": [i.to_dict() for i in self.indicators],
                "qualitative": list(self.qualitative),
            },
            "checks": [check.to_dict() for check in self.checks],
            "sections": [section.to_dict() for section in self.sections],
            "missing": [dict(item) for item in self.missing],
            "log": [entry.to_dict() for entry in self.log],
        }


def build_anketa(
    state: InterviewState,
    pack: ContentPack,
    *,
    missing: list[tuple[ReferencePoint, TopicStatus]] | None = None,
    generated_at: datetime | None = None,
    morph: Any = None,
) -> Anketa:
    """Assemble the questionnaire of ``state``.

    ``missing`` is what the engine reports as still lacking; when None it is computed here as
    the required topics not complete plus the optional topics answered only in part. A required
    section this module finds empty of content (only non-answers) is added to it either way.
    ``morph`` is the process's ``pymorphy3.MorphAnalyzer`` (``adapters.nlp``), used to read
    the result indicators when they are first needed; None loads one on first use.
    """
    order = {rp.id: i for i, rp in enumerate(pack.reference_points)}
    by_priority = sorted(pack.reference_points, key=lambda rp: (rp.priority, order[rp.id]))
    contents = section_contents(state, by_priority)
    statuses = {rp_id: content.status for rp_id, content in contents.items()}
    if missing is None:
        missing = _missing(pack, statuses)
    emptied = {rp_id for rp_id, content in contents.items() if content.emptied}
    missing = _with_emptied(missing, pack, emptied)
    lang = state.lang
    labels = labels_for(lang)
    values, derived = read_values(state)
    approximate = approximate_keys(state)
    activities = contents["activities"].answers if "activities" in contents else ()
    results = contents["results"].answers if "results" in contents else ()
    budget = read_budget(state.slots)
    checks = budget_checks(budget, approximate=frozenset(slot_list(state, "approximate")),
                           labels=labels, lang=lang)  # fmt: skip
    checks += duration_checks(state, values, labels)
    return Anketa(
        session_id=state.session_id,
        user_id=state.user_id,
        lang=lang,
        pack_id=state.pack_id,
        status=SessionStatus(state.status),
        applicant_name=state.name,
        project_title=_project_title(state, contents.get("project_title")),
        generated_at=generated_at or utcnow(),
        sections=[_section(rp, contents[rp.id]) for rp in form_order(pack)],
        values=values,
        missing=[
            {"id": rp.id, "title": rp.title, "status": TopicStatus(status).value}
            for rp, status in missing
        ],
        log=list(state.turns),
        direction=_direction(state, lang),
        activities_answers=tuple(activities),
        results_answers=tuple(results),
        budget=budget,
        sum_checks=checks,
        approximate=approximate,
        derived=derived,
        morph=morph,
    )


def form_order(pack: ContentPack) -> list[ReferencePoint]:
    """The pack's reference points in the FPG form's order; unknown ones after, by priority."""
    order = {rp.id: i for i, rp in enumerate(pack.reference_points)}
    tail = (len(FORM), 0)
    return sorted(
        pack.reference_points,
        key=lambda rp: (TOPIC_ORDER.get(rp.id, tail), rp.priority, order[rp.id]),
    )


def _missing(
    pack: ContentPack, statuses: dict[str, TopicStatus]
) -> list[tuple[ReferencePoint, TopicStatus]]:
    result: list[tuple[ReferencePoint, TopicStatus]] = []
    for rp in pack.reference_points:
        status = statuses[rp.id]
        if (rp.required and status != TopicStatus.COMPLETE) or (
            not rp.required and status == TopicStatus.PARTIAL
        ):
            result.append((rp, status))
    return result


def _with_emptied(
    missing: list[tuple[ReferencePoint, TopicStatus]],
    pack: ContentPack,
    emptied: set[str],
) -> list[tuple[ReferencePoint, TopicStatus]]:
    """``missing`` plus required topics whose only answers were non-answers."""
    listed = {rp.id for rp, _ in missing}
    extra = [
        (rp, TopicStatus.MISSING)
        for rp in pack.reference_points
        if rp.required and rp.id not in listed and rp.id in emptied
    ]
    return list(missing) + extra


def _section(rp: ReferencePoint, content: Any) -> AnketaSection:
    return AnketaSection(
        id=rp.id,
        title=rp.title,
        anketa_section=rp.anketa_section,
        priority=int(rp.priority),
        required=rp.required,
        status=content.status,
        text="\n\n".join(content.answers),
        see_also=content.see_also,
    )


def _project_title(state: InterviewState, content: Any) -> str | None:
    slot = state.slots.get("project_title")
    if isinstance(slot, str) and slot.strip():
        return slot.strip()
    if content is not None and content.answers:
        return str(content.answers[0])
    return None


def _direction(state: InterviewState, lang: str) -> Direction | None:
    value = text_value(state.slots.get("direction"))
    if value is None:
        return None
    confirmed = state.slots.get("direction_confirmed") is True
    return Direction(value, direction_name(value, lang), confirmed)


def _calendar_checks(
    calendar: list[CalendarRow], duration: int | None, labels: dict[str, str]
) -> list[Check]:
    checks: list[Check] = []
    undated = sum(1 for row in calendar if not row.when)
    if undated:
        checks.append(Check("calendar_undated", "activities",
                            labels["check.calendar_undated"].format(count=undated),
                            actual=float(undated)))  # fmt: skip
    outside = sum(
        1 for row in calendar
        if row.first_month is not None and row.last_month is not None
        and (row.first_month < 1 or (duration is not None and row.last_month > duration))
    )  # fmt: skip
    if outside:
        checks.append(Check("calendar_outside_period", "activities",
                            labels["check.calendar_outside_period"].format(count=outside),
                            actual=float(outside)))  # fmt: skip
    return checks
