"""The questionnaire ("анкета") built from an interview: pure data, ready for the exporters.

:func:`build_anketa` turns an :class:`InterviewState` and its :class:`ContentPack` into an
:class:`Anketa`: one section per reference point (priority order), the structured values the
answers yielded (amounts, duration, beneficiaries, region ...), what is still missing, and the
full question/answer log. No I/O happens here; ``adapters.export`` renders it as Markdown, JSON
or DOCX, using the labels of :data:`LABELS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from grant_interviewer.domain.model import (
    ContentPack,
    InterviewState,
    ReferencePoint,
    SessionStatus,
    TopicStatus,
    Turn,
    utcnow,
)

VALUE_KEYS = (
    "requested_amount",
    "co_funding",
    "duration_months",
    "beneficiaries",
    "region",
    "organization",
    "project_type",
    "level",
)

LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "title": "Анкета проекта",
        "applicant": "Заявитель",
        "project": "Название проекта",
        "session": "Сессия",
        "status": "Статус интервью",
        "generated_at": "Сформирована",
        "values": "Ключевые параметры",
        "parameter": "Параметр",
        "value": "Значение",
        "sections": "Разделы анкеты",
        "missing": "Недостающие данные",
        "nothing_missing": "Все обязательные разделы заполнены.",
        "log": "Журнал интервью",
        "question": "Вопрос",
        "answer": "Ответ",
        "asked_at": "Задан",
        "answered_at": "Получен",
        "time": "Время",
        "sources": "Источники",
        "no_answer": "нет ответа",
        "empty_section": "Нет данных.",
        "unknown": "—",
        "required": "обязательный",
        "optional": "необязательный",
        "topic": "Тема",
        "requested_amount": "Запрашиваемая сумма",
        "co_funding": "Софинансирование",
        "duration_months": "Срок реализации, мес.",
        "beneficiaries": "Благополучатели, чел.",
        "region": "Регион",
        "organization": "Организация",
        "project_type": "Тип проекта",
        "level": "Опыт заявителя",
        "status.missing": "не раскрыто",
        "status.partial": "раскрыто частично",
        "status.complete": "заполнено",
        "status.skipped": "пропущено",
        "session.active": "в процессе",
        "session.finished": "завершено",
        "session.abandoned": "прервано",
        "project_type.social": "социальный",
        "project_type.educational": "образовательный",
        "project_type.cultural": "культурный",
        "project_type.sports": "спортивный",
        "project_type.health": "здоровье",
        "project_type.ecology": "экология",
        "project_type.other": "другое",
        "level.novice": "новичок",
        "level.intermediate": "есть опыт",
        "level.expert": "эксперт",
    },
    "en": {
        "title": "Project questionnaire",
        "applicant": "Applicant",
        "project": "Project title",
        "session": "Session",
        "status": "Interview status",
        "generated_at": "Generated",
        "values": "Key figures",
        "parameter": "Parameter",
        "value": "Value",
        "sections": "Questionnaire sections",
        "missing": "Missing information",
        "nothing_missing": "All required sections are filled in.",
        "log": "Interview log",
        "question": "Question",
        "answer": "Answer",
        "asked_at": "Asked",
        "answered_at": "Answered",
        "time": "Time",
        "sources": "Sources",
        "no_answer": "no answer",
        "empty_section": "No data.",
        "unknown": "—",
        "required": "required",
        "optional": "optional",
        "topic": "Topic",
        "requested_amount": "Requested amount",
        "co_funding": "Co-funding",
        "duration_months": "Duration, months",
        "beneficiaries": "Beneficiaries, people",
        "region": "Region",
        "organization": "Organisation",
        "project_type": "Project type",
        "level": "Applicant experience",
        "status.missing": "not covered",
        "status.partial": "partly covered",
        "status.complete": "complete",
        "status.skipped": "skipped",
        "session.active": "in progress",
        "session.finished": "finished",
        "session.abandoned": "abandoned",
        "project_type.social": "social",
        "project_type.educational": "educational",
        "project_type.cultural": "cultural",
        "project_type.sports": "sports",
        "project_type.health": "health",
        "project_type.ecology": "ecology",
        "project_type.other": "other",
        "level.novice": "novice",
        "level.intermediate": "some experience",
        "level.expert": "expert",
    },
}


def labels_for(lang: str) -> dict[str, str]:
    """The labels of ``lang`` (English for a language without its own labels)."""
    return LABELS.get(lang, LABELS["en"])


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
        }


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
    sections: list[AnketaSection] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    missing: list[dict[str, str]] = field(default_factory=list)
    log: list[Turn] = field(default_factory=list)  # every question and answer, in order

    @property
    def labels(self) -> dict[str, str]:
        """Headings and captions in the anketa's language."""
        return labels_for(self.lang)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (ISO datetimes, enum values as strings)."""
        return {
            "session_id": self.session_id,
            "user_id": self.user_id,
            "lang": self.lang,
            "pack_id": self.pack_id,
            "status": self.status.value,
            "applicant_name": self.applicant_name,
            "project_title": self.project_title,
            "generated_at": _iso(self.generated_at),
            "values": {key: self.values.get(key) for key in VALUE_KEYS},
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
) -> Anketa:
    """Assemble the questionnaire of ``state``.

    ``missing`` is what the engine reports as still lacking; when None it is computed here as
    the required topics not complete plus the optional topics answered only in part.
    """
    if missing is None:
        missing = _missing(state, pack)
    order = {rp.id: i for i, rp in enumerate(pack.reference_points)}
    points = sorted(pack.reference_points, key=lambda rp: (rp.priority, order[rp.id]))
    sections = [_section(state, rp) for rp in points]
    return Anketa(
        session_id=state.session_id,
        user_id=state.user_id,
        lang=state.lang,
        pack_id=state.pack_id,
        status=SessionStatus(state.status),
        applicant_name=state.name,
        project_title=_project_title(state),
        generated_at=generated_at or utcnow(),
        sections=sections,
        values=structured_values(state),
        missing=[
            {"id": rp.id, "title": rp.title, "status": TopicStatus(status).value}
            for rp, status in missing
        ],
        log=list(state.turns),
    )


def _topic_status(state: InterviewState, rp_id: str) -> TopicStatus:
    topic = state.topics.get(rp_id)
    return TopicStatus(topic.status) if topic is not None else TopicStatus.MISSING


def _missing(state: InterviewState, pack: ContentPack) -> list[tuple[ReferencePoint, TopicStatus]]:
    result: list[tuple[ReferencePoint, TopicStatus]] = []
    for rp in pack.reference_points:
        status = _topic_status(state, rp.id)
        if (rp.required and status != TopicStatus.COMPLETE) or (
            not rp.required and status == TopicStatus.PARTIAL
        ):
            result.append((rp, status))
    return result


def _section(state: InterviewState, rp: ReferencePoint) -> AnketaSection:
    topic = state.topics.get(rp.id)
    answers = [a.strip() for a in (topic.answers if topic else []) if a and a.strip()]
    return AnketaSection(
        id=rp.id,
        title=rp.title,
        anketa_section=rp.anketa_section,
        priority=int(rp.priority),
        required=rp.required,
        status=_topic_status(state, rp.id),
        text="\n\n".join(answers),
    )


def _project_title(state: InterviewState) -> str | None:
    slot = state.slots.get("project_title")
    if isinstance(slot, str) and slot.strip():
        return slot.strip()
    topic = state.topics.get("project_title")
    if topic is not None:
        for answer in topic.answers:
            if answer and answer.strip():
                return answer.strip()
    return None


def _money(value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict):
        amount, currency = value.get("amount"), value.get("currency") or "RUB"
    else:
        amount, currency = value, "RUB"
    if isinstance(amount, bool) or not isinstance(amount, int | float | str):
        return None
    try:
        number = float(amount)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return {"amount": number, "currency": str(currency)}


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def structured_values(state: InterviewState) -> dict[str, Any]:
    """The figures and facts of the anketa, with exactly :data:`VALUE_KEYS` (None = unknown)."""
    slots = state.slots
    return {
        "requested_amount": _money(slots.get("requested_amount")),
        "co_funding": _money(slots.get("co_funding_amount")),
        "duration_months": _int(slots.get("duration_months")),
        "beneficiaries": _int(slots.get("beneficiaries")),
        "region": _text(slots.get("region")),
        "organization": _text(slots.get("organization")),
        "project_type": state.project_type.value,
        "level": state.level.value,
    }
