"""Captions and messages of the anketa in Russian and English (same keys in both)."""

from __future__ import annotations

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
        "checks": "Требует уточнения",
        "log": "Журнал интервью",
        "question": "Вопрос",
        "answer": "Ответ",
        "asked_at": "Задан",
        "answered_at": "Получен",
        "time": "Время",
        "sources": "Источники",
        "no_answer": "нет ответа",
        "empty_section": "Нет данных.",
        "see_section": "См. раздел «{section}».",
        "other_sections": "Дополнительные сведения",
        "unknown": "—",
        "required": "обязательный",
        "optional": "необязательный",
        "topic": "Тема",
        "approximately": "≈",
        "approximate_note": "приблизительно",
        "computed_note": "рассчитано",
        "requested_amount": "Запрашиваемая сумма",
        "total_cost": "Полная стоимость проекта",
        "co_funding": "Софинансирование",
        "co_funding_share": "Доля софинансирования",
        "duration_months": "Срок реализации, мес.",
        "start": "Дата начала",
        "end": "Дата окончания",
        "beneficiaries": "Благополучатели, чел.",
        "beneficiary_group": "Основная целевая группа",
        "age_range": "Возраст",
        "region": "Регион",
        "settlements": "Населённые пункты",
        "direction": "Грантовое направление",
        "project_head": "Руководитель проекта",
        "organization": "Организация",
        "project_type": "Тип проекта",
        "level": "Опыт заявителя",
        "direction.inferred": "определено по ответам, требует подтверждения",
        "direction.confirmed": "подтверждено заявителем",
        "calendar.number": "№",
        "calendar.what": "Мероприятие",
        "calendar.when": "Сроки",
        "calendar.no_date": "срок не указан",
        "results.quantitative": "Количественные результаты",
        "results.qualitative": "Качественные результаты",
        "indicator.what": "Показатель",
        "indicator.value": "Значение",
        "indicator.unit": "Ед. изм.",
        "budget.item": "Статья расходов",
        "budget.amount": "Сумма",
        "budget.items_total": "Итого по статьям",
        "check.budget_items_sum": (
            "Статьи бюджета в сумме дают {actual}, а запрашиваемая сумма — {expected} "
            "(разница {difference})."
        ),
        "check.total_cost_sum": (
            "Запрашиваемая сумма и софинансирование вместе дают {actual}, а полная стоимость "
            "проекта — {expected} (разница {difference})."
        ),
        "check.requested_exceeds_total": (
            "Запрашиваемая сумма ({actual}) больше полной стоимости проекта ({expected})."
        ),
        "check.co_funding_implied": (
            "Полная стоимость проекта больше запрашиваемой суммы на {expected}: "
            "это софинансирование?"
        ),
        "check.co_funding_share": (
            "Доля софинансирования названа {actual}, а по суммам выходит {expected}."
        ),
        "check.duration": (
            "Срок реализации назван {actual} мес., а по датам начала и окончания выходит "
            "{expected} мес."
        ),
        "check.duration_too_long": (
            "Срок реализации назван {actual} мес., а проекты фонда длятся не больше "
            "{expected} мес."
        ),
        "check.calendar_undated": "Мероприятий календарного плана без сроков: {count}.",
        "check.calendar_outside_period": (
            "Мероприятий календарного плана за пределами сроков проекта: {count}."
        ),
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
        "checks": "To be clarified",
        "log": "Interview log",
        "question": "Question",
        "answer": "Answer",
        "asked_at": "Asked",
        "answered_at": "Answered",
        "time": "Time",
        "sources": "Sources",
        "no_answer": "no answer",
        "empty_section": "No data.",
        "see_section": "See the section “{section}”.",
        "other_sections": "Additional information",
        "unknown": "—",
        "required": "required",
        "optional": "optional",
        "topic": "Topic",
        "approximately": "≈",
        "approximate_note": "approximately",
        "computed_note": "computed",
        "requested_amount": "Requested amount",
        "total_cost": "Total project cost",
        "co_funding": "Co-funding",
        "co_funding_share": "Co-funding share",
        "duration_months": "Duration, months",
        "start": "Start",
        "end": "End",
        "beneficiaries": "Beneficiaries, people",
        "beneficiary_group": "Main target group",
        "age_range": "Age",
        "region": "Region",
        "settlements": "Settlements",
        "direction": "Grant direction",
        "project_head": "Project head",
        "organization": "Organisation",
        "project_type": "Project type",
        "level": "Applicant experience",
        "direction.inferred": "inferred from the answers, to be confirmed",
        "direction.confirmed": "confirmed by the applicant",
        "calendar.number": "No.",
        "calendar.what": "Activity",
        "calendar.when": "Dates",
        "calendar.no_date": "no date given",
        "results.quantitative": "Quantitative results",
        "results.qualitative": "Qualitative results",
        "indicator.what": "Indicator",
        "indicator.value": "Value",
        "indicator.unit": "Unit",
        "budget.item": "Cost item",
        "budget.amount": "Amount",
        "budget.items_total": "Items total",
        "check.budget_items_sum": (
            "The cost items add up to {actual}, but the requested amount is {expected} "
            "(a difference of {difference})."
        ),
        "check.total_cost_sum": (
            "The requested amount and the co-funding add up to {actual}, but the total project "
            "cost is {expected} (a difference of {difference})."
        ),
        "check.requested_exceeds_total": (
            "The requested amount ({actual}) exceeds the total project cost ({expected})."
        ),
        "check.co_funding_implied": (
            "The total project cost exceeds the requested amount by {expected}: is that the "
            "co-funding?"
        ),
        "check.co_funding_share": (
            "The co-funding share is given as {actual}, but the amounts make it {expected}."
        ),
        "check.duration": (
            "The duration is given as {actual} months, but the start and end dates make it "
            "{expected} months."
        ),
        "check.duration_too_long": (
            "The duration is given as {actual} months, but the Foundation's projects last at "
            "most {expected} months."
        ),
        "check.calendar_undated": "Calendar plan activities without dates: {count}.",
        "check.calendar_outside_period": (
            "Calendar plan activities outside the project dates: {count}."
        ),
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
