"""Reading the calendar plan and the result indicators out of the applicant's sentences."""

from __future__ import annotations

import pytest

from grant_interviewer.domain.anketa.indicators import indicators_of, results_of
from grant_interviewer.domain.anketa.months import period_caption
from grant_interviewer.domain.anketa.plan import calendar_plan
from grant_interviewer.domain.anketa.text import items


def months(sentence: str, **kw: object) -> tuple[int | None, int | None]:
    """The project months the only row of ``sentence`` covers (12 months from 2027-03)."""
    options: dict[str, object] = {"lang": "ru", "start": "2027-03", "duration": 12} | kw
    [row] = calendar_plan([sentence], **options)  # type: ignore[arg-type]
    return row.first_month, row.last_month


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Месяцы 1–2: набор участников", (1, 2)),
        ("Набор волонтёров (месяц 1)", (1, 1)),
        ("Подготовка методички: 4–6 месяцы", (4, 6)),
        ("С 3-го по 5-й месяц — тренировки", (3, 5)),
        ("Занятия в 3-м месяце", (3, 3)),
        ("На втором месяце запустим сайт", (2, 2)),
        ("Первые два месяца — закупка оборудования", (1, 2)),
        ("Итоговая конференция в последнем месяце", (12, 12)),
        ("Фестиваль в конце проекта", (12, 12)),
        ("В течение 12 месяцев — занятия три раза в неделю", (1, 12)),
        ("Во втором квартале издадим сборник", (4, 6)),
        ("Выставка в 4 квартале 2027", (8, 10)),
        ("Ежемесячно — встречи клуба", (1, 12)),
        ("В марте–апреле 2027 г. проведём 12 мастер-классов", (1, 2)),
        ("С сентября по декабрь — занятия", (7, 10)),
        ("В январе 2028 года — выставка работ", (11, 11)),
        ("Ноябрь 2027 – февраль 2028: цикл лекций", (9, 12)),
        ("Летний лагерь в июле", (5, 5)),
        ("Months 1-2: recruit volunteers", (1, 2)),
        ("From May to August: workshops", (3, 6)),
        ("In the third quarter we publish a booklet", (7, 9)),
        ("Weekly meetings throughout the project", (1, 12)),
        ("Проведём 5 встреч с родителями за 2 месяца", (None, None)),
        ("We may invite 12 mentors", (None, None)),  # "may" is a verb, not the month
        ("Каждая из 12 групп", (None, None)),
    ],
)
def test_activity_times_become_project_months(
    sentence: str, expected: tuple[int | None, int | None]
) -> None:
    """Project months, quarters, month names and "the whole period" are read as months."""
    assert months(sentence) == expected


def test_rows_carry_calendar_months_and_the_activity() -> None:
    """A row says what (less a leading time) and when, in calendar and project months."""
    [first, second] = calendar_plan(["Месяцы 1–2: набор участников; в мае — фестиваль"],
                                    lang="ru", start="2027-11", duration=12)  # fmt: skip
    assert (first.what, first.start, first.end) == ("Набор участников", "2027-11", "2027-12")
    assert first.when == "ноябрь – декабрь 2027 (месяцы 1–2)"
    assert (second.what, second.start, second.first_month) == ("Фестиваль", "2028-05", 7)


def test_an_enumeration_of_dated_activities_is_one_row_each() -> None:
    """Comma-separated activities with their own dates split; one dated clause does not."""
    rows = calendar_plan(["Набор семей (месяцы 1–2), еженедельные мастер-классы (месяцы 2–12), "
                          "консультации по записи, итоговая конференция в декабре 2025"],
                         lang="ru", start="2025-01", duration=12)  # fmt: skip
    assert [(r.what, r.first_month, r.last_month) for r in rows] == [
        ("Набор семей (месяцы 1–2)", 1, 2), ("Еженедельные мастер-классы (месяцы 2–12)", 2, 12),
        ("Консультации по записи", None, None), ("Итоговая конференция в декабре 2025", 12, 12)]
    [one] = calendar_plan(["Ремонт, закупка оборудования (месяц 1)"], lang="ru")
    assert (one.what, one.first_month) == ("Ремонт, закупка оборудования (месяц 1)", 1)


