"""The anketa model: sections, structured values, missing data and the log."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from grant_interviewer.domain.anketa import (
    LABELS,
    VALUE_KEYS,
    Anketa,
    build_anketa,
    labels_for,
    structured_values,
)
from grant_interviewer.domain.model import (
    Completeness,
    ContentPack,
    InterviewState,
    ProjectType,
    ReferencePoint,
    SessionStatus,
    TopicState,
    TopicStatus,
    Turn,
    UserLevel,
)

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def rp(rp_id: str, priority: int, required: bool, section: str | None = None) -> ReferencePoint:
    """A reference point with the fields the anketa uses."""
    return ReferencePoint(
        id=rp_id,
        title=f"Тема {rp_id}",
        description="",
        priority=priority,  # type: ignore[arg-type]
        required=required,
        anketa_section=section or f"Раздел {rp_id}",
        completeness=Completeness(),
    )


def make_pack(lang: str = "ru") -> ContentPack:
    """A small pack: required and optional points in mixed priority order."""
    return ContentPack(
        id=f"test-{lang}",
        lang=lang,
        title="Тестовый пакет",
        reference_points=(
            rp("essence", 1, True),
            rp("project_title", 0, True, "Название проекта"),
            rp("problem", 0, True),
            rp("partners", 3, False),
            rp("budget_total", 1, True),
            rp("risks", 2, False),
        ),
        phrases={},
    )


def make_state(lang: str = "ru") -> InterviewState:
    """A finished interview with answers, slots and a log."""
    state = InterviewState(
        session_id="s-1",
        user_id="u-1",
        lang=lang,
        pack_id=f"test-{lang}",
        status=SessionStatus.FINISHED,
        name="Мария",
        level=UserLevel.NOVICE,
        project_type=ProjectType.CULTURAL,
        slots={
            "requested_amount": {"amount": 1_500_000, "currency": "RUB"},
            "co_funding_amount": {"amount": 250000.5, "currency": "RUB"},
            "duration_months": 12,
            "beneficiaries": 300,
            "region": "Псковская область",
            "organization": "АНО «Свет»",
            "age_range": "7-14",
        },
        topics={
            "problem": TopicState(status=TopicStatus.COMPLETE, answers=["Нет кружков.", "Дети."]),
            "project_title": TopicState(status=TopicStatus.COMPLETE, answers=["«Театр в селе»"]),
            "budget_total": TopicState(status=TopicStatus.PARTIAL, answers=["полтора миллиона"]),
            "partners": TopicState(status=TopicStatus.PARTIAL, answers=["школа"]),
            "risks": TopicState(status=TopicStatus.SKIPPED),
        },
    )
    state.turns = [
        Turn(0, "name", None, "Как вас зовут?", T0, "Мария", T0 + timedelta(seconds=20)),
        Turn(
            1,
            "topic",
            "problem",
            "Какую проблему решает проект?",
            T0 + timedelta(minutes=1),
            "Нет кружков.",
            T0 + timedelta(minutes=2),
            kb_sources=["kb/problem.md"],
        ),
        Turn(2, "topic", "budget_total", "Сколько просите?", T0 + timedelta(minutes=3)),
    ]
    return state


def test_sections_follow_priority_then_pack_order() -> None:
    """Sections are sorted by priority (P0 first), ties kept in pack order."""
    anketa = build_anketa(make_state(), make_pack())
    assert [s.id for s in anketa.sections] == [
        "project_title",
        "problem",
        "essence",
        "budget_total",
        "risks",
        "partners",
    ]
    problem = anketa.sections[1]
    assert problem.text == "Нет кружков.\n\nДети."
    assert problem.status is TopicStatus.COMPLETE and problem.required
    assert anketa.sections[2].status is TopicStatus.MISSING and anketa.sections[2].text == ""


def test_header_fields() -> None:
    """Name, title (from the topic when no slot), status and ids are carried over."""
    when = datetime(2025, 4, 1, tzinfo=UTC)
    anketa = build_anketa(make_state(), make_pack(), generated_at=when)
    assert isinstance(anketa, Anketa)
    assert anketa.applicant_name == "Мария"
    assert anketa.project_title == "«Театр в селе»"
    assert (anketa.session_id, anketa.user_id, anketa.lang) == ("s-1", "u-1", "ru")
    assert anketa.status is SessionStatus.FINISHED and anketa.generated_at == when


def test_project_title_slot_wins() -> None:
    """The project_title slot is preferred over the raw topic answer."""
    state = make_state()
    state.slots["project_title"] = "Театр в селе"
    assert build_anketa(state, make_pack()).project_title == "Театр в селе"
    state.slots.pop("project_title")
    state.topics.pop("project_title")
    assert build_anketa(state, make_pack()).project_title is None


def test_structured_values_have_exactly_the_documented_keys() -> None:
    """Values are read from slots/state, normalised, with None for unknowns."""
    values = structured_values(make_state())
    assert tuple(values) == VALUE_KEYS
    assert values == {
        "requested_amount": {"amount": 1_500_000.0, "currency": "RUB"},
        "co_funding": {"amount": 250000.5, "currency": "RUB"},
        "duration_months": 12,
        "beneficiaries": 300,
        "region": "Псковская область",
        "organization": "АНО «Свет»",
        "project_type": "cultural",
        "level": "novice",
    }
    assert isinstance(values["requested_amount"]["amount"], float)
    empty = structured_values(InterviewState("s", "u", "ru", "p"))
    assert empty == {key: None for key in VALUE_KEYS if key not in ("project_type", "level")} | {
        "project_type": "other",
        "level": "intermediate",
    }


@pytest.mark.parametrize(
    "slot",
    [{"amount": "abc"}, {"currency": "RUB"}, {"amount": float("nan")}, True, [1], "x"],
)
def test_malformed_money_slots_are_unknown(slot: object) -> None:
    """Broken money slots become None rather than crashing the export."""
    state = InterviewState("s", "u", "ru", "p", slots={"requested_amount": slot})
    assert structured_values(state)["requested_amount"] is None


def test_missing_is_computed_when_not_given() -> None:
    """Required topics not complete, plus optional ones only partly answered, in pack order."""
    anketa = build_anketa(make_state(), make_pack())
    assert anketa.missing == [
        {"id": "essence", "title": "Тема essence", "status": "missing"},
        {"id": "partners", "title": "Тема partners", "status": "partial"},
        {"id": "budget_total", "title": "Тема budget_total", "status": "partial"},
    ]


def test_missing_given_by_the_engine_is_used_as_is() -> None:
    """An explicit missing list (from the engine) overrides the computation."""
    pack = make_pack()
    anketa = build_anketa(make_state(), pack, missing=[(pack.point("risks"), TopicStatus.SKIPPED)])
    assert anketa.missing == [{"id": "risks", "title": "Тема risks", "status": "skipped"}]
    assert build_anketa(make_state(), pack, missing=[]).missing == []


def test_log_mirrors_the_turns() -> None:
    """Every turn appears in the log with its question, answer, times and sources."""
    anketa = build_anketa(make_state(), make_pack())
    assert [e.index for e in anketa.log] == [0, 1, 2]
    assert anketa.log[1].kb_sources == ["kb/problem.md"]
    assert anketa.log[2].answer is None and anketa.log[2].answered_at is None
    assert anketa.log[0].answered_at == T0 + timedelta(seconds=20)


def test_to_dict_is_json_ready() -> None:
    """to_dict survives json.dumps and uses ISO datetimes and plain strings."""
    when = datetime(2025, 4, 1, 12, tzinfo=UTC)
    data = build_anketa(make_state(), make_pack(), generated_at=when).to_dict()
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again == data
    assert data["generated_at"] == "2025-04-01T12:00:00+00:00"
    assert data["status"] == "finished"
    assert data["sections"][0]["status"] == "complete"
    assert data["log"][1]["asked_at"] == (T0 + timedelta(minutes=1)).isoformat()
    assert data["log"][2]["answered_at"] is None
    assert list(data["values"]) == list(VALUE_KEYS)


def test_labels_exist_in_both_languages() -> None:
    """Russian and English labels have the same keys; unknown languages fall back to English."""
    assert set(LABELS["ru"]) == set(LABELS["en"])
    assert labels_for("ru")["missing"] == "Недостающие данные"
    assert labels_for("ru")["log"] == "Журнал интервью"
    assert labels_for("de") is LABELS["en"]
    assert build_anketa(make_state("en"), make_pack("en")).labels["title"] == (
        "Project questionnaire"
    )


def test_building_does_not_change_the_state() -> None:
    """build_anketa is pure: the state is left as it was."""
    state = make_state()
    before = state.to_dict()
    build_anketa(state, make_pack())
    assert state.to_dict() == before
