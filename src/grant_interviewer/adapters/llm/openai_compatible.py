"""OpenAI-compatible chat completions through the official ``openai`` SDK.

``AsyncOpenAI(base_url=…)`` covers OpenAI itself, Ollama, vLLM, llama.cpp's server, OpenRouter
and gateways. The SDK's own retries are off (``max_retries=0``): the guard retries within the
turn's budget, which the SDK cannot know.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from grant_interviewer.adapters.llm.base import ChatMessage, TLSConfig, status_error
from grant_interviewer.errors import (
    LLMError,
    LLMResponseError,
    LLMTimeoutError,
    LLMUnavailableError,
    MissingExtraError,
)

logger = logging.getLogger(__name__)


class OpenAICompatibleClient:
    """One ``AsyncOpenAI`` client for one endpoint and model."""

    provider = "openai"

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        tls: TLSConfig | None = None,
    ) -> None:
        try:
            import openai
        except ImportError as exc:  # pragma: no cover - the [llm] extra is missing
            raise MissingExtraError("openai", "llm") from exc
        tls = tls or TLSConfig()
        self.model = model
        self.name = f"openai:{model}"
        http_client = None
        if tls.ca_bundle is not None or not tls.verify:
            http_client = openai.DefaultAsyncHttpxClient(verify=tls.context())
        self._client = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",  # local servers (Ollama, llama.cpp) take any key
            max_retries=0,
            http_client=http_client,
        )

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        time_limit: float,
        json_schema: Mapping[str, Any] | None = None,
        max_tokens: int = 300,
        temperature: float = 0.4,
    ) -> str:
        """See :class:`~grant_interviewer.adapters.llm.base.ChatClient`."""
        extra: dict[str, Any] = {}
        if json_schema is not None:
            extra["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer_facts", "schema": dict(json_schema)},
            }
        try:
            response = await self._client.chat.completions.create(
                model=self.model,
                messages=[dict(m) for m in messages],  # type: ignore[misc]
                max_tokens=max_tokens,
                temperature=temperature,
                timeout=time_limit,
                **extra,
            )
        except Exception as exc:
            raise _translate(exc) from None
        try:
            content = response.choices[0].message.content
        except (AttributeError, IndexError, TypeError) as exc:
            raise LLMResponseError(f"{self.name}: reply without a message") from exc
        if not isinstance(content, str) or not content.strip():
            raise LLMResponseError(f"{self.name}: empty reply")
        return content

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.close()


def _translate(exc: Exception) -> LLMError:
    """The one place an ``openai`` exception becomes ours (messages carry no secrets)."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return LLMTimeoutError("openai: request timed out")
    if isinstance(exc, openai.APIConnectionError):
        return LLMUnavailableError(f"openai: connection failed ({type(exc.__cause__).__name__})")
    if isinstance(exc, openai.APIStatusError):
        return status_error("openai", exc.status_code, exc.response.headers,
                            type(exc).__name__)
    if isinstance(exc, openai.APIResponseValidationError | json.JSONDecodeError | ValueError):
        return LLMResponseError(f"openai: malformed reply ({type(exc).__name__})")
    if isinstance(exc, openai.OpenAIError):
        return LLMResponseError(f"openai: {type(exc).__name__}")
    logger.warning("unexpected error from the openai SDK: %r", exc)
    return LLMResponseError(f"openai: unexpected {type(exc).__name__}")