def test_without_a_start_times_stay_relative_or_named() -> None:
    """With no start date, project months stay project months and month names stay names."""
    rows = calendar_plan(["Месяцы 1–2: набор. В мае — фестиваль. Весь период — клуб."],
                         lang="ru")  # fmt: skip
    assert [(r.when, r.start) for r in rows] == [
        ("месяцы 1–2", None), ("май", None), ("весь период", None)]  # fmt: skip
    [english] = calendar_plan(["Months 3-4: workshops"], lang="en")
    assert english.when == "months 3–4"


def test_items_split_lines_sentences_and_numbered_lists() -> None:
    """A one-line numbered plan is one item per number; abbreviations do not split."""
    assert items("1) набор (месяц 1); 2) занятия, т. е. кружки; 3) фестиваль\n- отчёт") == [
        "набор (месяц 1)", "занятия, т. е. кружки", "фестиваль", "отчёт"]  # fmt: skip


def test_period_captions() -> None:
    """Periods read as "март – май 2027" or across years."""
    assert period_caption((2027, 3), (2027, 5), "ru") == "март – май 2027"
    assert period_caption((2027, 11), (2028, 2), "en") == "November 2027 – February 2028"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Помощь получат двести семей", [(200, "семей", "")]),
        ("Проведём 48 мастер-классов и 12 концертов", [(48, "мастер-классов", ""),
                                                      (12, "концертов", "")]),
        ("Не менее 300 участников", [(300, "участников", "не менее")]),
        ("80% участников отметят улучшение", [(80, "%", "")]),
        ("Охват 2 тыс. человек", [(2000, "человек", "")]),
        ("Охват 1 200 человек", [(1200, "человек", "")]),
        ("120 подростков придут, 40 будут ходить регулярно",
         [(120, "подростков", ""), (40, "подростков", "")]),
        ("Одна из задач — 5 публикаций в СМИ", [(5, "публикаций", "")]),
        ("В 2027 году проведём фестиваль", []),
        ("Дети 7–14 лет за 12 месяцев", []),
        ("Бюджет 500 тысяч рублей, в 2 раза больше", []),
        ("25 доведут проекты до конца", []),
        ("Проведём 36 встреч, соберём 60 домашних библиотечек",
         [(36, "встреч", ""), (60, "домашних библиотечек", "")]),
        ("Издадим 3 красочных", []),
    ],
)  # fmt: skip
def test_indicators_are_number_unit_and_what(
    sentence: str, expected: list[tuple[int, str, str]]
) -> None:
    """Numbers with the noun they count are indicators; dates, money and ages are not."""
    found = indicators_of(sentence, "ru")
    assert [(i.value, i.unit, i.qualifier) for i in found] == expected


def test_an_indicator_names_the_clause_that_states_it() -> None:
    """Two figures in one sentence get their own clauses; a decimal comma does not split."""
    found = indicators_of("Помощь получат двести семей, проведём 48 мастер-классов; охват "
                          "1,5 тыс. человек — 70% довольны", "ru")  # fmt: skip
    assert [(i.value, i.what) for i in found] == [
        (200, "Помощь получат двести семей"), (48, "Проведём 48 мастер-классов"),
        (1500, "Охват 1,5 тыс. человек"), (70, "70% довольны")]  # fmt: skip


def test_english_indicators_and_qualitative_results() -> None:
    """English number words count too; sentences without numbers are qualitative results."""
    quantitative, qualitative = results_of(
        ["At least forty workshops for two hundred families, 1,000 guides, 200 older people. "
         "Qualitative: "
         "children feel more confident."], "en")  # fmt: skip
    assert [(i.value, i.unit, i.qualifier) for i in quantitative] == [
        (40, "workshops", "at least"), (200, "families", ""), (1000, "guides", ""),
        (200, "older people", "")]  # fmt: skip
    assert qualitative == ["Children feel more confident"]
    [labelled] = indicators_of("Количественные: 200 семей", "ru")
    assert labelled.what == "200 семей"
