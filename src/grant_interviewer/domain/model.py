"""Domain types shared by every layer: reference points, content packs, interview state.

All state is plain data that round-trips through :meth:`to_dict` / ``from_dict`` so that the
storage adapter can persist it as JSON and nothing is lost between turns or processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from grant_interviewer.domain.understanding.facts import AnswerFacts

Priority = Literal[0, 1, 2, 3]
QuestionKind = Literal["name", "topic", "followup", "confirm"]


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class TopicStatus(StrEnum):
    """How far a reference point has been covered."""

    MISSING = "missing"
    PARTIAL = "partial"
    COMPLETE = "complete"
    SKIPPED = "skipped"


class SessionStatus(StrEnum):
    """Lifecycle of an interview session."""

    ACTIVE = "active"
    FINISHED = "finished"
    ABANDONED = "abandoned"  # replaced by /restart


class UserLevel(StrEnum):
    """How experienced the applicant seems to be with grant applications."""

    NOVICE = "novice"
    INTERMEDIATE = "intermediate"
    EXPERT = "expert"


class ProjectType(StrEnum):
    """The kind of project, inferred from the answers; shapes wording and hints."""

    SOCIAL = "social"
    EDUCATIONAL = "educational"
    CULTURAL = "cultural"
    SPORTS = "sports"
    HEALTH = "health"
    ECOLOGY = "ecology"
    OTHER = "other"


@dataclass(frozen=True)
class Completeness:
    """What makes an answer on a reference point complete.

    ``keywords`` are alternatives: any one of them counts (never all at once).
    ``required_slots`` must all be present in the interview's slots (see ``analysis``).
    """

    min_chars: int = 0
    min_words: int = 0
    required_slots: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReferencePoint:
    """A required or optional topic of the questionnaire ("reference point")."""

    id: str
    title: str
    description: str
    priority: Priority
    required: bool
    anketa_section: str
    completeness: Completeness = field(default_factory=Completeness)
    depends_on: tuple[str, ...] = ()
    hint: str = ""
    example: str = ""
    questions: tuple[str, ...] = ()
    followups: tuple[str, ...] = ()
    followup_budget: int = 2
    kb_query: str = ""
    # Lemmas that mark a sentence as serving this topic ("стоимость", "статья расход*": a
    # trailing * matches any ending; several words must follow each other). See adapters/nlp.
    cues: tuple[str, ...] = ()
    # examples for particular grant directions (domain.directions ids): (direction, example)
    examples: tuple[tuple[str, str], ...] = ()

    def example_for(self, keys: tuple[str, ...]) -> str:
        """The example for the first of ``keys`` that has one, else the general ``example``."""
        variants = dict(self.examples)
        for key in keys:
            if key in variants:
                return variants[key]
        return self.example


@dataclass(frozen=True)
class ContentPack:
    """A language's reference points plus the phrases the interviewer says around questions."""

    id: str
    lang: str
    title: str
    reference_points: tuple[ReferencePoint, ...]
    phrases: dict[str, str]
    max_questions: int = 18

    def point(self, rp_id: str) -> ReferencePoint:
        """Return the reference point with this id (KeyError if unknown)."""
        for rp in self.reference_points:
            if rp.id == rp_id:
                return rp
        raise KeyError(rp_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """All reference-point ids in pack order."""
        return tuple(rp.id for rp in self.reference_points)

    def phrase(self, key: str, **values: object) -> str:
        """Return the phrase ``key`` formatted with ``values``."""
        return self.phrases[key].format(**values)


@dataclass
class Turn:
    """One question and, once given, its answer."""

    index: int
    kind: QuestionKind
    reference_point: str | None
    question: str
    asked_at: datetime
    answer: str | None = None
    answered_at: datetime | None = None
    kb_sources: list[str] = field(default_factory=list)
    latency_ms: float | None = None
    writer: str = "template"
    facts: AnswerFacts | None = None  # what the answer was understood to say (analysed once)
    message_ids: list[str] = field(default_factory=list)  # channel messages the answer came in

    def to_dict(self) -> dict[str, Any]:
        """Serialise to JSON-compatible data."""
        return {
            "index": self.index,
            "kind": self.kind,
            "reference_point": self.reference_point,
            "question": self.question,
            "asked_at": self.asked_at.isoformat(),
            "answer": self.answer,
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "kb_sources": list(self.kb_sources),
            "latency_ms": self.latency_ms,
            "writer": self.writer,
            "facts": self.facts.to_dict() if self.facts is not None else None,
            "message_ids": list(self.message_ids),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Turn:
        """Inverse of :meth:`to_dict`."""
        answered = data.get("answered_at")
        return cls(
            index=int(data["index"]),
            kind=data["kind"],
            reference_point=data.get("reference_point"),
            question=data["question"],
            asked_at=datetime.fromisoformat(data["asked_at"]),
            answer=data.get("answer"),
            answered_at=datetime.fromisoformat(answered) if answered else None,
            kb_sources=list(data.get("kb_sources") or []),
            latency_ms=data.get("latency_ms"),
            writer=data.get("writer", "template"),
            facts=AnswerFacts.from_dict(data["facts"]) if data.get("facts") else None,
            message_ids=list(data.get("message_ids") or []),
        )


@dataclass
class TopicState:
    """Progress on one reference point."""

    status: TopicStatus = TopicStatus.MISSING
    answers: list[str] = field(default_factory=list)
    followups: int = 0
    asked: int = 0
    covered_by_turn: int | None = None  # the turn whose answer covered it, if any
    missing: list[str] = field(default_factory=list)  # what is still lacking (slot names, aspects)
    weak: int = 0  # direct answers that left it incomplete (non-answers included)
    last_class: str = ""  # the AnswerClass of the last direct answer

    def to_dict(self) -> dict[str, Any]:
        """Serialise to JSON-compatible data."""
        return {
            "status": self.status.value,
            "answers": list(self.answers),
            "followups": self.followups,
            "asked": self.asked,
            "covered_by_turn": self.covered_by_turn,
            "missing": list(self.missing),
            "weak": self.weak,
            "last_class": self.last_class,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TopicState:
        """Inverse of :meth:`to_dict`."""
        return cls(
            status=TopicStatus(data.get("status", "missing")),
            answers=list(data.get("answers") or []),
            followups=int(data.get("followups", 0)),
            asked=int(data.get("asked", 0)),
            covered_by_turn=data.get("covered_by_turn"),
            missing=list(data.get("missing") or []),
            weak=int(data.get("weak", 0)),
            last_class=str(data.get("last_class", "")),
        )


@dataclass
class InterviewState:
    """Everything known about one interview; the unit the repository persists."""

    session_id: str
    user_id: str
    lang: str
    pack_id: str
    status: SessionStatus = SessionStatus.ACTIVE
    name: str | None = None
    turns: list[Turn] = field(default_factory=list)
    topics: dict[str, TopicState] = field(default_factory=dict)
    slots: dict[str, Any] = field(default_factory=dict)
    level: UserLevel = UserLevel.INTERMEDIATE
    project_type: ProjectType = ProjectType.OTHER
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    finished_at: datetime | None = None
    version: int = 0  # optimistic-concurrency counter, bumped by the repository on save
    meta: dict[str, Any] = field(default_factory=dict)  # the policy's own state (see engine)

    @property
    def pending_turn(self) -> Turn | None:
        """The last turn if it still waits for an answer."""
        if self.turns and self.turns[-1].answer is None:
            return self.turns[-1]
        return None

    @property
    def questions_asked(self) -> int:
        """How many questions were asked, the name question included."""
        return len(self.turns)

    def to_dict(self) -> dict[str, Any]:
        """Serialise to JSON-compatible data (turns included)."""
        return {
            "session_id": self.session_id,
            "user_id": self.user_id,
            "lang": self.lang,
            "pack_id": self.pack_id,
            "status": self.status.value,
            "name": self.name,
            "turns": [t.to_dict() for t in self.turns],
            "topics": {k: v.to_dict() for k, v in self.topics.items()},
            "slots": dict(self.slots),
            "level": self.level.value,
            "project_type": self.project_type.value,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "version": self.version,
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InterviewState:
        """Inverse of :meth:`to_dict`."""
        finished = data.get("finished_at")
        return cls(
            session_id=data["session_id"],
            user_id=data["user_id"],
            lang=data["lang"],
            pack_id=data["pack_id"],
            status=SessionStatus(data.get("status", "active")),
            name=data.get("name"),
            turns=[Turn.from_dict(t) for t in data.get("turns") or []],
            topics={k: TopicState.from_dict(v) for k, v in (data.get("topics") or {}).items()},
            slots=dict(data.get("slots") or {}),
            level=UserLevel(data.get("level", "intermediate")),
            project_type=ProjectType(data.get("project_type", "other")),
            created_at=datetime.fromisoformat(data["created_at"]),
            updated_at=datetime.fromisoformat(data["updated_at"]),
            finished_at=datetime.fromisoformat(finished) if finished else None,
            version=int(data.get("version", 0)),
            meta=dict(data.get("meta") or {}),
        )


@dataclass(frozen=True)
class KnowledgeChunk:
    """A piece of the knowledge base returned by retrieval."""

    id: str
    text: str
    source: str
    heading: str
    lang: str
    reference_points: tuple[str, ...] = ()
    score: float = 0.0


@dataclass(frozen=True)
class PlannedQuestion:
    """What the next question must be about; the writer turns it into words."""

    kind: QuestionKind
    reference_point: ReferencePoint | None
    missing: tuple[str, ...] = ()  # slot names / aspects the follow-up must ask for


@dataclass(frozen=True)
class QuestionRequest:
    """Everything a question writer may use to word a question."""

    plan: PlannedQuestion
    state: InterviewState
    pack: ContentPack
    context: tuple[KnowledgeChunk, ...] = ()
