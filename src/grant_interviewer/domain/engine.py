"""The interview engine: what to ask next, and what an answer, a skip or a step back changes.

Pure and synchronous. The state is recomputed from the answered turns after every change (see
:mod:`grant_interviewer.domain.coverage`), so the engine holds no per-interview memory and one
engine per content pack serves every interview.

Policy, in order: the name first; a follow-up on the topic just answered when its answer was weak
(within the topic's follow-up budget and only if the remaining question budget still leaves room
for every required topic not yet asked); otherwise the highest-priority topic (P0 before P3, pack
order within a priority) that is neither complete nor skipped, was not asked yet and whose
``depends_on`` topics were dealt with. A required topic the person tried to skip comes back after
:data:`DEFER_TURNS` other questions (at most :data:`MAX_REQUIRED_SKIPS` times). Optional topics
are asked after the required ones while the question budget lasts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from grant_interviewer.domain.coverage import SKIP_MARKER, FactsReader, count_asked, recompute
from grant_interviewer.domain.model import (
    ContentPack,
    InterviewState,
    PlannedQuestion,
    QuestionKind,
    ReferencePoint,
    SessionStatus,
    TopicState,
    TopicStatus,
    Turn,
)
from grant_interviewer.domain.understanding.facts import AnswerFacts
from grant_interviewer.domain.understanding.legacy import legacy_facts
from grant_interviewer.errors import InputError

__all__ = [
    "DEFER_TURNS",
    "MAX_REQUIRED_SKIPS",
    "SKIP_MARKER",
    "AnswerOutcome",
    "InterviewEngine",
    "Progress",
    "ProgressRow",
    "SkipOutcome",
]

logger = logging.getLogger(__name__)

DEFER_TURNS = 3
MAX_REQUIRED_SKIPS = 2
PARK_AFTER_WEAK = 2  # a topic with this many weak answers waits for the end of the interview
# answers that get a gentle follow-up at once ("не знаю", "писала выше", "а что писать?");
# a deferral ("потом скажу") parks the topic until the end instead
_FOLLOW_UP_CLASSES = frozenset({"non_answer", "refers_back", "question_back", "off_topic"})
EXTRA_PER_TOPIC = 2  # questions added per missing required topic when the person goes on
MAX_ROUNDS = 2  # times the interview offers to go on past its budget (/continue after the end
# reopens it once more on request)


@dataclass(frozen=True)
class AnswerOutcome:
    """What an answer changed."""

    turn: Turn
    name: str | None = None  # set when the answer was to the name question
    completed: tuple[str, ...] = ()  # topics that became complete with this answer
    partial: tuple[str, ...] = ()  # topics answered but still incomplete
    covered_elsewhere: tuple[str, ...] = ()  # completed topics other than the one asked
    new_slots: tuple[str, ...] = ()


@dataclass(frozen=True)
class SkipOutcome:
    """The result of ``/skip``: optional topics are skipped, required ones are deferred."""

    skipped: bool
    reference_point: ReferencePoint | None = None
    why: str = ""


@dataclass(frozen=True)
class ProgressRow:
    """One topic's line in a progress report."""

    reference_point: ReferencePoint
    status: TopicStatus


@dataclass(frozen=True)
class Progress:
    """How far an interview is: ``done`` of ``total`` required topics complete."""

    done: int
    total: int
    rows: tuple[ProgressRow, ...]
    questions_asked: int
    max_questions: int

    @property
    def percent(self) -> int:
        """Share of required topics done, 0-100."""
        return round(100 * self.done / self.total) if self.total else 100


# Where a state keeps the key of its last coverage rebuild (not a dataclass field: never saved,
# compared or copied as data).
_COVERAGE_MEMO = "_coverage_memo"


