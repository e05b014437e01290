"""What the writer and the extractor need from a chat model: one async completion call.

Both providers implement :class:`ChatClient`; each translates its SDK's exceptions once, here at
the seam, into the :class:`~grant_interviewer.errors.LLMError` tree (retryable or not), so the
guard and the writer never see a foreign exception.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from grant_interviewer.errors import (
    LLMAuthError,
    LLMError,
    LLMRateLimitError,
    LLMResponseError,
    LLMUnavailableError,
)

ChatMessage = Mapping[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


class ChatClient(Protocol):
    """A chat-completion model behind one provider account."""

    name: str  # e.g. "openai:qwen2.5" / "gigachat:GigaChat" (shown in logs and Turn.writer)
    provider: str  # "openai" | "gigachat": the limiter / breaker key with the account

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        time_limit: float,
        json_schema: Mapping[str, Any] | None = None,
        max_tokens: int = 300,
        temperature: float = 0.4,
    ) -> str:
        """The assistant's text (JSON text when ``json_schema`` is given).

        Raises an ``LLMError`` subclass: never a foreign exception.
        """
        ...

    async def aclose(self) -> None:
        """Release connections (the shared SDK client stays for other users)."""
        ...


@dataclass(frozen=True)
class TLSConfig:
    """How the provider's certificate is checked: verified by default, never silently not."""

    verify: bool = True
    ca_bundle: Path | None = None

    def context(self) -> ssl.SSLContext | bool:
        """An SSL context for httpx (False only when verification was turned off explicitly)."""
        if not self.verify:
            return False
        if self.ca_bundle is not None:
            return ssl.create_default_context(cafile=str(self.ca_bundle))
        return True


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """``Retry-After`` in seconds (the delta-seconds form; an HTTP date is ignored)."""
    if not headers:
        return None
    value = headers.get("retry-after") or headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def status_error(provider: str, status: int, headers: Mapping[str, str] | None, kind: str, *,
                 auth_hint: str = "credentials refused") -> LLMError:
    """An HTTP error status of a provider's API as ours: 429 → rate limited (with its
    ``Retry-After``), 401/403 → authorization, 5xx (and 529 "overloaded") → unavailable
    (retryable), anything else → a bad response. ``kind`` is the SDK exception's name."""
    retry_after = retry_after_seconds(headers)
    if status == 429:
        return LLMRateLimitError(f"{provider}: 429 too many requests", retry_after=retry_after)
    if status in (401, 403):
        return LLMAuthError(f"{provider}: {status} {auth_hint}")
    if status >= 500:
        return LLMUnavailableError(f"{provider}: {status} from the server",
                                   retry_after=retry_after)
    return LLMResponseError(f"{provider}: {status} {kind}")
