"""Pure-domain interview simulation for tests: engine + template writer + a persona file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from grant_interviewer.domain.engine import InterviewEngine
from grant_interviewer.domain.model import InterviewState, KnowledgeChunk, QuestionRequest
from grant_interviewer.domain.packs import load_pack
from grant_interviewer.domain.template_writer import TemplateWriter
from nlp_reader import offline_reader

PERSONAS = Path(__file__).resolve().parents[1] / "examples" / "personas"
START = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)


@dataclass
class SimResult:
    """The finished state and the (question, reference point, answer) log."""

    state: InterviewState
    engine: InterviewEngine
    log: list[tuple[str, str | None, str]] = field(default_factory=list)

    @property
    def questions(self) -> list[str]:
        """Question texts in order."""
        return [q for q, _, _ in self.log]


def load_persona(name: str) -> dict[str, Any]:
    """Read ``examples/personas/<name>.yaml``."""
    data = yaml.safe_load((PERSONAS / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def persona_answer(data: dict[str, Any], rp: str | None, used: dict[str, int]) -> str:
    """The persona's next answer for reference point ``rp`` (its name for the name question;
    ``used`` counts the answers given per point), whitespace collapsed."""
    if rp is None:
        answer = data["name"]
    else:
        answers = (data.get("answers") or {}).get(rp, [])
        index = used.get(rp, 0)
        answer = answers[index] if index < len(answers) else data["default"]
        used[rp] = index + 1
    return " ".join(str(answer).split())


def simulate(
    persona: str | dict[str, Any],
    *,
    session_id: str = "sim-session",
    max_questions: int | None = None,
    context: tuple[KnowledgeChunk, ...] = (),
) -> SimResult:
    """Loop plan_next → compose → ask → record_answer until the engine has nothing to ask."""
    data = load_persona(persona) if isinstance(persona, str) else persona
    engine = InterviewEngine(load_pack(data["lang"]), max_questions=max_questions,
                             read=offline_reader())
    writer = TemplateWriter()
    state = engine.new_state(session_id=session_id, user_id="u1")
    used: dict[str, int] = {}
    result = SimResult(state=state, engine=engine)
    now = START
    for _ in range(80):
        plan = engine.plan_next(state)
        if plan is None:
            break
        text = writer.compose(QuestionRequest(plan, state, engine.pack, context))
        now += timedelta(seconds=30)
        engine.ask(state, plan, text, now=now)
        rp = plan.reference_point.id if plan.reference_point else None
        answer = persona_answer(data, rp, used)
        result.log.append((text, rp, answer))
        now += timedelta(seconds=60)
        engine.record_answer(state, answer, now=now)
    engine.finish(state, now=now)
    return result