class InterviewEngine:
    """Plans questions and applies answers for one content pack."""

    def __init__(self, pack: ContentPack, *, max_questions: int | None = None,
                 read: FactsReader | None = None) -> None:
        self.pack = pack
        self.max_questions = max_questions if max_questions is not None else pack.max_questions
        self._read = read  # reads an answer stored without facts (None: the legacy reading)

    def recompute(self, state: InterviewState) -> None:
        """Rebuild the state's coverage from its turns (see :mod:`.coverage`).

        A turn asks for it several times (record, plan, progress); when the turns are the same
        as at the last rebuild of this very state (and its topics and slots are the ones that
        rebuild made), the result stands: ~1 ms of replay saved per call. When the one change
        since is a question asked (a new unanswered last turn), the replay's only difference
        is counted in (:func:`.coverage.count_asked`) instead of replaying every answer.
        """
        key = (self.pack.id, tuple(
            (t.index, t.kind, t.reference_point, t.question, t.answer, id(t.facts))
            for t in state.turns))
        memo = state.__dict__.get(_COVERAGE_MEMO)
        if memo is not None and memo[1] is state.topics and memo[2] is state.slots:
            if memo[0] == key:
                return
            earlier = memo[0][1]
            if (memo[0][0] == key[0] and len(key[1]) == len(earlier) + 1
                    and key[1][:-1] == earlier and count_asked(state, state.turns[-1])):
                state.__dict__[_COVERAGE_MEMO] = (key, state.topics, state.slots)
                return
        recompute(self.pack, state, read=self._read)
        state.__dict__[_COVERAGE_MEMO] = (key, state.topics, state.slots)

    def read(self, text: str, lang: str, asked: str | None) -> AnswerFacts:
        """The facts of an answer when the caller did not analyse it (blocking, rules only)."""
        if self._read is not None:
            return self._read(text, lang, asked)
        return legacy_facts(text, lang, asked)

    # ------------------------------------------------------------------ lifecycle
    def new_state(self, *, session_id: str, user_id: str) -> InterviewState:
        """A fresh interview in this pack's language."""
        state = InterviewState(
            session_id=session_id, user_id=user_id, lang=self.pack.lang, pack_id=self.pack.id
        )
        state.topics = {rp.id: TopicState() for rp in self.pack.reference_points}
        return state

    def finish(self, state: InterviewState, *, now: datetime) -> None:
        """Mark the interview finished."""
        state.status = SessionStatus.FINISHED
        state.finished_at = now
        state.updated_at = now

    def reopen(self, state: InterviewState, *, now: datetime) -> None:
        """Make a finished interview active again to fill in what is missing (``/continue``)."""
        state.status = SessionStatus.ACTIVE
        state.finished_at = None
        state.updated_at = now
        self.extend_budget(state)

    def extend_budget(self, state: InterviewState) -> None:
        """Give the interview room for the required topics still missing, and let topics that
        were asked already (parked after weak answers) be asked once more."""
        self.recompute(state)
        missing = sum(
            1 for rp in self.pack.reference_points
            if rp.required and state.topics[rp.id].status != TopicStatus.COMPLETE
        )
        asked = sum(1 for t in state.turns if t.answer is not None)
        state.meta["budget"] = max(self.budget(state), asked) + EXTRA_PER_TOPIC * max(missing, 1)
        state.meta["rounds"] = int(state.meta.get("rounds", 0)) + 1

    def can_go_on(self, state: InterviewState) -> bool:
        """Whether one more round (``/continue``) would still have a required topic to ask."""
        rounds = int(state.meta.get("rounds", 0))
        if rounds >= MAX_ROUNDS:
            return False
        state.meta["rounds"] = rounds + 1
        try:
            return any(self._revisit(state, rp) for rp in self.pack.reference_points)
        finally:
            state.meta["rounds"] = rounds

    def budget(self, state: InterviewState) -> int:
        """The question budget of this interview (the pack's, or more after ``/continue``)."""
        return max(self.max_questions, int(state.meta.get("budget", 0)))

    # ------------------------------------------------------------------ planning
    def plan_next(self, state: InterviewState) -> PlannedQuestion | None:
        """The next question to ask, or None when the interview is done."""
        if state.status != SessionStatus.ACTIVE:
            return None
        self.recompute(state)
        answered = [t for t in state.turns if t.answer is not None]
        if state.name is None and not any(t.kind == "name" for t in answered):
            return PlannedQuestion(kind="name", reference_point=None)
        asked = len(answered)
        if asked >= self.budget(state):
            return None
        last = next((t for t in reversed(answered) if t.kind != "name"), None)
        if last is not None and last.answer != SKIP_MARKER and last.reference_point:
            rp = self.pack.point(last.reference_point)
            topic = state.topics[rp.id]
            weak = topic.status != TopicStatus.COMPLETE and (
                topic.status == TopicStatus.PARTIAL or topic.last_class in _FOLLOW_UP_CLASSES
            ) and topic.missing != ["confirm"]
            # a confirmation answered with something else ("бюджет 120 000" to "Название —
            # «Тёплый дом», верно?"): the person moved on; the guess is confirmed at the end
            if (
                weak
                and topic.followups < min(rp.followup_budget, 2)
                and topic.weak < PARK_AFTER_WEAK + (1 if topic.last_class == "question_back"
                                                    else 0)
                and (rp.required or (self.required_complete(state)  # importance first
                                     and topic.last_class not in _FOLLOW_UP_CLASSES
                                     and asked + 1 < self.max_questions))
                and self._room_for(state, asked)
            ):
                # the writer reads what the last answer was from the turn's facts
                return PlannedQuestion(kind="followup", reference_point=rp,
                                       missing=tuple(topic.missing))
        candidates = [rp for rp in self.pack.reference_points if self._eligible(state, rp)]
        if not any(rp.required for rp in candidates):
            # every required topic was asked: the parked ones (weak answers so far) come back
            # before the optional topics
            parked = [rp for rp in self.pack.reference_points if self._revisit(state, rp)]
            candidates = parked or candidates
        if not candidates:  # nothing else left: a deferred required topic need not wait longer
            candidates = [
                rp
                for rp in self.pack.reference_points
                if self._eligible(state, rp, waited=True)
            ]
        if not candidates:  # parked topics (weak answers so far) are revisited at the end
            candidates = [rp for rp in self.pack.reference_points if self._revisit(state, rp)]
        if not candidates:
            return None
        ready = [rp for rp in candidates if all(self._settled(state, d) for d in rp.depends_on)]
        order = {rp.id: i for i, rp in enumerate(self.pack.reference_points)}
        chosen = min(ready or candidates, key=lambda rp: (rp.priority, order[rp.id]))
        if not chosen.required and (not self._room_for(state, asked)
                                    or asked >= self.max_questions):
            return None  # optional topics only within the pack's budget, not the extension
        topic = state.topics[chosen.id]
        kind: QuestionKind = "confirm" if topic.missing == ["confirm"] else "topic"
        return PlannedQuestion(kind=kind, reference_point=chosen, missing=tuple(topic.missing))

    def _direct_turns(self, state: InterviewState, rp_id: str) -> list[Turn]:
        return [t for t in state.turns if t.reference_point == rp_id and t.answer is not None]

    def _eligible(self, state: InterviewState, rp: ReferencePoint, *, waited: bool = False) -> bool:
        """Not complete or skipped, and not asked yet (or a deferred required topic now due)."""
        topic = state.topics[rp.id]
        if topic.status in (TopicStatus.COMPLETE, TopicStatus.SKIPPED):
            return False
        turns = self._direct_turns(state, rp.id)
        if not turns:
            return True
        if any(t.answer != SKIP_MARKER for t in turns) or len(turns) >= MAX_REQUIRED_SKIPS:
            return False
        since = sum(1 for t in state.turns if t.index > turns[-1].index and t.answer is not None)
        return waited or since >= DEFER_TURNS

    def _revisit(self, state: InterviewState, rp: ReferencePoint) -> bool:
        """A required topic still incomplete after its questions, asked again in a later round."""
        topic = state.topics[rp.id]
        if not rp.required or topic.status == TopicStatus.COMPLETE:
            return False
        rounds = int(state.meta.get("rounds", 0))
        turns = self._direct_turns(state, rp.id)
        if not turns:
            return False  # never asked: not a revisit
        if rounds == 0 and all(t.answer == SKIP_MARKER for t in turns):
            return False  # skipped on purpose: asked again only when the person chooses to go on
        if turns[-1].answer != SKIP_MARKER and (
                turns[-1].facts is not None and turns[-1].facts.answer_class.is_content
                and state.topics[rp.id].status == TopicStatus.PARTIAL and rounds == 0
                and len(turns) > rp.followup_budget):
            return False  # it had its follow-ups and an answer: the rest waits for /continue
        allowed = 1 + rp.followup_budget + 2 * rounds  # the first question, follow-ups, rounds
        return len(turns) < allowed

    def _settled(self, state: InterviewState, rp_id: str) -> bool:
        topic = state.topics.get(rp_id)
        if topic is None or topic.status in (TopicStatus.COMPLETE, TopicStatus.SKIPPED):
            return True
        return bool(self._direct_turns(state, rp_id))

    def _room_for(self, state: InterviewState, asked: int) -> bool:
        """Whether one more question still leaves room for every required topic not yet asked."""
        waiting = sum(
            1
            for rp in self.pack.reference_points
            if rp.required and state.topics[rp.id].status != TopicStatus.COMPLETE
            and not self._direct_turns(state, rp.id)
        )
        return self.budget(state) - asked - 1 >= waiting

    # ------------------------------------------------------------------ turns
    def ask(
        self,
        state: InterviewState,
        plan: PlannedQuestion,
        text: str,
        *,
        now: datetime,
        kb_sources: Sequence[str] = (),
        latency_ms: float | None = None,
        writer: str = "template",
    ) -> Turn:
        """Record that ``text`` was asked for ``plan``; it becomes the pending turn."""
        if state.pending_turn is not None:
            raise InputError("a question is already waiting for an answer")
        if plan.kind != "name" and plan.reference_point is None:
            raise ValueError("a topic question needs a reference point")
        if any(t.question == text for t in state.turns):
            logger.warning("question text repeats in session %s", state.session_id)
        turn = Turn(
            index=len(state.turns),
            kind=plan.kind,
            reference_point=plan.reference_point.id if plan.reference_point else None,
            question=text,
            asked_at=now,
            kb_sources=list(kb_sources),
            latency_ms=latency_ms,
            writer=writer,
        )
        state.turns.append(turn)
        state.updated_at = now
        self.recompute(state)
        return turn

    def amend_previous(
        self, state: InterviewState, text: str, *, now: datetime, message_id: str | None = None,
        facts: AnswerFacts | None = None,
    ) -> bool:
        """Append ``text`` to the last answer and drop the pending question, which the person
        had not seen when writing it; False when there is no such answer to extend."""
        pending = state.pending_turn
        if pending is None or len(state.turns) < 2:
            return False
        previous = state.turns[-2]
        if previous.answer is None or previous.kind == "name" or previous.answer == SKIP_MARKER:
            return False
        state.turns.pop()
        previous.answer = f"{previous.answer}\n{text}"
        previous.answered_at = now
        previous.facts = facts if facts is not None else self.read(
            previous.answer, state.lang, previous.reference_point)
        if message_id is not None:
            previous.message_ids.append(message_id)
        state.updated_at = now
        self.recompute(state)
        return True

    def record_answer(
        self, state: InterviewState, text: str, *, now: datetime, message_id: str | None = None,
        facts: AnswerFacts | None = None,
    ) -> AnswerOutcome:
        """Apply an (already cleaned) answer to the pending turn, with its facts (analysed by
        the caller; read with the engine's reader when not given) stored on the turn."""
        pending = state.pending_turn
        if pending is None:
            raise InputError("there is no question waiting for an answer")
        if pending.kind != "name":
            pending.facts = facts if facts is not None else self.read(
                text, state.lang, pending.reference_point)
        if message_id is not None:
            pending.message_ids.append(message_id)
        before = {k: v.status for k, v in state.topics.items()}
        slots_before = set(state.slots)
        pending.answer = text
        pending.answered_at = now
        state.updated_at = now
        self.recompute(state)
        if pending.kind == "name":
            return AnswerOutcome(turn=pending, name=state.name)
        completed = tuple(
            k for k, v in state.topics.items()
            if v.status == TopicStatus.COMPLETE and before.get(k) != TopicStatus.COMPLETE
        )
        partial = tuple(
            k
            for k, v in state.topics.items()
            if v.status == TopicStatus.PARTIAL
            and (k == pending.reference_point or before.get(k) != v.status)
        )
        return AnswerOutcome(
            turn=pending,
            completed=completed,
            partial=partial,
            covered_elsewhere=tuple(k for k in completed if k != pending.reference_point),
            new_slots=tuple(sorted(set(state.slots) - slots_before)),
        )

    def skip(self, state: InterviewState, *, now: datetime) -> SkipOutcome:
        """Skip the pending question: optional topics are skipped, required ones deferred."""
        pending = state.pending_turn
        if pending is None:
            raise InputError("there is no question to skip")
        if pending.kind == "name" or pending.reference_point is None:
            return SkipOutcome(skipped=False)
        rp = self.pack.point(pending.reference_point)
        pending.answer = SKIP_MARKER
        pending.answered_at = now
        state.updated_at = now
        self.recompute(state)
        if rp.required:
            why = self.pack.phrase("required_why", section=rp.anketa_section)
            return SkipOutcome(skipped=False, reference_point=rp, why=why)
        return SkipOutcome(skipped=True, reference_point=rp)

    def back(self, state: InterviewState) -> Turn | None:
        """Drop the pending question and re-open the previous answer; None if there is none."""
        if state.pending_turn is not None:
            if len(state.turns) < 2:
                return None
            state.turns.pop()
        if not state.turns:
            return None
        reopened = state.turns[-1]
        reopened.answer = None
        reopened.answered_at = None
        self.recompute(state)
        return reopened

    # ------------------------------------------------------------------ reports
    def progress(self, state: InterviewState) -> Progress:
        """Required topics done out of total, and every topic's status."""
        rows = tuple(
            ProgressRow(rp, self._status(state, rp.id)) for rp in self.pack.reference_points
        )
        required = [row for row in rows if row.reference_point.required]
        return Progress(
            done=sum(1 for row in required if row.status == TopicStatus.COMPLETE),
            total=len(required),
            rows=rows,
            questions_asked=len(state.turns),
            max_questions=self.max_questions,
        )

    def required_complete(self, state: InterviewState) -> bool:
        """Whether every required (P0/P1) topic is complete."""
        return all(
            self._status(state, rp.id) == TopicStatus.COMPLETE
            for rp in self.pack.reference_points
            if rp.required
        )

    def optional_left(self, state: InterviewState) -> int:
        """How many optional-topic questions the interview may still ask (within the budget)."""
        open_topics = sum(
            1
            for rp in self.pack.reference_points
            if not rp.required
            and self._status(state, rp.id) not in (TopicStatus.COMPLETE, TopicStatus.SKIPPED)
        )
        asked = sum(1 for t in state.turns if t.answer is not None)
        return max(0, min(open_topics, self.budget(state) - asked))

    def missing(self, state: InterviewState) -> list[tuple[ReferencePoint, TopicStatus]]:
        """Required topics not complete, then optional topics answered only partly."""
        result: list[tuple[ReferencePoint, TopicStatus]] = []
        for rp in self.pack.reference_points:
            status = self._status(state, rp.id)
            if (rp.required and status != TopicStatus.COMPLETE) or (
                not rp.required and status == TopicStatus.PARTIAL
            ):
                result.append((rp, status))
        return result

    @staticmethod
    def _status(state: InterviewState, rp_id: str) -> TopicStatus:
        topic = state.topics.get(rp_id)
        return topic.status if topic else TopicStatus.MISSING
