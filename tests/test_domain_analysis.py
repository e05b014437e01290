"""Answer analysis: slots from Russian and English answers, names, level and project type."""

from __future__ import annotations

from typing import Any

import pytest

from grant_interviewer.domain.analysis import (
    analyze,
    extract_name,
    infer_level,
    infer_project_type,
)
from grant_interviewer.domain.model import ProjectType, UserLevel
from grant_interviewer.domain.regions import find_regions


def rub(amount: float) -> dict[str, Any]:
    """A money slot in rubles."""
    return {"amount": amount, "currency": "RUB"}


SLOT_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("ru", "Запрашиваем 1,5 млн рублей", {"requested_amount": rub(1_500_000)}),
    ("ru", "Бюджет проекта 1 500 000 ₽", {"requested_amount": rub(1_500_000)}),
    ("ru", "Грант нужен на 300 тыс. руб.", {"requested_amount": rub(300_000)}),
    ("ru", "Сумма гранта — 2,5 миллиона рублей", {"requested_amount": rub(2_500_000)}),
    (
        "ru",
        "Запрашиваем 1,2 млн, софинансирование — 300 тыс. рублей",
        {"requested_amount": rub(1_200_000), "co_funding_amount": rub(300_000)},
    ),
    (
        "ru",
        "Собственный вклад 200 000 рублей, партнёры дают ещё 100 тыс. рублей",
        {"co_funding_amount": rub(300_000)},
    ),
    ("ru", "Привлечём 450 тыс. рублей от спонсоров", {"co_funding_amount": rub(450_000)}),
    ("ru", "500 тыс. рублей — наш собственный вклад", {"co_funding_amount": rub(500_000)}),
    ("ru", "Проект продлится 12 месяцев", {"duration_months": 12}),
    ("ru", "Срок реализации — полтора года", {"duration_months": 18}),
    ("ru", "год", {"duration_months": 12}),
    ("ru", "Проект рассчитан на 2 года", {"duration_months": 24}),
    ("ru", "девять месяцев", {"duration_months": 9}),
    ("ru", "Клуб для 40 подростков", {"beneficiaries": 40, "beneficiary_group": "подростков"}),
    ("ru", "Охватим 200 человек", {"beneficiaries": 200}),
    (
        "ru",
        "Поддержим 120 многодетных семей",
        {"beneficiaries": 120, "beneficiary_group": "многодетных семей"},
    ),
    ("ru", "Подростки от 14 до 17 лет", {"age_range": "14–17"}),
    ("ru", "дети 7-10 лет", {"age_range": "7–10"}),
    ("ru", "пожилые люди старше 65 лет", {"age_range": "65+"}),
    ("ru", "Работаем в Кемерове", {"region": "Кемерово"}),
    ("ru", "Проект пройдёт в Кемеровской области", {"region": "Кемеровская область"}),
    ("ru", "В Пермском крае и в Татарстане", {"region": "Пермский край, Республика Татарстан"}),
    ("ru", "Мы из Нижнего Новгорода", {"region": "Нижний Новгород"}),
    ("ru", "Заявку подаёт АНО «Вектор»", {"organization": "АНО «Вектор»"}),
    ("ru", "Проект называется «Точка роста»", {"project_title": "Точка роста"}),
    ("ru", "Название проекта: Добрые соседи, для пенсионеров", {"project_title": "Добрые соседи"}),
    ("ru", "Начнём с сентября 2025 года", {"start_month": "сентябрь 2025"}),
    ("ru", "Старт в марте", {"start_month": "март"}),
    ("en", "We are asking for 2.5 million rubles", {"requested_amount": rub(2_500_000)}),
    ("en", "The grant request is 1,500,000 rubles", {"requested_amount": rub(1_500_000)}),
    ("en", "Our own contribution is 400,000 rubles", {"co_funding_amount": rub(400_000)}),
    ("en", "The project lasts 18 months", {"duration_months": 18}),
    ("en", "for one year", {"duration_months": 12}),
    (
        "en",
        "We will reach 200 people aged 12-16",
        {"beneficiaries": 200, "beneficiary_group": "people", "age_range": "12–16"},
    ),
    ("en", "120 families in Kazan", {"beneficiaries": 120, "region": "Kazan"}),
    ("en", "Kemerovo region", {"region": "Kemerovo region"}),
    ("en", "Our project is called Open Stage", {"project_title": "Open Stage"}),
    ("en", 'The applicant is ANO "Bright Path"', {"organization": "ANO \u201cBright Path\u201d"}),
    ("en", "Starting in September 2026", {"start_month": "September 2026"}),
]


@pytest.mark.parametrize(("lang", "text", "expected"), SLOT_CASES)
def test_slots_are_extracted(lang: str, text: str, expected: dict[str, Any]) -> None:
    """Each phrase yields the expected slots (other slots may be present too)."""
    slots = analyze(text, lang).slots
    for key, value in expected.items():
        assert slots.get(key) == value, (key, slots)


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("Мы работаем уже 10 лет", "duration_months"),
        ("Подросткам 14–17 лет", "duration_months"),
        ("В 2024 году было мероприятие", "beneficiaries"),
        ("20 волонтёров помогут", "beneficiaries"),
        ("Праздник пройдёт в июне", "start_month"),
        ("Купим 5 столов", "requested_amount"),
        ("Олег", "region"),
    ],
)
def test_no_false_slots(text: str, absent: str) -> None:
    """Experience years, ages, calendar years, volunteers and bare numbers are not misread."""
    assert absent not in analyze(text, "ru").slots


