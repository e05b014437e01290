"""Simulated applicants: run a whole interview from a persona file and report on it.

A persona (YAML) has ``name``, ``lang``, ``answers: {REFERENCE_POINT_ID: [first answer, answer to a
follow-up, ...]}`` and ``default`` (said when asked about anything it has no answer left for). The
simulator answers each question with the next unused answer for the reference point the question
targets, and the name question with ``name``. An optional ``expect`` mapping (the values the
finished anketa must hold, read by tests) is accepted and ignored here.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grant_interviewer.domain.model import ContentPack, InterviewState, Turn
from grant_interviewer.errors import ContentError
from grant_interviewer.service import InterviewService, Reply

MAX_PERSONA_BYTES = 1_000_000
MAX_TURNS = 80  # a runaway guard far above any question budget


@dataclass(frozen=True)
class Persona:
    """A simulated applicant."""

    name: str
    lang: str
    answers: dict[str, tuple[str, ...]]
    default: str
    source: str = ""


@dataclass
class SimulationReport:
    """What happened in a simulated interview (``to_dict`` is the ``simulate --json`` shape)."""

    finished: bool
    session_id: str
    turns: list[dict[str, Any]] = field(default_factory=list)
    anketa: dict[str, Any] = field(default_factory=dict)
    missing: list[dict[str, Any]] = field(default_factory=list)
    fact_sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def questions(self) -> int:
        """How many questions were asked (the name question included)."""
        return len(self.turns)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return {
            "finished": self.finished,
            "session_id": self.session_id,
            "questions": self.questions,
            "turns": self.turns,
            "anketa": self.anketa,
            "missing": self.missing,
            "writers": dict(Counter(t.get("writer", "?") for t in self.turns)),
            "fact_sources": self.fact_sources,
        }


def load_persona(path: Path, *, known_ids: Collection[str] | None = None) -> Persona:
    """Read and validate a persona file; every problem is a ContentError with a clear message."""
    import yaml

    if not path.exists():
        raise ContentError(f"persona file not found: {path}")
    if not path.is_file():
        raise ContentError(f"persona path is not a file: {path}")
    raw = path.read_bytes()
    if len(raw) > MAX_PERSONA_BYTES:
        raise ContentError(f"persona file is too large ({len(raw)} bytes, max {MAX_PERSONA_BYTES})")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(f"persona file is not UTF-8 text: {path}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ContentError(f"persona file is not valid YAML: {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ContentError(f"persona file must be a YAML mapping with name/lang/answers: {path}")
    allowed = {"name", "lang", "answers", "default", "description", "expect"}
    unknown_keys = sorted(set(data) - allowed)
    if unknown_keys:
        raise ContentError(f"persona {path}: unknown keys {unknown_keys}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ContentError(f"persona {path}: 'name' must be a non-empty string")
    lang = data.get("lang", "ru")
    if lang not in ("ru", "en"):
        raise ContentError(f"persona {path}: 'lang' must be 'ru' or 'en', not {lang!r}")
    answers_raw = data.get("answers") or {}
    if not isinstance(answers_raw, dict):
        raise ContentError(f"persona {path}: 'answers' must map reference-point ids to lists")
    answers: dict[str, tuple[str, ...]] = {}
    for rp_id, value in answers_raw.items():
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise ContentError(f"persona {path}: answers for {rp_id!r} must be a list of strings")
        answers[str(rp_id)] = tuple(items)
    if known_ids is not None:
        unknown = sorted(set(answers) - set(known_ids))
        if unknown:
            raise ContentError(
                f"persona {path}: unknown reference-point ids {unknown}; "
                f"known ids: {', '.join(sorted(known_ids))}"
            )
    default = data.get("default", "Не знаю." if lang == "ru" else "I don't know.")
    if not isinstance(default, str) or not default.strip():
        raise ContentError(f"persona {path}: 'default' must be a non-empty string")
    return Persona(name=name.strip(), lang=lang, answers=answers, default=default, source=str(path))


async def simulate(
    service: InterviewService,
    persona: Persona,
    *,
    user_id: str,
    typing_delay: float = 0.0,
    on_turn: Callable[[dict[str, Any]], None] | None = None,
    go_on: bool = True,
) -> SimulationReport:
    """Run a whole interview for ``persona`` through ``service`` and report on it.

    When the question budget runs out with required topics missing, the simulated person goes
    on (``/continue``) like a real applicant would, unless ``go_on`` is False.
    """
    used: dict[str, int] = {}
    reply: Reply = await service.start(user_id, lang=persona.lang)
    turns: list[dict[str, Any]] = []
    while len(turns) < MAX_TURNS:
        if go_on and reply.kind == "confirm" and reply.question is None and any(
            a.command == "/continue" for a in reply.actions
        ):
            reply = await service.handle(user_id, "/continue")  # a real applicant goes on
            continue
        if reply.finished or reply.question is None:
            break
        answer = next_answer(persona, reply, used)
        turn = {
            "question": reply.question,
            "reference_point": reply.reference_point,
            "answer": answer,
            "latency_ms": round(reply.latency_ms, 3),
            "kb_context": reply.kb_context,
            "kb_sources": list(reply.kb_sources),
        }
        turns.append(turn)
        if on_turn is not None:
            on_turn(turn)
        if typing_delay > 0:
            await asyncio.sleep(typing_delay)  # the simulated person is typing
        started = time.perf_counter()
        reply = await service.handle(user_id, answer)
        turn["reply_ms"] = round((time.perf_counter() - started) * 1000.0, 3)
    if reply.finished:
        await service.write_exports(reply.session_id)
    state = await service.find(reply.session_id)
    anketa = service.anketa(state).to_dict()
    annotate_writers(turns, state)
    return SimulationReport(
        finished=reply.finished,
        session_id=reply.session_id,
        turns=turns,
        anketa=anketa,
        missing=list(anketa.get("missing", [])),
        fact_sources=fact_sources(state, service.engine(state.lang).pack),
    )


def annotate_writers(turns: list[dict[str, Any]], state: InterviewState) -> None:
    """Add to each reported turn the writer of its question (``template``, ``openai:<model>``,
    ``gigachat:<model>``, ``…+prefetch``) and the source of its answer's facts."""
    asked = list(state.turns)
    for turn in turns:
        match = next((t for t in asked if t.question == turn["question"]), None)
        if match is None:
            continue
        asked.remove(match)
        turn["writer"] = match.writer
        turn["facts_source"] = _source_of(match)


