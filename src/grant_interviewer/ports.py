"""Protocols the service depends on; adapters implement them.

Every method that may touch I/O or heavy computation is ``async`` and must never block the
event loop: blocking work goes to a thread or a worker process inside the adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from grant_interviewer.domain.model import InterviewState, KnowledgeChunk, QuestionRequest
from grant_interviewer.domain.understanding.facts import AnswerFacts


@runtime_checkable
class Embedder(Protocol):
    """A loaded embedding model. Vectors are L2-normalised lists of floats."""

    @property
    def model_id(self) -> str:
        """A stable identifier of the model (backend:name), recorded in collections."""
        ...

    @property
    def dim(self) -> int:
        """The vector size."""
        ...

    async def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed search queries (E5-style models add a query prefix)."""
        ...

    async def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed documents to index."""
        ...


@dataclass(frozen=True)
class ChunkRecord:
    """A knowledge-base chunk with its vector, ready to upsert."""

    id: str  # deterministic: derived from the content hash
    vector: list[float]
    text: str
    source: str
    heading: str
    lang: str
    reference_points: tuple[str, ...] = ()
    content_hash: str = ""


@dataclass(frozen=True)
class CollectionInfo:
    """What a vector collection holds and how it was built."""

    name: str
    count: int
    model_id: str
    dim: int
    extra: dict[str, Any] = field(default_factory=dict)


class VectorStore(Protocol):
    """A vector collection of knowledge chunks (embedded Qdrant or a Qdrant server)."""

    async def ensure_collection(self, *, model_id: str, dim: int) -> None:
        """Create the collection or check that it was built with this model and size.

        Raises ``CollectionMismatchError`` (with the fix in its message) on a mismatch.
        """
        ...

    async def upsert(self, records: Sequence[ChunkRecord]) -> int:
        """Insert or replace records by id; return how many were written."""
        ...

    async def stored_sources(self) -> dict[str, str]:
        """Content hash → source of every stored chunk (for idempotent ingest)."""
        ...

    async def delete(self, ids: Sequence[str]) -> int:
        """Remove points by id (missing ids are ignored); return how many were asked to go."""
        ...

    async def search(
        self,
        vector: Sequence[float],
        *,
        top_k: int,
        lang: str | None = None,
        reference_point: str | None = None,
        score_threshold: float | None = None,
    ) -> list[KnowledgeChunk]:
        """Return the nearest chunks, best first, filtered by language and reference point."""
        ...

    async def info(self) -> CollectionInfo | None:
        """Describe the collection, or None if it does not exist yet."""
        ...

    async def close(self) -> None:
        """Release files and connections."""
        ...


@dataclass(frozen=True)
class RetrievalResult:
    """The knowledge used for one question, and why there may be none."""

    chunks: tuple[KnowledgeChunk, ...] = ()
    degraded: str | None = None  # e.g. "model not ready within 3.0 s"; None when retrieval ran
    elapsed_ms: float = 0.0


class Retriever(Protocol):
    """Finds knowledge-base context for a question within a time budget; never raises."""

    def start(self) -> None:
        """Begin loading the model in the background (idempotent, instant)."""
        ...

    async def retrieve(
        self, query: str, *, lang: str, reference_point: str | None, wait: float,
        answer: str = "",
    ) -> RetrievalResult:
        """Embed ``query`` (the topic) and ``answer`` (the applicant's words) and search; wait
        at most ``wait`` seconds for the model."""
        ...

    def prepare_answer(self, answer: str) -> None:
        """The applicant's words of the next ``retrieve(answer=...)``, known early: start any
        slow work on them now (an embedding). Instant; never raises; may do nothing."""
        ...

    def status(self) -> dict[str, Any]:
        """Model and collection readiness for /status and health endpoints."""
        ...


class QuestionWriter(Protocol):
    """Turns a planned question into words (template generator or an LLM)."""

    name: str

    async def write(self, request: QuestionRequest) -> str:
        """Return the question text; raise ``QuestionWriterError`` on failure."""
        ...


class AnswerAnalyzer(Protocol):
    """Understands one answer: its class, the topics it serves and its typed facts.

    Never raises for a hard text: a model that is not loaded yet or fails degrades to the
    analyzer's rule layer (the offline analyzer) or to the offline analyzer (an LLM one).
    """

    name: str

    async def analyze(
        self, text: str, *, lang: str, asked: str | None, state: InterviewState
    ) -> AnswerFacts:
        """The facts of ``text``, an answer to a question about ``asked`` (a reference point)."""
        ...

    def start(self) -> None:
        """Begin loading models in the background (idempotent, instant)."""
        ...


class Repository(Protocol):
    """Durable interview state. Every ``save`` is committed before it returns."""

    async def create(self, state: InterviewState) -> None:
        """Insert a new session (its turns included)."""
        ...

    async def save(self, state: InterviewState) -> None:
        """Persist the whole state (upsert turns); bumps ``state.version``.

        Raises ``StorageError`` if another writer saved a newer version in between.
        """
        ...

    async def get(self, session_id: str) -> InterviewState | None:
        """Load a session by id."""
        ...

    async def active_for_user(self, user_id: str) -> InterviewState | None:
        """The user's active session, if any (at most one is active per user)."""
        ...

    async def latest_for_user(self, user_id: str) -> InterviewState | None:
        """The user's most recently updated session of any status."""
        ...

    async def list_sessions(self, *, limit: int = 50) -> list[InterviewState]:
        """Most recently updated sessions first."""
        ...

    async def delete_user(self, user_id: str) -> int:
        """Delete every session of the user with its turns; returns how many sessions."""
        ...

    async def close(self) -> None:
        """Dispose of connections."""
        ...