def test_amount_without_cue_is_co_funding_when_answering_co_funding() -> None:
    """A bare amount counts as co-funding when the engine says the answer is about co-funding."""
    assert analyze("примерно 300 тыс. рублей", "ru", default_money="co_funding_amount").slots == {
        "co_funding_amount": rub(300_000)
    }
    assert analyze("примерно 300 тыс. рублей", "ru").slots == {"requested_amount": rub(300_000)}
    assert (
        "requested_amount"
        not in analyze("оборудование 300 тыс. рублей", "ru", default_money="").slots
    )


def test_one_answer_fills_many_slots() -> None:
    """An expert's one long answer yields amount, co-funding, months, people and region at once."""
    text = (
        "Проект «Семейная мастерская» для 200 многодетных семей Казани, срок реализации — 12 "
        "месяцев. Запрашиваемая сумма гранта — 1,8 млн рублей, софинансирование — 600 тыс. рублей."
    )
    slots = analyze(text, "ru").slots
    assert slots["requested_amount"] == rub(1_800_000)
    assert slots["co_funding_amount"] == rub(600_000)
    assert slots["duration_months"] == 12
    assert slots["beneficiaries"] == 200
    assert slots["region"] == "Казань"
    assert slots["project_title"] == "Семейная мастерская"


@pytest.mark.parametrize(
    ("answer", "name"),
    [
        ("Меня зовут Анна Петровна", "Анна Петровна"),
        ("Анна", "Анна"),
        ("анна", "Анна"),
        ("Зовите меня Иван.", "Иван"),
        ("Я — Олег, руководитель проекта", "Олег"),
        ("My name is John Smith.", "John Smith"),
        ("Call me Kate", "Kate"),
        ("  Мария  ", "Мария"),
        ("Привет, я Олег", "Олег"),
        ("Здравствуйте! Меня зовут Анна", "Анна"),
        ("Добрый день. Я руководитель АНО, меня зовут Ирина", "Ирина"),
        ("Это Мария", "Мария"),
        ("I'm Kate.", "Kate"),
    ],
)
def test_name_extraction(answer: str, name: str) -> None:
    """The name is taken from common ways of introducing oneself."""
    assert extract_name(answer) == name


def test_level_inference() -> None:
    """Expert vocabulary gives EXPERT, short unsure answers NOVICE, plain answers INTERMEDIATE."""
    assert (
        infer_level(["Софинансирование 30%, целевые показатели по SMART в календарном плане"])
        == UserLevel.EXPERT
    )
    assert infer_level(["не знаю", "не уверен", "старикам"]) == UserLevel.NOVICE
    assert (
        infer_level(["Мы хотим открыть клуб для подростков в нашем районе, там будут кружки."])
        == UserLevel.INTERMEDIATE
    )
    assert infer_level([]) == UserLevel.INTERMEDIATE


@pytest.mark.parametrize(
    ("texts", "kind"),
    [
        (["Театральная студия и фестиваль, спектакли по истории города"], ProjectType.CULTURAL),
        (["Футбольный турнир и тренировки во дворах"], ProjectType.SPORTS),
        (["Раздельный сбор мусора и переработка отходов"], ProjectType.ECOLOGY),
        (["Помощь одиноким пожилым людям и инвалидам"], ProjectType.SOCIAL),
        (
            ["Курсы и лекции по финансовой грамотности, обучение школьников"],
            ProjectType.EDUCATIONAL,
        ),
        (["Профилактика диабета и реабилитация"], ProjectType.HEALTH),
        (["Something unrelated"], ProjectType.OTHER),
    ],
)
def test_project_type_inference(texts: list[str], kind: ProjectType) -> None:
    """Keyword families decide the project type."""
    assert infer_project_type(texts) == kind


def test_regions_keep_order_and_do_not_duplicate() -> None:
    """Regions are canonical, in order of first mention, without a city repeated."""
    assert find_regions("Кемерово и Кемеровская область, снова Кемерово") == [
        "Кемерово",
        "Кемеровская область",
    ]
    assert find_regions("Нет здесь регионов") == []


def test_keyword_families_are_lowercase_so_lowercased_text_matches_them() -> None:
    """The project-type families and the expert markers are matched against lowercased text
    without IGNORECASE: a capital letter in a pattern would never match."""
    import re

    from grant_interviewer.domain import analysis

    patterns = [p for _, p in analysis._TYPE_FAMILIES] + [analysis._EXPERT_MARKERS]
    for pattern in patterns:
        literal = re.sub(r"\\.", "", pattern.pattern)  # escapes such as \w, \b, \S
        assert literal == literal.lower(), pattern.pattern[:60]
    assert analysis.infer_project_type(["ТЕАТРАЛЬНЫЙ ФЕСТИВАЛЬ для детей"]).value == "cultural"
    assert analysis.infer_level(["Софинансирование и SMART-индикаторы, KPI"]).value == "expert"
