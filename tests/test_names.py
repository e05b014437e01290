"""Addressing a person: the first name (and patronymic), never the surname, whatever the order."""

from __future__ import annotations

import pytest

from grant_interviewer.domain import names
from grant_interviewer.domain.names import address_form, counted

# (what the person answered to "Как к вам обращаться?", how to address them)
NAMES = (
    ("Кравец Светлана Юрьевна", "Светлана Юрьевна"),
    ("Светлана Юрьевна Кравец", "Светлана Юрьевна"),
    ("Ирина Соколова", "Ирина"),
    ("Соколова Ирина", "Ирина"),
    ("Анна Петровна", "Анна Петровна"),
    ("Иванова Анна Сергеевна", "Анна Сергеевна"),
    ("Магомед Алиев", "Магомед"),
    ("Алиев Магомед Расулович", "Магомед Расулович"),
    ("Тимур Хасанов", "Тимур"),
    ("Хасанов Тимур", "Тимур"),
    ("Петров Иван", "Иван"),
    ("Ильина Марина", "Марина"),
    ("Кравец Светлана", "Светлана"),
    ("Ким Роза", "Роза"),
    ("Роза Ивановна Ким", "Роза Ивановна"),
    ("Гасанова Лиана", "Лиана"),
    ("Сидоренко Олег", "Олег"),
    ("Мамедов Эльдар Гусейн оглы", "Эльдар"),
    ("Олег", "Олег"),
    ("Kate Smith", "Kate"),
)


@pytest.mark.parametrize(("said", "address"), NAMES)
def test_address_form_is_the_first_name_and_patronymic(said: str, address: str) -> None:
    """The surname is dropped wherever it stands; a patronymic stays with the first name."""
    assert address_form(said, "en" if said.isascii() else "ru") == address


def test_word_order_alone_would_get_a_third_wrong() -> None:
    """The morphology matters: taking the first word(s) would address many people by surname."""
    naive_right = sum(said.split()[0] == address.split()[0] for said, address in NAMES)
    assert naive_right <= len(NAMES) * 2 // 3
    assert all(address_form(said) == address for said, address in NAMES if not said.isascii())


def test_without_morphology_the_patronymic_still_finds_the_first_name() -> None:
    """With no analyzer (a broken install), "Surname Name Patronymic" still drops the surname."""
    names.preload()
    loaded = names._morph[0]
    try:
        names.use_analyzer(None)
        assert address_form("Кравец Светлана Юрьевна") == "Светлана Юрьевна"
        assert address_form("Ирина Соколова") == "Ирина"  # word order: the first word
        assert counted(5, "подросток") == ""
    finally:
        names.use_analyzer(loaded)
    assert address_form("Соколова Ирина") == "Ирина"
    assert counted(5, "подросток") == "5 подростков"
