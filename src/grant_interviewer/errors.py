"""One exception root for Grant Interviewer.

Every error raised on purpose by this package derives from :class:`GrantInterviewerError`;
foreign exceptions (SQLAlchemy, qdrant, httpx, model backends) are translated once, at the
adapter seam that meets them.

    GrantInterviewerError
    ├── ConfigurationError          a setting is invalid or contradicts another
    │   ├── InvalidSettingsError    GRANT_INTERVIEWER_* variables hold invalid values
    │   └── MissingExtraError       an optional dependency is not installed (carries the pip hint)
    ├── ContentError                a content pack / persona / knowledge file is invalid
    ├── InputError                  user input cannot be accepted (empty, too long, binary ...)
    ├── SessionNotFoundError        no interview matches a session id or user id
    ├── StorageError                the database failed (connection, migration, integrity)
    ├── EmbeddingError              the embedding model failed to load or encode
    ├── VectorStoreError            the vector store failed
    │   └── CollectionMismatchError the collection was built with another model / dimension
    ├── LLMError                    a language-model provider call failed (adapters/llm)
    │   ├── LLMTimeoutError         no answer (or no free stream) within the time allowed
    │   ├── LLMRateLimitError       429: the provider asks to slow down (``retry_after``)
    │   ├── LLMUnavailableError     5xx / 529 / connection refused: down or overloaded
    │   ├── LLMResponseError        the reply was malformed, empty or not what was asked for
    │   ├── LLMAuthError            the credentials were refused (401/403); not retried
    │   └── LLMCircuitOpenError     calls failed repeatedly: everyone is offline for a cool-down
    └── QuestionWriterError         the question writer (LLM) failed; the service falls back
        └── QuestionRejectedError   the model's question failed validation (``reason``)
"""

from __future__ import annotations


class GrantInterviewerError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigurationError(GrantInterviewerError):
    """A setting is invalid or contradicts another setting."""


class InvalidSettingsError(ConfigurationError):
    """Environment variables hold invalid values; ``problems`` has one line per variable."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("invalid settings: " + "; ".join(self.problems))


class MissingExtraError(ConfigurationError):
    """An optional dependency is missing; the message carries the ``pip install`` hint."""

    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{package} is not installed; install it with: "
            f"pip install 'grant-interviewer[{extra}]'"
        )


class ContentError(GrantInterviewerError):
    """A content pack, persona file or knowledge-base file is invalid."""


class InputError(GrantInterviewerError):
    """User input cannot be accepted; ``str(error)`` is a message fit to show the user."""


class SessionNotFoundError(GrantInterviewerError):
    """No interview matches the given session id or user id."""


class StorageError(GrantInterviewerError):
    """The database failed (connection, migration, integrity)."""


class EmbeddingError(GrantInterviewerError):
    """The embedding model failed to load or to encode."""


class VectorStoreError(GrantInterviewerError):
    """The vector store failed."""


class CollectionMismatchError(VectorStoreError):
    """The collection was built with another embedding model or vector size."""


class QuestionWriterError(GrantInterviewerError):
    """The question writer failed; callers fall back to the template writer."""


class LLMError(GrantInterviewerError):
    """A call to a language-model provider failed (translated once, in ``adapters/llm``)."""

    retryable: bool = False


class LLMTimeoutError(LLMError):
    """No answer, or no free provider stream, within the time allowed."""

    retryable = True


class LLMRateLimitError(LLMError):
    """The provider answered 429; ``retry_after`` is its Retry-After in seconds (None if absent)."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class LLMUnavailableError(LLMError):
    """The provider is down or overloaded (5xx, 529, connection refused)."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class LLMResponseError(LLMError):
    """The provider's reply was malformed, empty, or not what was asked for."""


class LLMAuthError(LLMError):
    """The provider refused the credentials (401/403); retrying will not help."""


class LLMCircuitOpenError(LLMError):
    """Recent calls failed repeatedly: every interview uses the offline path for a cool-down."""


class QuestionRejectedError(QuestionWriterError):
    """The model's question failed validation; ``reason`` says which check (for logs, stats)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"question rejected: {reason}")
