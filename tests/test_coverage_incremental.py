"""A question asked is counted into the coverage without replaying the answers, with the result
a full replay gives."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain_sim import PERSONAS, load_persona, persona_answer
from grant_interviewer.domain import coverage
from grant_interviewer.domain import engine as engine_module
from grant_interviewer.domain.engine import InterviewEngine
from grant_interviewer.domain.model import InterviewState, QuestionRequest
from grant_interviewer.domain.packs import load_pack
from grant_interviewer.domain.template_writer import TemplateWriter
from nlp_reader import offline_reader

START = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)


def _replayed(engine: InterviewEngine, state: InterviewState) -> InterviewState:
    fresh = copy.deepcopy(state)
    fresh.__dict__.pop("_coverage_memo", None)
    coverage.recompute(engine.pack, fresh, read=offline_reader())
    return fresh


def _walk(persona: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The persona's interview through the engine; after every question asked, the coverage
    is compared with a full replay of a copy. Counts how each question was brought in."""
    replays: list[int] = []
    real = engine_module.recompute

    def counted(*args: object, **kwargs: object) -> None:
        replays.append(1)
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_module, "recompute", counted)
    data = load_persona(persona)
    engine = InterviewEngine(load_pack(data["lang"]), read=offline_reader())
    writer = TemplateWriter()
    state = engine.new_state(session_id="s", user_id="u")
    used: dict[str, int] = {}
    now = START
    seen = {"asked": 0, "counted": 0, "exact": 0}
    for _ in range(80):
        plan = engine.plan_next(state)
        if plan is None:
            break
        text = writer.compose(QuestionRequest(plan, state, engine.pack, ()))
        now += timedelta(seconds=30)
        rp = plan.reference_point.id if plan.reference_point else None
        missing_before = list(state.topics[rp].missing) if rp else []
        before = len(replays)
        engine.ask(state, plan, text, now=now)
        seen["asked"] += 1
        if len(replays) == before:
            seen["counted"] += 1
        elif plan.kind == "followup":
            assert missing_before == ["exact"], "only the exact-figure follow-up is replayed"
            seen["exact"] += 1
        else:
            assert plan.kind == "name", f"a {plan.kind} question was replayed"
        replayed = _replayed(engine, state)
        assert state.topics == replayed.topics, f"after question {seen['asked']} ({plan.kind})"
        assert state.slots == replayed.slots
        assert (state.name, state.level, state.project_type) == (
            replayed.name, replayed.level, replayed.project_type)
        now += timedelta(seconds=60)
        engine.record_answer(state, persona_answer(data, rp, used), now=now)
    return seen


@pytest.mark.parametrize("persona", sorted(p.stem for p in Path(PERSONAS).glob("*.yaml")))
def test_every_question_asked_leaves_the_coverage_a_replay_gives(
        persona: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _walk(persona, monkeypatch)
    assert seen["counted"] == seen["asked"] - 1 - seen["exact"]  # all but the name question


def test_a_follow_up_for_the_exact_figure_is_replayed(monkeypatch: pytest.MonkeyPatch) -> None:
    """"About a million" keeps the budget open for one follow-up, and asking it closes the topic:
    only a replay tells that (the counts alone do not), and the result is the replay's."""
    assert _walk("cultural_en", monkeypatch)["exact"] >= 1