def fact_sources(state: InterviewState, pack: ContentPack) -> dict[str, dict[str, Any]]:
    """For every value of the interview, the answer that first gave it and who read it there.

    Replays the answers one by one (as the coverage does), so the turn is the one whose answer
    made the value appear; ``source`` is its facts' source (``offline``, ``llm``, ``merged``)
    or ``rules`` when the value came from the domain's pattern analysis alone.
    """
    from grant_interviewer.domain.coverage import recompute

    found: dict[str, dict[str, Any]] = {}
    replay = InterviewState.from_dict(state.to_dict())
    turns = list(replay.turns)
    for index, turn in enumerate(turns):
        if turn.answer is None:
            continue
        replay.turns = turns[: index + 1]
        recompute(pack, replay)
        for slot in replay.slots:
            if slot not in found:
                found[slot] = {"turn": turn.index, "reference_point": turn.reference_point,
                               "source": _source_of(turn)}
    return {slot: found[slot] for slot in sorted(found) if slot in state.slots}


def _source_of(turn: Turn) -> str:
    return turn.facts.source if turn.facts is not None else "rules"


def next_answer(persona: Persona, reply: Reply, used: dict[str, int]) -> str:
    """The persona's next unused answer for the reply's reference point (``used`` counts)."""
    rp = reply.reference_point
    if rp is None:
        return persona.name
    answers = persona.answers.get(rp, ())
    index = used.get(rp, 0)
    if index < len(answers):
        used[rp] = index + 1
        return answers[index]
    return persona.default
