"""Persona files load in the simulator; the issue-#7 personas carry sound expect blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from grant_interviewer.domain.packs import load_pack
from grant_interviewer.simulation import load_persona
from persona_expect import EXPECT_KEYS, PERSONAS, load_expect, mismatches

NEW_PERSONAS = (
    "terse_rural_ru", "numbers_mixed_ru", "evasive_ru", "expert_paste_ru", "typos_ru",
    "elderly_tatarstan_ru", "sports_dagestan_ru", "cooperative_en", "refers_back_ru",
)
QUESTION_BOUNDS = {14, 18, 26}


@pytest.mark.parametrize("path", sorted(PERSONAS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_persona_loads_in_the_simulator(path: Path) -> None:
    """The simulator reads each persona (an expect block is accepted) with known topic ids."""
    persona = load_persona(path, known_ids=load_pack("ru").ids)
    assert persona.answers


@pytest.mark.parametrize("name", NEW_PERSONAS)
def test_new_persona_has_a_sound_expect_block(name: str) -> None:
    """Known keys, a question bound from the issue, a period consistent with its duration."""
    expect = load_expect(name)
    assert set(expect) <= EXPECT_KEYS
    assert {"project_title", "requested_amount", "duration_months", "beneficiaries", "region",
            "max_questions"} <= set(expect)
    assert expect["max_questions"] in QUESTION_BOUNDS
    if {"start", "end"} <= set(expect):
        (y1, m1), (y2, m2) = (map(int, expect[k].split("-")) for k in ("start", "end"))
        assert (y2 - y1) * 12 + m2 - m1 + 1 == expect["duration_months"]


@pytest.mark.parametrize("name", NEW_PERSONAS)
def test_new_persona_answers_every_required_topic(name: str) -> None:
    """Each required (P0/P1) topic has an answer list, so the persona can finish the interview."""
    persona = load_persona(PERSONAS / f"{name}.yaml")
    pack = load_pack(persona.lang)
    required = [rp.id for rp in pack.reference_points if rp.required]
    assert set(required) <= set(persona.answers), set(required) - set(persona.answers)


def test_mismatches_reads_the_export_shape() -> None:
    """The expect checker follows the JSON-export paths and compares text loosely."""
    anketa = {
        "project_title": "«Солнечный круг»",
        "values": {"requested_amount": {"amount": 1_350_000.0}, "co_funding": {"amount": 2.5e5},
                   "settlements": ["Кемерово"], "region": "Кемеровская область"},
    }
    expect = {"project_title": "солнечный круг", "requested_amount": 1350000,
              "co_funding_amount": 250000, "settlements": ["кемерово"],
              "region": "Кемеровская область", "duration_months": 10, "max_questions": 18}
    assert mismatches(expect, anketa, questions=20) == [
        "duration_months: expected 10, got None", "20 questions > max_questions 18",
    ]
