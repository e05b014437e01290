"""GigaChat through its official ``gigachat`` SDK.

One ``GigaChatAsyncClient`` per account per process (:func:`shared_client`): the SDK caches the
OAuth access token (about 30 minutes) and refreshes it under its own lock a minute before it
expires or after a 401, so every interview shares one token instead of fetching one each.
The SDK's own retries stay off: the guard retries within the turn's budget.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from grant_interviewer.adapters.llm.base import ChatMessage, TLSConfig, status_error
from grant_interviewer.errors import (
    LLMError,
    LLMResponseError,
    LLMTimeoutError,
    LLMUnavailableError,
    MissingExtraError,
)

if TYPE_CHECKING:
    from gigachat import GigaChatAsyncClient

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "GigaChat"

_CLIENTS: dict[tuple[str, ...], GigaChatAsyncClient] = {}


def shared_client(
    *,
    credentials: str,
    scope: str,
    base_url: str | None,
    auth_url: str | None,
    tls: TLSConfig,
) -> GigaChatAsyncClient:
    """The process's one SDK client for this account (its token is cached inside)."""
    try:
        from gigachat import GigaChatAsyncClient
    except ImportError as exc:  # pragma: no cover - the [llm] extra is missing
        raise MissingExtraError("gigachat", "llm") from exc
    secret = hashlib.sha256(credentials.encode()).hexdigest()  # the key itself is never kept
    key = (secret, scope, base_url or "", auth_url or "", str(tls.verify), str(tls.ca_bundle))
    client = _CLIENTS.get(key)
    if client is None:
        options: dict[str, Any] = {"credentials": credentials, "scope": scope,
                                   "verify_ssl_certs": tls.verify, "max_retries": 0}
        if base_url:
            options["base_url"] = base_url
        if auth_url:
            options["auth_url"] = auth_url
        if tls.ca_bundle is not None:
            options["ca_bundle_file"] = str(tls.ca_bundle)
        client = _CLIENTS[key] = GigaChatAsyncClient(**options)
    return client


def reset_clients() -> None:
    """Forget the shared clients (tests: each event loop needs its own connections)."""
    _CLIENTS.clear()


class GigaChatClient:
    """Chat completions on GigaChat for one model, through the shared SDK client."""

    provider = "gigachat"

    def __init__(
        self,
        *,
        credentials: str,
        scope: str = "GIGACHAT_API_PERS",
        model: str = "",
        base_url: str | None = None,
        auth_url: str | None = None,
        tls: TLSConfig | None = None,
    ) -> None:
        self.model = model or DEFAULT_MODEL
        self.name = f"gigachat:{self.model}"
        self._client = shared_client(credentials=credentials, scope=scope, base_url=base_url,
                                     auth_url=auth_url, tls=tls or TLSConfig())

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        time_limit: float,
        json_schema: Mapping[str, Any] | None = None,
        max_tokens: int = 300,
        temperature: float = 0.4,
    ) -> str:
        """See :class:`~grant_interviewer.adapters.llm.base.ChatClient`.

        The per-call timeout is enforced by the guard (the SDK's is per client); GigaChat has no
        JSON-schema mode on this endpoint, so a schema is described in the prompt by the caller.
        """
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        try:
            response = await self._client.achat(payload)
        except Exception as exc:
            raise _translate(exc) from None
        if not response.choices:
            raise LLMResponseError(f"{self.name}: reply without choices")
        content = response.choices[0].message.content
        if not content or not content.strip():
            raise LLMResponseError(f"{self.name}: empty reply")
        return content

    async def aclose(self) -> None:
        """Close the shared client (the next writer of this process makes a new one)."""
        for key, client in list(_CLIENTS.items()):
            if client is self._client:
                del _CLIENTS[key]
        await self._client.aclose()


def _translate(exc: Exception) -> LLMError:
    """The one place a ``gigachat`` / ``httpx`` exception becomes ours."""
    import httpx
    import pydantic
    from gigachat import exceptions as gx

    if isinstance(exc, httpx.TimeoutException):
        return LLMTimeoutError("gigachat: request timed out")
    if isinstance(exc, httpx.TransportError):
        return LLMUnavailableError(f"gigachat: connection failed ({type(exc).__name__})")
    if isinstance(exc, gx.ResponseError):
        return status_error("gigachat", exc.status_code,
                            dict(exc.headers) if exc.headers else None, type(exc).__name__,
                            auth_hint="authorization refused (check "
                                      "GRANT_INTERVIEWER_GIGACHAT_CREDENTIALS and _SCOPE)")
    if isinstance(exc, pydantic.ValidationError | json.JSONDecodeError | ValueError):
        return LLMResponseError(f"gigachat: malformed reply ({type(exc).__name__})")
    if isinstance(exc, gx.GigaChatException):
        return LLMResponseError(f"gigachat: {type(exc).__name__}")
    logger.warning("unexpected error from the gigachat SDK: %r", exc)
    return LLMResponseError(f"gigachat: unexpected {type(exc).__name__}")
