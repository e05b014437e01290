"""The Russian gazetteer (content/geo/ru.yaml) is well-formed and agrees with itself."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

CONTENT = Path(__file__).resolve().parents[1] / "src" / "grant_interviewer" / "content"
GAZETTEER = CONTENT / "geo" / "ru.yaml"


@pytest.fixture(autouse=True)
def isolated_settings() -> None:
    """Override the shared settings fixture: these tests read one data file and nothing else."""


@pytest.fixture(scope="module")
def geo() -> dict[str, Any]:
    """The parsed gazetteer."""
    data = yaml.safe_load(GAZETTEER.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def subject_names(geo: dict[str, Any]) -> set[str]:
    """The official names of all federal subjects."""
    return {subject["name"] for subject in geo["subjects"]}


def test_top_level_keys(geo: dict[str, Any]) -> None:
    """The file has exactly the documented sections."""
    assert set(geo) == {"subjects", "settlements", "settlements_en", "ambiguous", "common_words"}


def test_subject_count(geo: dict[str, Any]) -> None:
    """There are 89 federal subjects, as Russia counts them since 2022."""
    assert len(geo["subjects"]) == 89


def test_subject_kinds(geo: dict[str, Any]) -> None:
    """Subjects split into 24 republics, 9 krais, 48 oblasts, 3 cities, 1 AO and 4 okrugs."""
    names = [subject["name"] for subject in geo["subjects"]]
    okrugs = [n for n in names if n.endswith("автономный округ")]
    autonomous_oblast = [n for n in names if n.endswith("автономная область")]
    oblasts = [n for n in names if n.endswith(" область") and n not in autonomous_oblast]
    krais = [n for n in names if n.endswith(" край")]
    republics = [n for n in names if "Республик" in n]
    cities = {"Москва", "Санкт-Петербург", "Севастополь"} & set(names)
    assert (len(republics), len(krais), len(oblasts)) == (24, 9, 48)
    assert (len(cities), len(autonomous_oblast), len(okrugs)) == (3, 1, 4)


def test_subject_fields(geo: dict[str, Any]) -> None:
    """Every subject has a name, an alias list, a capital and an English name."""
    for subject in geo["subjects"]:
        assert set(subject) <= {"name", "official", "aliases", "capital", "en"}, subject
        for key in ("name", "capital", "en"):
            assert isinstance(subject[key], str) and subject[key].strip(), (subject, key)
        assert isinstance(subject["aliases"], list), subject
        assert all(isinstance(a, str) and a.strip() for a in subject["aliases"]), subject


def test_subject_names_unique(geo: dict[str, Any]) -> None:
    """No two subjects share a name or an English name."""
    for key in ("name", "en"):
        counts = Counter(subject[key] for subject in geo["subjects"])
        assert [n for n, c in counts.items() if c > 1] == [], key


def test_aliases_unambiguous(geo: dict[str, Any], subject_names: set[str]) -> None:
    """An alias names one subject only and is never another subject's name."""
    owner: dict[str, str] = {}
    for subject in geo["subjects"]:
        for alias in subject["aliases"]:
            assert alias not in owner, (alias, owner.get(alias), subject["name"])
            assert alias not in subject_names, alias
            owner[alias] = subject["name"]


def test_settlements_map_to_known_subjects(geo: dict[str, Any], subject_names: set[str]) -> None:
    """Every settlement maps to the name of a listed subject."""
    unknown = {t: s for t, s in geo["settlements"].items() if s not in subject_names}
    assert unknown == {}


def test_many_settlements(geo: dict[str, Any]) -> None:
    """The gazetteer lists at least 600 settlements."""
    assert len(geo["settlements"]) >= 600


def test_capitals_are_settlements(geo: dict[str, Any]) -> None:
    """Every subject's capital is a settlement mapped to that same subject."""
    wrong = {
        subject["capital"]: (subject["name"], geo["settlements"].get(subject["capital"]))
        for subject in geo["subjects"]
        if geo["settlements"].get(subject["capital"]) != subject["name"]
    }
    assert wrong == {}


def test_settlements_en_map_to_settlements(geo: dict[str, Any]) -> None:
    """Every English settlement name maps to a listed settlement, and known ones map right."""
    english = geo["settlements_en"]
    assert len(english) >= 400
    assert all(isinstance(name, str) and name.strip() for name in english)
    assert {e: r for e, r in english.items() if r not in geo["settlements"]} == {}
    assert english["Yekaterinburg"] == english["Ekaterinburg"] == "Екатеринбург"
    assert english["St. Petersburg"] == english["Saint Petersburg"] == "Санкт-Петербург"
    assert english["Nizhniy Novgorod"] == "Нижний Новгород"
    assert english["Yelabuga"] == "Елабуга"
    assert english["Seversk"] == "Северск"


def test_ambiguous_entries(geo: dict[str, Any], subject_names: set[str]) -> None:
    """Each ambiguous name lists two or more distinct known subjects."""
    for name, candidates in geo["ambiguous"].items():
        assert isinstance(candidates, list) and len(candidates) >= 2, name
        assert len(set(candidates)) == len(candidates), name
        assert set(candidates) <= subject_names, name


def test_no_settlement_is_also_ambiguous(geo: dict[str, Any]) -> None:
    """A name is either a settlement or ambiguous, never both."""
    assert set(geo["settlements"]) & set(geo["ambiguous"]) == set()


def test_common_words_are_places(geo: dict[str, Any]) -> None:
    """Every common-word entry is a listed settlement or ambiguous name, listed once."""
    words = geo["common_words"]
    assert len(set(words)) == len(words)
    assert set(words) <= set(geo["settlements"]) | set(geo["ambiguous"])


@pytest.mark.parametrize(
    ("settlement", "subject"),
    [
        ("Кемерово", "Кемеровская область"),
        ("Екатеринбург", "Свердловская область"),
        ("Махачкала", "Республика Дагестан"),
        ("Асино", "Томская область"),
        ("Северск", "Томская область"),
        ("Арзамас", "Нижегородская область"),
        ("Нижнекамск", "Республика Татарстан"),
        ("Сарапул", "Удмуртская Республика"),
        ("Кемь", "Республика Карелия"),
        ("Москва", "Москва"),
    ],
)
def test_spot_checks(geo: dict[str, Any], settlement: str, subject: str) -> None:
    """Well-known places map to the right subject."""
    assert geo["settlements"][settlement] == subject


@pytest.mark.parametrize("name", ["Кировск", "Советск", "Железногорск", "Заречный", "Алтай"])
def test_known_ambiguous(geo: dict[str, Any], name: str) -> None:
    """Names shared by several subjects are listed as ambiguous."""
    assert name in geo["ambiguous"]


@pytest.mark.parametrize(
    ("alias", "subject"),
    [
        ("Кузбасс", "Кемеровская область"),
        ("ХМАО", "Ханты-Мансийский автономный округ"),
        ("Подмосковье", "Московская область"),
        ("Свердловской области", "Свердловская область"),
        ("Алтайского края", "Алтайский край"),
    ],
)
def test_alias_spot_checks(geo: dict[str, Any], alias: str, subject: str) -> None:
    """Common informal and inflected names point at the right subject."""
    owners = [s["name"] for s in geo["subjects"] if alias in s["aliases"]]
    assert owners == [subject]
