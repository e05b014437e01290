"""Whole interviews of the example personas through the real service and offline understanding.

Each persona (terse, number words and mixed languages, evasive, an expert's paste, typos and
self-corrections, republics with inflected places, English) must finish with every required
topic complete, the values of its ``expect`` block in the JSON export, within its question bound,
with no non-answer stored as content and no topic asked as new once it was covered.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from grant_interviewer.adapters.export import export_anketa
from grant_interviewer.domain.model import InterviewState, TopicStatus
from grant_interviewer.domain.understanding.facts import AnswerClass
from grant_interviewer.simulation import SimulationReport, load_persona, simulate
from persona_expect import PERSONAS, load_expect, mismatches

INTERVIEWS = (
    "terse_rural_ru", "numbers_mixed_ru", "evasive_ru", "expert_paste_ru", "typos_ru",
    "elderly_tatarstan_ru", "sports_dagestan_ru", "cooperative_en", "refers_back_ru",
)


@pytest.fixture(scope="module")
def interviews(tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        dict[str, tuple[SimulationReport, InterviewState, dict[str, object]]]]:
    """Every persona interviewed once (one app, the default offline backends, no KB model)."""
    import os

    from grant_interviewer.bootstrap import build_app
    from grant_interviewer.settings import get_settings

    data = tmp_path_factory.mktemp("personas")
    previous = os.environ.get("GRANT_INTERVIEWER_DATA_DIR")
    os.environ["GRANT_INTERVIEWER_DATA_DIR"] = str(data)
    get_settings.cache_clear()

    async def run() -> dict[str, tuple[SimulationReport, InterviewState, dict[str, object]]]:
        app = await build_app(get_settings(), export_dir=None, retriever=False)
        try:
            results = {}
            for name in INTERVIEWS:
                persona = load_persona(PERSONAS / f"{name}.yaml")
                report = await simulate(app.service, persona, user_id=name)
                state = await app.service.find(report.session_id)
                exported = json.loads(export_anketa(app.service.anketa(state), "json"))
                results[name] = (report, state, exported)
            return results
        finally:
            await app.aclose()

    try:
        yield asyncio.run(run())
    finally:
        if previous is None:
            os.environ.pop("GRANT_INTERVIEWER_DATA_DIR", None)
        else:
            os.environ["GRANT_INTERVIEWER_DATA_DIR"] = previous
        get_settings.cache_clear()


@pytest.mark.parametrize("name", INTERVIEWS)
def test_persona_finishes_with_every_required_topic_and_the_right_values(
        interviews: dict[str, tuple[SimulationReport, InterviewState, dict[str, object]]],
        name: str) -> None:
    """The interview ends with all P0/P1 topics complete and the expected values exported,
    within the persona's question bound (14 for a full first message, 18, or 26 for terse)."""
    report, state, exported = interviews[name]
    assert report.finished
    incomplete = [k for k, t in state.topics.items()
                  if t.status != TopicStatus.COMPLETE and _required(state, k)]
    assert incomplete == []
    assert mismatches(load_expect(name), exported, report.questions) == []


@pytest.mark.parametrize("name", INTERVIEWS)
def test_no_non_answer_is_stored_as_content(
        interviews: dict[str, tuple[SimulationReport, InterviewState, dict[str, object]]],
        name: str) -> None:
    """What was a non-answer ("не знаю", "писала выше", "Да, верно.") is in no topic's text."""
    _, state, _ = interviews[name]
    non_answers = [t.answer for t in state.turns if t.facts is not None and t.answer
                   and not t.facts.answer_class.is_content]
    stored = {sentence for topic in state.topics.values() for sentence in topic.answers}
    for answer in non_answers:
        assert answer not in stored, answer
        assert not any(answer in sentence for sentence in stored if len(answer) > 12), answer


@pytest.mark.parametrize("name", INTERVIEWS)
def test_no_topic_is_asked_as_new_once_covered(
        interviews: dict[str, tuple[SimulationReport, InterviewState, dict[str, object]]],
        name: str) -> None:
    """A topic complete before its question (told in another answer) is never asked."""
    from grant_interviewer.domain.coverage import recompute
    from grant_interviewer.domain.packs import load_pack

    _, state, _ = interviews[name]
    pack = load_pack(state.lang)
    for index, turn in enumerate(state.turns):
        if turn.reference_point is None:
            continue
        before = copy.deepcopy(state)
        before.turns = [t for t in before.turns[:index]]
        recompute(pack, before)
        assert before.topics[turn.reference_point].status != TopicStatus.COMPLETE, (
            f"turn {index} asked {turn.reference_point!r}, already complete: {turn.question!r}")


def test_the_expert_paste_is_not_copied_into_every_section(
        interviews: dict[str, tuple[SimulationReport, InterviewState, dict[str, object]]]) -> None:
    """The expert's first message serves many topics, each with its own sentences."""
    _, state, _ = interviews["expert_paste_ru"]
    paste = state.turns[1].answer or ""
    assert state.turns[1].facts is not None
    assert state.turns[1].facts.answer_class == AnswerClass.SUBSTANTIVE
    served = [k for k, t in state.topics.items() if t.answers and k != "project_essence"]
    assert len(served) >= 8
    for rp_id in served:
        assert paste not in " ".join(state.topics[rp_id].answers), rp_id


def _required(state: InterviewState, rp_id: str) -> bool:
    from grant_interviewer.domain.packs import load_pack

    return load_pack(state.lang).point(rp_id).required


def test_interviews_path_is_the_examples_folder() -> None:
    """The personas exercised here are the shipped examples."""
    assert all((PERSONAS / f"{name}.yaml").exists() for name in INTERVIEWS)
    assert Path(PERSONAS).name == "personas"
