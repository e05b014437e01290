"""The anketa model: the FPG form's order, values, budget checks, section guards, JSON shape."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from grant_interviewer.domain.anketa import (
    FORM,
    LABELS,
    VALUE_KEYS,
    Anketa,
    build_anketa,
    form_order,
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
from grant_interviewer.domain.packs import load_pack
from grant_interviewer.domain.understanding import (
    AnswerClass,
    AnswerFacts,
    Person,
    SentenceTopics,
)

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
PASTE = (
    "Мы — АНО «Свет», хотим открыть театральную студию «Театр в селе» для 300 детей Псковской "
    "области. В сёлах нет кружков, дети после школы предоставлены сами себе. Цель — дать им "
    "место для творчества. Просим 1,5 млн рублей на 12 месяцев, начнём в марте 2027 года."
)


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
    """A small pack: required and optional points in an order unlike the form's."""
    return ContentPack(
        id=f"test-{lang}",
        lang=lang,
        title="Тестовый пакет",
        reference_points=(
            rp("project_essence", 1, True),
            rp("project_title", 0, True, "Название проекта"),
            rp("problem", 0, True),
            rp("partners", 3, False),
            rp("budget_total", 1, True),
            rp("risks", 2, False),
        ),
        phrases={},
    )


def make_state(lang: str = "ru", **slots: Any) -> InterviewState:
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
            **slots,
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
        Turn(1, "topic", "problem", "Какую проблему решает проект?", T0 + timedelta(minutes=1),
             "Нет кружков.", T0 + timedelta(minutes=2), kb_sources=["kb/problem.md"]),
        Turn(2, "topic", "budget_total", "Сколько просите?", T0 + timedelta(minutes=3)),
    ]  # fmt: skip
    return state


def values_of(**slots: Any) -> dict[str, Any]:
    """The structured values of a state holding only ``slots``."""
    return build_anketa(InterviewState("s", "u", "ru", "p", slots=slots), make_pack()).values


def check_ids(**slots: Any) -> list[str]:
    """The ids of the checks of a state holding only ``slots``."""
    anketa = build_anketa(InterviewState("s", "u", "ru", "p", slots=slots), make_pack())
    return [check.id for check in anketa.checks]


def money(amount: float) -> dict[str, Any]:
    """A money slot in roubles."""
    return {"amount": amount, "currency": "RUB"}


# ------------------------------------------------------------------ order and header
def test_sections_follow_the_fpg_form_order() -> None:
    """Sections come in the form's order (title, ..., budget); topics it lacks come last."""
    anketa = build_anketa(make_state(), make_pack())
    assert [s.id for s in anketa.sections] == [
        "project_title", "project_essence", "problem", "partners", "budget_total", "risks",
    ]  # fmt: skip
    problem = anketa.section("problem")
    assert problem is not None and problem.text == "Нет кружков.\n\nДети."
    assert problem.status is TopicStatus.COMPLETE and problem.required
    essence = anketa.section("project_essence")
    assert essence is not None and essence.status is TopicStatus.MISSING and essence.text == ""


def test_the_shipped_packs_follow_the_form() -> None:
    """Every topic of the shipped packs has its place in the form, in the form's order."""
    placed = [topic for section in FORM for topic in section.topics]
    for lang in ("ru", "en"):
        pack = load_pack(lang)
        assert sorted(placed) == sorted(set(pack.ids) - {"risks"}), lang
        assert [p.id for p in form_order(pack)] == [*placed, "risks"]
    assert [s.caption("ru") for s in FORM[:3]] == [
        "Название проекта", "Грантовое направление", "Сроки реализации проекта",
    ]  # fmt: skip
    assert FORM[-1].caption("en") == "Co-financing"


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
    state = make_state(project_title="Театр в селе")
    assert build_anketa(state, make_pack()).project_title == "Театр в селе"
    state.slots.pop("project_title")
    state.topics.pop("project_title")
    assert build_anketa(state, make_pack()).project_title is None


