"""The main target group as the questionnaire shows it, read from the answer's own words."""

from __future__ import annotations

import pytest

from nlp_reader import offline_reader

READ = offline_reader()


@pytest.mark.parametrize(("answer", "value", "group"), [
    # a generic "человек" takes the group the answer describes
    ("Проект «Тёплый дом» — клуб для одиноких пожилых людей в Арзамасе. Участников 60 человек, "
     "волонтёров 12.", 60, "одинокие пожилые люди"),
    ("Подростки 14–17 лет из Заводского района, всего 120 человек", 120, "подростки"),
    ("Примерно 150 человек, в основном одинокие пенсионеры из сёл", 150,
     "одинокие пенсионеры"),
    ("участвовать будут 80 человек", 80, "люди"),  # nothing else said: people
    ("45 детей", 45, "дети"),
    # a corrected figure keeps what it counts
    ("дети с аутизмом 3-10 лет, 40 детей, ой не 40 а 45, и их родители", 45, "дети"),
])
def test_the_main_group_is_named_by_the_answer(answer: str, value: int, group: str) -> None:
    facts = READ(answer, "ru", "target_audience")
    main = [c for c in facts.counts if c.main]
    assert [(c.value, c.group) for c in main] == [(value, group)]



def test_the_team_does_not_name_the_beneficiaries() -> None:
    """"Волонтёры" before "60 человек" are the team, not who the project is for."""
    facts = READ("Волонтёры помогут: занятия посетят 60 человек", "ru", "target_audience")
    assert [(c.value, c.group) for c in facts.counts if c.main] == [(60, "люди")]


@pytest.mark.parametrize(("answer", "value", "group"), [
    ("Teenagers and young adults aged 14-22, about 60 participants plus 900 spectators.", 60,
     "teenagers"),
    ("We teach older people to use smartphones, 200 participants", 200, "older people"),
    ("about 80 people", 80, "people"),
])
def test_english_groups_are_named_by_the_answer(answer: str, value: int, group: str) -> None:
    facts = READ(answer, "en", "target_audience")
    assert [(c.value, c.group) for c in facts.counts if c.main] == [(value, group)]
