"""Conversion between :class:`InterviewState` and the rows of ``sessions`` / ``turns``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from grant_interviewer.domain.model import (
    InterviewState,
    ProjectType,
    SessionStatus,
    TopicState,
    TopicStatus,
    Turn,
    UserLevel,
)
from grant_interviewer.domain.understanding.facts import AnswerFacts

SESSION_JSON_COLUMNS = ("slots", "topics", "meta")

TURN_VALUE_COLUMNS = (
    "kind",
    "reference_point",
    "question",
    "answer",
    "asked_at",
    "answered_at",
    "kb_sources",
    "latency_ms",
    "writer",
    "facts",
    "message_ids",
)


def session_row(state: InterviewState, *, version: int) -> dict[str, Any]:
    """The ``sessions`` row of a state, with ``version`` as given."""
    return {
        "id": state.session_id,
        "user_id": state.user_id,
        "lang": state.lang,
        "pack_id": state.pack_id,
        "status": SessionStatus(state.status).value,
        "name": state.name,
        "level": UserLevel(state.level).value,
        "project_type": ProjectType(state.project_type).value,
        "slots": dict(state.slots),
        "topics": {key: topic.to_dict() for key, topic in state.topics.items()},
        "created_at": state.created_at,
        "updated_at": state.updated_at,
        "finished_at": state.finished_at,
        "version": version,
        "meta": dict(state.meta),
    }


def turn_row(session_id: str, turn: Turn) -> dict[str, Any]:
    """The ``turns`` row of one turn."""
    return {
        "session_id": session_id,
        "idx": turn.index,
        "kind": turn.kind,
        "reference_point": turn.reference_point,
        "question": turn.question,
        "answer": turn.answer,
        "asked_at": turn.asked_at,
        "answered_at": turn.answered_at,
        "kb_sources": list(turn.kb_sources),
        "latency_ms": turn.latency_ms,
        "writer": turn.writer,
        "facts": turn.facts.serialised if turn.facts is not None else None,  # read-only
        "message_ids": list(turn.message_ids),
    }


def turn_rows(state: InterviewState) -> list[dict[str, Any]]:
    """The ``turns`` rows of a state, in order."""
    return [turn_row(state.session_id, turn) for turn in state.turns]


def state_from_rows(
    session: Mapping[Any, Any], turns: Iterable[Mapping[Any, Any]]
) -> InterviewState:
    """Rebuild the state from its session row and its turn rows (ordered by ``idx``)."""
    return InterviewState(
        session_id=session["id"],
        user_id=session["user_id"],
        lang=session["lang"],
        pack_id=session["pack_id"],
        status=SessionStatus(session["status"]),
        name=session["name"],
        turns=[
            Turn(
                index=int(row["idx"]),
                kind=row["kind"],
                reference_point=row["reference_point"],
                question=row["question"],
                asked_at=row["asked_at"],
                answer=row["answer"],
                answered_at=row["answered_at"],
                kb_sources=list(row["kb_sources"] or []),
                latency_ms=row["latency_ms"],
                writer=row["writer"],
                facts=AnswerFacts.from_dict(row["facts"]) if row["facts"] else None,
                message_ids=list(row["message_ids"] or []),
            )
            for row in turns
        ],
        topics={
            key: TopicState.from_dict(value) for key, value in (session["topics"] or {}).items()
        },
        slots=dict(session["slots"] or {}),
        level=UserLevel(session["level"]),
        project_type=ProjectType(session["project_type"]),
        created_at=session["created_at"],
        updated_at=session["updated_at"],
        finished_at=session["finished_at"],
        version=int(session["version"]),
        meta=dict(session["meta"] or {}),
    )


def changed_turns(
    rows: Sequence[dict[str, Any]], known: Sequence[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """The rows that differ from ``known`` (what the database holds); all rows if unknown."""
    if known is None:
        return list(rows)
    return [row for i, row in enumerate(rows) if i >= len(known) or known[i] != row]


# ---------------------------------------------------------------- snapshots

@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the database holds for one session at one ``version``, kept by the repository.

    Immutable in practice: the session's JSON columns are kept as JSON text (the topics as
    tuples of their plain values), the turn rows are
    fresh dicts of scalars, lists copied by :func:`turn_row` and the (frozen) facts' shared
    ``serialised`` data. :func:`state_from_snapshot` rebuilds the state a database read would
    give, without the read.
    """

    version: int
    session: dict[str, Any]  # the sessions row; JSON columns as text (topics: tuples), UTC
    rows: list[dict[str, Any]]  # the turns rows, in order (as written: compared on save)
    facts: list[AnswerFacts | None]  # each turn's facts object (rebuilding one costs ~60 us)


