"""Language-model adapters: OpenAI-compatible and GigaChat clients, the provider guard
(limiter, retries, circuit breaker), the question writer with its prefetch.

Nothing heavy is imported here; :func:`build_llm_writer` imports the SDK it needs.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from grant_interviewer.errors import ConfigurationError, MissingExtraError

if TYPE_CHECKING:
    from grant_interviewer.adapters.llm.base import ChatClient
    from grant_interviewer.adapters.llm.extractor import LLMAnswerAnalyzer
    from grant_interviewer.adapters.llm.writer import LLMQuestionWriter
    from grant_interviewer.ports import AnswerAnalyzer
    from grant_interviewer.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_CONCURRENCY", "build_chat_client", "build_llm_analyzer", "build_llm_writer"]

#: Calls in flight per provider account when GRANT_INTERVIEWER_LLM_MAX_CONCURRENCY is unset.
#: GigaChat's personal scope allows one stream; business scopes and OpenAI-compatible servers
#: allow more (a local Ollama or llama.cpp server serves a few at a time).
DEFAULT_CONCURRENCY = {"gigachat": 1, "openai": 4}


def build_chat_client(settings: Settings) -> ChatClient:
    """The chat client these settings select (ConfigurationError when incomplete)."""
    from grant_interviewer.adapters.llm.base import TLSConfig

    tls = TLSConfig(verify=settings.llm_verify_tls, ca_bundle=settings.llm_ca_bundle)
    if not settings.llm_verify_tls:
        logger.warning("TLS certificate verification of the LLM provider is OFF "
                       "(GRANT_INTERVIEWER_LLM_VERIFY_TLS=false): use a CA bundle instead "
                       "(GRANT_INTERVIEWER_LLM_CA_BUNDLE)")
    if settings.llm_ca_bundle is not None and not settings.llm_ca_bundle.is_file():
        raise ConfigurationError(
            f"GRANT_INTERVIEWER_LLM_CA_BUNDLE={settings.llm_ca_bundle} is not a file")
    if settings.llm_provider == "openai":
        from grant_interviewer.adapters.llm.openai_compatible import OpenAICompatibleClient

        if not settings.llm_model:
            raise ConfigurationError("GRANT_INTERVIEWER_LLM_MODEL is required for "
                                     "llm_provider=openai (e.g. gpt-4o-mini, qwen2.5:7b)")
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return OpenAICompatibleClient(model=settings.llm_model, base_url=settings.llm_url,
                                      api_key=key, tls=tls)
    if settings.llm_provider == "gigachat":
        from grant_interviewer.adapters.llm.gigachat import GigaChatClient

        secret = settings.gigachat_credentials or settings.llm_api_key
        if secret is None:
            raise ConfigurationError("GRANT_INTERVIEWER_GIGACHAT_CREDENTIALS (the authorization "
                                     "key) is required for llm_provider=gigachat")
        return GigaChatClient(credentials=secret.get_secret_value(),
                              scope=settings.gigachat_scope, model=settings.llm_model,
                              base_url=settings.llm_url, auth_url=settings.gigachat_auth_url,
                              tls=tls)
    raise ConfigurationError(f"no LLM provider configured (llm_provider={settings.llm_provider})")


def build_llm_writer(settings: Settings) -> LLMQuestionWriter:
    """The question writer over the configured provider, with its process-wide guard.

    Raises MissingExtraError (with the pip hint) when the ``[llm]`` extra is not installed.
    """
    for module in ("tenacity", "purgatory", "rapidfuzz"):
        try:
            __import__(module)
        except ImportError as exc:
            raise MissingExtraError(module, "llm") from exc
    from grant_interviewer.adapters.llm.guard import GuardPolicy, get_guard
    from grant_interviewer.adapters.llm.limits import get_limiter
    from grant_interviewer.adapters.llm.writer import LLMQuestionWriter

    client = build_chat_client(settings)
    limit = settings.llm_max_concurrency or DEFAULT_CONCURRENCY[client.provider]
    account = f"{client.provider}:{settings.llm_url or 'default'}"
    limiter = get_limiter(account, limit, redis_url=settings.redis_url)
    policy = GuardPolicy(max_attempts=settings.llm_max_attempts,
                         breaker_failures=settings.llm_breaker_failures,
                         breaker_cooldown=settings.llm_breaker_cooldown)
    guard = get_guard(account, limiter, policy)
    return LLMQuestionWriter(client, guard, budget=settings.llm_timeout,
                             prefetch=settings.llm_prefetch)


def build_llm_analyzer(
    writer: LLMQuestionWriter, offline: AnswerAnalyzer, *, budget: float
) -> LLMAnswerAnalyzer:
    """Answer understanding by the writer's model (same client, same guard), over ``offline``.

    ``budget`` bounds the whole analysis (offline first, then the model), so it must be shorter
    than the service's own limit on analysis, or the answer would be read by rules alone.
    """
    from grant_interviewer.adapters.llm.extractor import LLMAnswerAnalyzer

    return LLMAnswerAnalyzer(writer.client, writer.guard, offline, budget=budget)
