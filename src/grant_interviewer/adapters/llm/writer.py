"""The LLM question writer (``ports.QuestionWriter``), with a prefetch that hides the model's time.

:meth:`LLMQuestionWriter.write` builds the prompt from the content pack's data template
(:mod:`grant_interviewer.domain.prompts`), calls the model through the provider guard within the
turn's budget, and validates the output (:mod:`.validation`). Any failure raises a
``GrantInterviewerError`` and the service words the question with templates in the same turn.

**Prefetch.** Right after a question is asked, :meth:`prefetch` predicts the next plan with the
engine on a copy of the state in which the pending topic is taken as settled, and drafts that
question in the background while the person types (only if a provider stream is free: a draft
never queues behind, or in front of, a real turn). When the answer arrives,
:meth:`take_draft` hands the draft over if the real plan matches (same turn, kind and topic, and
for a follow-up the same missing details); otherwise it is dropped (and cancelled if still
running). A draft cannot quote the answer it precedes; that is the price of no model wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grant_interviewer.adapters.llm.base import ChatClient
from grant_interviewer.adapters.llm.guard import ProviderGuard
from grant_interviewer.adapters.llm.validation import check_question
from grant_interviewer.domain.coverage import SKIP_MARKER
from grant_interviewer.domain.model import (
    InterviewState,
    KnowledgeChunk,
    PlannedQuestion,
    QuestionRequest,
    utcnow,
)
from grant_interviewer.domain.prompts import (
    build_question_messages,
    given_texts,
    load_question_prompt,
)
from grant_interviewer.errors import GrantInterviewerError, QuestionWriterError

if TYPE_CHECKING:
    from grant_interviewer.domain.engine import InterviewEngine

logger = logging.getLogger(__name__)

__all__ = ["LLMQuestionWriter", "RetrieveFn"]

#: Finds knowledge-base context for a planned question of a state (the service's retrieval).
RetrieveFn = Callable[[InterviewState, PlannedQuestion], Awaitable[tuple[KnowledgeChunk, ...]]]

MAX_DRAFTS = 2000  # drafts kept at most (oldest dropped): a bot keeps no unbounded state
DRAFT_TTL = 1800.0  # seconds a draft stays usable


@dataclass
class _Draft:
    turn_index: int  # len(state.turns) of the request the draft is for
    key: tuple[str, str, tuple[str, ...]]
    task: asyncio.Task[str | None]
    created: float


def _plan_key(plan: PlannedQuestion) -> tuple[str, str, tuple[str, ...]]:
    """What a draft must match: kind and topic, and for a follow-up what it asks for (a topic
    question's prompt names everything that completes the topic, whatever is missing now)."""
    rp = plan.reference_point.id if plan.reference_point else ""
    return plan.kind, rp, tuple(plan.missing) if plan.kind == "followup" else ()


class LLMQuestionWriter:
    """Questions written by a chat model; satisfies ``ports.QuestionWriter``."""

    def __init__(
        self,
        client: ChatClient,
        guard: ProviderGuard,
        *,
        budget: float,
        prefetch: bool = True,
    ) -> None:
        self.client = client
        self.guard = guard
        self.name = client.name[:48]
        self.budget = budget
        self.prefetch_enabled = prefetch
        self.stats: Counter[str] = Counter()  # written, rejected:<reason>, failed, draft_* …
        self._drafts: OrderedDict[str, _Draft] = OrderedDict()

    # ------------------------------------------------------------------ writing
    async def write(self, request: QuestionRequest) -> str:
        """The question for ``request``; raises a GrantInterviewerError to fall back."""
        return await self._write(request, deadline=time.monotonic() + self.budget,
                                 wait_for_slot=True)

    async def _write(self, request: QuestionRequest, *, deadline: float,
                     wait_for_slot: bool) -> str:
        if request.plan.reference_point is None:
            raise QuestionWriterError("the name question is the content pack's")
        prompt = load_question_prompt(request.state.lang)
        messages = build_question_messages(prompt, request)
        try:
            raw = await self.guard.call(
                lambda limit: self.client.complete(messages, time_limit=limit, max_tokens=200),
                deadline=deadline,
                wait_for_slot=wait_for_slot,
            )
        except GrantInterviewerError as exc:
            self.stats[f"failed:{type(exc).__name__}"] += 1
            raise
        return self.check(raw, request)

    def check(self, raw: str, request: QuestionRequest, *, count: bool = True) -> str:
        """Validate model output for ``request`` (QuestionRejectedError if it fails)."""
        prompt = load_question_prompt(request.state.lang)
        given = given_texts(prompt, request)
        try:
            text = check_question(
                raw,
                lang=request.state.lang,
                earlier=[t.question for t in request.state.turns],
                given=given,
                echo_markers=prompt.echo_markers,
                instructions=prompt.instruction_lines,
            )
        except QuestionWriterError as exc:
            self.stats[f"rejected:{getattr(exc, 'reason', 'other')}"] += 1
            logger.info("model question for %s rejected: %s", request.plan.kind, exc)
            raise
        if count:
            self.stats["written"] += 1
        return text

    # ------------------------------------------------------------------ prefetch
    def prefetch(
        self, state: InterviewState, engine: InterviewEngine, retrieve: RetrieveFn | None = None
    ) -> None:
        """Start drafting the likely next question of ``state`` (instant; never raises)."""
        pending = state.pending_turn
        # After the name question the next question would address a name not known yet.
        if not self.prefetch_enabled or pending is None or pending.kind == "name":
            return
        try:
            predicted = InterviewState.from_dict(state.to_dict())
            assumed = predicted.turns[-1]
            # "Settled" without inventing an answer: a skipped topic is neither followed up
            # nor eligible, exactly like a completed one.
            assumed.answer, assumed.answered_at = SKIP_MARKER, utcnow()
            plan = engine.plan_next(predicted)
        except Exception:  # prediction is an optimisation: never break the turn
            logger.exception("prefetch prediction failed for %s", state.session_id)
            return
        self._drop(state.session_id)
        if plan is None or plan.kind == "name" or plan.reference_point is None:
            return
        task = asyncio.get_running_loop().create_task(
            self._draft(predicted, plan, engine, retrieve))
        self._drafts[state.session_id] = _Draft(
            turn_index=len(predicted.turns), key=_plan_key(plan), task=task,
            created=time.monotonic())
        self.stats["draft_started"] += 1
        while len(self._drafts) > MAX_DRAFTS:
            _, old = self._drafts.popitem(last=False)
            old.task.cancel()

    async def _draft(self, state: InterviewState, plan: PlannedQuestion,
                     engine: InterviewEngine, retrieve: RetrieveFn | None) -> str | None:
        try:
            context = await retrieve(state, plan) if retrieve is not None else ()
            request = QuestionRequest(plan, state, engine.pack, context)
            return await self._write(request, deadline=time.monotonic() + self.budget,
                                     wait_for_slot=False)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failed draft just means no draft
            self.stats["draft_failed"] += 1
            logger.debug("draft for %s failed: %s", state.session_id, exc)
            return None

    async def take_draft(self, request: QuestionRequest) -> str | None:
        """The prefetched question for ``request`` if its plan was predicted, else None.

        A draft still being written is awaited (the caller bounds the wait); a draft for
        another plan is dropped.
        """
        draft = self._drafts.pop(request.state.session_id, None)
        if draft is None:
            return None
        fresh = time.monotonic() - draft.created < DRAFT_TTL
        if (not fresh or draft.turn_index != len(request.state.turns)
                or draft.key != _plan_key(request.plan)):
            draft.task.cancel()
            self.stats["draft_miss"] += 1
            return None
        text = await draft.task  # cancelled with the caller if the turn's budget runs out
        if text is None:
            self.stats["draft_empty"] += 1
            return None
        try:
            # checked again against the real state (which holds the new answer)
            text = self.check(text, request, count=False)
        except QuestionWriterError:
            self.stats["draft_rejected"] += 1
            return None
        self.stats["draft_hit"] += 1
        return text

    async def drafts_settled(self) -> None:
        """Wait until every draft in flight is written or failed (tests, benches: "typing")."""
        tasks = [draft.task for draft in self._drafts.values()]
        if tasks:
            await asyncio.wait(tasks)

    def hit_rate(self) -> float | None:
        """Drafts used / drafts looked for (None before any was looked for)."""
        hits = self.stats["draft_hit"]
        looked = hits + self.stats["draft_miss"] + self.stats["draft_empty"] + self.stats[
            "draft_rejected"]
        return hits / looked if looked else None

    def _drop(self, session_id: str) -> None:
        draft = self._drafts.pop(session_id, None)
        if draft is not None:
            draft.task.cancel()

    async def aclose(self) -> None:
        """Cancel drafts in flight and close the client."""
        drafts = list(self._drafts.values())
        self._drafts.clear()
        for draft in drafts:
            draft.task.cancel()
        for draft in drafts:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await draft.task
        await self.client.aclose()