# (status, answers, followups, asked, covered_by_turn, missing, weak, last_class)
_FrozenTopic = tuple[TopicStatus, tuple[str, ...], int, int, "int | None", tuple[str, ...], int,
                     str]


def _frozen_topics(topics: Mapping[str, Mapping[str, Any]]) -> tuple[tuple[str, _FrozenTopic], ...]:
    """The ``topics`` column (``TopicState.to_dict`` values) as immutable tuples."""
    return tuple(
        (key, (TopicStatus(d.get("status", "missing")), tuple(d.get("answers") or ()),
               int(d.get("followups", 0)), int(d.get("asked", 0)), d.get("covered_by_turn"),
               tuple(d.get("missing") or ()), int(d.get("weak", 0)), str(d.get("last_class", ""))))
        for key, d in topics.items()
    )


def _thawed_topics(frozen: tuple[tuple[str, _FrozenTopic], ...]) -> dict[str, TopicState]:
    """Fresh :class:`TopicState` objects from :func:`_frozen_topics` (what reading the JSON
    column and ``TopicState.from_dict`` give)."""
    return {
        key: TopicState(status=status, answers=list(answers), followups=followups, asked=asked,
                        covered_by_turn=covered, missing=list(missing), weak=weak,
                        last_class=last_class)
        for key, (status, answers, followups, asked, covered, missing, weak, last_class)
        in frozen
    }


def _utc(value: datetime | None) -> datetime | None:
    """What a ``UTCDateTime`` column gives back for ``value`` (see ``tables.UTCDateTime``)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def snapshot_of(
    state: InterviewState,
    version: int,
    rows: list[dict[str, Any]],
    session: Mapping[str, Any] | None = None,
) -> Snapshot:
    """The snapshot of ``state`` as stored at ``version`` with its turn ``rows``.

    ``session`` is its session row if already built. The JSON columns go through
    ``json.dumps`` here, so later changes to the live state (whose nested values the session
    row shares) cannot reach the snapshot, and loading it back gives exactly what a JSON
    column gives (lists for tuples, string keys).
    """
    session = dict(session) if session is not None else session_row(state, version=version)
    session["version"] = version
    for column in SESSION_JSON_COLUMNS:
        if column == "topics":  # plain values: frozen as tuples, ~5x cheaper than JSON both ways
            session[column] = _frozen_topics(session[column])
        else:
            session[column] = json.dumps(session[column], ensure_ascii=False)
    for column in ("created_at", "updated_at", "finished_at"):
        session[column] = _utc(session[column])
    return Snapshot(version, session, rows, [turn.facts for turn in state.turns])


def state_from_snapshot(snapshot: Snapshot) -> InterviewState:
    """A fresh state equal to what reading the snapshot's version from the database gives."""
    session = dict(snapshot.session)
    for column in SESSION_JSON_COLUMNS:
        if column != "topics":
            session[column] = json.loads(session[column])
    topics = session.pop("topics")
    session["topics"] = {}
    state = state_from_rows(session, ())
    state.topics = _thawed_topics(topics)
    state.turns = [
        Turn(
            index=int(row["idx"]),
            kind=row["kind"],
            reference_point=row["reference_point"],
            question=row["question"],
            asked_at=_utc(row["asked_at"]),  # type: ignore[arg-type]  # never None
            answer=row["answer"],
            answered_at=_utc(row["answered_at"]),
            kb_sources=list(row["kb_sources"]),
            latency_ms=float(row["latency_ms"]) if row["latency_ms"] is not None else None,
            writer=row["writer"],
            facts=facts,
            message_ids=list(row["message_ids"]),
        )
        for row, facts in zip(snapshot.rows, snapshot.facts, strict=True)
    ]
    return state