# ------------------------------------------------------------------ values
def test_structured_values_have_exactly_the_documented_keys() -> None:
    """Values are read from slots/state, normalised, with None for unknowns."""
    values = structured_values(make_state(settlements=["Печоры", "Изборск"], start="2027-03"))
    assert tuple(values) == VALUE_KEYS
    assert values == {
        "requested_amount": {"amount": 1_500_000.0, "currency": "RUB"},
        "total_cost": {"amount": 1_750_000.5, "currency": "RUB"},  # grant + co-funding
        "co_funding": {"amount": 250000.5, "currency": "RUB", "share": 0.1429},
        "duration_months": 12,
        "start": "2027-03",
        "end": "2028-02",
        "beneficiaries": 300,
        "beneficiary_group": None,
        "age_range": "7-14",
        "region": "Псковская область",
        "settlements": ["Печоры", "Изборск"],
        "direction": None,
        "project_head": None,
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


@pytest.mark.parametrize(
    ("slots", "expected", "derived"),
    [
        ({"start": "2027-03", "duration_months": 12}, ("2027-03", "2028-02", 12), ["end"]),
        ({"end": "2027-12", "duration_months": 10}, ("2027-03", "2027-12", 10), ["start"]),
        ({"start": "2027-03", "end": "2027-12"}, ("2027-03", "2027-12", 10),
         ["duration_months"]),
        ({"start": "2027-3", "duration_months": "x"}, (None, None, None), []),
        ({"start_month": "2027-03", "duration_months": 12}, ("2027-03", "2028-02", 12), ["end"]),
        ({"start_month": "март 2027", "duration_months": 500}, (None, None, None), []),
    ],
)  # fmt: skip
def test_start_end_and_duration_complete_each_other(
    slots: dict[str, Any], expected: tuple[Any, ...], derived: list[str]
) -> None:
    """Two of start, end and duration give the third, which is marked as computed."""
    anketa = build_anketa(InterviewState("s", "u", "ru", "p", slots=slots), make_pack())
    values = anketa.values
    assert (values["start"], values["end"], values["duration_months"]) == expected
    assert list(anketa.derived) == derived


def test_a_duration_contradicting_the_dates_is_a_check() -> None:
    """Dates of 10 months with a stated duration of 12 are listed for the service to ask."""
    anketa = build_anketa(InterviewState("s", "u", "ru", "p", slots={
        "start": "2027-03", "end": "2027-12", "duration_months": 12}), make_pack())  # fmt: skip
    [check] = anketa.checks
    assert (check.id, check.section, check.expected, check.actual) == ("duration", "timeline",
                                                                     10.0, 12.0)  # fmt: skip
    assert "12 мес." in check.message and "10 мес." in check.message


def test_a_duration_beyond_the_foundations_limit_is_a_check() -> None:
    """FPG projects last up to 36 months: 48 is asked about (and 500 is no duration at all)."""
    assert check_ids(duration_months=48) == ["duration_too_long"]
    assert check_ids(duration_months=36) == [] and check_ids(duration_months=500) == []


def test_direction_is_inferred_until_confirmed() -> None:
    """The direction id gets its name; it stays "to be confirmed" until the applicant confirms."""
    anketa = build_anketa(make_state(direction="family"), make_pack())
    assert anketa.values["direction"] == "family"
    assert anketa.direction is not None and not anketa.direction.confirmed
    assert anketa.direction.name == "Поддержка семьи, материнства, отцовства и детства"
    confirmed = build_anketa(make_state("en", direction="family", direction_confirmed=True),
                             make_pack("en")).direction  # fmt: skip
    assert confirmed is not None and confirmed.confirmed
    assert confirmed.name.startswith("Support of family")
    unknown = build_anketa(make_state(direction="space_travel"), make_pack()).direction
    assert unknown is not None and unknown.name == "space_travel"
    assert build_anketa(make_state(), make_pack()).direction is None


def test_the_project_head_is_the_person_named_as_leading() -> None:
    """The head is a named person whose sentence says they lead, team answers first."""
    team = "Психолог Мария Иванова. Руководитель — я, Анна Петровна Соколова, 10 лет в НКО."
    state = make_state()
    state.turns += [
        Turn(3, "topic", "partners", "Партнёры?", T0, "Директор школы Олег Ким поможет.", T0,
             facts=AnswerFacts(persons=(Person("Олег", "", "Ким"),))),
        Turn(4, "topic", "team", "Команда?", T0, team, T0, facts=AnswerFacts(
            sentences=tuple(SentenceTopics(s, ("team",)) for s in team.split(". ")),
            persons=(Person("Мария", "", "Иванова"), Person("Анна", "Петровна", "Соколова")))),
    ]  # fmt: skip
    assert structured_values(state)["project_head"] == "Анна Петровна Соколова"
    state.turns[-1].facts = AnswerFacts(answer_class=AnswerClass.NON_ANSWER,
                                        persons=(Person("Анна", "", "Соколова"),))  # fmt: skip
    assert structured_values(state)["project_head"] is None


def test_approximate_values_are_listed_by_value_key() -> None:
    """Slot names said approximately map to the value keys they mark."""
    anketa = build_anketa(make_state(approximate=["co_funding_amount", "beneficiaries", 3, "x"]),
                          make_pack())  # fmt: skip
    assert anketa.approximate == ("co_funding", "beneficiaries")


# ------------------------------------------------------------------ budget
def test_co_funding_share_is_computed_from_amount_and_total() -> None:
    """Amount and total known: the share is amount / total, marked as computed."""
    values = values_of(requested_amount=money(2_450_000), total_cost=money(3_500_000),
                       co_funding_amount=money(1_050_000))  # fmt: skip
    assert values["co_funding"] == {"amount": 1_050_000.0, "currency": "RUB", "share": 0.3}
    assert check_ids(requested_amount=money(2_450_000), total_cost=money(3_500_000),
                     co_funding_amount=money(1_050_000)) == []  # fmt: skip


def test_a_stated_share_alone_is_kept() -> None:
    """A share without an amount is kept (percent slips are read as a share)."""
    assert values_of(co_funding_share=0.3)["co_funding"] == {
        "amount": None, "currency": "RUB", "share": 0.3}  # fmt: skip
    assert values_of(co_funding_share=30)["co_funding"]["share"] == 0.3
    assert values_of(co_funding_share=-1)["co_funding"] is None


def test_budget_items_that_do_not_add_up_are_a_check() -> None:
    """Items summing to less than the requested amount give a check with both sums."""
    anketa = build_anketa(InterviewState("s", "u", "ru", "p", slots={
        "requested_amount": money(1_500_000),
        "budget_items": [{"item": "Оплата труда", "amount": 700_000},
                         {"item": "Оборудование", "amount": 450_000},
                         {"item": "", "amount": 1}, {"item": "битое", "amount": "x"}, "мусор"],
    }), make_pack())  # fmt: skip
    assert [i.item for i in anketa.budget.items] == ["Оплата труда", "Оборудование"]
    [check] = anketa.checks
    assert check.to_dict() == {
        "id": "budget_items_sum", "section": "budget_breakdown",
        "message": "Статьи бюджета в сумме дают 1 150 000 ₽, а запрашиваемая сумма — "
                   "1 500 000 ₽ (разница 350 000 ₽).",
        "expected": 1_500_000.0, "actual": 1_150_000.0, "difference": -350_000.0,
        "approximate": False,
    }  # fmt: skip


def test_items_that_add_up_pass_and_approximate_figures_get_slack() -> None:
    """Exact sums pass; an approximate requested amount is compared within 5 %."""
    items = [{"item": "Зарплата", "amount": 1_000_000}, {"item": "Аренда", "amount": 500_000}]
    assert check_ids(requested_amount=money(1_500_000), budget_items=items) == []
    assert check_ids(requested_amount=money(1_550_000), budget_items=items) == [
        "budget_items_sum"]  # fmt: skip
    assert check_ids(requested_amount=money(1_550_000), budget_items=items,
                     approximate=["requested_amount"]) == []  # fmt: skip


def test_requested_plus_co_funding_must_make_the_total() -> None:
    """Requested + co-funding against the stated total; an excess or a gap is asked about."""
    assert check_ids(requested_amount=money(2_000_000), co_funding_amount=money(500_000),
                     total_cost=money(3_000_000)) == ["total_cost_sum"]  # fmt: skip
    assert check_ids(requested_amount=money(3_000_000), total_cost=money(2_000_000)) == [
        "requested_exceeds_total"]  # fmt: skip
    implied = build_anketa(InterviewState("s", "u", "ru", "p", slots={
        "requested_amount": money(2_450_000), "total_cost": money(3_500_000)}), make_pack())
    [check] = implied.checks  # fmt: skip
    assert (check.id, check.expected) == ("co_funding_implied", 1_050_000.0)
    assert "1 050 000 ₽" in check.message


def test_a_stated_share_contradicting_the_amounts_is_a_check() -> None:
    """A 30 % share with amounts making 10 % is listed."""
    assert check_ids(requested_amount=money(900_000), co_funding_amount=money(100_000),
                     total_cost=money(1_000_000), co_funding_share=0.3) == [
        "co_funding_share"]  # fmt: skip


# ------------------------------------------------------------------ what sections hold
def _facts(answer_class: AnswerClass, *sentences: str) -> AnswerFacts:
    return AnswerFacts(answer_class=answer_class,
                       sentences=tuple(SentenceTopics(s) for s in sentences))  # fmt: skip


def test_non_answers_are_never_content() -> None:
    """A non-answer's text leaves every section; a section of only non-answers is missing."""
    state = make_state()
    state.topics["project_title"] = TopicState(TopicStatus.COMPLETE, ["нету пока"])
    state.topics["problem"].answers.append("Я уже писала выше.")
    state.turns += [
        Turn(3, "topic", "project_title", "Название?", T0, "нету пока", T0,
             facts=_facts(AnswerClass.NON_ANSWER, "нету пока")),
        Turn(4, "topic", "problem", "Проблема?", T0, "Я уже писала выше.", T0,
             facts=_facts(AnswerClass.REFERS_BACK, "Я уже писала выше.")),
        Turn(5, "topic", "partners", "Партнёры?", T0, "школа", T0,
             facts=_facts(AnswerClass.SUBSTANTIVE, "школа")),
    ]  # fmt: skip
    anketa = build_anketa(state, make_pack(), missing=[])
    title = anketa.section("project_title")
    assert title is not None and title.text == "" and title.status is TopicStatus.MISSING
    assert anketa.project_title is None
    problem = anketa.section("problem")
    assert problem is not None and problem.text == "Нет кружков.\n\nДети."
    partners = anketa.section("partners")
    assert partners is not None and partners.text == "школа"
    assert [item["id"] for item in anketa.missing] == ["project_title"]  # added to the engine's


def test_a_long_paste_stays_in_the_section_whose_question_it_answered() -> None:
    """The same pasted paragraph in four sections is kept once; the others point to it."""
    state = make_state()
    for topic in ("project_essence", "project_title", "problem"):
        state.topics[topic] = TopicState(TopicStatus.COMPLETE, [PASTE])
    state.topics["budget_total"] = TopicState(TopicStatus.COMPLETE, [PASTE, "Просим 1,5 млн."])
    state.turns.append(Turn(3, "topic", "project_essence", "О чём проект?", T0, PASTE, T0))
    anketa = build_anketa(state, make_pack())
    texts = {s.id: (s.text, s.see_also) for s in anketa.sections}
    assert texts["project_essence"] == (PASTE, None)
    assert texts["project_title"] == ("", "project_essence")
    assert texts["problem"] == ("", "project_essence")
    assert texts["budget_total"] == ("Просим 1,5 млн.", None)  # its own sentence stays


def test_a_short_sentence_may_serve_two_sections() -> None:
    """A one-line fact serving two topics is not a copied paragraph: both keep it."""
    state = make_state()
    line = "Просим 1,5 млн рублей на 12 месяцев."
    state.topics["budget_total"] = TopicState(TopicStatus.COMPLETE, [line])
    state.topics["project_essence"] = TopicState(TopicStatus.COMPLETE, [line])
    anketa = build_anketa(state, make_pack())
    assert [s.text for s in anketa.sections if s.text == line] == [line, line]


# ------------------------------------------------------------------ calendar and results
def test_calendar_plan_and_indicators_come_from_their_topics() -> None:
    """Activities become calendar rows with dates; results become indicators."""
    pack = load_pack("ru")
    state = make_state(start="2027-03")
    state.pack_id = pack.id
    state.topics["activities"] = TopicState(TopicStatus.COMPLETE, [
        "Месяцы 1–2: набор участников. В мае — фестиваль; занятия с родителями."])
    state.topics["results"] = TopicState(TopicStatus.COMPLETE, [
        "Помощь получат двести семей, проведём 48 мастер-классов. Дети станут увереннее."])
    anketa = build_anketa(state, pack)  # fmt: skip
    assert [(r.what, r.when, r.start, r.end) for r in anketa.calendar] == [
        ("Набор участников", "март – апрель 2027 (месяцы 1–2)", "2027-03", "2027-04"),
        ("Фестиваль", "май 2027 (месяц 3)", "2027-05", "2027-05"),
        ("Занятия с родителями", "", None, None),
    ]
    assert [(i.value, i.unit, i.what) for i in anketa.indicators] == [
        (200, "семей", "Помощь получат двести семей"),
        (48, "мастер-классов", "Проведём 48 мастер-классов")]
    assert anketa.qualitative == ["Дети станут увереннее"]
    assert [c.id for c in anketa.checks] == ["calendar_undated"]  # fmt: skip


def test_indicators_are_read_when_first_needed_with_the_given_morphology() -> None:
    """Building loads no morphology (the finishing turn builds on the event loop); reading the
    indicators uses the analyzer passed in."""
    code = (
        "import sys\n"
        "from grant_interviewer.domain.anketa import build_anketa\n"
        "from grant_interviewer.domain.model import InterviewState, TopicState\n"
        "from grant_interviewer.domain.packs import load_pack\n"
        "state = InterviewState('s', 'u', 'ru', 'p', topics={'results': TopicState("
        "answers=['Придут 40 подростков, 25 доведут проекты'])})\n"
        "anketa = build_anketa(state, load_pack('ru'))\n"
        "print('pymorphy3' in sys.modules)\n"
        "print([(i.value, i.unit) for i in anketa.indicators], 'pymorphy3' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.splitlines()  # fmt: skip
    assert out == ["False", "[(40, 'подростков'), (25, 'подростков')] True"]

    class EveryWordAVerb:
        """A stand-in analyzer: every word parses as a verb."""

        def parse(self, word: str) -> list[Any]:
            tag = type("Tag", (), {"POS": "VERB"})()
            return [type("Parse", (), {"tag": tag})()]

    state = make_state()
    state.topics["results"] = TopicState(TopicStatus.COMPLETE, ["Придут 40 подростков"])
    pack = load_pack("ru")
    assert build_anketa(state, pack, morph=EveryWordAVerb()).indicators == []


# ------------------------------------------------------------------ missing, log, JSON
def test_missing_is_computed_when_not_given() -> None:
    """Required topics not complete, plus optional ones only partly answered, in pack order."""
    anketa = build_anketa(make_state(), make_pack())
    assert anketa.missing == [
        {"id": "project_essence", "title": "Тема project_essence", "status": "missing"},
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


def test_json_keeps_the_stable_keys() -> None:
    """The keys other programs read are where docs/architecture.md says they are."""
    state = make_state(start="2027-03", end="2028-02", settlements=["Печоры"],
                       direction="culture", total_cost=money(1_750_000.5))  # fmt: skip
    data = json.loads(json.dumps(build_anketa(state, make_pack()).to_dict()))
    values = data["values"]
    assert data["project_title"] == "«Театр в селе»"
    assert values["requested_amount"]["amount"] == 1_500_000.0
    assert (values["co_funding"]["amount"], values["co_funding"]["share"]) == (250000.5, 0.1429)
    assert (values["duration_months"], values["beneficiaries"]) == (12, 300)
    assert (values["region"], values["settlements"]) == ("Псковская область", ["Печоры"])
    assert (values["start"], values["end"], values["direction"]) == ("2027-03", "2028-02",
                                                                     "culture")  # fmt: skip
    assert {"id", "status", "text", "required"} <= set(data["sections"][0])
    assert [m["id"] for m in data["missing"]] == ["project_essence", "partners", "budget_total"]
    assert data["checks"] == [] and data["direction"]["confirmed"] is False
    assert set(data) >= {"budget", "calendar_plan", "results", "checks", "log"}


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
    assert list(data["values"]) == [*VALUE_KEYS, "approximate", "derived"]


def test_labels_exist_in_both_languages() -> None:
    """Russian and English labels have the same keys; unknown languages fall back to English."""
    assert set(LABELS["ru"]) == set(LABELS["en"])
    assert labels_for("ru")["missing"] == "Недостающие данные"
    assert labels_for("ru")["log"] == "Журнал интервью"
    assert labels_for("de") is LABELS["en"]
    assert all(key in LABELS["ru"] for key in VALUE_KEYS)
    assert build_anketa(make_state("en"), make_pack("en")).labels["title"] == (
        "Project questionnaire"
    )


def test_building_does_not_change_the_state() -> None:
    """build_anketa is pure: the state is left as it was."""
    state = make_state(start="2027-03", approximate=["beneficiaries"])
    before = state.to_dict()
    build_anketa(state, make_pack())
    assert state.to_dict() == before
