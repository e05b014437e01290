"""Content packs: the packaged ru/en packs and the validation of pack data."""

from __future__ import annotations

import copy
import string
from typing import Any

import pytest

from grant_interviewer.domain.model import ContentPack
from grant_interviewer.domain.packs import (
    SERVICE_PHRASES,
    WRITER_PHRASES,
    available_langs,
    load_pack,
    parse_pack,
)
from grant_interviewer.errors import ContentError

EXPECTED_IDS = {
    "project_title",
    "project_essence",
    "problem",
    "target_audience",
    "geography",
    "goal",
    "tasks",
    "activities",
    "timeline",
    "results",
    "budget_total",
    "budget_breakdown",
    "co_funding",
    "team",
    "organization",
    "partners",
    "risks",
    "sustainability",
    "info_coverage",
}
PRIORITIES = {
    0: {"project_title", "project_essence", "problem", "target_audience", "goal", "budget_total"},
    1: {"geography", "tasks", "activities", "timeline", "results", "co_funding", "team"},
    2: {"budget_breakdown", "organization", "partners", "sustainability", "info_coverage"},
    3: {"risks"},
}


def _raw(lang: str = "ru") -> dict[str, Any]:
    """The raw YAML data of a packaged pack, as a mutable copy."""
    from importlib import resources

    import yaml

    text = resources.files("grant_interviewer.content").joinpath("packs", f"fpg-{lang}.yaml")
    data = yaml.safe_load(text.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return copy.deepcopy(data)


def _point(data: dict[str, Any], rp_id: str) -> dict[str, Any]:
    for rp in data["reference_points"]:
        if rp["id"] == rp_id:
            assert isinstance(rp, dict)
            return rp
    raise KeyError(rp_id)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_packaged_pack_loads_with_expected_ids_priorities_and_budget(lang: str) -> None:
    """Each packaged pack has the 19 reference points with FPG priorities; required = P0+P1."""
    pack = load_pack(lang)
    assert isinstance(pack, ContentPack)
    assert pack.lang == lang and pack.id == f"fpg-{lang}"
    assert set(pack.ids) == EXPECTED_IDS
    assert pack.max_questions == 18
    for priority, ids in PRIORITIES.items():
        assert {rp.id for rp in pack.reference_points if rp.priority == priority} == ids
    for rp in pack.reference_points:
        assert rp.required == (rp.priority <= 1), rp.id
        assert 2 <= len(rp.questions) <= 4 and 1 <= len(rp.followups) <= 4, rp.id
        assert rp.followup_budget <= 2 and rp.hint and rp.example and rp.kb_query, rp.id
    assert pack.point("tasks").depends_on == ("goal",)


def test_both_packs_have_identical_ids_and_phrase_keys() -> None:
    """The ru and en packs define the same reference-point ids (same order) and phrase keys."""
    ru, en = load_pack("ru"), load_pack("en")
    assert ru.ids == en.ids
    assert set(ru.phrases) == set(en.phrases)
    for rp_id in ru.ids:
        assert ru.point(rp_id).priority == en.point(rp_id).priority
        assert (
            ru.point(rp_id).completeness.required_slots
            == en.point(rp_id).completeness.required_slots
        )


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_service_phrase_formats_with_its_placeholders(lang: str) -> None:
    """Every phrase the service uses exists and formats with exactly its documented values."""
    pack = load_pack(lang)
    values = {
        "name": "Анна",
        "limit": 100,
        "title": "T",
        "why": "W.",
        "question": "Q?",
        "done": 1,
        "total": 13,
        "mark": "✅",
        "files": "f",
        "missing": "m",
        "command": "/x",
        "left": 5,
    }
    for key, fields in SERVICE_PHRASES.items():
        text = pack.phrase(key, **{f: values[f] for f in fields})
        assert text.strip(), key
        used = {f for _, f, _, _ in string.Formatter().parse(pack.phrases[key]) if f}
        assert used <= fields
    assert pack.phrase("empty") == pack.phrase("empty_answer")  # AnswerRejected codes
    assert pack.phrase("binary") == pack.phrase("binary_answer")
    assert set(WRITER_PHRASES) <= set(pack.phrases)


def test_load_pack_is_cached_and_unknown_language_is_a_content_error() -> None:
    """load_pack returns the same object per language and refuses unknown languages clearly."""
    assert load_pack("ru") is load_pack("ru")
    assert available_langs() == ("en", "ru")
    with pytest.raises(ContentError, match=r"no content pack for language 'de'; available: en, ru"):
        load_pack("de")


def test_parse_pack_round_trips_the_packaged_data() -> None:
    """parse_pack on the raw YAML builds the same pack load_pack returns."""
    assert parse_pack(_raw("en"), "fpg-en.yaml") == load_pack("en")


def test_unknown_dependency_is_reported_with_ids() -> None:
    """depends_on pointing to an unknown id names the point and the bad id."""
    data = _raw()
    _point(data, "tasks")["depends_on"] = ["gaol"]
    with pytest.raises(ContentError) as err:
        parse_pack(data, "test.yaml")
    assert (
        str(err.value)
        == "test.yaml: reference point 'tasks': depends_on refers to unknown id 'gaol'"
    )


def test_dependency_cycle_is_reported_with_its_path() -> None:
    """A dependency cycle is refused and the message shows the cycle."""
    data = _raw()
    _point(data, "goal")["depends_on"] = ["tasks"]  # tasks already depends on goal
    with pytest.raises(
        ContentError,
        match=r"test\.yaml: dependency cycle: (goal -> tasks -> goal|tasks -> goal -> tasks)",
    ):
        parse_pack(data, "test.yaml")


@pytest.mark.parametrize("priority", [4, -1, "high", True, 1.5])
def test_bad_priority_is_refused(priority: object) -> None:
    """A priority outside the integers 0-3 is refused with the offending value."""
    data = _raw()
    _point(data, "risks")["priority"] = priority
    with pytest.raises(
        ContentError, match=r"reference point 'risks': priority must be an integer 0-3, got "
    ):
        parse_pack(data, "test.yaml")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: _point(d, "goal").update(colour="red"),
            r"reference point 'goal': unknown keys \['colour'\]",
        ),
        (
            lambda d: _point(d, "goal").pop("hint"),
            r"reference point 'goal': missing required field 'hint'",
        ),
        (
            lambda d: d["reference_points"].append(copy.deepcopy(_point(d, "goal"))),
            r"duplicate reference-point id 'goal'",
        ),
        (lambda d: d["phrases"].pop("too_long"), r"missing phrases \['too_long'\]"),
        (
            lambda d: d["phrases"].update(too_long="max {lmit}"),
            r"phrase 'too_long' uses unknown placeholders \['lmit'\]",
        ),
        (
            lambda d: d["phrases"].update(extra_phrase="x"),
            r"phrases: unknown keys \['extra_phrase'\]",
        ),
        (lambda d: d.update(version=2), r"test\.yaml: unknown keys \['version'\]"),
        (lambda d: d.pop("lang"), r"missing required key 'lang'"),
        (
            lambda d: _point(d, "goal")["completeness"].update(required_slots=["money"]),
            r"completeness: unknown slots \['money'\]",
        ),
        (
            lambda d: _point(d, "goal").update(followup_budget=3),
            r"followup_budget must be an integer 0-2",
        ),
        (
            lambda d: _point(d, "goal").update(questions=["Only one?"]),
            r"'questions' needs at least 2",
        ),
        (lambda d: _point(d, "goal").update(depends_on=["goal"]), r"depends_on refers to itself"),
    ],
)
def test_invalid_pack_data_gives_precise_errors(mutate: Any, message: str) -> None:
    """Structural problems in pack data raise ContentError naming the field."""
    data = _raw()
    mutate(data)
    with pytest.raises(ContentError, match=message):
        parse_pack(data, "test.yaml")


def test_non_mapping_pack_is_refused() -> None:
    """A pack that is not a mapping is refused."""
    with pytest.raises(ContentError, match="must be a mapping, got list"):
        parse_pack([], "x.yaml")
